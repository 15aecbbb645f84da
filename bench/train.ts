// `npm run bench:train [-- --json] [-- --steps=N] [-- --cases=a,b] [-- --batch=N]`: training-step throughput only
// (see bench/train-throughput.ts). Each case reports the median of N timed steps (default 20)
// after warm-up; the matmul-1024 row is the backend's plain matMul rate measured in the same run,
// the yardstick for each case's achieved GFLOP/s. --batch overrides the model cases' minibatch size.
// --json prints one array of {case, msPerStep, cpuMsPerStep, statesPerSec, gflops, cpuGflops} (CPU
// time of all the process's threads, the steadier figure on a shared machine; cpuGflops = flops per
// CPU second, which is per core-second whatever the thread count).
// DEQN_WASM_THREADS sets the wasm thread count (default: one per core, at most 4); DEQN_DISABLE_OPTIMISATIONS turns optimisations off
// for before/after comparisons (src/tensor/backend.ts).
import { existsSync } from 'node:fs';
import { initBackend } from '../src/tensor/backend.ts';
import { formatNumber } from '../src/io/tables.ts';
import { describeGemmArithmetic } from '../src/tensor/wasm-gemm.ts';
import { matMulProbe, modelStepThroughput, plainMlpThroughput, type ThroughputResult } from './train-throughput.ts';

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const steps = Number(option('steps') ?? 20);
const only = option('cases')?.split(',');
const batch = option('batch') === undefined ? undefined : Number(option('batch'));
const info = await initBackend(option('backend'));
process.stderr.write(`backend ${info.name}${info.wasmThreads ? `, ${info.wasmThreads} thread(s)` : ''}${info.skipped.length ? ` (skipped: ${info.skipped.join('; ')})` : ''}\n`);

const CASES: [string, () => ThroughputResult][] = [
  ['matmul-1024', () => matMulProbe()],
  ['olg-analytic-step', () => modelStepThroughput('models/olg-analytic.json', 'olg-analytic-step', steps, batch)],
  ['olg-two-asset-cpu-step', () => modelStepThroughput('models/olg-two-asset-cpu.json', 'olg-two-asset-cpu-step', steps, batch)],
  ['mlp-3x1000-b2048', () => plainMlpThroughput(steps)],
];
const results: ThroughputResult[] = [];
for (const [name, run] of CASES) {
  if (only && !only.includes(name)) continue;
  if (name === 'olg-two-asset-cpu-step' && !existsSync('models/olg-two-asset-cpu.json')) continue;
  try {
    results.push(run());
  } catch (err) {
    process.stderr.write(`${name} skipped: ${(err as Error).message}\n`);
  }
}

const matMul = results.find((r) => r.case === 'matmul-1024')?.gflops;
if (args.includes('--json')) {
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const rows = results.map((r) => ({ case: r.case, msPerStep: r.msPerStep, cpuMsPerStep: num(r.cpuMsPerStep), statesPerSec: finite(r.statesPerSec), gflops: finite(r.gflops), cpuGflops: num(r.cpuGflops) }));
  process.stdout.write(JSON.stringify(rows) + '\n');
} else {
  process.stdout.write(
    '| case | batch | ms/step (median) | CPU ms/step (median) | states/s | GFLOP/s | share of plain matMul | GFLOP per CPU s | share of plain matMul (CPU) |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  const cpuMatMul = results.find((r) => r.case === 'matmul-1024')?.cpuGflops;
  const share = (x: number, of: unknown) => (typeof of === 'number' ? `${formatNumber((100 * x) / of, 3)} %` : '');
  for (const r of results) {
    const probe = r.case === 'matmul-1024';
    const cpu = typeof r.cpuMsPerStep === 'number' ? formatNumber(r.cpuMsPerStep, 4) : '';
    const cpuGflops = typeof r.cpuGflops === 'number' ? r.cpuGflops : undefined;
    const cells = [
      r.case, `${r.batch ?? ''}`, formatNumber(r.msPerStep, 4), cpu, probe ? '' : formatNumber(r.statesPerSec, 4), formatNumber(r.gflops, 3),
      probe ? '' : share(r.gflops, matMul), cpuGflops === undefined ? '' : formatNumber(cpuGflops, 3), probe || cpuGflops === undefined ? '' : share(cpuGflops, cpuMatMul),
    ];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
}
if (info.name === 'wasm') process.stderr.write(`${describeGemmArithmetic()}\n`);
