// Multi-start bounded L-BFGS over a union experiment (MODELS.md §E.4 "multistart from the origin and
// from points on spheres of increasing radius"): start 0 is the origin (laissez-faire); start k ≥ 1
// is a seeded random direction on the sphere of RMS radius k·radiusStep (‖a‖₂ = k·radiusStep·√dim),
// projected onto the instrument box. Each start is optimised by the generic policy layer's bounded
// L-BFGS (src/policy), maximising ln Ŵ_EU.
import seedrandom from 'seedrandom';
import { project } from '../../policy/objective.ts';
import { maximizeOver, type OptimizerSettings } from '../../policy/equilibria.ts';
import type { UnionPolicyObjective } from './objective.ts';
import type { UnionEquilibrium } from './model.ts';

export interface MultiStartSettings {
  starts: number;
  radiusStep: number;
  seed: number;
  optimizer: OptimizerSettings;
}

export interface StartResult {
  start: number;
  radius: number;
  a: Float64Array;
  /** 100 (Ŵ_EU − 1) at the start's optimum. */
  welfareGain: number;
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

export function startingPoints(objective: UnionPolicyObjective, starts: number, radiusStep: number, seed: number): { a: Float64Array; radius: number }[] {
  const rng = seedrandom(`union-starts-${seed}`);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());
  const d = objective.dimension;
  const out = [{ a: objective.initial(), radius: 0 }];
  for (let k = 1; k < starts; k++) {
    const u = Float64Array.from({ length: d }, normal);
    const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
    const radius = k * radiusStep;
    const a = u.map((v) => (v / norm) * radius * Math.sqrt(d));
    out.push({ a: project(a, objective.lower, objective.upper), radius });
  }
  return out;
}

export function optimizeMultiStart(objective: UnionPolicyObjective, settings: MultiStartSettings, progress?: (msg: string) => void): MultiStartResult {
  const t0 = performance.now();
  const all = Array.from({ length: objective.dimension }, (_, k) => k);
  const runs: StartResult[] = [];
  for (const [start, { a: a0, radius }] of startingPoints(objective, settings.starts, settings.radiusStep, settings.seed).entries()) {
    const t1 = performance.now();
    if (!Number.isFinite(objective.welfare(a0)[0])) {
      // No equilibrium at this start (an extreme point of a large sphere): reported, left out of the statistics.
      runs.push({ start, radius, a: a0, welfareGain: NaN, iterations: 0, evaluations: 1, converged: false, reason: 'no equilibrium at the start', seconds: (performance.now() - t1) / 1000 });
      progress?.(`  start ${start} (radius ${radius.toFixed(3)}): no equilibrium at the starting point, skipped`);
      continue;
    }
    const res = maximizeOver(objective, a0, all, Float64Array.of(100), settings.optimizer);
    const W = Math.exp(res.welfare[0]);
    runs.push({
      start, radius, a: res.a, welfareGain: 100 * (W - 1), iterations: res.iterations, evaluations: res.evaluations,
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
