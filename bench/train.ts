// `npm run bench:train [-- --json]`: training-step throughput only (see bench/train-throughput.ts).
import { existsSync } from 'node:fs';
import { initBackend } from '../src/tensor/backend.ts';
import { formatNumber } from '../src/io/tables.ts';
import { matMulProbe, modelStepThroughput, plainMlpThroughput, type ThroughputResult } from './train-throughput.ts';

const args = process.argv.slice(2);
const backendArg = args.find((a) => a.startsWith('--backend='))?.split('=')[1];
const steps = Number(args.find((a) => a.startsWith('--steps='))?.split('=')[1] ?? 20);
await initBackend(backendArg);

const results: ThroughputResult[] = [matMulProbe(), modelStepThroughput('models/olg-analytic.json', 'olg-analytic-step', steps)];
if (existsSync('models/olg-two-asset-cpu.json')) results.push(modelStepThroughput('models/olg-two-asset-cpu.json', 'olg-two-asset-cpu-step', steps));
results.push(plainMlpThroughput(steps));

if (args.includes('--json')) {
  process.stdout.write(JSON.stringify(results.map(({ case: c, msPerStep, statesPerSec, gflops }) => ({ case: c, msPerStep, statesPerSec: Number.isFinite(statesPerSec) ? statesPerSec : null, gflops }))) + '\n');
} else {
  process.stdout.write('| case | batch | ms/step (median) | states/s | GFLOP/s |\n|---|---|---|---|---|\n');
  for (const r of results) {
    process.stdout.write(`| ${r.case} | ${r.batch ?? ''} | ${formatNumber(r.msPerStep, 4)} | ${formatNumber(r.statesPerSec, 4)} | ${formatNumber(r.gflops, 3)} |\n`);
  }
}
