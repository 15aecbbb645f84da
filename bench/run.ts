// `npm run bench [-- --json] [-- --quick]`: engine benchmarks. Prints a table (or, with --json, one
// JSON array of {case, msPerStep, statesPerSec, gflops, ...}). Not part of `npm test`.
import { initBackend } from '../src/tensor/backend.ts';
import { formatNumber } from '../src/io/tables.ts';
import { matMulProbe, modelStepThroughput, plainMlpThroughput, type ThroughputResult } from './train-throughput.ts';
import { trainDefaultToThreshold } from './olg-analytic-convergence.ts';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const backendArg = args.find((a) => a.startsWith('--backend='))?.split('=')[1];

const info = await initBackend(backendArg);
const log = (s: string) => process.stderr.write(s + '\n');
log(`backend ${info.name}${info.wasmThreads ? `, ${info.wasmThreads} thread(s)` : ''}`);

const results: ThroughputResult[] = [];
results.push(matMulProbe());
results.push(modelStepThroughput('models/olg-analytic.json', 'olg-analytic-step'));
if (existsSync('models/olg-two-asset-cpu.json')) {
  try {
    results.push(modelStepThroughput('models/olg-two-asset-cpu.json', 'olg-two-asset-cpu-step', 10));
  } catch (err) {
    log(`olg-two-asset-cpu-step skipped: ${(err as Error).message}`);
  }
}
results.push(plainMlpThroughput(quick ? 5 : 20));

for (const seed of quick ? [1] : [1, 2, 3]) {
  log(`training models/olg-analytic.json from scratch, seed ${seed} ...`);
  const r = await trainDefaultToThreshold(seed);
  const euler = r.table.families.euler;
  results.push({
    case: `olg-analytic-converge-seed${seed}`,
    msPerStep: (1000 * r.wallSeconds) / r.steps,
    statesPerSec: NaN,
    gflops: NaN,
    wallSeconds: r.wallSeconds,
    stopReason: r.reason,
    episodes: r.episodes,
    eulerMean: euler.mean,
    eulerMax: euler.max,
    eulerP99_9: euler['p99.9'],
    savingsPolicyErrorMean: r.table.policyError.savings?.mean ?? NaN,
    savingsPolicyErrorMax: r.table.policyError.savings?.max ?? NaN,
  });
}

if (json) {
  process.stdout.write(JSON.stringify(results.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v])))) + '\n');
} else {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? formatNumber(v, 4) : v === undefined ? '' : String(v));
  process.stdout.write(`| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|\n`);
  for (const r of results) process.stdout.write(`| ${keys.map((k) => cell(r[k])).join(' | ')} |\n`);
}
