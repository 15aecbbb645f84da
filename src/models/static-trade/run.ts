// Running the engine from a config: counterfactuals and policy optima (unilateral, Nash, cooperative),
// and the result files. Shared by `deqn counterfactual`, `deqn optimize` and bench/static-trade.ts.
import seedrandom from 'seedrandom';
import { join } from 'node:path';
import { writeTable, writeFileAtomic, toMarkdown, type Columns } from '../../io/tables.ts';
import { UsageError } from '../../io/errors.ts';
import { StaticTradeModel } from './model.ts';
import type { Wedges } from './hat-system.ts';
import { StaticTradePolicyProblem, type InstrumentKind, type InstrumentSpec } from './policy-problem.ts';
import { type LoadedConfig, type StaticTradeConfig, loadData, sectorIndices, countryIndex } from './config.ts';
import { counterfactualPolicy } from './scenarios.ts';
import { bestResponse, nashEquilibrium, cooperativeOptimum, type OptimizerSettings } from '../../policy/equilibria.ts';
import { hybridNash, globalNash, worldObjective, type DeviationCheck, type GlobalNashRound } from '../../policy/nash.ts';
import { nashNewton } from '../../policy/nash-newton.ts';
import { maximizeTrustNewton, DEFAULT_TRUST_NEWTON } from '../../policy/trust-newton.ts';

export const pct = (logW: number) => 100 * Math.expm1(logW);

export function buildModel(c: LoadedConfig): StaticTradeModel {
  const s = c.config.solver;
  return new StaticTradeModel(loadData(c), c.config.imbalances, {
    method: s.method,
    tolerance: s.tolerance,
    maxIterations: s.method === 'fixed-point' ? Math.max(s.maxIterations, 100000) : s.maxIterations,
    damping: s.damping,
    selection: s.selection,
    localRadius: s.localRadius,
  });
}

export interface WelfareResult {
  countries: string[];
  logWelfare: Float64Array;
  /** Percent welfare change per country (equivalent variation, MODELS.md §D.3). */
  welfarePct: Record<string, number>;
}

function welfareResult(countries: string[], logWelfare: Float64Array): WelfareResult {
  return { countries, logWelfare, welfarePct: Object.fromEntries(countries.map((c, i) => [c, pct(logWelfare[i])])) };
}

export interface CounterfactualResult extends WelfareResult {
  description: string;
  seconds: number;
  /** Percent change of the real wage ŵ/Π P̂^α per country. */
  realWagePct: Record<string, number>;
}

export function runCounterfactual(model: StaticTradeModel, c: LoadedConfig): CounterfactualResult {
  const t0 = performance.now();
  const policy = counterfactualPolicy(model, c.config, c.file);
  let ref: { logWelfare: Float64Array; realWage: Float64Array } | null = null;
  if (policy.reference) {
    const eqRef = model.solve(policy.reference);
    ref = { logWelfare: Float64Array.from(eqRef.logWelfare), realWage: model.logRealWage(eqRef) };
  }
  const eq = model.solve(policy.wedges);
  const logW = eq.logWelfare.map((v, i) => v - (ref ? ref.logWelfare[i] : 0));
  const logRW = model.logRealWage(eq).map((v, i) => v - (ref ? ref.realWage[i] : 0));
  return {
    ...welfareResult(model.countries, logW),
    description: policy.description,
    seconds: (performance.now() - t0) / 1000,
    realWagePct: Object.fromEntries(model.countries.map((name, i) => [name, pct(logRW[i])])),
  };
}

export type OptimizeMode = 'unilateral' | 'nash' | 'cooperative';

export interface OptimizeRequest {
  mode: OptimizeMode;
  country?: string;
  kinds?: InstrumentKind[];
  progress?: (msg: string) => void;
  /** Starting instruments (default: the status quo; cooperative.start 'pigouvian' overrides). */
  start?: Float64Array;
}

export interface OptimizeResult extends WelfareResult {
  mode: OptimizeMode;
  problem: StaticTradePolicyProblem;
  a: Float64Array;
  wedges: Wedges;
  converged: boolean;
  history: Columns;
  seconds: number;
  solves: number;
  implemented?: WelfareResult & { subsidySd: number };
  /**
   * Equilibrium selection during this run: the rule, the localRadius used, continuation paths followed,
   * how many started from the status quo, and jumps at folds of the branch.
   */
  selection?: { rule: 'continuation' | 'nearest'; localRadius: number; paths: number; fromStatusQuo: number; jumps: number };
  /** Nash by Newton: each player's projected marginal welfare at the end, own-Hessian top eigenvalue, deviation checks. */
  nashCertificate?: {
    residualByPlayer: Record<string, number>;
    ownHessianMaxEigenvalue: Record<string, number>;
    flatDirections?: Record<string, number>;
    reason: string;
    deviations?: DeviationCheck[];
    /** nash.global: the outer rounds (local Nash, deviation checks, who moved), and the verdict. */
    outer?: GlobalNashRound[];
    global?: boolean;
    cycle?: string;
  };
}

export function instrumentSpec(config: StaticTradeConfig, model: StaticTradeModel, players: number[], kinds?: InstrumentKind[]): InstrumentSpec {
  const ins = config.instruments;
  return {
    kinds: kinds ?? ins.kinds,
    players,
    tariffMode: ins.tariffMode,
    exportTaxMode: ins.exportTaxMode,
    subsidySectors: sectorIndices(ins.subsidySectors, model.base.data, 'instruments.subsidySectors'),
    bounds: ins.bounds,
  };
}

/**
 * The solver's localRadius in a mode: `--mode cooperative` uses cooperative.localRadius when the config
 * sets it (the world optimiser's line search needs a smaller radius than best responses, see config.ts).
 */
export function localRadiusFor(config: StaticTradeConfig, mode: OptimizeMode): number {
  return mode === 'cooperative' ? (config.cooperative.localRadius ?? config.solver.localRadius) : config.solver.localRadius;
}

export function runOptimize(model: StaticTradeModel, c: LoadedConfig, req: OptimizeRequest): OptimizeResult {
  const previous = model.settings.localRadius;
  const radius = localRadiusFor(c.config, req.mode);
  if (radius !== previous) {
    const co = c.config.cooperative.localRadius;
    req.progress?.(`${req.mode}: equilibrium selection continues from selected policies within ${radius} (solver.localRadius ${c.config.solver.localRadius}${co === undefined ? '' : `, cooperative.localRadius ${co}`})`);
    model.setLocalRadius(radius);
  }
  const stats0 = { ...model.continuationStats };
  try {
    const result = optimizeWithModel(model, c, req);
    const stats = model.continuationStats;
    result.selection = {
      rule: model.settings.selection,
      localRadius: model.settings.localRadius,
      paths: stats.paths - stats0.paths,
      fromStatusQuo: stats.fromStatusQuo - stats0.fromStatusQuo,
      jumps: stats.jumps - stats0.jumps,
    };
    return result;
  } finally {
    if (radius !== previous) model.setLocalRadius(previous);
  }
}

function optimizeWithModel(model: StaticTradeModel, c: LoadedConfig, req: OptimizeRequest): OptimizeResult {
  const config = c.config;
  const N = model.base.N;
  const t0 = performance.now();
  const solves0 = model.solves;
  let players = Array.from({ length: N }, (_, i) => i);
  if (req.mode === 'unilateral') {
    if (!req.country) throw new UsageError(`--mode unilateral needs --country (one of ${model.countries.join(', ')})`);
    players = [countryIndex(model.base.data, req.country, '--country')];
  }
  const problem = new StaticTradePolicyProblem(model, instrumentSpec(config, model, players, req.kinds));
  if (problem.dimension === 0) throw new UsageError('no instruments: check --instruments and instruments.subsidySectors');
  const iterations: number[] = [];
  // The last quasi-Newton iterates (cooperative trust-region polish: a restart point off a fold).
  const recentIterates: Float64Array[] = [];
  const objective: number[] = [];
  const measure: number[] = [];
  const optimizer: OptimizerSettings = {
    ...config.optimizer,
    onIteration: req.mode === 'nash' ? undefined : (it, v, m, at) => {
      if (at) recentIterates.push(at), recentIterates.length > 10 && recentIterates.shift();
      iterations.push(it);
      objective.push(v);
      measure.push(m);
      if (it % 10 === 0) req.progress?.(`iteration ${it}: objective ${v.toPrecision(8)}, projected gradient ${m.toExponential(2)}`);
    },
  };
  let start = req.start ? Float64Array.from(req.start) : problem.initial();
  if (req.mode === 'cooperative' && config.cooperative.start === 'pigouvian') {
    // Follow the equilibrium from the status quo to the Pigouvian policy in small steps (each solve starts
    // from the last): with scale economies a cold solve at a distant policy can select another equilibrium.
    const target = pigouvianStart(problem);
    for (let step = 1; step <= 20; step++) problem.welfare(start.map((v, k) => v + (step / 20) * (target[k] - v)));
    start = target;
  }
  let a: Float64Array;
  let converged: boolean;
  let history: Columns;
  let nashCertificate: OptimizeResult['nashCertificate'];
  if (req.mode === 'nash' && config.nash.method === 'newton') {
    const n = config.nash;
    const hybrid = { ...n, optimizer, maxStep: 0.5 };
    const deviationOptimizer = { ...optimizer, method: 'lbfgsb' as const, maxIterations: n.deviationIterations ?? optimizer.maxIterations };
    const outer = n.global ? globalNash(problem, start, problem.initial(), { ...hybrid, deviationOptimizer }, req.progress) : null;
    const nash = outer ?? hybridNash(problem, start, hybrid, req.progress);
    a = nash.a;
    converged = nash.converged;
    const byName = (v: number[]) => Object.fromEntries(model.countries.map((name, i) => [name, v[i]]));
    nashCertificate = {
      residualByPlayer: byName(nash.residualByPlayer),
      ownHessianMaxEigenvalue: byName(nash.ownHessianMaxEigenvalue),
      flatDirections: byName(nash.flatDirections),
      reason: nash.reason,
      deviations: nash.deviations,
      ...(outer ? { outer: outer.outer, global: outer.global, cycle: outer.cycle } : {}),
    };
    history = {
      stage: [...nash.rounds.map(() => 'best-response'), ...nash.newton.map(() => 'newton')],
      iteration: [...nash.rounds.map((r) => r.round), ...nash.newton.map((r) => r.iteration)],
      /** max |Δa| of a best-response round; max projected marginal welfare before a Newton step. */
      measure: [...nash.rounds.map((r) => r.change), ...nash.newton.map((r) => r.residual)],
      seconds: [...nash.rounds.map((r) => r.seconds), ...nash.newton.map((r) => (nash.rounds.at(-1)?.seconds ?? 0) + r.seconds)],
    };
  } else if (req.mode === 'nash') {
    const nash = nashEquilibrium(problem, start, { ...config.nash, optimizer }, req.progress);
    a = nash.a;
    converged = nash.converged;
    history = {
      round: nash.rounds.map((r) => r.round),
      max_change: nash.rounds.map((r) => r.change),
      seconds: nash.rounds.map((r) => r.seconds),
      ...Object.fromEntries(model.countries.map((name, i) => [`welfare_pct_${name}`, nash.rounds.map((r) => pct(r.welfare[i]))])),
    };
  } else {
    const weights = worldWeights(model, config);
    const coopIterations = config.cooperative.maxIterations ?? optimizer.maxIterations;
    const res =
      req.mode === 'unilateral'
        ? bestResponse(problem, start, players[0], optimizer)
        : coopIterations > 0
          ? cooperativeOptimum(problem, start, { ...optimizer, maxIterations: coopIterations, maxDecreaseRatio: config.cooperative.jumpRatio }, weights)
          : { a: start, converged: false, iterations: 0, reason: 'no quasi-Newton iterations' };
    a = res.a;
    converged = res.converged;
    req.progress?.(`optimiser stopped after ${res.iterations} iterations: ${res.reason}`);
    if (req.mode === 'cooperative' && config.cooperative.newton && config.cooperative.newtonMethod === 'trust-region') {
      const co = config.cooperative;
      const trustSettings = { ...DEFAULT_TRUST_NEWTON, tolerance: co.newtonTolerance, maxIterations: co.newtonMaxIterations, finiteDifferenceStep: config.nash.finiteDifferenceStep, maxRatio: co.jumpRatio, releaseBounds: true };
      let polish = maximizeTrustNewton(problem, weights, a, trustSettings, req.progress);
      if (!polish.converged && !polish.iterations.some((it) => it.accepted) && recentIterates.length > 1) {
        // Not one step from where the quasi-Newton method stopped: a line search that fails there can mean
        // the point sits at a fold, where every trial jumps. Start again from the oldest of its last iterates.
        req.progress?.(`trust-region Newton made no step from the quasi-Newton end point (${polish.reason}); restarting from the iterate ${recentIterates.length - 1} iterations earlier`);
        polish = maximizeTrustNewton(problem, weights, recentIterates[0], { ...trustSettings, maxIterations: Math.max(1, co.newtonMaxIterations - polish.iterations.length) }, req.progress);
      }
      a = polish.a;
      converged = polish.converged;
      nashCertificate = {
        residualByPlayer: { World: polish.residual },
        ownHessianMaxEigenvalue: { World: polish.maxEigenvalue },
        flatDirections: { World: polish.flatDirections },
        reason: `${polish.reason} (trust-region Newton: ${polish.iterations.length} trial steps, ${polish.rejected} rejected, ${polish.hessians} finite-difference Hessians${polish.hessianAtFinalPoint ? ', the last at the final point' : ''})`,
      };
      for (const it of polish.iterations) {
        if (!it.accepted) continue;
        iterations.push(iterations.length + 1);
        objective.push(it.value);
        measure.push(it.residual);
      }
      iterations.push(iterations.length + 1);
      objective.push(polish.value);
      measure.push(polish.residual);
    } else if (req.mode === 'cooperative' && config.cooperative.newton) {
      const co = config.cooperative;
      const polish = nashNewton(worldObjective(problem, weights), a, { tolerance: co.newtonTolerance, maxIterations: co.newtonMaxIterations, finiteDifferenceStep: config.nash.finiteDifferenceStep, maxStep: 0.5 }, req.progress);
      a = polish.a;
      converged = polish.converged && polish.ownHessianMaxEigenvalue[0] < 0;
      nashCertificate = { residualByPlayer: { World: polish.residual }, ownHessianMaxEigenvalue: { World: polish.ownHessianMaxEigenvalue[0] }, reason: polish.reason };
      for (const it of polish.iterations) {
        iterations.push(iterations.length + 1);
        objective.push(NaN);
        measure.push(it.residual);
      }
    }
    history = { iteration: iterations, objective, [config.optimizer.method === 'adam' ? 'step' : 'projected_gradient']: measure };
  }
  const wedges = problem.wedges(a);
  const result: OptimizeResult = {
    ...welfareResult(model.countries, problem.welfare(a)),
    mode: req.mode,
    problem,
    a,
    wedges,
    converged,
    history,
    seconds: (performance.now() - t0) / 1000,
    solves: model.solves - solves0,
    nashCertificate,
  };
  const sd = config.implementationError.subsidySd;
  if (sd > 0 && problem.spec.kinds.includes('subsidies')) {
    const eq = model.solve(implementSubsidies(wedges, problem, sd, config.implementationError.seed));
    result.implemented = { ...welfareResult(model.countries, eq.logWelfare), subsidySd: sd };
  }
  return result;
}

/** Free trade and Pigouvian subsidies s_j = ψ_j/(1+ψ_j) (MODELS.md §D.5 D8, D9), clipped to the bounds. */
export function pigouvianStart(problem: StaticTradePolicyProblem): Float64Array {
  const psi = problem.model.base.data.psi;
  return Float64Array.from(problem.coords, (c, k) => {
    const v = c.kind === 'subsidies' ? psi[c.sector] / (1 + psi[c.sector]) : 0;
    return Math.min(problem.upper[k], Math.max(problem.lower[k], v));
  });
}

/** Weights δ_i of the cooperative objective Σ δ_i ln Ŵ_i (config cooperative.weights). */
export function worldWeights(model: StaticTradeModel, config: StaticTradeConfig): Float64Array {
  const N = model.base.N;
  if (config.cooperative.weights === 'equal') return new Float64Array(N).fill(1);
  const total = model.base.income.reduce((s, y) => s + y, 0);
  return Float64Array.from(model.base.income, (y) => (N * y) / total);
}

/**
 * Imperfectly implemented subsidies (DL-opt scenario): each chosen subsidy s is realised as s·(1 + ε),
 * ε ~ N(0, sd²) independent across countries and sectors, drawn from a seeded generator.
 */
export function implementSubsidies(w: Wedges, problem: StaticTradePolicyProblem, sd: number, seed: number): Wedges {
  const rng = seedrandom(String(seed));
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const J = problem.model.base.J;
  const subsidy = Float64Array.from(w.subsidy);
  for (const c of problem.coords) {
    if (c.kind !== 'subsidies') continue;
    const k = c.player * J + c.sector;
    subsidy[k] = Math.min(0.99, subsidy[k] * (1 + sd * normal()));
  }
  return { ...w, subsidy };
}

/** Country × sector table of a policy: import-weighted mean tariff, subsidy, export-weighted mean export tax. */
export function instrumentTable(model: StaticTradeModel, w: Wedges): Columns {
  const { N, J, data } = model.base;
  const country: string[] = [];
  const sector: string[] = [];
  const tariff: number[] = [];
  const subsidy: number[] = [];
  const exportTax: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < J; j++) {
      let tw = 0, t = 0, ew = 0, e = 0;
      for (let h = 0; h < N; h++) {
        if (h === i) continue;
        const imp = (h * N + i) * J + j;
        const exp = (i * N + h) * J + j;
        tw += data.spending[imp];
        t += data.spending[imp] * w.tariff[imp];
        ew += data.spending[exp];
        e += data.spending[exp] * w.exportTax[exp];
      }
      country.push(data.countries[i]);
      sector.push(data.sectors[j]);
      tariff.push(tw > 0 ? t / tw : w.tariff[(((i + 1) % N) * N + i) * J + j]);
      subsidy.push(w.subsidy[i * J + j]);
      exportTax.push(ew > 0 ? e / ew : 0);
    }
  }
  return { country, sector, tariff, subsidy, export_tax: exportTax };
}

export function welfareTable(r: WelfareResult, implemented?: WelfareResult): Columns {
  const cols: Columns = {
    country: r.countries,
    welfare_pct: r.countries.map((c) => r.welfarePct[c]),
    log_welfare: Array.from(r.logWelfare),
  };
  if (implemented) cols.welfare_pct_implemented = r.countries.map((c) => implemented.welfarePct[c]);
  return cols;
}

/** Convergence evidence of a Newton-solved Nash equilibrium or cooperative optimum, for the summary. */
function certificateLines(r: OptimizeResult): string[] {
  const c = r.nashCertificate;
  if (!c) return [];
  const fmt = (rec: Record<string, number>) => Object.entries(rec).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
  const lines = [
    `- ${c.reason}`,
    `- largest projected marginal welfare per player: ${fmt(c.residualByPlayer)}`,
    `- largest eigenvalue of each own Hessian (negative: a strict local maximum): ${fmt(c.ownHessianMaxEigenvalue)}`,
  ];
  if (c.flatDirections) lines.push(`- flat directions (instruments without effect) per player: ${Object.entries(c.flatDirections).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const d of c.deviations ?? []) {
    lines.push(`- deviation check ${d.player}: best response from the equilibrium moves ${d.localChange.toExponential(2)} (gain ${d.localGain.toExponential(2)}), from the status quo ${d.globalChange.toExponential(2)} (gain ${d.globalGain.toExponential(2)})`);
  }
  return lines;
}

export function writeOptimizeOutputs(outDir: string, model: StaticTradeModel, r: OptimizeResult, title: string): string[] {
  const files = [
    ...writeTable(join(outDir, 'instruments'), instrumentTable(model, r.wedges)),
    ...writeTable(join(outDir, 'instrument-vector'), {
      country: r.problem.coords.map((c) => model.countries[c.player]),
      kind: r.problem.coords.map((c) => c.kind),
      sector: r.problem.coords.map((c) => model.base.data.sectors[c.sector]),
      partner: r.problem.coords.map((c) => (c.partner >= 0 ? model.countries[c.partner] : 'all')),
      value: Array.from(r.a),
    }),
    ...writeTable(join(outDir, 'welfare'), welfareTable(r, r.implemented)),
    ...writeTable(join(outDir, 'history'), r.history),
  ];
  const summary = [
    `# ${title}`,
    '',
    `- mode: ${r.mode}; instruments: ${r.problem.spec.kinds.join(', ')} (${r.problem.dimension} coordinates)`,
    `- converged: ${r.converged}; ${r.seconds.toFixed(1)} s; ${r.solves} equilibrium solves`,
    r.implemented ? `- subsidies implemented with proportional error sd ${r.implemented.subsidySd} (column welfare_pct_implemented)` : '',
    r.selection ? `- equilibrium selection: ${r.selection.rule}, localRadius ${r.selection.localRadius}; ${r.selection.paths} continuation paths (${r.selection.fromStatusQuo} from the status quo), ${r.selection.jumps} jumps at folds` : '',
    ...certificateLines(r),
    '',
    '## Welfare change by country (%)',
    '',
    toMarkdown(welfareTable(r, r.implemented)),
  ].filter((l, k, all) => l !== '' || all[k - 1] !== '');
  const md = join(outDir, 'summary.md');
  writeFileAtomic(md, summary.join('\n') + '\n');
  return [...files, md];
}
