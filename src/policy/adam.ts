// Projected Adam: the outer update a ← P(a − η m̂/(√v̂ + ε)) of the DL-opt outer loop (MODELS.md §D.4,
// "ω = Adam-type transform"), projected back onto the box after every step. Float64.
import { project } from './objective.ts';
import type { ValueAndGradient, MinimizeResult } from './lbfgsb.ts';

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  maxIterations?: number;
  /** Stop when the largest coordinate move of an iteration is below this. */
  stepTol?: number;
  onIteration?: (it: number, value: number, step: number) => void;
}

export function minimizeAdam(fg: ValueAndGradient, x0: Float64Array, lower: Float64Array, upper: Float64Array, opts: AdamOptions = {}): MinimizeResult {
  const lr = opts.learningRate ?? 0.01;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.epsilon ?? 1e-8;
  const maxIt = opts.maxIterations ?? 2000;
  const stepTol = opts.stepTol ?? 1e-7;
  const n = x0.length;
  const x = project(Float64Array.from(x0), lower, upper);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  let value = NaN;
  let pg = Infinity;
  for (let it = 1; it <= maxIt; it++) {
    const r = fg(x);
    value = r.value;
    const g = r.gradient;
    pg = 0;
    let moved = 0;
    // Learning rate decays like 1/√t late on, so the iterates settle instead of orbiting the optimum.
    const rate = lr / Math.sqrt(1 + it / 200);
    for (let k = 0; k < n; k++) {
      m[k] = b1 * m[k] + (1 - b1) * g[k];
      v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
      const mh = m[k] / (1 - b1 ** it);
      const vh = v[k] / (1 - b2 ** it);
      const old = x[k];
      x[k] = Math.min(upper[k], Math.max(lower[k], x[k] - (rate * mh) / (Math.sqrt(vh) + eps)));
      moved = Math.max(moved, Math.abs(x[k] - old));
      pg = Math.max(pg, Math.abs(Math.min(upper[k], Math.max(lower[k], old - g[k])) - old));
    }
    opts.onIteration?.(it, value, moved);
    if (moved < stepTol) return { x, value, iterations: it, evaluations: it, projectedGradient: pg, converged: true, reason: 'step below tolerance' };
  }
  const final = fg(x);
  return { x, value: final.value, iterations: maxIt, evaluations: maxIt + 1, projectedGradient: pg, converged: false, reason: 'iteration limit' };
}
