// Bounded quasi-Newton minimisation in the spirit of L-BFGS-B: projected gradient, an active set of
// coordinates held at their bounds, an L-BFGS direction (two-loop recursion) on the free coordinates,
// and a projected backtracking (Armijo) line search along x(α) = P(x + α d). Float64.
//
// Badly scaled problems (instruments whose curvatures differ by orders of magnitude, e.g. taxes on
// sector-regions of very different sizes) make a scalar initial Hessian γI useless: the direction is
// dominated by the stiff coordinates and the flat ones crawl. Optional diagonal preconditioning
// (`diagonal`) replaces γI by a diagonal matrix D⁻¹, where D estimates diag(∇²f): given, or probed at
// the start from Rademacher Hessian–vector products by central differences of the gradient
// (Bekas–Kokiopoulou–Saad diagonal estimator), and then updated after every step by the diagonal of the
// BFGS update of D with Oren–Spedicato scaling (Gilbert–Lemaréchal 1989, the M1QN3 "diagonal" mode),
// so that it follows the curvature along the path.

import seedrandom from 'seedrandom';
import { project } from './objective.ts';

export type ValueAndGradient = (x: Float64Array) => { value: number; gradient: Float64Array };

export interface BoundedMinimizeOptions {
  maxIterations?: number;
  /** Stop when the projected gradient's max-norm is below gradientTol · max(1, |f|). */
  gradientTol?: number;
  /** Stop when the relative decrease |Δf|/max(1, |f|) stays below this for `valuePatience` iterations in a row. */
  valueTol?: number;
  /** Consecutive small relative decreases needed to stop (default 1). */
  valuePatience?: number;
  /**
   * A run of small decreases stops only if the projected gradient is below stallGradient · gradientTol ·
   * max(1, |f|) as well; otherwise the memory is dropped and the run goes on (at most 3 times). Default ∞.
   */
  stallGradient?: number;
  /** Memory of the quasi-Newton approximation. */
  memory?: number;
  /** Largest change of any coordinate in one iteration (a trust-region-like cap; default: none). */
  maxStep?: number;
  /**
   * Initial Hessian of the quasi-Newton approximation: 'scalar' (γI from the last pair, default), a
   * given estimate of diag(∇²f) (positive entries), or 'probe' (estimated at x0 from `probes` Hessian–
   * vector products). With a diagonal, it is updated along the path (see the file comment).
   */
  diagonal?: 'scalar' | 'probe' | Float64Array;
  /**
   * A diagonal that moves with x: an estimate of diag(∇²f)(x) up to a common factor (positive entries),
   * e.g. from the problem's structure. When given, the initial Hessian of every iteration is
   * γ · diag(D(x))⁻¹ with the Oren–Spedicato factor γ = sᵀy / (yᵀ D⁻¹ y) of the last pair (γ = 1 before
   * the first pair, so D(x0) should be in the objective's units), instead of `diagonal`'s update.
   */
  diagonalAt?: (x: Float64Array) => Float64Array;
  /** Update the diagonal along the path (default true). */
  diagonalUpdate?: boolean;
  /** Rademacher probes of the diagonal estimate (default 10; each costs two evaluations). */
  probes?: number;
  /** Central-difference step of the probes (default 1e-4). */
  probeStep?: number;
  /** Seed of the probe directions. */
  probeSeed?: string;
  /**
   * Stop when the decrease the quasi-Newton model still predicts, −½ gᵀd = ½ gᵀHg with d the L-BFGS
   * direction (the model's f − f*), and the decrease actually achieved by the last step are both below
   * predictedDecreaseTol · max(1, |f|) at `predictedPatience` iteration starts in a row (default: off).
   */
  predictedDecreaseTol?: number;
  /** Consecutive iterations the predicted-decrease rule needs (default 3). */
  predictedPatience?: number;
  /**
   * A line-search trial whose decrease exceeds this multiple of the decrease its gradient predicts
   * (−gᵀΔx) is a failed trial, like one without sufficient decrease: the objective jumped there (e.g. an
   * equilibrium selected by continuation crossed a fold of its branch onto another branch), and accepting
   * it would make the path depend on which side of a discontinuity a trial happens to land (default: off).
   */
  maxDecreaseRatio?: number;
  /**
   * Absolute resolution of the objective's values (default 0: exact). An objective computed through
   * float32 networks is resolved to ~1e-6 while its gradient (automatic differentiation) stays smooth,
   * so near the optimum every Armijo test compares noise and the search backtracks to nothing. With a
   * resolution, a trial whose value is within it of the Armijo bound is accepted when its directional
   * derivative has fallen to at most 0.9 of the start's (Wolfe's curvature test on the gradient, which
   * the noise does not reach).
   */
  valueNoise?: number;
  onIteration?: (it: number, value: number, projectedGradient: number, info: IterationInfo) => void;
}

export interface IterationInfo {
  /** The new iterate (do not modify). */
  x: Float64Array;
  /** Objective evaluations so far, and in this iteration's line search. */
  evaluations: number;
  lineSearchEvaluations: number;
  /** Decrease the quasi-Newton model predicted at the start of this iteration (−½ gᵀd), and the decrease achieved. */
  predictedDecrease: number;
  actualDecrease: number;
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

export function projectedGradientNorm(x: Float64Array, g: Float64Array, lo: Float64Array, hi: Float64Array): number {
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

/**
 * Estimate of diag(∇²f) at x: D_k = Σ_p δ_k (g(x+) − g(x−))_k / Σ_p δ_k², x± = P(x ± h v_p) with
 * Rademacher v_p and δ = x+ − x− (the displacement actually taken inside the box). Returns |D| floored
 * at 1e-4 of its median (coordinates with no effect must not get an infinite step), and the evaluations used.
 */
export function probeDiagonal(fg: ValueAndGradient, x: Float64Array, lower: Float64Array, upper: Float64Array, probes = 10, h = 1e-4, seed = 'lbfgsb-probe') {
  const n = x.length;
  const rng = seedrandom(seed);
  const num = new Float64Array(n);
  const den = new Float64Array(n);
  let evaluations = 0;
  for (let p = 0; p < probes; p++) {
    const v = Float64Array.from({ length: n }, () => (rng() < 0.5 ? -h : h));
    const xp = project(x.map((xi, k) => xi + v[k]), lower, upper);
    const xm = project(x.map((xi, k) => xi - v[k]), lower, upper);
    const rp = fg(xp);
    const rm = fg(xm);
    evaluations += 2;
    if (!Number.isFinite(rp.value) || !Number.isFinite(rm.value)) continue;
    for (let k = 0; k < n; k++) {
      const d = xp[k] - xm[k];
      num[k] += d * (rp.gradient[k] - rm.gradient[k]);
      den[k] += d * d;
    }
  }
  const diag = num.map((v, k) => (den[k] > 0 ? Math.abs(v / den[k]) : 0));
  // The sums themselves are returned too: pooled over a group of coordinates they fit a diagonal of a
  // known shape far more accurately than each coordinate's own ratio (src/models/union-policy/curvature.ts).
  return { diagonal: floorAtMedianFraction(diag), evaluations, numerator: num, denominator: den };
}

/** Entries floored at 1e-4 of the median (a coordinate with no measured effect must not get an infinite step). */
export function floorAtMedianFraction(diag: Float64Array): Float64Array {
  const sorted = Float64Array.from(diag).sort();
  const median = sorted[Math.floor(diag.length / 2)];
  const floor = median > 0 ? 1e-4 * median : 1;
  return diag.map((v) => Math.max(v, floor));
}

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
  const patience = opts.valuePatience ?? 1;
  const memory = opts.memory ?? 10;
  let x = project(Float64Array.from(x0), lower, upper);
  let { value: f, gradient: g } = fg(x);
  let evaluations = 1;
  // Inverse diagonal H0 = D⁻¹ of the quasi-Newton approximation (null: scalar γI).
  let h0: Float64Array | null = null;
  if (opts.diagonal instanceof Float64Array) h0 = opts.diagonal.map((d) => 1 / d);
  else if (opts.diagonal === 'probe') {
    const probe = probeDiagonal(fg, x, lower, upper, opts.probes ?? 10, opts.probeStep ?? 1e-4, opts.probeSeed);
    evaluations += probe.evaluations;
    h0 = probe.diagonal.map((d) => 1 / d);
    fg(x); // leave the objective's caches at the current point
    evaluations++;
  }
  // With diagonalAt: the current D(x)⁻¹ and the Oren–Spedicato factor.
  let dInv: Float64Array | null = opts.diagonalAt ? opts.diagonalAt(x).map((d) => 1 / d) : null;
  if (dInv) h0 = Float64Array.from(dInv);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const free = new Uint8Array(n);
  const scaleOf = (v: number) => Math.max(1, Math.abs(v));
  let pg = projectedGradientNorm(x, g, lower, upper);
  let smallDecreases = 0;
  let stalls = 0;
  const maxStalls = 3;
  const stallGradient = opts.stallGradient ?? Infinity;
  const predictedTol = opts.predictedDecreaseTol ?? 0;
  const predictedPatience = opts.predictedPatience ?? 3;
  let quietStarts = 0;
  let lastDecrease = Infinity;
  const noise = opts.valueNoise ?? 0;
  /** A trial the values cannot judge (within `valueNoise` of the Armijo bound) where the gradient shows progress. */
  const withinNoise = (r: { value: number; gradient: Float64Array }, xt: Float64Array, decrease: number) => {
    if (!(noise > 0) || !(decrease < 0) || r.value > f + 1e-4 * decrease + noise) return false;
    let along = 0; // the trial's directional derivative along the step, g_t . (x_t - x)
    for (let k = 0; k < n; k++) along += r.gradient[k] * (xt[k] - x[k]);
    return Math.abs(along) <= 0.9 * -decrease;
  };
  for (let it = 1; it <= maxIt; it++) {
    if (pg <= gtol * scaleOf(f)) return { x, value: f, iterations: it - 1, evaluations, projectedGradient: pg, converged: true, reason: 'projected gradient below tolerance' };
    // Active set: at a bound with the gradient pushing outward.
    for (let k = 0; k < n; k++) {
      const atLower = x[k] <= lower[k] + 1e-12 * (1 + Math.abs(lower[k])) && g[k] > 0;
      const atUpper = x[k] >= upper[k] - 1e-12 * (1 + Math.abs(upper[k])) && g[k] < 0;
      free[k] = atLower || atUpper ? 0 : 1;
    }
    const d = twoLoop(g, S, Y, free, h0);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      S.length = 0;
      Y.length = 0;
      for (let k = 0; k < n; k++) d[k] = free[k] ? -(h0 ? h0[k] : 1) * g[k] : 0;
      slope = dot(g, d);
    }
    const predicted = -0.5 * slope;
    if (predictedTol > 0) {
      const small = predicted <= predictedTol * scaleOf(f) && lastDecrease <= predictedTol * scaleOf(f) && S.length > 0;
      quietStarts = small ? quietStarts + 1 : 0;
      if (quietStarts >= predictedPatience) {
        return { x, value: f, iterations: it - 1, evaluations, projectedGradient: pg, converged: true, reason: 'predicted decrease below tolerance' };
      }
    }
    // The first step moves no coordinate by more than 0.1; later ones by at most maxStep.
    // With a diagonal estimate the first step is already scaled; without, it is capped at 0.1.
    const cap = S.length === 0 && !h0 ? Math.min(0.1, opts.maxStep ?? Infinity) : (opts.maxStep ?? Infinity);
    const dmax = d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (dmax > cap) for (let k = 0; k < n; k++) d[k] *= cap / dmax;
    let step = 1;
    let xNew = x;
    let fNew = f;
    let gNew = g;
    let accepted = false;
    let byGradient = false; // accepted on the gradient alone (values within their resolution)
    const evaluationsBefore = evaluations;
    for (let t = 0; t < 30; t++, step *= 0.5) {
      const xt = project(x.map((v, k) => v + step * d[k]), lower, upper);
      const r = fg(xt);
      evaluations++;
      let decrease = 0;
      for (let k = 0; k < n; k++) decrease += g[k] * (xt[k] - x[k]);
      const jumped = opts.maxDecreaseRatio !== undefined && f - r.value > opts.maxDecreaseRatio * -decrease + 1e-12 * scaleOf(f);
      const armijo = r.value <= f + 1e-4 * decrease;
      if (Number.isFinite(r.value) && !jumped && (armijo || withinNoise(r, xt, decrease))) {
        byGradient = !armijo;
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
      // Even a preconditioned gradient step gives no decrease: if the decrease it predicts is below the
      // objective's resolution (valueTol), the point is optimal to that resolution.
      const linear = -slope * Math.min(1, cap / Math.max(dmax, 1e-300));
      const flat = linear <= ftol * scaleOf(f) || pg <= gtol * scaleOf(f) * 1e3;
      return { x, value: f, iterations: it, evaluations, projectedGradient: pg, converged: flat, reason: flat ? 'line search failed at the objective’s resolution' : 'line search failed' };
    }
    const s = xNew.map((v, k) => v - x[k]);
    const y = gNew.map((v, k) => v - g[k]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      if (S.length > memory) S.shift(), Y.shift();
      if (h0 && !dInv && opts.diagonalUpdate !== false) updateDiagonal(h0, s, y, sy);
    }
    if (dInv && opts.diagonalAt) {
      dInv = opts.diagonalAt(xNew).map((d) => 1 / d);
      const last = Y.length - 1;
      let yDy = 0;
      if (last >= 0) for (let k = 0; k < n; k++) yDy += Y[last][k] * dInv[k] * Y[last][k];
      const gamma = last >= 0 && yDy > 0 ? dot(S[last], Y[last]) / yDy : 1;
      h0 = dInv.map((v) => gamma * v);
    }
    const fOld = f;
    x = xNew;
    f = fNew;
    g = gNew;
    pg = projectedGradientNorm(x, g, lower, upper);
    lastDecrease = fOld - f;
    opts.onIteration?.(it, f, pg, { x, evaluations, lineSearchEvaluations: evaluations - evaluationsBefore, predictedDecrease: predicted, actualDecrease: fOld - f });
    // A tie of values the line search could not judge says nothing about stationarity.
    if (!byGradient) smallDecreases = Math.abs(fOld - f) <= ftol * Math.max(1, Math.abs(f), Math.abs(fOld)) ? smallDecreases + 1 : 0;
    if (smallDecreases >= patience) {
      // A stall far from stationarity (near a saddle, or a stale quasi-Newton model) is not convergence:
      // drop the memory and go on, a few times; a stall with a small projected gradient is.
      if (pg <= stallGradient * gtol * scaleOf(f)) {
        return { x, value: f, iterations: it, evaluations, projectedGradient: pg, converged: true, reason: 'relative decrease below tolerance' };
      }
      if (++stalls > maxStalls) return { x, value: f, iterations: it, evaluations, projectedGradient: pg, converged: false, reason: 'stalled' };
      S.length = 0;
      Y.length = 0;
      smallDecreases = 0;
    }
  }
  return { x, value: f, iterations: maxIt, evaluations, projectedGradient: pg, converged: pg <= gtol * scaleOf(f), reason: 'iteration limit' };
}

/**
 * Diagonal BFGS update of the inverse diagonal h = D⁻¹ (Gilbert–Lemaréchal 1989): first the
 * Oren–Spedicato scaling h ← h · sᵀy/(yᵀ h y), then the diagonal of the direct BFGS update of
 * B = diag(1/h): b_k ← b_k + y_k²/sᵀy − (b_k s_k)²/sᵀBs (positive: b_k s_k² ≤ sᵀBs).
 */
function updateDiagonal(h: Float64Array, s: Float64Array, y: Float64Array, sy: number): void {
  let yhy = 0;
  for (let k = 0; k < h.length; k++) yhy += y[k] * h[k] * y[k];
  if (!(yhy > 0)) return;
  const scale = sy / yhy;
  let sBs = 0;
  for (let k = 0; k < h.length; k++) sBs += (s[k] * s[k]) / (h[k] * scale);
  if (!(sBs > 0)) return;
  let bMax = 0;
  const b = new Float64Array(h.length);
  for (let k = 0; k < h.length; k++) {
    const bk = 1 / (h[k] * scale);
    b[k] = bk + (y[k] * y[k]) / sy - (bk * s[k]) ** 2 / sBs;
    bMax = Math.max(bMax, b[k]);
  }
  const floor = 1e-12 * bMax;
  for (let k = 0; k < h.length; k++) h[k] = 1 / Math.max(b[k], floor);
}

/** L-BFGS two-loop recursion d = −H g on the free coordinates (zero on the active ones); H0 = h0 or γI. */
function twoLoop(g: Float64Array, S: Float64Array[], Y: Float64Array[], free: Uint8Array, h0: Float64Array | null): Float64Array {
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
  if (h0) for (let k = 0; k < q.length; k++) q[k] *= h0[k];
  else if (m > 0) {
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
