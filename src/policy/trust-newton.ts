// Maximisation of a weighted objective Σ_p weights_p · welfare_p(a) over a box by a trust-region Newton
// method (Moré–Sorensen step in the eigenbasis of a finite-difference Hessian, symmetric-rank-one updates
// between Hessians). Generic over a PolicyObjective.
//
// Why: the world optimum of an economy with scale economies is badly conditioned (curvatures from ~10
// down to ~1e-7) and the objective need not be concave on the way, so a quasi-Newton method crawls and
// can stop where even a gradient step fails, and Newton's method on the first-order conditions converges
// to whatever stationary point is near (a saddle passes its test on the gradient). Here every step must
// raise the objective itself: the step maximises the quadratic model within a radius, with the model's
// Hessian shifted to negative definite (μ ≥ the largest eigenvalue; on positive curvature the step also
// moves along the top eigenvector, the "hard case", so a saddle is left rather than converged to), and a
// trial is accepted only if the objective rises by a fair share of what the model predicts. A trial that
// lands on a lower value (e.g. where the equilibrium selected by continuation jumps at a fold of its
// branch, or where no equilibrium is found) is a failed trial: the radius shrinks and the step is retried,
// so the iterates stay where the objective is continuous. Convergence is certified by the first-order
// conditions and a fresh finite-difference Hessian whose largest (non-flat) eigenvalue is negative.
import { type PolicyObjective, project } from './objective.ts';
import { symmetricEigen } from './dense.ts';
import type { Progress } from './equilibria.ts';

export interface TrustNewtonSettings {
  /** Stop when every projected marginal value max_k |P(a + g) − a|_k is below this and the Hessian is negative definite. */
  tolerance: number;
  /** Trial steps (accepted or not). */
  maxIterations: number;
  /** Forward-difference step of the Hessian (columns are differences of the gradient). */
  finiteDifferenceStep: number;
  /** Initial and largest trust radius (Euclidean norm of the step). */
  initialRadius: number;
  maxRadius: number;
  /** Give up when the radius falls below this (default 1e-12). */
  minRadius?: number;
  /** Changes of the objective below this count as no change (evaluation noise; default 1e-12 · max(1, |f|)). */
  valueNoise?: number;
  /** Rebuild the finite-difference Hessian after this many updated (rank-one) iterations (default 10). */
  refreshEvery?: number;
  /**
   * A trial whose rise exceeds this multiple of the model's prediction is a failed trial too (the objective
   * jumped up, e.g. onto another equilibrium branch: the model says nothing about it; default: off).
   */
  maxRatio?: number;
  /**
   * A finite-difference probe whose value differs from the gradient's prediction by more than this jumped
   * (default 1e-7 · max(1, |f|); smooth probes differ by ½h²|H_kk|).
   */
  jumpTolerance?: number;
  /** A rejected trial that lost more than this multiple of the predicted rise marks a cliff (default 100). */
  cliffRatio?: number;
  /** Accepted steps for which a cliff direction stays blocked (default 5). */
  blockedSteps?: number;
  /**
   * Let the step move instruments off a bound even where the gradient points out of the box, if the
   * quadratic model (with its curvature) moves them inward (default false: such instruments stay put).
   */
  releaseBounds?: boolean;
}

export const DEFAULT_TRUST_NEWTON: TrustNewtonSettings = { tolerance: 1e-8, maxIterations: 60, finiteDifferenceStep: 1e-5, initialRadius: 0.01, maxRadius: 0.5 };

export interface TrustNewtonIteration {
  iteration: number;
  /** Objective and max projected marginal value before the step. */
  value: number;
  residual: number;
  radius: number;
  /** Achieved / predicted increase (−Infinity when the trial had no equilibrium). */
  ratio: number;
  accepted: boolean;
  /** The step used a finite-difference Hessian built at this point (else a rank-one update). */
  freshHessian: boolean;
  /** 'newton' (full Newton step inside the radius), 'boundary' (shifted step on the radius), 'hard' (with the top eigenvector). */
  kind: 'newton' | 'boundary' | 'hard';
  seconds: number;
}

export interface TrustNewtonResult {
  a: Float64Array;
  value: number;
  converged: boolean;
  reason: string;
  /** max |P(a + g) − a| at the end. */
  residual: number;
  /** Largest non-flat eigenvalue of the last Hessian on the free coordinates, and whether it was built at the final point. */
  maxEigenvalue: number;
  hessianAtFinalPoint: boolean;
  /** Eigenvalues with |λ| ≤ 1e-8 max|λ| (instruments without effect). */
  flatDirections: number;
  iterations: TrustNewtonIteration[];
  evaluations: number;
  hessians: number;
  rejected: number;
  /** Hessian columns whose probes jumped on both sides (filled by symmetry), over all Hessians. */
  unreliableColumns: number;
}

/** The quadratic model's Hessian on the free coordinates, its eigenbasis, whether it was built at the current point, rank-one updates since. */
interface QuadraticModel {
  free: number[];
  H: Float64Array;
  eig: ReturnType<typeof symmetricEigen>;
  fresh: boolean;
  age: number;
}

interface Point {
  a: Float64Array;
  value: number;
  g: Float64Array;
}

const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * y[k];
  return s;
};
const maxAbs = (v: ArrayLike<number>) => {
  let m = 0;
  for (let k = 0; k < v.length; k++) m = Math.max(m, Math.abs(v[k]));
  return m;
};

export function maximizeTrustNewton(
  objective: PolicyObjective,
  weights: Float64Array,
  start: Float64Array,
  settings: TrustNewtonSettings = DEFAULT_TRUST_NEWTON,
  progress?: Progress,
): TrustNewtonResult {
  const { lower, upper } = objective;
  const n = objective.dimension;
  const minRadius = settings.minRadius ?? 1e-12;
  const refreshEvery = settings.refreshEvery ?? 10;
  const t0 = performance.now();
  let evaluations = 0;
  let hessians = 0;
  let rejected = 0;
  // Objective and gradient at a, or null where the objective has no equilibrium (a failed trial).
  const evaluate = (a: Float64Array): Point | null => {
    evaluations++;
    try {
      const w = objective.welfare(a);
      const g = objective.gradient(a, weights);
      const value = dot(weights, w);
      if (!Number.isFinite(value) || !g.every(Number.isFinite)) return null;
      return { a, value, g };
    } catch (err) {
      if (err instanceof Error && /equilibrium not found|did not converge/.test(err.message)) return null;
      throw err;
    }
  };
  const residualOf = (p: Point) => {
    let m = 0;
    for (let k = 0; k < n; k++) m = Math.max(m, Math.abs(Math.min(upper[k], Math.max(lower[k], p.a[k] + p.g[k])) - p.a[k]));
    return m;
  };
  // Free coordinates: not at a bound with the marginal value pointing out of the box.
  const freeAt = (p: Point) => {
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const atLower = p.a[k] <= lower[k] && p.g[k] <= 0;
      const atUpper = p.a[k] >= upper[k] && p.g[k] >= 0;
      if (!(atLower || atUpper)) out.push(k);
    }
    return out;
  };

  const first = evaluate(project(Float64Array.from(start), lower, upper));
  if (!first) throw new Error('maximizeTrustNewton: no equilibrium at the starting policy');
  let x: Point = first;
  objective.anchor?.(x.a);
  let radius = settings.initialRadius;
  let model = null as QuadraticModel | null;
  const history: TrustNewtonIteration[] = [];
  let reason = 'iteration limit';
  let converged = false;
  let rejectionsInRow = 0;
  const all = Array.from({ length: n }, (_, k) => k);
  // Directions toward a cliff (a trial there lost far more than the model predicted): the next steps
  // keep orthogonal to them for a few accepted steps, so the iterate moves along the discontinuity
  // instead of creeping into it with ever shorter steps.
  const blocked: Array<{ direction: Float64Array; ttl: number }> = [];
  const cliffRatio = settings.cliffRatio ?? 100;
  const blockedLife = settings.blockedSteps ?? 5;
  let certificate: { max: number; flat: number } = { max: NaN, flat: 0 };
  let unreliableColumns = 0;

  const build = (p: Point) => {
    const jumpTolerance = settings.jumpTolerance ?? 1e-7 * Math.max(1, Math.abs(p.value));
    const { H, unreliable } = finiteDifferenceHessian(objective, p, all, settings.finiteDifferenceStep, evaluate, jumpTolerance);
    hessians++;
    unreliableColumns += unreliable;
    model = { free: all, H, eig: { values: [], vectors: [] }, fresh: true, age: 0 };
  };

  for (let it = 1; it <= settings.maxIterations; it++) {
    const residual = residualOf(x);
    const stale = !model || !model.fresh;
    if (!model || (residual <= settings.tolerance && stale) || (stale && rejectionsInRow >= 2) || model.age >= refreshEvery) {
      build(x);
      rejectionsInRow = 0;
    }
    const m = model!;
    const free = freeAt(x);
    if (m.fresh) {
      // Second-order certificate on the coordinates the first-order conditions leave free.
      const top = topEigenvalue(free.length ? symmetricEigen(free.length, subMatrix(m.H, n, free)).values : []);
      certificate = { max: top.max, flat: top.flat };
    }
    if (residual <= settings.tolerance && m.fresh && certificate.max < 0) {
      converged = true;
      reason = 'first-order conditions hold to tolerance and the Hessian is negative definite';
      break;
    }
    if (free.length === 0 && !settings.releaseBounds) {
      converged = residual <= settings.tolerance;
      reason = 'every instrument at a bound';
      break;
    }
    // The step's coordinates: the free ones, or (releaseBounds) every one the model's step moves into the box.
    let coords = settings.releaseBounds ? all : free;
    let step: Float64Array = new Float64Array(0);
    let kind: TrustNewtonIteration['kind'] = 'boundary';
    for (let pass = 0; pass < 3; pass++) {
      const directions = blocked.map((b) => b.direction);
      const sub = projectedModel(subMatrix(m.H, n, coords), Float64Array.from(coords, (k) => x.g[k]), coords, directions);
      const eig = symmetricEigen(coords.length, sub.H);
      const top = topEigenvalue(eig.values);
      ({ step, kind } = trustRegionStep(eig, sub.g, radius, top.max, top.flatBelow));
      const outward = coords.filter((k, q) => (x.a[k] <= lower[k] && step[q] < 0) || (x.a[k] >= upper[k] && step[q] > 0));
      if (outward.length === 0 || pass === 2) break;
      coords = coords.filter((k) => !outward.includes(k));
    }
    const trial = Float64Array.from(x.a);
    coords.forEach((k, q) => (trial[k] += step[q]));
    project(trial, lower, upper);
    const s = Float64Array.from(all, (k) => trial[k] - x.a[k]);
    const predicted = dot(x.g, s) + 0.5 * quadratic(m.H, s);
    const sNorm = Math.sqrt(dot(s, s));
    let accepted = false;
    let ratio = -Infinity;
    let next: Point | null = null;
    if (predicted > 0 && sNorm > 0) {
      next = evaluate(trial);
      if (next) {
        const gain = next.value - x.value;
        ratio = gain / predicted;
        const noise = settings.valueNoise ?? 1e-12 * Math.max(1, Math.abs(x.value));
        // A fair share of the predicted rise; near the optimum, where rises are at the objective's
        // resolution, a step that keeps the value and reduces the first-order residual.
        const jumpedUp = settings.maxRatio !== undefined && ratio > settings.maxRatio && gain > noise;
        accepted = !jumpedUp && (ratio >= 0.05 || (gain >= -noise && predicted <= 10 * noise && residualOf(next) < residual));
      }
    }
    history.push({ iteration: it, value: x.value, residual, radius, ratio, accepted, freshHessian: m.fresh, kind, seconds: (performance.now() - t0) / 1000 });
    progress?.(`trust-region newton ${it}: objective ${x.value.toPrecision(12)}, max |FOC| ${residual.toExponential(2)}, radius ${radius.toExponential(2)}, ${kind} step ${sNorm.toExponential(2)} on ${coords.length} instruments${blocked.length ? ` (${blocked.length} blocked directions)` : ''}, ratio ${Number.isFinite(ratio) ? ratio.toPrecision(4) : ratio}${accepted ? '' : ' (rejected)'}${m.fresh ? `, Hessian at this point (top eigenvalue ${certificate.max.toExponential(2)})` : ''}`);
    if (!accepted && blocked.length > 0 && !(predicted > 0 && sNorm > 0)) {
      // The blocked directions leave no ascent within reach: forget the oldest and try again.
      blocked.shift();
      continue;
    }
    if (!accepted) {
      rejected++;
      rejectionsInRow++;
      if (sNorm > 0 && (next === null || ratio < -cliffRatio)) {
        blocked.push({ direction: s.map((v) => v / sNorm), ttl: blockedLife });
        if (blocked.length > Math.min(8, n - 1)) blocked.shift();
      }
      radius = Math.min(radius, sNorm > 0 ? sNorm : radius) / 4;
      if (radius < minRadius) {
        reason = 'trust region collapsed';
        break;
      }
      continue;
    }
    rejectionsInRow = 0;
    for (const b of blocked) b.ttl--;
    while (blocked.length && blocked[0].ttl <= 0) blocked.shift();
    if (ratio > 0.75 && sNorm >= 0.9 * radius) radius = Math.min(2 * radius, settings.maxRadius);
    else if (ratio < 0.25) radius = sNorm / 4;
    // Symmetric rank-one update of the Hessian (kept only if well defined).
    const y = Float64Array.from(all, (k) => next!.g[k] - x.g[k]);
    rankOneUpdate(m, s, y);
    x = next!;
    objective.anchor?.(x.a);
  }
  const final = model as QuadraticModel | null;
  const top = certificate;
  return {
    a: x.a,
    value: x.value,
    converged,
    reason,
    residual: residualOf(x),
    maxEigenvalue: top.max,
    hessianAtFinalPoint: final?.fresh ?? false,
    flatDirections: top.flat,
    iterations: history,
    evaluations,
    hessians,
    rejected,
    unreliableColumns,
  };
}

/** Largest eigenvalue among the non-flat ones (|λ| > 1e-8 max|λ|), the flat threshold, and the number of flat ones. */
function topEigenvalue(values: number[]): { max: number; flatBelow: number; flat: number } {
  const scale = values.reduce((t, v) => Math.max(t, Math.abs(v)), 0);
  const flatBelow = 1e-8 * scale;
  const solid = values.filter((v) => Math.abs(v) > flatBelow);
  return { max: solid.length ? Math.max(...solid) : NaN, flatBelow, flat: values.length - solid.length };
}

/** sᵀ H s for a row-major symmetric H. */
function quadratic(H: Float64Array, s: Float64Array): number {
  const m = s.length;
  let t = 0;
  for (let r = 0; r < m; r++) {
    let row = 0;
    for (let c = 0; c < m; c++) row += H[r * m + c] * s[c];
    t += s[r] * row;
  }
  return t;
}

/**
 * The step maximising gᵀs + ½ sᵀHs subject to ‖s‖₂ ≤ radius (Moré–Sorensen, in the eigenbasis H = Σ λ_i q_i q_iᵀ):
 * s(μ) = Σ q_i (q_iᵀg)/(μ − λ_i) with μ ≥ max(0, λ_max); the Newton step (μ = 0) if H is negative
 * definite and it fits; else μ on the radius; if even μ → λ_max⁺ stays inside (the gradient has no weight on
 * the top eigenvector, e.g. at a saddle), the rest of the radius goes along the top eigenvector ("hard case").
 * Flat directions (|λ| ≤ flatBelow: instruments without effect) are left alone.
 */
function trustRegionStep(eig: { values: number[]; vectors: Float64Array[] }, g: Float64Array, radius: number, lambdaMax: number, flatBelow: number): { step: Float64Array; kind: 'newton' | 'boundary' | 'hard' } {
  const m = g.length;
  const solid = eig.values.flatMap((v, i) => (Math.abs(v) > flatBelow ? [i] : []));
  const gt = solid.map((i) => dot(eig.vectors[i], g));
  const coefficients = (mu: number) => solid.map((i, q) => gt[q] / (mu - eig.values[i]));
  const norm = (c: number[]) => Math.sqrt(c.reduce((t, v) => t + v * v, 0));
  const assemble = (c: number[]) => {
    const s = new Float64Array(m);
    solid.forEach((i, q) => {
      const v = eig.vectors[i];
      for (let r = 0; r < m; r++) s[r] += c[q] * v[r];
    });
    return s;
  };
  if (solid.length === 0) return { step: new Float64Array(m), kind: 'boundary' };
  if (lambdaMax < 0) {
    const newton = coefficients(0);
    if (norm(newton) <= radius) return { step: assemble(newton), kind: 'newton' };
  }
  const floor = Math.max(0, lambdaMax);
  const gNorm = Math.sqrt(dot(g, g));
  const scale = Math.max(...solid.map((i) => Math.abs(eig.values[i])));
  const tiny = 1e-12 * scale;
  const atFloor = coefficients(floor + tiny);
  if (lambdaMax >= 0 && norm(atFloor) < radius) {
    // Hard case: the top eigenvector takes the rest of the radius (sign: uphill along the gradient, else +).
    const iTop = solid.findIndex((i) => eig.values[i] === lambdaMax);
    const c = atFloor.slice();
    const tau = Math.sqrt(Math.max(0, radius * radius - norm(c) ** 2));
    c[iTop] += (gt[iTop] < 0 ? -1 : 1) * tau;
    return { step: assemble(c), kind: 'hard' };
  }
  // ‖s(μ)‖ decreases in μ > λ_max: bisection (in log μ − floor) for ‖s(μ)‖ = radius.
  let lo = tiny;
  let hi = gNorm / radius + scale + tiny;
  for (let k = 0; k < 100; k++) {
    const mid = Math.sqrt(lo * hi);
    if (norm(coefficients(floor + mid)) > radius) lo = mid;
    else hi = mid;
    if (hi / lo < 1 + 1e-10) break;
  }
  return { step: assemble(coefficients(floor + hi)), kind: 'boundary' };
}

/** SR1 update H ← H + v vᵀ / (vᵀ s), v = y − H s, skipped when vᵀs is tiny. */
function rankOneUpdate(model: QuadraticModel, s: Float64Array, y: Float64Array): void {
  const m = s.length;
  const v = Float64Array.from(y);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) v[r] -= model.H[r * m + c] * s[c];
  const den = dot(v, s);
  model.fresh = false;
  model.age++;
  if (!(Math.abs(den) >= 1e-8 * Math.sqrt(dot(s, s) * dot(v, v))) || den === 0) return;
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) model.H[r * m + c] += (v[r] * v[c]) / den;
}

/**
 * Hessian of the objective on the coordinates `free` by forward differences of its gradient (stepping
 * inward at an upper bound), symmetrised. A probe whose value moved by far more than its gradient
 * predicts (|Δf − h g_k| > jumpTolerance: the objective jumped, e.g. the selected equilibrium crossed a
 * fold between the point and the probe) would put garbage in its column; it is retried on the other side,
 * and if that jumps too (or has no equilibrium) the column is taken from the other probes by symmetry,
 * with a zero diagonal (a direction the model leaves alone). Returns the matrix and the coordinates so filled.
 */
function finiteDifferenceHessian(objective: PolicyObjective, p: Point, free: number[], h: number, evaluate: (a: Float64Array) => Point | null, jumpTolerance: number): { H: Float64Array; unreliable: number } {
  const m = free.length;
  const H = new Float64Array(m * m);
  const good = new Uint8Array(m);
  objective.anchor?.(p.a);
  objective.localize?.(p.a);
  free.forEach((k, col) => {
    const forward = p.a[k] + h <= objective.upper[k] ? h : -h;
    for (const step of [forward, -forward]) {
      const a = Float64Array.from(p.a);
      a[k] += step;
      if (a[k] < objective.lower[k] || a[k] > objective.upper[k]) continue;
      const probe = evaluate(a);
      if (!probe || Math.abs(probe.value - p.value - step * p.g[k]) > jumpTolerance) continue;
      free.forEach((k2, row) => (H[row * m + col] = (probe.g[k2] - p.g[k2]) / step));
      good[col] = 1;
      break;
    }
  });
  let unreliable = 0;
  for (let r = 0; r < m; r++) {
    if (!good[r]) unreliable++;
    for (let c = r + 1; c < m; c++) {
      // Both columns measured: the average; one: the measured one; neither: unknown (zero).
      const v = good[r] && good[c] ? 0.5 * (H[r * m + c] + H[c * m + r]) : good[c] ? H[r * m + c] : good[r] ? H[c * m + r] : 0;
      H[r * m + c] = v;
      H[c * m + r] = v;
    }
    if (!good[r]) H[r * m + r] = 0;
  }
  return { H, unreliable };
}

/** Rows and columns `idx` of a row-major n×n matrix. */
function subMatrix(H: Float64Array, n: number, idx: readonly number[]): Float64Array {
  const m = idx.length;
  const out = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) out[r * m + c] = H[idx[r] * n + idx[c]];
  return out;
}

/**
 * The model restricted to the orthogonal complement of blocked directions (their entries on `coords`,
 * orthonormalised): P H P and P g with P = I − Q Qᵀ. Blocked directions become flat (eigenvalue 0) and are left alone.
 */
function projectedModel(H: Float64Array, g: Float64Array, coords: readonly number[], directions: Float64Array[]): { H: Float64Array; g: Float64Array } {
  const m = coords.length;
  const Q: Float64Array[] = [];
  for (const d of directions) {
    const v = Float64Array.from(coords, (k) => d[k]);
    for (const q of Q) {
      const c = dot(v, q);
      for (let r = 0; r < m; r++) v[r] -= c * q[r];
    }
    const len = Math.sqrt(dot(v, v));
    if (len > 1e-8) Q.push(v.map((x) => x / len));
  }
  if (Q.length === 0) return { H, g };
  const P = (v: Float64Array) => {
    const out = Float64Array.from(v);
    for (const q of Q) {
      const c = dot(out, q);
      for (let r = 0; r < m; r++) out[r] -= c * q[r];
    }
    return out;
  };
  // Columns of H P, then rows: P (H P) (H symmetric).
  const HP = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    const row = P(H.subarray(r * m, (r + 1) * m));
    HP.set(row, r * m);
  }
  const out = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    const col = P(Float64Array.from({ length: m }, (_, r) => HP[r * m + c]));
    for (let r = 0; r < m; r++) out[r * m + c] = col[r];
  }
  return { H: out, g: P(g) };
}
