// Bounded quasi-Newton minimisation in the spirit of L-BFGS-B: projected gradient, an active set of
// coordinates held at their bounds, an L-BFGS direction (two-loop recursion) on the free coordinates,
// and a projected backtracking (Armijo) line search along x(α) = P(x + α d). Float64.

import { project } from './objective.ts';

export type ValueAndGradient = (x: Float64Array) => { value: number; gradient: Float64Array };

export interface BoundedMinimizeOptions {
  maxIterations?: number;
  /** Stop when the projected gradient's max-norm is below this. */
  gradientTol?: number;
  /** Stop when the relative decrease of f in an iteration is below this. */
  valueTol?: number;
  /** Memory of the quasi-Newton approximation. */
  memory?: number;
  /** Largest change of any coordinate in one iteration (a trust-region-like cap; default: none). */
  maxStep?: number;
  onIteration?: (it: number, value: number, projectedGradient: number) => void;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  projectedGradient: number;
  converged: boolean;
  reason: string;
}

function projectedGradientNorm(x: Float64Array, g: Float64Array, lo: Float64Array, hi: Float64Array): number {
  let m = 0;
  for (let k = 0; k < x.length; k++) {
    const p = Math.min(hi[k], Math.max(lo[k], x[k] - g[k])) - x[k];
    m = Math.max(m, Math.abs(p));
  }
  return m;
}

const dot = (a: Float64Array, b: Float64Array, mask?: Uint8Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) if (!mask || mask[k]) s += a[k] * b[k];
  return s;
};

export function minimizeBounded(
  fg: ValueAndGradient,
  x0: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
  opts: BoundedMinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  const maxIt = opts.maxIterations ?? 200;
  const gtol = opts.gradientTol ?? 1e-8;
  const ftol = opts.valueTol ?? 1e-14;
  const memory = opts.memory ?? 10;
  let x = project(Float64Array.from(x0), lower, upper);
  let { value: f, gradient: g } = fg(x);
  let evaluations = 1;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const free = new Uint8Array(n);
  let pg = projectedGradientNorm(x, g, lower, upper);
  for (let it = 1; it <= maxIt; it++) {
    if (pg <= gtol) return { x, value: f, iterations: it - 1, evaluations, projectedGradient: pg, converged: true, reason: 'projected gradient below tolerance' };
    // Active set: at a bound with the gradient pushing outward.
    for (let k = 0; k < n; k++) {
      const atLower = x[k] <= lower[k] + 1e-12 * (1 + Math.abs(lower[k])) && g[k] > 0;
      const atUpper = x[k] >= upper[k] - 1e-12 * (1 + Math.abs(upper[k])) && g[k] < 0;
      free[k] = atLower || atUpper ? 0 : 1;
    }
    const d = twoLoop(g, S, Y, free);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      S.length = 0;
      Y.length = 0;
      for (let k = 0; k < n; k++) d[k] = free[k] ? -g[k] : 0;
      slope = dot(g, d);
    }
    // The first step moves no coordinate by more than 0.1; later ones by at most maxStep.
    const cap = S.length === 0 ? Math.min(0.1, opts.maxStep ?? Infinity) : (opts.maxStep ?? Infinity);
    const dmax = d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (dmax > cap) for (let k = 0; k < n; k++) d[k] *= cap / dmax;
    let step = 1;
    let xNew = x;
    let fNew = f;
    let gNew = g;
    let accepted = false;
    for (let t = 0; t < 30; t++, step *= 0.5) {
      const xt = project(x.map((v, k) => v + step * d[k]), lower, upper);
      const r = fg(xt);
      evaluations++;
      let decrease = 0;
      for (let k = 0; k < n; k++) decrease += g[k] * (xt[k] - x[k]);
      if (Number.isFinite(r.value) && r.value <= f + 1e-4 * decrease) {
        xNew = xt;
        fNew = r.value;
        gNew = r.gradient;
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      if (S.length > 0) {
        S.length = 0;
        Y.length = 0;
        continue;
      }
      return { x, value: f, iterations: it, evaluations, projectedGradient: pg, converged: pg <= gtol * 1e3, reason: 'line search failed' };
    }
    const s = xNew.map((v, k) => v - x[k]);
    const y = gNew.map((v, k) => v - g[k]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      if (S.length > memory) S.shift(), Y.shift();
    }
    const fOld = f;
    x = xNew;
    f = fNew;
    g = gNew;
    pg = projectedGradientNorm(x, g, lower, upper);
    opts.onIteration?.(it, f, pg);
    if (Math.abs(fOld - f) <= ftol * Math.max(1, Math.abs(f), Math.abs(fOld))) {
      return { x, value: f, iterations: it, evaluations, projectedGradient: pg, converged: true, reason: 'relative decrease below tolerance' };
    }
  }
  return { x, value: f, iterations: maxIt, evaluations, projectedGradient: pg, converged: pg <= gtol, reason: 'iteration limit' };
}

/** L-BFGS two-loop recursion d = −H g on the free coordinates (zero on the active ones). */
function twoLoop(g: Float64Array, S: Float64Array[], Y: Float64Array[], free: Uint8Array): Float64Array {
  const q = g.map((v, k) => (free[k] ? v : 0));
  const m = S.length;
  const alpha = new Float64Array(m);
  const rho = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    const sy = dot(S[i], Y[i], free);
    rho[i] = sy > 0 ? 1 / sy : 0;
    alpha[i] = rho[i] * dot(S[i], q, free);
    for (let k = 0; k < q.length; k++) if (free[k]) q[k] -= alpha[i] * Y[i][k];
  }
  if (m > 0) {
    const yy = dot(Y[m - 1], Y[m - 1], free);
    const gamma = yy > 0 ? dot(S[m - 1], Y[m - 1], free) / yy : 1;
    if (gamma > 0) for (let k = 0; k < q.length; k++) q[k] *= gamma;
  }
  for (let i = 0; i < m; i++) {
    const beta = rho[i] * dot(Y[i], q, free);
    for (let k = 0; k < q.length; k++) if (free[k]) q[k] += S[i][k] * (alpha[i] - beta);
  }
  for (let k = 0; k < q.length; k++) q[k] = free[k] ? -q[k] : 0;
  return q;
}
