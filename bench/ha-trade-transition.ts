// Transition solves of the heterogeneous-agent trade reference (src/models/ha-trade/transition.ts) on
// this CPU: for a policy change of the two-country config, the stationary equilibria once, then the
// perfect-foresight path for several horizons T: CPU seconds (Jacobian build + quasi-Newton), the
// iterations, and welfare including the transition per country, which shows whether T is long enough.
// Run: npx tsx bench/ha-trade-transition.ts [--json] [--periods 100,200,300] [--symmetric]
//      npx tsx bench/ha-trade-transition.ts --validation [--json]: transition vs steady-state welfare at
//      the DEQN validation policy points (HOME tariff, FOREIGN tariff, trade-cost scale), T = 150.
import { cpus, loadavg } from 'node:os';
import { loadConfig, buildEconomy } from '../src/models/ha-trade/config.ts';
import { solveEquilibrium } from '../src/models/ha-trade/index.ts';
import { solveTransition } from '../src/models/ha-trade/transition.ts';
import { transitionWelfare, utilitarianEquivalent } from '../src/models/ha-trade/transition-welfare.ts';
import { cpuSeconds } from './args.ts';

const json = process.argv.includes('--json');
const symmetric = process.argv.includes('--symmetric');
const at = process.argv.indexOf('--periods');
const horizons = (at >= 0 ? process.argv[at + 1] : '100,200,300').split(',').map(Number);

const cpu = cpuSeconds;

const { config, baseDir } = loadConfig('models/ha-trade-two-country.json');
config.solver.householdTolerance = 1e-12;
config.solver.distributionTolerance = 1e-13;
if (process.argv.includes('--validation')) {
  validationPoints();
  process.exit(0);
}
let c0 = cpu();
const old = solveEquilibrium(config, { baseDir, tol: 1e-10 });
const tariffs = Float64Array.from(buildEconomy(config, baseDir).tariffs);
tariffs[1] = 0.25;
if (symmetric) tariffs[2] = 0.25;
const next = solveEquilibrium(config, { baseDir, tol: 1e-10, tariffs, initial: { wages: old.wages, R: old.R as number } });
const steadyCpu = cpu() - c0;
const rows = horizons.map((T) => {
  c0 = cpu();
  const wall = performance.now();
  const path = solveTransition(old, next, { periods: T, tol: 1e-9 });
  const transitionCpu = cpu() - c0;
  const seconds = (performance.now() - wall) / 1000;
  const w = transitionWelfare(old, next, path);
  return {
    periods: T,
    unknowns: T * (path.countries.length - 1 + 1 + path.countries.length),
    jacobianCpu: path.jacobianCpuSeconds,
    transitionCpu,
    wallSeconds: seconds,
    iterations: path.iterations.length - 1,
    residual: path.residualNorm,
    terminalGap: Math.max(...path.terminalDistributionGap),
    welfareTransition: w.map((c) => c.transition.utilitarian),
    welfareSteady: w.map((c) => c.steadyState.utilitarian),
  };
});
if (json) process.stdout.write(JSON.stringify({ policy: symmetric ? 'tariff 0.25 both ways' : 'tariff.HOME.FOREIGN=0.25', steadyCpu, rows, cpus: cpus().length, load: loadavg()[0] }) + '\n');
else {
  console.log(`two-country, ${symmetric ? 'tariff 0.25 both ways' : 'HOME tariff 0.25 on FOREIGN'}; both stationary equilibria ${steadyCpu.toFixed(1)} s CPU; load ${loadavg()[0].toFixed(2)}`);
  console.log('| T | unknowns | Jacobian CPU s | transition CPU s | wall s | iterations | residual | date-T distribution gap | HOME transition % | FOREIGN transition % | HOME steady % | FOREIGN steady % |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.periods} | ${r.unknowns} | ${r.jacobianCpu.toFixed(2)} | ${r.transitionCpu.toFixed(2)} | ${r.wallSeconds.toFixed(2)} | ${r.iterations} | ${r.residual.toExponential(2)} | ${r.terminalGap.toExponential(2)} | ${r.welfareTransition[0].toFixed(6)} | ${r.welfareTransition[1].toFixed(6)} | ${r.welfareSteady[0].toFixed(6)} | ${r.welfareSteady[1].toFixed(6)} |`);
  }
}

/** Utilitarian welfare and gainers including the transition vs steady state at the part-2 validation points. */
function validationPoints(): void {
  const points = [
    [0.1, 0, 1],
    [0.25, 0.1, 1],
    [0.05, 0.3, 0.95],
    [0.15, 0.2, 1.05],
  ];
  const old = solveEquilibrium(config, { baseDir, tol: 1e-10 });
  const econ = buildEconomy(config, baseDir);
  const rows = points.map(([tHome, tForeign, scale]) => {
    const c0 = cpu();
    const tariffs = Float64Array.of(0, tHome, tForeign, 0);
    const tradeCosts = Float64Array.from(econ.tradeCosts, (d, k) => (k === 0 || k === 3 ? d : Math.max(1, d * scale)));
    const next = solveEquilibrium(config, { baseDir, tol: 1e-10, tariffs, tradeCosts, initial: { wages: old.wages, R: old.R as number } });
    const path = solveTransition(old, next, { periods: 150, tol: 1e-9 });
    const gainers = (target: Float64Array, i: number) => {
      let g = 0;
      for (let s = 0; s < target.length; s++) if (target[s] > path.valueOld[i][s]) g += path.massOld[i][s];
      return 100 * g;
    };
    const per = [0, 1].map((i) => ({
      transition: utilitarianEquivalent(old.states[i], path.massOld[i], path.valueAtStart[i]),
      steady: utilitarianEquivalent(old.states[i], path.massOld[i], path.valueNew[i]),
      gainersTransition: gainers(path.valueAtStart[i], i),
      gainersSteady: gainers(path.valueNew[i], i),
    }));
    return { policy: { tariffHome: tHome, tariffForeign: tForeign, scale }, home: per[0], foreign: per[1], iterations: path.iterations.length - 1, cpuSeconds: cpu() - c0 };
  });
  if (json) {
    process.stdout.write(JSON.stringify({ periods: 150, rows }) + '\n');
    return;
  }
  console.log('Utilitarian welfare (%) and gainers (%) including the transition vs steady state, two-country, T = 150');
  console.log('| HOME tariff | FOREIGN tariff | cost scale | HOME transition | HOME steady | FOREIGN transition | FOREIGN steady | HOME gainers tr/ss | FOREIGN gainers tr/ss | iterations | CPU s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.policy.tariffHome} | ${r.policy.tariffForeign} | ${r.policy.scale} | ${r.home.transition.toFixed(4)} | ${r.home.steady.toFixed(4)} | ${r.foreign.transition.toFixed(4)} | ${r.foreign.steady.toFixed(4)} | ` +
        `${r.home.gainersTransition.toFixed(1)}/${r.home.gainersSteady.toFixed(1)} | ${r.foreign.gainersTransition.toFixed(1)}/${r.foreign.gainersSteady.toFixed(1)} | ${r.iterations} | ${r.cpuSeconds.toFixed(1)} |`,
    );
  }
}
