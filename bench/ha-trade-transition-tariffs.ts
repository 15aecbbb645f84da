// Does the transition change HOME's unilaterally optimal tariff? For the two-country config, HOME's
// utilitarian welfare (wealth-scaling equivalent, transition-welfare.ts) of a permanent tariff on
// FOREIGN, including the transition path and steady state to steady state, on a grid of tariffs,
// then each maximised by golden-section search. CPU seconds per evaluation are reported.
// Run: npx tsx bench/ha-trade-transition-tariffs.ts [--json] [--periods 100] [--grid 0.1,0.2,0.3,0.4,0.5]
import { loadConfig, buildEconomy } from '../src/models/ha-trade/config.ts';
import { solveEquilibrium, type HaTradeEquilibrium } from '../src/models/ha-trade/index.ts';
import { solveTransition } from '../src/models/ha-trade/transition.ts';
import { utilitarianEquivalent } from '../src/models/ha-trade/transition-welfare.ts';
import { cpuSeconds } from './args.ts';

const json = process.argv.includes('--json');
const arg = (name: string, fallback: string) => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : fallback;
};
const T = Number(arg('--periods', '100'));
const grid = arg('--grid', '0.1,0.2,0.3,0.4,0.5').split(',').map(Number);
const cpu = cpuSeconds;

const { config, baseDir } = loadConfig('models/ha-trade-two-country.json');
config.solver.householdTolerance = 1e-12;
config.solver.distributionTolerance = 1e-13;
const old = solveEquilibrium(config, { baseDir, tol: 1e-10 });
const base = buildEconomy(config, baseDir).tariffs;
let warm: HaTradeEquilibrium = old;

interface Point {
  tariff: number;
  home: { transition: number; steady: number };
  foreign: { transition: number; steady: number };
  cpuSeconds: number;
}
const cache = new Map<number, Point>();
function evaluate(tariff: number): Point {
  const hit = cache.get(tariff);
  if (hit) return hit;
  const c0 = cpu();
  const tariffs = Float64Array.from(base);
  tariffs[1] = tariff;
  const next = solveEquilibrium(config, { baseDir, tol: 1e-10, tariffs, initial: { wages: warm.wages, R: warm.R as number, rebates: warm.rebates } });
  warm = next;
  const path = solveTransition(old, next, { periods: T, tol: 1e-9 });
  const side = (i: number) => ({
    transition: utilitarianEquivalent(old.states[i], path.massOld[i], path.valueAtStart[i]),
    steady: utilitarianEquivalent(old.states[i], path.massOld[i], path.valueNew[i]),
  });
  const p = { tariff, home: side(0), foreign: side(1), cpuSeconds: cpu() - c0 };
  cache.set(tariff, p);
  if (!json) process.stderr.write(`tariff ${tariff.toFixed(5)}: HOME ${p.home.transition.toFixed(5)} (transition) ${p.home.steady.toFixed(5)} (steady state), ${p.cpuSeconds.toFixed(1)} s CPU\n`);
  return p;
}

function goldenMax(f: (x: number) => number, lo: number, hi: number, tol = 2e-4): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tol) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

const rows = grid.map(evaluate);
const k = rows.reduce((best, r, i) => (r.home.steady > rows[best].home.steady ? i : best), 0);
const lo = grid[Math.max(0, k - 1)];
const hi = grid[Math.min(grid.length - 1, k + 1)];
const c0 = cpu();
const steadyOpt = goldenMax((t) => evaluate(t).home.steady, lo, hi);
const transitionOpt = goldenMax((t) => evaluate(t).home.transition, lo, hi);
const search = cpu() - c0;
const at = (t: number) => evaluate(t);
const result = { periods: T, grid: rows, optimum: { steadyState: at(steadyOpt), transition: at(transitionOpt) }, searchCpuSeconds: search, evaluations: cache.size };
if (json) process.stdout.write(JSON.stringify(result) + '\n');
else {
  console.log(`HOME's utilitarian welfare (%) of a permanent tariff on FOREIGN, two-country config, T = ${T}`);
  console.log('| tariff | HOME incl. transition | HOME steady state | FOREIGN incl. transition | FOREIGN steady state | CPU s |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.tariff} | ${r.home.transition.toFixed(5)} | ${r.home.steady.toFixed(5)} | ${r.foreign.transition.toFixed(5)} | ${r.foreign.steady.toFixed(5)} | ${r.cpuSeconds.toFixed(1)} |`);
  const o = result.optimum;
  console.log(`optimal HOME tariff, steady-state welfare: ${steadyOpt.toFixed(4)} (HOME ${o.steadyState.home.steady.toFixed(4)} %, FOREIGN ${o.steadyState.foreign.steady.toFixed(4)} %)`);
  console.log(`optimal HOME tariff, welfare incl. transition: ${transitionOpt.toFixed(4)} (HOME ${o.transition.home.transition.toFixed(4)} %, FOREIGN ${o.transition.foreign.transition.toFixed(4)} %)`);
  console.log(`golden-section searches ${search.toFixed(1)} s CPU; ${cache.size} evaluations`);
}
