// Benchmark and findings of the static DL-opt engine (issue 3). Run: npx tsx bench/static-trade.ts [--json] [--quick]
//   timings on 7×44: one equilibrium solve (cold and warm), one welfare gradient (adjoint), one unilateral
//   optimum (USA, tariffs + subsidies), Nash equilibria of dual competition (tariffs + subsidies) and of the
//   tariff war (tariffs only), the cooperative optimum;
//   findings: correlations across goods sectors of Nash subsidies with ψ_j and of Nash tariffs with θ_j, ψ_j;
//   welfare of dual competition vs tariff war vs cooperation; imperfectly implemented subsidies; the
//   2018–19 US–China tariffs; the NAFTA counterfactual for every cp2015 region (both deficit treatments).
// --quick skips the Nash equilibria and the cooperative optimum; --ll2023 runs only the LL2023 check (USA's
// unilateral optima against their Table 4). --only nash-dual|tariff-war|cooperative|profile runs one long part
// (profile: one best response's solves/Newton/GMRES counts and its own-Hessian spectrum, --country ISO);
// --only implementation --from A [--z Z]: imperfectly implemented subsidies (10 seeded draws at sd 0.25 and
// 0.5) at a saved dual-competition policy; --verify adds the dual Nash deviation checks (each player's best response from the equilibrium and from
// its status quo); --only nash-global|tariff-war-global [--start FILE]: Nash equilibria that survive the
// deviation checks (src/policy/nash.ts globalNash) with a selection check at the end. Partial results are written as they come to
// runs/bench-static-trade/results.json (results-ll2023.json for --ll2023).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { loadConfig, type LoadedConfig } from '../src/models/static-trade/config.ts';
import { buildModel, runCounterfactual, runOptimize, pct, implementSubsidies, instrumentSpec, worldWeights, type OptimizeResult } from '../src/models/static-trade/run.ts';
import { StaticTradePolicyProblem, type InstrumentKind } from '../src/models/static-trade/policy-problem.ts';
import { nashEquilibriumWith } from '../src/policy/equilibria.ts';
import { deviationChecks } from '../src/policy/nash.ts';
import { ownGradients } from '../src/policy/nash-newton.ts';
import { bestResponse } from '../src/policy/equilibria.ts';
import { coordinatesOf, unitWeights } from '../src/policy/objective.ts';
import { symmetricEigenvalues } from '../src/policy/dense.ts';
import { Worker } from 'node:worker_threads';
import type { StaticTradeModel } from '../src/models/static-trade/model.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const outDir = 'runs/bench-static-trade';
mkdirSync(outDir, { recursive: true });
const results: Record<string, unknown> = { cpu: cpus()[0]?.model, cores: cpus().length, loadAverageAtStart: loadavg() };
// --only tariff-war | cooperative | nash-dual runs one of the long 7×44 parts (in its own process).
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const tag = args.includes('--tag') ? `-${args[args.indexOf('--tag') + 1]}` : '';
const resultsName = (args.includes('--ll2023') ? 'results-ll2023' : only ? `results-${only}` : 'results') + tag;
const save = () => writeFileSync(`${outDir}/${resultsName}.json`, JSON.stringify(results, null, 2));
const log = (s: string) => process.stderr.write(`${s}\n`);

// Wall-clock and CPU seconds of this process: on a shared machine the CPU time is the fairer measure.
function time<T>(label: string, f: () => T): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = f();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  (results.timings ??= {} as Record<string, { wall: number; cpu: number }>);
  (results.timings as Record<string, { wall: number; cpu: number }>)[label] = { wall: seconds, cpu: cpuSeconds };
  log(`${label}: ${seconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU, load ${loadavg()[0].toFixed(1)}`);
  save();
  return out;
}

function correlation(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < n; k++) {
    sxy += (x[k] - mx) * (y[k] - my);
    sxx += (x[k] - mx) ** 2;
    syy += (y[k] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Mean over countries of each goods sector's instrument, and per-country correlations with a sector parameter. */
function sectorPatterns(model: StaticTradeModel, r: OptimizeResult, kind: 'tariffs' | 'subsidies') {
  const { N, J, data } = model.base;
  const goods = data.tradable.flatMap((t, j) => (t ? [j] : []));
  const value = (i: number, j: number) => {
    const k = r.problem.coords.findIndex((c) => c.player === i && c.sector === j && c.kind === kind);
    return k >= 0 ? r.a[k] : NaN;
  };
  const mean = goods.map((j) => Array.from({ length: N }, (_, i) => value(i, j)).reduce((a, b) => a + b, 0) / N);
  const theta = goods.map((j) => data.theta[j]);
  const psi = goods.map((j) => data.psi[j]);
  const perCountry = (param: number[]) =>
    Object.fromEntries(data.countries.map((name, i) => [name, correlation(goods.map((j) => value(i, j)), param)]));
  void J;
  return {
    meanBySector: Object.fromEntries(goods.map((j, k) => [data.sectors[j], mean[k]])),
    corrWithTheta: correlation(mean, theta),
    corrWithPsi: correlation(mean, psi),
    perCountryCorrWithTheta: perCountry(theta),
    perCountryCorrWithPsi: perCountry(psi),
  };
}

// --set PATH=VALUE (repeatable) overrides fields of models/dlopt-7x44.json, e.g. --set optimizer.maxIterations=40.
const overrides = args.flatMap((a, k) => (a === '--set' ? [args[k + 1]] : []));

function dlopt(): void {
  const c: LoadedConfig = loadConfig('models/dlopt-7x44.json', overrides);
  results.configOverrides = overrides;
  const model = time('7x44: load data + baseline', () => buildModel(c));
  if (only) return dloptLong(model, c, only);
  const usChina = loadConfig('models/dlopt-7x44.json');
  const cf = time('7x44: one equilibrium solve (US-China tariffs, cold, from the baseline point)', () => runCounterfactual(model, usChina));
  results.usChina = { welfarePct: cf.welfarePct, realWagePct: cf.realWagePct, policy: cf.description };
  const w = model.dataWedges();
  const tariff = w.tariff.map((t) => t * 1.05);
  const eq = time('7x44: one equilibrium solve (warm, tariffs +5 %)', () => model.solve({ ...w, tariff }));
  const usa = model.countries.indexOf('USA');
  const weights = new Float64Array(model.base.N);
  weights[usa] = 1;
  time('7x44: one welfare gradient (adjoint, all 2 464 wedges)', () => model.welfareGradient(eq, weights));
  const uni = time('7x44: unilateral optimum of the USA (tariffs + subsidies, 44 instruments)', () =>
    runOptimize(model, c, { mode: 'unilateral', country: 'USA', progress: log }),
  );
  results.unilateralUSA = { welfarePct: uni.welfarePct, converged: uni.converged, solves: uni.solves, meanTariff: mean(uni, 'tariffs'), meanSubsidy: mean(uni, 'subsidies') };
  save();
  if (quick) return;
  for (const part of ['nash-dual', 'tariff-war', 'cooperative']) dloptLong(model, c, part);
}

function dloptLong(model: StaticTradeModel, c: LoadedConfig, part: string): void {
  if (part === 'nash-dual') void nashDual(model, c).then(() => save());
  else if (part === 'tariff-war') tariffWar(model, c);
  else if (part === 'cooperative') cooperative(model, c);
  else if (part === 'profile') profileBestResponse(model, c);
  else if (part === 'verify-dual') verifyDual(model, c);
  else if (part === 'implementation') verifyDual(model, c, false);
  else if (part === 'nash-global') nashGlobal(model, c, ['tariffs', 'subsidies']);
  else if (part === 'sector-bound') sectorBound(model, c);
  else if (part === 'branches') branches(model, c);
  else if (part === 'deviation') deviationFrom(model, c);
  else if (part === 'tariff-war-global') nashGlobal(model, c, ['tariffs']);
  else throw new Error(`--only ${part}: expected nash-dual, nash-global, tariff-war, tariff-war-global, cooperative, profile, verify-dual, implementation, sector-bound, branches or deviation`);
}

/**
 * Checks a dual-competition Nash policy saved by an earlier run (--only verify-dual --from FILE): welfare,
 * each player's projected marginal welfare, sector patterns, implementation errors and the deviation checks
 * (--only implementation --from FILE: the same without the deviation checks).
 */
function verifyDual(model: StaticTradeModel, c: LoadedConfig, withDeviations = true): void {
  const file = args.includes('--from') ? args[args.indexOf('--from') + 1] : `${outDir}/nash-dual-a.json`;
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, model.countries.map((_, i) => i), ['tariffs', 'subsidies']));
  const a = Float64Array.from(JSON.parse(readFileSync(file, 'utf8')) as number[]);
  // Start at the saved equilibrium (same selection as the run that found the policy); later solves warm-start from it.
  const zFile = args.includes('--z') ? args[args.indexOf('--z') + 1] : file.replace('-a', '-z');
  if (zFile !== file && existsSync(zFile)) model.solve(problem.wedges(a), Float64Array.from(JSON.parse(readFileSync(zFile, 'utf8')) as number[]));
  const G = ownGradients(problem, a, model.countries.map((_, i) => i));
  const residual = model.countries.map((_, p) =>
    problem.coords.reduce((m, co, k) => (co.player === p ? Math.max(m, Math.abs(Math.min(problem.upper[k], Math.max(problem.lower[k], a[k] + G[k])) - a[k])) : m), 0),
  );
  const welfare = problem.welfare(a);
  const r: OptimizeResult = {
    countries: model.countries,
    logWelfare: welfare,
    welfarePct: Object.fromEntries(model.countries.map((name, i) => [name, pct(welfare[i])])),
    mode: 'nash',
    problem,
    a,
    wedges: problem.wedges(a),
    converged: true,
    history: {},
    seconds: 0,
    solves: 0,
  };
  const out: Record<string, unknown> = {
    from: file,
    welfarePct: r.welfarePct,
    residualByPlayer: Object.fromEntries(model.countries.map((name, i) => [name, residual[i]])),
    subsidies: sectorPatterns(model, r, 'subsidies'),
    tariffs: sectorPatterns(model, r, 'tariffs'),
    meanTariff: mean(r, 'tariffs'),
    meanSubsidy: mean(r, 'subsidies'),
  };
  results.verifyDual = out;
  time('7x44: imperfectly implemented subsidies (10 draws at sd 0.25 and at 0.5)', () => implementationErrors(model, r, out));
  save();
  if (!withDeviations) return;
  out.deviationChecks = time('7x44: dual Nash deviation checks (14 best responses)', () =>
    deviationChecks(problem, a, problem.initial(), { ...c.config.optimizer, method: 'lbfgsb' }, log),
  );
  save();
}

/**
 * Diagnosis of one best response in dual competition (--only profile [--country CHN]): L-BFGS-B from the
 * status quo with the config's optimiser; counts of equilibrium solves, Newton and GMRES iterations, the
 * CPU split between solves and adjoints, and the spectrum of the player's own Hessian at the result
 * (central differences of adjoint gradients).
 */
function profileBestResponse(model: StaticTradeModel, c: LoadedConfig): void {
  const country = args.includes('--country') ? args[args.indexOf('--country') + 1] : 'CHN';
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, model.countries.map((_, i) => i), ['tariffs', 'subsidies']));
  const p = model.countries.indexOf(country);
  const stats = { solves: 0, newtonIterations: 0, gmresIterationsNewton: 0, solveCpu: 0, adjoints: 0, adjointCpu: 0 };
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const solver = model.solver;
  const solve = solver.solve.bind(solver);
  solver.solve = (sys, z0) => {
    const t = cpu();
    const r = solve(sys, z0);
    stats.solveCpu += cpu() - t;
    stats.solves++;
    stats.newtonIterations += r.iterations;
    stats.gmresIterationsNewton += r.krylovIterations;
    return r;
  };
  const adjoint = solver.adjoint.bind(solver);
  solver.adjoint = (sys, z, g) => {
    const t = cpu();
    const r = adjoint(sys, z, g);
    stats.adjointCpu += cpu() - t;
    stats.adjoints++;
    return r;
  };
  const br = time(`7x44: one best response of ${country} in dual competition (L-BFGS-B from the status quo)`, () => bestResponse(problem, problem.initial(), p, c.config.optimizer));
  const coords = coordinatesOf(problem, p);
  const weights = unitWeights(problem, p);
  const n = coords.length;
  const H = new Float64Array(n * n);
  const h = 1e-4;
  coords.forEach((k, col) => {
    const up = Float64Array.from(br.a);
    const down = Float64Array.from(br.a);
    up[k] += h;
    down[k] -= h;
    const gUp = problem.gradient(up, weights);
    const gDown = problem.gradient(down, weights);
    coords.forEach((k2, row) => (H[row * n + col] = (gUp[k2] - gDown[k2]) / (2 * h)));
  });
  const eigen = symmetricEigenvalues(n, H);
  const order = coords.map((k, q) => [q, H[q * n + q]] as const).sort((x, y) => Math.abs(x[1]) - Math.abs(y[1]));
  const label = (q: number) => `${problem.coords[coords[q]].kind === 'tariffs' ? 't' : 's'}${problem.coords[coords[q]].sector + 1}`;
  results.profile = {
    country,
    iterations: br.iterations,
    evaluations: br.evaluations,
    reason: br.reason,
    projectedGradient: br.projectedGradient,
    welfarePct: Object.fromEntries(model.countries.map((name, i) => [name, pct(br.welfare[i])])),
    ...stats,
    ownHessianEigenvalues: { smallestMagnitude: eigen.at(-1), largestMagnitude: eigen[0], all: eigen },
    flattestInstruments: order.slice(0, 5).map(([q, v]) => `${label(q)} (curvature ${v.toExponential(2)})`),
    bestResponse: Object.fromEntries(coords.map((k, q) => [label(q), br.a[k]])),
  };
  save();
}

/** The dual-competition Nash equilibrium with one worker thread per player (--parallel). */
async function parallelNash(model: StaticTradeModel, c: LoadedConfig): Promise<OptimizeResult> {
  const kinds: InstrumentKind[] = ['tariffs', 'subsidies'];
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, model.countries.map((_, i) => i), kinds));
  const workers = model.countries.map(() => new Worker(new URL('./static-trade-worker.mjs', import.meta.url), { workerData: { overrides, kinds } }));
  let nextId = 0;
  const ask = (w: Worker, player: number, start: Float64Array) =>
    new Promise<Float64Array>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (m: { id: number; coords: number[] }) => {
        if (m.id !== id) return;
        w.off('message', onMessage);
        resolve(Float64Array.from(m.coords));
      };
      w.on('message', onMessage);
      w.once('error', reject);
      w.postMessage({ id, player, start: Array.from(start) });
    });
  const t0 = performance.now();
  const solves0 = model.solves;
  try {
    const nash = await nashEquilibriumWith(problem, problem.initial(), { ...c.config.nash, optimizer: c.config.optimizer }, (reqs) => Promise.all(reqs.map((r) => ask(workers[r.player], r.player, r.start))), log);
    const wedges = problem.wedges(nash.a);
    return {
      countries: model.countries,
      logWelfare: nash.welfare,
      welfarePct: Object.fromEntries(model.countries.map((name, i) => [name, pct(nash.welfare[i])])),
      mode: 'nash',
      problem,
      a: nash.a,
      wedges,
      converged: nash.converged,
      history: { round: nash.rounds.map((r) => r.round), max_change: nash.rounds.map((r) => r.change) },
      seconds: (performance.now() - t0) / 1000,
      solves: model.solves - solves0,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function nashDual(model: StaticTradeModel, c: LoadedConfig): Promise<void> {
  const label = '7x44: Nash equilibrium, dual competition (tariffs + subsidies, 308 instruments)';
  let dual: OptimizeResult;
  if (args.includes('--parallel')) {
    const t0 = performance.now();
    dual = await parallelNash(model, c);
    (results.timings ??= {} as Record<string, { wall: number; cpu: number }>);
    (results.timings as Record<string, { wall: number; cpu: number | null }>)[`${label}, 7 worker threads`] = { wall: (performance.now() - t0) / 1000, cpu: null };
  } else dual = time(label, () => runOptimize(model, c, { mode: 'nash', kinds: ['tariffs', 'subsidies'], progress: log }));
  writeFileSync(`${outDir}/nash-dual-a${tag}.json`, JSON.stringify(Array.from(dual.a)));
  // The equilibrium itself: with scale economies the economy can have several equilibria at one policy, and
  // a solve from the baseline point may select another one than the continuation along the Nash path did.
  writeFileSync(`${outDir}/nash-dual-z${tag}.json`, JSON.stringify(Array.from(dual.problem.equilibrium(dual.a).z)));
  results.nashDual = {
    welfarePct: dual.welfarePct,
    converged: dual.converged,
    certificate: dual.nashCertificate,
    history: dual.history,
    solves: dual.solves,
    subsidies: sectorPatterns(model, dual, 'subsidies'),
    tariffs: sectorPatterns(model, dual, 'tariffs'),
    meanTariff: mean(dual, 'tariffs'),
    meanSubsidy: mean(dual, 'subsidies'),
  };
  implementationErrors(model, dual, results.nashDual as Record<string, unknown>);
  save();
  if (args.includes('--verify')) {
    // No player gains by deviating: its best response (L-BFGS-B, 200 iterations) from the equilibrium and from its status quo.
    const checks = time('7x44: dual Nash deviation checks (14 best responses)', () =>
      deviationChecks(dual.problem, dual.a, dual.problem.initial(), { ...c.config.optimizer, method: 'lbfgsb' }, log),
    );
    (results.nashDual as Record<string, unknown>).deviationChecks = checks;
    save();
  }
}

/**
 * A Nash equilibrium that survives deviation checks (--only nash-global: dual competition; --only
 * tariff-war-global: tariffs only): Newton to a local Nash, each player's best response from the point
 * and from its status quo, the most profitable deviator moved, Newton again (src/policy/nash.ts
 * globalNash), with the config's equilibrium selection (continuation from the status quo). --start FILE
 * starts from a saved instrument vector instead of the status quo. Afterwards the selection check: a fresh
 * model (no cached equilibria) solves the final policy by continuation along the straight segment from
 * the status quo, and its equilibrium is compared with the run's.
 */
function nashGlobal(model: StaticTradeModel, c: LoadedConfig, kinds: InstrumentKind[]): void {
  const name = kinds.includes('subsidies') ? 'nash-global' : 'tariff-war-global';
  const g = loadConfig('models/dlopt-7x44.json', ['nash.global=true', ...overrides]);
  const startFile = args.includes('--start') ? args[args.indexOf('--start') + 1] : undefined;
  const start = startFile ? Float64Array.from(JSON.parse(readFileSync(startFile, 'utf8')) as number[]) : undefined;
  const label = `7x44: global Nash equilibrium, ${kinds.join(' + ')}${startFile ? ` from ${startFile}` : ''}`;
  const r = time(label, () => runOptimize(model, g, { mode: 'nash', kinds, progress: log, start }));
  writeFileSync(`${outDir}/${name}-a${tag}.json`, JSON.stringify(Array.from(r.a)));
  const eq = r.problem.equilibrium(r.a);
  writeFileSync(`${outDir}/${name}-z${tag}.json`, JSON.stringify(Array.from(eq.z)));
  const out: Record<string, unknown> = {
    welfarePct: r.welfarePct,
    converged: r.converged,
    certificate: r.nashCertificate,
    history: r.history,
    solves: r.solves,
    continuation: model.continuationStats,
    selectionCheck: selectionCheck(g, r),
    tariffs: sectorPatterns(model, r, 'tariffs'),
    meanTariff: mean(r, 'tariffs'),
    ...(kinds.includes('subsidies') ? { subsidies: sectorPatterns(model, r, 'subsidies'), meanSubsidy: mean(r, 'subsidies') } : {}),
  };
  results[name] = out;
  save();
}

/**
 * Why a subsidy sits at its bound (--only sector-bound --from FILE [--sector 3] [--world]): the sector's
 * uses (final demand, input to which sectors), export share; at the saved dual-competition policy each
 * country's marginal welfare (or the world objective's, --world) w.r.t. its subsidy to the sector, and its
 * best value on a grid below the bound (−0.7, −0.9) with the others' instruments fixed; --link K adds the
 * world objective's marginal value of the sector's subsidies when sector K's subsidies are changed.
 */
function sectorBound(model: StaticTradeModel, c: LoadedConfig): void {
  const file = args[args.indexOf('--from') + 1];
  const j = (args.includes('--sector') ? Number(args[args.indexOf('--sector') + 1]) : 3) - 1;
  const world = args.includes('--world');
  const { N, J, data, alpha, income, laborIncomeSector, laborIncome } = model.base;
  const revenue = new Float64Array(N * J);
  for (let i = 0; i < N; i++) for (let n = 0; n < N; n++) for (let k = 0; k < J; k++) revenue[i * J + k] += data.spending[(i * N + n) * J + k] / (1 + data.tariff[(i * N + n) * J + k]);
  const use = new Float64Array(J);
  let final = 0;
  let output = 0;
  let exported = 0;
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < J; k++) use[k] += data.ioShare[(i * J + j) * J + k] * revenue[i * J + k];
    final += alpha[i * J + j] * income[i];
    for (let n = 0; n < N; n++) (output += data.spending[(i * N + n) * J + j]), n !== i && (exported += data.spending[(i * N + n) * J + j]);
  }
  const absorbed = use.reduce((a, b) => a + b, 0) + final;
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, model.countries.map((_, i) => i), ['tariffs', 'subsidies']));
  const a = Float64Array.from(JSON.parse(readFileSync(file, 'utf8')) as number[]);
  const weights = worldWeights(model, c.config);
  const value = (x: Float64Array, i: number) => (world ? problem.welfare(x).reduce((t, v, p) => t + weights[p] * v, 0) : problem.welfare(x)[i]);
  const byCountry = model.countries.map((name, i) => {
    const k = problem.coords.findIndex((co) => co.player === i && co.sector === j && co.kind === 'subsidies');
    const t = problem.coords.findIndex((co) => co.player === i && co.sector === j && co.kind === 'tariffs');
    const marginal = problem.gradient(a, world ? weights : unitWeights(problem, i))[k];
    const v0 = value(a, i);
    const grid = [-0.7, -0.9].map((s) => {
      const x = Float64Array.from(a);
      x[k] = s;
      return { subsidy: s, gain: value(x, i) - v0 };
    });
    return { country: name, subsidy: a[k], tariff: a[t], marginalWelfare: marginal, grid, laborShare: laborIncomeSector[i * J + j] / laborIncome[i] };
  });
  // --link K: the marginal value of the sector's subsidies with sector K's subsidies as found, at 0.3 and at 0
  // in every country (is the bound tied to another sector's subsidy?).
  const linkSector = args.includes('--link') ? Number(args[args.indexOf('--link') + 1]) - 1 : -1;
  const link = linkSector < 0 ? undefined : [null, 0.3, 0].map((level) => {
    const x = Float64Array.from(a);
    if (level !== null) problem.coords.forEach((co, k) => co.kind === 'subsidies' && co.sector === linkSector && (x[k] = level));
    const g = problem.gradient(x, weights);
    return {
      linkedSubsidy: level ?? 'as found',
      worldObjective: problem.welfare(x).reduce((t, v, p) => t + weights[p] * v, 0),
      worldMarginal: Object.fromEntries(model.countries.map((name, i) => [name, g[problem.coords.findIndex((co) => co.player === i && co.sector === j && co.kind === 'subsidies')]])),
    };
  });
  results.sectorBound = {
    from: file,
    link,
    sector: data.sectors[j],
    theta: data.theta[j],
    psi: data.psi[j],
    finalDemandShareOfUse: final / absorbed,
    topUsesAsInput: Array.from(use).map((v, k) => [data.sectors[k], v / absorbed] as const).sort((x, y) => y[1] - x[1]).slice(0, 5),
    exportShareOfOutput: exported / output,
    objective: world ? 'world (income weights)' : 'own welfare',
    byCountry,
    continuation: model.continuationStats,
  };
  save();
}

/**
 * A further deviation check (--only deviation --from A --start-from B --players EU,ROW): each listed
 * player's best response (L-BFGS-B) to the others' instruments in A, started from its own instruments in B.
 */
function deviationFrom(model: StaticTradeModel, c: LoadedConfig): void {
  const read = (flag: string) => Float64Array.from(JSON.parse(readFileSync(args[args.indexOf(flag) + 1], 'utf8')) as number[]);
  const a = read('--from');
  const b = read('--start-from');
  const players = args[args.indexOf('--players') + 1].split(',');
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, model.countries.map((_, i) => i), ['tariffs', 'subsidies']));
  const base = problem.welfare(a);
  const checks = players.map((name) => {
    const p = model.countries.indexOf(name);
    const coords = coordinatesOf(problem, p);
    const start = Float64Array.from(a);
    for (const k of coords) start[k] = b[k];
    const startGain = problem.welfare(start)[p] - base[p];
    const br = time(`7x44: best response of ${name} from ${args[args.indexOf('--start-from') + 1]}`, () => bestResponse(problem, start, p, { ...c.config.optimizer, method: 'lbfgsb' }));
    return {
      player: name,
      gainAtStart: startGain,
      gain: br.welfare[p] - base[p],
      distanceFromEquilibrium: coords.reduce((m, k) => Math.max(m, Math.abs(br.a[k] - a[k])), 0),
      iterations: br.iterations,
      reason: br.reason,
    };
  });
  results.deviation = { from: args[args.indexOf('--from') + 1], startFrom: args[args.indexOf('--start-from') + 1], checks, continuation: model.continuationStats };
  save();
}

/**
 * Equilibria at one saved policy (--only branches --from A --z Z): the saved equilibrium (Newton from Z),
 * the selection rule's (continuation from the status quo) and Newton from the baseline point z = 0.
 */
function branches(model: StaticTradeModel, c: LoadedConfig): void {
  const file = args[args.indexOf('--from') + 1];
  const zFile = args[args.indexOf('--z') + 1];
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, model.countries.map((_, i) => i), ['tariffs', 'subsidies']));
  const a = Float64Array.from(JSON.parse(readFileSync(file, 'utf8')) as number[]);
  const w = problem.wedges(a);
  const rule = model.solve(w);
  const saved = model.solve(w, Float64Array.from(JSON.parse(readFileSync(zFile, 'utf8')) as number[]));
  const cold = model.solve(w, new Float64Array(rule.z.length));
  const gap = (x: Float64Array, y: Float64Array) => x.reduce((m, v, k) => Math.max(m, Math.abs(v - y[k])), 0);
  const pcts = (e: { logWelfare: Float64Array }) => Object.fromEntries(model.countries.map((n, i) => [n, pct(e.logWelfare[i])]));
  results.branches = {
    from: file,
    selectionRule: { welfarePct: pcts(rule), residual: rule.residualMax },
    saved: { welfarePct: pcts(saved), residual: saved.residualMax, maxAbsLogDifferenceToRule: gap(saved.z, rule.z) },
    newtonFromBaseline: { welfarePct: pcts(cold), residual: cold.residualMax, maxAbsLogDifferenceToRule: gap(cold.z, rule.z) },
    continuation: model.continuationStats,
  };
  save();
}

/**
 * Whether the run's equilibrium at its final policy is the one the selection rule gives without history:
 * a fresh model (no cached equilibria) continues from the status quo along the straight segment.
 */
function selectionCheck(c: LoadedConfig, r: OptimizeResult) {
  const eq = r.problem.equilibrium(r.a);
  const fresh = buildModel(c);
  const straight = fresh.solve(r.problem.wedges(r.a));
  let zGap = 0;
  for (let k = 0; k < eq.z.length; k++) zGap = Math.max(zGap, Math.abs(straight.z[k] - eq.z[k]));
  return {
    maxAbsLogDifference: zGap,
    welfarePctStraightPath: Object.fromEntries(r.countries.map((n, i) => [n, pct(straight.logWelfare[i])])),
    straightPathStats: fresh.continuationStats,
  };
}

/**
 * Imperfectly implemented subsidies (DL-opt): each chosen subsidy realised as s·(1 + ε), ε ~ N(0, sd²),
 * 10 seeded draws per sd; welfare per country for every draw and the mean over draws.
 */
function implementationErrors(model: StaticTradeModel, r: OptimizeResult, into: Record<string, unknown>): void {
  for (const sd of [0.25, 0.5]) {
    const draws = Array.from({ length: 10 }, (_, k) => model.solve(implementSubsidies(r.wedges, r.problem, sd, k + 1)).logWelfare);
    into[`subsidiesImplementedSd${sd}`] = {
      meanWelfarePct: Object.fromEntries(model.countries.map((name, i) => [name, draws.reduce((t, w) => t + pct(w[i]), 0) / draws.length])),
      welfarePctByDraw: draws.map((w) => Object.fromEntries(model.countries.map((name, i) => [name, pct(w[i])]))),
    };
  }
}

function tariffWar(model: StaticTradeModel, c: LoadedConfig): void {
  const war = time('7x44: Nash equilibrium, tariff war (tariffs only, 154 instruments)', () =>
    runOptimize(model, c, { mode: 'nash', kinds: ['tariffs'], progress: log }),
  );
  writeFileSync(`${outDir}/nash-tariff-war-a${tag}.json`, JSON.stringify(Array.from(war.a)));
  results.nashTariffWar = {
    welfarePct: war.welfarePct,
    converged: war.converged,
    certificate: war.nashCertificate,
    history: war.history,
    solves: war.solves,
    tariffs: sectorPatterns(model, war, 'tariffs'),
    meanTariff: mean(war, 'tariffs'),
  };
  save();
}

function cooperative(model: StaticTradeModel, c: LoadedConfig): void {
  const kinds = c.config.instruments.kinds;
  const coop = time(`7x44: cooperative optimum (${kinds.join(' + ')}, max Σ ln W)`, () => runOptimize(model, c, { mode: 'cooperative', kinds, progress: log }));
  writeFileSync(`${outDir}/cooperative-a${tag}.json`, JSON.stringify(Array.from(coop.a)));
  results.cooperative = {
    welfarePct: coop.welfarePct,
    converged: coop.converged,
    certificate: coop.nashCertificate,
    weights: c.config.cooperative.weights,
    start: c.config.cooperative.start,
    solves: coop.solves,
    continuation: model.continuationStats,
    selectionCheck: selectionCheck(c, coop),
    tariffs: sectorPatterns(model, coop, 'tariffs'),
    history: coop.history,
    meanTariff: mean(coop, 'tariffs'),
    meanAbsTariff: meanAbs(coop, 'tariffs'),
    ...(kinds.includes('subsidies') ? { meanSubsidy: mean(coop, 'subsidies'), subsidies: sectorPatterns(model, coop, 'subsidies'), pigouvian: pigouvianComparison(model, coop) } : {}),
  };
  save();
}

/** Subsidies against the closed-economy Pigouvian rule s_j = ψ_j/(1+ψ_j) (MODELS.md §D.5 D8; services: ψ = 0, s = 0). */
function pigouvianComparison(model: StaticTradeModel, r: OptimizeResult) {
  const psi = model.base.data.psi;
  const s: number[] = [];
  const pig: number[] = [];
  r.problem.coords.forEach((c, k) => {
    if (c.kind !== 'subsidies') return;
    s.push(r.a[k]);
    pig.push(psi[c.sector] / (1 + psi[c.sector]));
  });
  return {
    correlation: correlation(s, pig),
    meanAbsDeviation: s.reduce((t, v, k) => t + Math.abs(v - pig[k]), 0) / s.length,
    maxAbsDeviation: s.reduce((t, v, k) => Math.max(t, Math.abs(v - pig[k])), 0),
  };
}

function mean(r: OptimizeResult, kind: string): number {
  const v = r.problem.coords.flatMap((c, k) => (c.kind === kind ? [r.a[k]] : []));
  return v.reduce((a, b) => a + b, 0) / v.length;
}
function meanAbs(r: OptimizeResult, kind: string): number {
  const v = r.problem.coords.flatMap((c, k) => (c.kind === kind ? [Math.abs(r.a[k])] : []));
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function nafta(): void {
  const out: Record<string, unknown> = {};
  for (const imbalances of ['fixed-deficits', 'balanced-baseline']) {
    const c = loadConfig('models/cp2015-nafta.json', [`imbalances=${imbalances}`]);
    const model = time(`cp2015 (${imbalances}): load data + baseline`, () => buildModel(c));
    const r = time(`cp2015 (${imbalances}): NAFTA counterfactual (2 solves, 3 782 unknowns)`, () => runCounterfactual(model, c));
    out[imbalances] = { welfarePct: r.welfarePct, realWagePct: r.realWagePct };
  }
  results.nafta = out;
  save();
}

/** USA's unilateral optima in the LL2023 data against their Table 4 (free entry): import taxes, trade taxes, first best. */
function ll2023(): void {
  const c = loadConfig('models/ll2023-wiod.json');
  const model = time('ll2023: load data + baseline (44 x 16)', () => buildModel(c));
  const published: Record<string, number> = { 'tariffs': 0.3, 'tariffs+exportTaxes': 0.8, 'tariffs+exportTaxes+subsidies': 3.04 };
  const out: Record<string, unknown> = {};
  for (const kinds of [['tariffs'], ['tariffs', 'exportTaxes'], ['tariffs', 'exportTaxes', 'subsidies']] as const) {
    const label = kinds.join('+');
    const r = time(`ll2023: USA unilateral optimum (${label})`, () => runOptimize(model, c, { mode: 'unilateral', country: 'USA', kinds: [...kinds], progress: () => {} }));
    out[label] = { welfarePctUSA: r.welfarePct.USA, publishedTable4FreeEntry: published[label], converged: r.converged, solves: r.solves };
  }
  results.ll2023USA = out;
  save();
}

if (args.includes('--ll2023')) ll2023();
else if (only) dlopt();
else {
  nafta();
  dlopt();
}
results.loadAverageAtEnd = loadavg();
save();
if (json) process.stdout.write(JSON.stringify(results) + '\n');
else {
  const timings = results.timings as Record<string, { wall: number; cpu: number }>;
  process.stdout.write(`| step | wall s | CPU s |\n|---|---|---|\n${Object.entries(timings).map(([k, v]) => `| ${k} | ${v.wall.toFixed(2)} | ${v.cpu.toFixed(2)} |`).join('\n')}\n`);
  process.stdout.write(`\nload average at start ${(results.loadAverageAtStart as number[]).map((x) => x.toFixed(1)).join(' ')}, at end ${(results.loadAverageAtEnd as number[]).map((x) => x.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`full results: ${outDir}/${resultsName}.json\n`);
}
