// Speed and scale of the union-policy model (MODELS.md §E). Run: npx tsx bench/union-policy.ts [--json]
//   [--regions 235] [--sectors 54] [--opt-iterations 10] [--skip-opt] [--real] [--real-starts 3]
//   [--real-iterations 200] [--diagonal probe|proxy|scalar] [--predicted-tol 1e-6] [--save-path file.json] [--save-every 10]
//   [--start-radius r --start-seed k]
// At the slides' full synthetic size (235 regions + RoW, 54 sectors) it measures: generating the
// calibration, the laissez-faire baseline, one equilibrium solve at a random full-mix policy, one
// welfare gradient (one adjoint solve over all 25 434 instruments), a bounded full-mix optimisation
// (one start, --opt-iterations L-BFGS iterations), and peak memory (resourceUsage().maxRSS). With
// --real it also runs the five experiments on the WIOD-2014 EU configuration (models/union-wiod-eu.json).
// Timings are wall-clock on a shared machine: other jobs on the same cores make them noisy.
import { resolve } from 'node:path';
import { syntheticUnionData } from '../src/models/union-policy/synthetic.ts';
import { UnionModel } from '../src/models/union-policy/model.ts';
import { UnionPolicyObjective, EXPERIMENTS, EXPERIMENT_NAMES } from '../src/models/union-policy/objective.ts';
import { optimizeMultiStart, DEFAULT_UNION_OPTIMIZER } from '../src/models/union-policy/multistart.ts';
import { loadUnionConfig, loadUnionData, configBounds, configOptimizer } from '../src/models/union-policy/config.ts';
import { runUnionExperiments, welfareSummary } from '../src/models/union-policy/run.ts';
import { toMarkdown, writeFileAtomic } from '../src/io/tables.ts';
import { startingPoints } from '../src/models/union-policy/multistart.ts';
import { flag } from './args.ts';

const args = process.argv.slice(2);
const has = (name: string) => args.includes(name);
const num = (name: string, def: number) => Number(flag(name, String(def)));
const json = has('--json');
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
// CPU seconds of this process since the last call: with other jobs on the same cores, CPU time is the
// steadier measure; wall-clock time is what a user waits.
let cpuMark = process.cpuUsage();
const cpuSeconds = () => {
  const d = process.cpuUsage(cpuMark);
  cpuMark = process.cpuUsage();
  return (d.user + d.system) / 1e6;
};
const peakMb = () => process.resourceUsage().maxRSS / 1024;

const regions = num('regions', 235);
const sectors = num('sectors', 54);
const rows: { measure: string; value: number; cpu: number; unit: string; note: string }[] = [];
const add = (measure: string, value: number, unit: string, note = '') => {
  const cpu = unit === 's' ? cpuSeconds() : NaN;
  rows.push({ measure, value, cpu, unit, note });
  log(`${measure}: ${value.toFixed(3)} ${unit}${Number.isFinite(cpu) ? ` (cpu ${cpu.toFixed(3)} s)` : ''} ${note}`);
};

let t0 = performance.now();
cpuSeconds();
const data = syntheticUnionData({ regions, sectors, seed: 1 });
add('generate synthetic calibration', seconds(t0), 's', `${regions} regions + RoW, ${sectors} sectors`);
t0 = performance.now();
const model = new UnionModel(data, { tolerance: 1e-9 });
add('laissez-faire baseline (one solve from the data year)', seconds(t0), 's');
const U = model.U;
const S = model.S;
const size = 3 * (U + 1) + 2 * (U + 1) * S + 1;
// A random full-mix policy of moderate size (tariffs ~10 %, taxes ±5 %, public demand ±20 %).
const wave = (k: number) => Math.sin(12.9898 * k + 1.7);
const objective = new UnionPolicyObjective(model, EXPERIMENTS.full);
const a = Float64Array.from({ length: objective.dimension }, (_, k) => (k < S ? 0.1 + 0.05 * wave(k) : k < S + U * S ? 0.05 * wave(k) : 0.2 * wave(k)));
t0 = performance.now();
const eq = model.solve(objective.policy(a));
add('one equilibrium solve (random full-mix policy, from laissez-faire)', seconds(t0), 's', `${size} unknowns, ${eq.iterations} Newton steps, ${eq.krylovIterations} GMRES iterations`);
t0 = performance.now();
const g = model.welfareGradient(eq);
add('one welfare gradient (adjoint solve)', seconds(t0), 's', `${objective.dimension} instruments, gradient norm ${Math.hypot(...g.tariff, ...g.tax, ...g.publicDemand).toExponential(2)}`);
t0 = performance.now();
model.solve(objective.policy(a.map((v) => v * 1.01)));
add('one warm-started solve (policy moved 1 %)', seconds(t0), 's');
if (!has('--skip-opt')) {
  const iterations = num('opt-iterations', 10);
  t0 = performance.now();
  const optCpu = process.cpuUsage();
  const savePath = flag('save-path', '');
  const saveEvery = num('save-every', 10);
  const path: { iteration: number; objective: number; a: number[] }[] = [];
  const diagonal = flag('diagonal', DEFAULT_UNION_OPTIMIZER.diagonal) as 'probe' | 'proxy' | 'scalar';
  const optimizer = {
    ...DEFAULT_UNION_OPTIMIZER, maxIterations: iterations, diagonal, predictedDecreaseTol: num('predicted-tol', 0),
    // The trajectory: 100 ln Ŵ_EU, the projected gradient, the decrease the quasi-Newton model predicted
    // and the one achieved, line-search evaluations, CPU seconds so far; the iterate every 10 iterations.
    onIteration: (it: number, f: number, pg: number, info: { x: Float64Array; lineSearchEvaluations: number; predictedDecrease: number; actualDecrease: number }) => {
      log(`  iteration ${it}: 100 ln W_EU ${f.toFixed(11)}, projected gradient ${pg.toExponential(3)}, predicted ${info.predictedDecrease.toExponential(2)}, achieved ${info.actualDecrease.toExponential(2)}, line search ${info.lineSearchEvaluations}, cpu ${((process.cpuUsage(optCpu).user + process.cpuUsage(optCpu).system) / 1e6).toFixed(1)} s`);
      if (savePath && it % saveEvery === 0) {
        path.push({ iteration: it, objective: f, a: Array.from(info.x) });
        writeFileAtomic(savePath, JSON.stringify({ path }));
      }
    },
  };
  const startRadius = num('start-radius', 0);
  const fullObjective = new UnionPolicyObjective(model, EXPERIMENTS.full);
  let res;
  if (startRadius > 0) {
    // One start on the sphere of radius startRadius (curvature metric from the analytic diagonal shape).
    const { instrumentCurvatureProxy } = await import('../src/models/union-policy/curvature.ts');
    const seedK = num('start-seed', 1);
    const pts = startingPoints(fullObjective, seedK + 1, startRadius / seedK, 1, instrumentCurvatureProxy(model.base, fullObjective));
    const { optimizeStart } = await import('../src/models/union-policy/multistart.ts');
    const r = optimizeStart(fullObjective, pts[seedK].a, optimizer, seedK);
    res = { best: { iterations: r.iterations, evaluations: r.evaluations, welfareGain: 100 * Math.expm1(-r.value / 100), reason: r.reason, a: r.x } };
  } else res = optimizeMultiStart(fullObjective, { starts: 1, radiusStep: 0, seed: 1, optimizer }, log);
  if (savePath) writeFileAtomic(savePath, JSON.stringify({ path, final: { iterations: res.best.iterations, objective: 100 * Math.log1p(res.best.welfareGain / 100), a: Array.from(res.best.a) } }));
  add(`full-mix optimisation (1 start, ${startRadius > 0 ? `radius ${startRadius}` : 'origin'}, diagonal ${diagonal})`, seconds(t0), 's', `${res.best.iterations} L-BFGS iterations, ${res.best.evaluations} evaluations, gain ${res.best.welfareGain.toFixed(4)} % (${res.best.reason})`);
}
cpuSeconds();
add('peak memory (maxRSS)', peakMb(), 'MB');

let realTable: string | null = null;
let realSummary: Record<string, { welfareMean: number; welfareStd: number }> | null = null;
if (has('--real')) {
  const loaded = loadUnionConfig(resolve('models/union-wiod-eu.json'));
  const c = loaded.config;
  t0 = performance.now();
  cpuSeconds();
  const real = new UnionModel(loadUnionData(loaded), { ...c.solver, epsilon: c.epsilon });
  const results = runUnionExperiments(real, [...EXPERIMENT_NAMES], {
    bounds: configBounds(c), starts: num('real-starts', 3), radiusStep: c.multistart.radiusStep, seed: c.multistart.seed, metric: c.multistart.metric,
    optimizer: configOptimizer(c, num('real-iterations', c.optimizer.maxIterations)),
  }, log);
  add('WIOD-2014 EU: five experiments', seconds(t0), 's');
  realSummary = welfareSummary(results);
  realTable = toMarkdown({
    experiment: results.map((r) => r.name),
    'Ŵ_EU − 1 (%) mean': results.map((r) => r.result.mean),
    'std over starts': results.map((r) => r.result.std),
    instruments: results.map((r) => r.objective.dimension),
  });
}

if (json) process.stdout.write(JSON.stringify({ regions, sectors, rows, real: realSummary }) + '\n');
else {
  process.stdout.write(`union-policy bench (${regions} regions + RoW, ${sectors} sectors; shared cores, timings are noisy)\n\n`);
  process.stdout.write(toMarkdown({ measure: rows.map((r) => r.measure), 'wall': rows.map((r) => r.value), 'cpu (s)': rows.map((r) => (Number.isFinite(r.cpu) ? String(Number(r.cpu.toPrecision(4))) : '')), unit: rows.map((r) => r.unit), note: rows.map((r) => r.note) }));
  if (realTable) process.stdout.write(`\nWIOD-2014 EU union (models/union-wiod-eu.json), welfare gains:\n\n${realTable}`);
}
