// Solve times of the heterogeneous-agent trade reference solver on this CPU: one household problem
// (EGM + Howard sweeps) and one stationary distribution for 2 and 19 varieties, then the stationary
// equilibrium of every shipped ha-trade config. Run: npx tsx bench/ha-trade.ts [--json] [--only NAME]
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig, buildEconomy } from '../src/models/ha-trade/config.ts';
import { solveEquilibrium } from '../src/models/ha-trade/index.ts';
import { householdParamsFor, deliveredPrices } from '../src/models/ha-trade/economy.ts';
import { solveHousehold } from '../src/models/ha-trade/household-egm.ts';
import { stationaryDistribution } from '../src/models/ha-trade/distribution.ts';

const CONFIGS = ['ha-trade-two-country', 'ha-trade-two-country-log', 'ha-trade-ek19-2024', 'ha-trade-ek19-2022'];
const json = process.argv.includes('--json');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;

interface Row {
  name: string;
  countries: number;
  seconds: number;
  iterations: number;
  worldEvaluations: number;
  householdSolves: number;
  R: string;
  residual: number;
}

function microBench(name: string): { varieties: number; householdMs: number; householdIterations: number; distributionMs: number; distributionIterations: number } {
  const { config, baseDir } = loadConfig(resolve('models', `${name}.json`));
  const econ = buildEconomy(config, baseDir);
  const wages = new Float64Array(econ.countries.length).fill(1);
  const params = householdParamsFor(econ, 0);
  const prices = { R: 1.01, wage: 1, rebate: 0, prices: deliveredPrices(econ, wages, 0) };
  solveHousehold(params, prices); // JIT warm-up
  const reps = 5;
  let t = performance.now();
  let hh = solveHousehold(params, prices, { tol: econ.householdTol });
  for (let r = 1; r < reps; r++) hh = solveHousehold(params, prices, { tol: econ.householdTol });
  const householdMs = (performance.now() - t) / reps;
  t = performance.now();
  let dist = stationaryDistribution(hh, params.agrid, econ.chain.P, econ.chain.ergodic, { tol: econ.distributionTol });
  for (let r = 1; r < reps; r++) dist = stationaryDistribution(hh, params.agrid, econ.chain.P, econ.chain.ergodic, { tol: econ.distributionTol });
  const distributionMs = (performance.now() - t) / reps;
  return { varieties: econ.countries.length, householdMs, householdIterations: hh.iterations, distributionMs, distributionIterations: dist.iterations };
}

const micro = ['ha-trade-two-country', 'ha-trade-ek19-2024'].map(microBench);
const rows: Row[] = [];
for (const name of CONFIGS) {
  if (only && name !== only) continue;
  const { config, baseDir } = loadConfig(resolve('models', `${name}.json`));
  const eq = solveEquilibrium(config, { baseDir });
  rows.push({
    name,
    countries: eq.countries.length,
    seconds: eq.seconds,
    iterations: eq.iterations,
    worldEvaluations: eq.worldEvaluations,
    householdSolves: eq.householdSolves,
    R: typeof eq.R === 'number' ? eq.R.toFixed(6) : Array.from(eq.R, (r) => r.toFixed(4)).join('/'),
    residual: eq.residualNorm,
  });
}
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAverage1min: loadavg()[0], node: process.version };
if (json) process.stdout.write(JSON.stringify({ machine, micro, equilibria: rows }) + '\n');
else {
  const lines = [`# ha-trade solver timings (${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage1min.toFixed(2)}, node ${machine.node})`, ''];
  lines.push('| varieties | household solve (ms) | EGM iterations | distribution (ms) | lottery iterations |', '|---|---|---|---|---|');
  for (const m of micro) lines.push(`| ${m.varieties} | ${m.householdMs.toFixed(1)} | ${m.householdIterations} | ${m.distributionMs.toFixed(1)} | ${m.distributionIterations} |`);
  lines.push('', '| config | countries | solve (s) | iterations | world evaluations | household solves | R | residual |', '|---|---|---|---|---|---|---|---|');
  for (const r of rows) lines.push(`| ${r.name} | ${r.countries} | ${r.seconds.toFixed(1)} | ${r.iterations} | ${r.worldEvaluations} | ${r.householdSolves} | ${r.R} | ${r.residual.toExponential(2)} |`);
  process.stdout.write(lines.join('\n') + '\n');
}
