// Multi-start bounded L-BFGS over a union experiment (MODELS.md §E.4 "multistart from the origin and
// from points on spheres of increasing radius"): start 0 is the origin (laissez-faire); start k ≥ 1
// is a seeded random direction on the sphere of RMS radius k·radiusStep (‖a‖₂ = k·radiusStep·√dim),
// projected onto the instrument box. Each start is optimised by the generic policy layer's bounded
// L-BFGS (src/policy/lbfgsb.ts), maximising 100 ln Ŵ_EU (percent).
//
// Conditioning: the curvature of 100 ln Ŵ_EU in a place-based instrument scales with the size of its
// sector-region and with the sector's effective elasticity η/(1−φη), so on the WIOD EU data the Hessian's
// eigenvalues span 4.5 decades (industrial experiment at its optimum: 1.7e-3 … 61, condition 3.6e4)
// and a scalar-scaled L-BFGS crawls. Scaled by its own diagonal the same Hessian has eigenvalues in
// [0.15, 1.83]. So the optimiser probes diag(∇²) at each start (Rademacher Hessian–vector products) and
// keeps it up to date along the path (diagonal BFGS update); see src/policy/lbfgsb.ts.
// The 'proxy' diagonal goes further: the curvature of a net tax follows its sector-region's CURRENT output
// (which a large subsidy or tax moves by orders of magnitude along the path) and that of a public-demand
// change goes as 1/Ĝ², so the diagonal is recomputed from the analytic shape at every iterate's
// equilibrium (curvature.ts), with one constant per instrument group fitted once to a few probes.
// Measured (bench/union-policy.ts): synthetic full size, full mix from the origin, converged in 35
// iterations where 'probe' had not converged after 216; synthetic 40 × 30: 45 iterations / 68 CPU s
// instead of 129 / 228. But on the WIOD EU data (industrial, origin) 'proxy' needs 107 iterations and
// 569 evaluations against 59 and 75 with 'probe': strong scale economies there (φη up to 0.89) make the
// omitted cubic term of welfare (curvature.ts) large and the group constants too coarse, so the WIOD
// config keeps 'probe' and the synthetic full-size config uses 'proxy'.
import seedrandom from 'seedrandom';
import { project } from '../../policy/objective.ts';
import { minimizeBounded, probeDiagonal, floorAtMedianFraction } from '../../policy/lbfgsb.ts';
import type { UnionPolicyObjective } from './objective.ts';
import { instrumentCurvatureProxy, equilibriumCurvatureState, fitGroupScales } from './curvature.ts';
import type { IterationInfo } from '../../policy/lbfgsb.ts';
import type { UnionEquilibrium } from './model.ts';

export interface UnionOptimizerSettings {
  maxIterations: number;
  /** Stop when the projected gradient of 100 ln Ŵ_EU (max-norm) is below tolerance · max(1, |100 ln Ŵ_EU|). */
  tolerance: number;
  /** Stop when the relative change of 100 ln Ŵ_EU stays below this for `valuePatience` iterations. */
  valueTolerance: number;
  valuePatience: number;
  /** L-BFGS memory. */
  memory: number;
  /**
   * Initial quasi-Newton Hessian: 'probe' (diagonal estimate, updated along the path), 'proxy' (the
   * analytic shape of the diagonal at the current equilibrium, src/models/union-policy/curvature.ts,
   * with one constant per instrument group fitted to the probes at the start, scaled by the last pair),
   * or 'scalar'.
   */
  diagonal: 'probe' | 'proxy' | 'scalar';
  /** Rademacher probes of the diagonal estimate (two solves and gradients each). */
  probes: number;
  /**
   * Also stop when the decrease of −100 ln Ŵ_EU the quasi-Newton model predicts and the last achieved
   * one stay below predictedDecreaseTol · max(1, |100 ln Ŵ_EU|) for 3 iterations (0 or absent: off).
   */
  predictedDecreaseTol?: number;
  /** Called after every iteration with 100 ln Ŵ_EU and the projected-gradient norm. */
  onIteration?: (iteration: number, objective: number, projectedGradient: number, info: IterationInfo) => void;
}

export const DEFAULT_UNION_OPTIMIZER: UnionOptimizerSettings = {
  maxIterations: 300, tolerance: 1e-6, valueTolerance: 1e-10, valuePatience: 3, memory: 10, diagonal: 'probe', probes: 10,
};

export interface MultiStartSettings {
  starts: number;
  radiusStep: number;
  /** Metric of the starting spheres (see startingPoints; default 'curvature'). */
  metric?: 'curvature' | 'instrument';
  seed: number;
  optimizer: UnionOptimizerSettings;
}

export interface StartResult {
  start: number;
  radius: number;
  a: Float64Array;
  /** 100 (Ŵ_EU − 1) at the start's optimum. */
  welfareGain: number;
  /** Projected-gradient max-norm of 100 ln Ŵ_EU at the end. */
  projectedGradient: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: string;
  seconds: number;
}

export interface MultiStartResult {
  runs: StartResult[];
  best: StartResult;
  bestEquilibrium: UnionEquilibrium;
  /** Mean and standard deviation (n − 1 denominator; 0 with one start) of the gains over the starts that have an equilibrium. */
  mean: number;
  std: number;
  seconds: number;
}

/**
 * Start 0 is the origin; start k ≥ 1 lies on the sphere of radius k·radiusStep: a = r √dim · u/‖u‖ · f,
 * u standard normal. In the 'instrument' metric f = 1 (RMS change r of every instrument). In the
 * 'curvature' metric f_k = min(10, √(median D / D_k)) with D the Hessian diagonal at the origin: the same
 * random change costs the same welfare whatever the instrument's curvature. (A 5 % tax on a sector with
 * η/(1−φη) ≈ 140 moves its output by a factor e⁷: raw spheres start far outside the quadratic region.)
 */
export function startingPoints(objective: UnionPolicyObjective, starts: number, radiusStep: number, seed: number, curvature?: Float64Array): { a: Float64Array; radius: number }[] {
  const rng = seedrandom(`union-starts-${seed}`);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());
  const d = objective.dimension;
  let factor = new Float64Array(d).fill(1);
  if (curvature) {
    const median = Float64Array.from(curvature).sort()[Math.floor(d / 2)];
    factor = curvature.map((c) => Math.min(10, Math.sqrt(median / c)));
  }
  const out = [{ a: objective.initial(), radius: 0 }];
  for (let k = 1; k < starts; k++) {
    const u = Float64Array.from({ length: d }, normal);
    const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
    const radius = k * radiusStep;
    const a = u.map((v, j) => (v / norm) * radius * Math.sqrt(d) * factor[j]);
    out.push({ a: project(a, objective.lower, objective.upper), radius });
  }
  return out;
}

/** −100 ln Ŵ_EU and its gradient (a trial policy without an equilibrium counts as +∞: the line search backs off). */
function negativeWelfare(objective: UnionPolicyObjective) {
  const weight = Float64Array.of(100);
  return (a: Float64Array) => {
    const w = objective.welfare(a)[0];
    if (!Number.isFinite(w)) return { value: Infinity, gradient: new Float64Array(a.length) };
    const g = objective.gradient(a, weight);
    return { value: -100 * w, gradient: g.map((v) => -v) };
  };
}

/** Minimises −100 ln Ŵ_EU from a0; `diagonal` (an estimate of the Hessian diagonal at a0) saves the probes. */
export function optimizeStart(objective: UnionPolicyObjective, a0: Float64Array, o: UnionOptimizerSettings, start = 0, diagonal?: Float64Array, groupConstants?: Float64Array) {
  const fg = negativeWelfare(objective);
  const diagonalAt = o.diagonal === 'proxy' ? proxyDiagonal(objective, groupConstants ?? fitProxyConstants(objective, a0, o.probes, `union-probe-${start}`)) : undefined;
  return minimizeBounded(fg, a0, objective.lower, objective.upper, {
    maxIterations: o.maxIterations, gradientTol: o.tolerance, valueTol: o.valueTolerance, valuePatience: o.valuePatience, stallGradient: 10,
    memory: o.memory, diagonal: o.diagonal === 'proxy' ? 'scalar' : o.diagonal === 'probe' && diagonal ? diagonal : o.diagonal, diagonalAt,
    probes: o.probes, probeSeed: `union-probe-${start}`, predictedDecreaseTol: o.predictedDecreaseTol || undefined,
    onIteration: o.onIteration ? (it, v, pg, info) => o.onIteration!(it, -v, pg, info) : undefined,
  });
}

/** The analytic shape of the Hessian diagonal at the equilibrium of a (the sector-regions' current outputs and wedges). */
function proxyShapeAt(objective: UnionPolicyObjective, a: Float64Array): Float64Array {
  const eq = objective.equilibrium(a);
  if (!eq) throw new Error('proxy diagonal: no equilibrium at the current point');
  return instrumentCurvatureProxy(objective.model.base, objective, equilibriumCurvatureState(eq));
}

/**
 * One constant per instrument group (per coordinate, for convenience) fitted at a0 to `probes`
 * Rademacher Hessian–vector probes pooled over the group (curvature.ts fitGroupScales).
 */
export function fitProxyConstants(objective: UnionPolicyObjective, a0: Float64Array, probes: number, seed: string): Float64Array {
  const shape0 = proxyShapeAt(objective, a0);
  const probe = probeDiagonal(negativeWelfare(objective), a0, objective.lower, objective.upper, probes, 1e-4, seed);
  const scales = fitGroupScales(shape0, probe.numerator, probe.denominator, objective.blocks);
  const constant = new Float64Array(objective.dimension).fill(1);
  for (const b of objective.blocks) {
    const c = scales.get(b.kind);
    if (c !== undefined && Number.isFinite(c)) constant.fill(c, b.offset, b.offset + b.length);
  }
  objective.equilibrium(a0); // leave the cache at the start
  return constant;
}

/** D(a) = c_g · proxy_k(a), floored at 1e-4 of the median. */
export function proxyDiagonal(objective: UnionPolicyObjective, constants: Float64Array): (a: Float64Array) => Float64Array {
  return (a) => floorAtMedianFraction(proxyShapeAt(objective, a).map((v, k) => constants[k] * v));
}

export function optimizeMultiStart(objective: UnionPolicyObjective, settings: MultiStartSettings, progress?: (msg: string) => void): MultiStartResult {
  const t0 = performance.now();
  const runs: StartResult[] = [];
  // The Hessian diagonal at the origin: the metric of the starting spheres and start 0's preconditioner.
  // With the 'proxy' diagonal, the group constants fitted once at the origin serve every start (the
  // shape follows each start's equilibrium; the last pair's scaling absorbs the rest).
  const origin = objective.initial();
  const proxy = settings.optimizer.diagonal === 'proxy';
  const constants = proxy ? fitProxyConstants(objective, origin, settings.optimizer.probes, 'union-probe-0') : undefined;
  const needDiagonal = (settings.metric ?? 'curvature') === 'curvature' || settings.optimizer.diagonal === 'probe';
  const curvature = constants
    ? proxyDiagonal(objective, constants)(origin)
    : needDiagonal
      ? probeDiagonal(negativeWelfare(objective), origin, objective.lower, objective.upper, settings.optimizer.probes, 1e-4, 'union-probe-0').diagonal
      : undefined;
  const points = startingPoints(objective, settings.starts, settings.radiusStep, settings.seed, (settings.metric ?? 'curvature') === 'curvature' ? curvature : undefined);
  for (const [start, { a: a0, radius }] of points.entries()) {
    const t1 = performance.now();
    if (!Number.isFinite(objective.welfare(a0)[0])) {
      // No equilibrium at this start (an extreme point of a large sphere): reported, left out of the statistics.
      runs.push({ start, radius, a: a0, welfareGain: NaN, projectedGradient: NaN, iterations: 0, evaluations: 1, converged: false, reason: 'no equilibrium at the start', seconds: (performance.now() - t1) / 1000 });
      progress?.(`  start ${start} (radius ${radius.toFixed(3)}): no equilibrium at the starting point, skipped`);
      continue;
    }
    const res = optimizeStart(objective, a0, settings.optimizer, start, start === 0 ? curvature : undefined, constants);
    const W = Math.exp(-res.value / 100);
    runs.push({
      start, radius, a: res.x, welfareGain: 100 * (W - 1), projectedGradient: res.projectedGradient, iterations: res.iterations, evaluations: res.evaluations,
      converged: res.converged, reason: res.reason, seconds: (performance.now() - t1) / 1000,
    });
    progress?.(`  start ${start} (radius ${radius.toFixed(3)}): gain ${(100 * (W - 1)).toFixed(4)} % after ${res.iterations} iterations (${res.reason})`);
  }
  const solved = runs.filter((r) => Number.isFinite(r.welfareGain));
  if (solved.length === 0) throw new Error('no start has an equilibrium: reduce multistart.radiusStep');
  const gains = solved.map((r) => r.welfareGain);
  const mean = gains.reduce((s, v) => s + v, 0) / gains.length;
  const std = gains.length > 1 ? Math.sqrt(gains.reduce((s, v) => s + (v - mean) ** 2, 0) / (gains.length - 1)) : 0;
  const best = solved.reduce((b, r) => (r.welfareGain > b.welfareGain ? r : b), solved[0]);
  const bestEquilibrium = objective.equilibrium(best.a);
  if (!bestEquilibrium) throw new Error('the best start has no equilibrium');
  return { runs, best, bestEquilibrium, mean, std, seconds: (performance.now() - t0) / 1000 };
}
