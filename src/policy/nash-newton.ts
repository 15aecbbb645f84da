// Nash equilibrium by Newton's method on the players' first-order conditions, solved jointly
// (MODELS.md §D.4: a Nash equilibrium is a fixed point a*_p = BR_p(a*_{−p}); at an interior one every
// player's own gradient ∇_{a_p} W_p vanishes). Generic over a PolicyObjective.
//
// Why: best-response dynamics converge linearly and each round needs every player's full optimum; in the
// DL-opt economy the players' own Hessians have curvatures from ~6 down to ~4e-5 (tariffs on goods a
// country hardly imports), so iterative optimisers resolve the flat directions only after hundreds of
// iterations, and the rounds' "max policy change" stalls on them. Newton on the stacked conditions
// G(a) = (∇_{a_p} W_p(a))_p uses the exact curvature in every direction and converges quadratically
// near the equilibrium.
//
// Bounds: the conditions are the projected ones, r(a) = P(a + G(a)) − a = 0 (KKT for each player's box);
// coordinates at a bound with their own gradient pushing outward are held there (active set) and the
// Newton step is taken on the others. The Jacobian ∂G/∂a is built by forward differences of G (one
// policy evaluation with every player's gradient per free coordinate). Its diagonal blocks are the
// players' own Hessians: all eigenvalues negative at the end certify that each player is at a strict
// local maximum of its welfare (second-order condition), i.e. a (local) Nash equilibrium, not a saddle.
import { type PolicyObjective, coordinatesOf, unitWeights, project } from './objective.ts';
import { solveDense, symmetricEigenvalues } from './dense.ts';
import type { Progress } from './equilibria.ts';

export interface NashNewtonSettings {
  /** Stop when max_k |r_k(a)| ≤ tolerance (r = projected own gradients). */
  tolerance: number;
  maxIterations: number;
  /** Forward-difference step of the Jacobian. */
  finiteDifferenceStep: number;
  /** Largest change of any instrument in one Newton step. */
  maxStep: number;
  /** Players whose conditions are solved (default: every player owning a coordinate); the others' instruments stay fixed. */
  players?: number[];
  /** Reuse the Jacobian with Broyden updates while ‖r‖ at least halves per step (default true). */
  broyden?: boolean;
}

export const DEFAULT_NASH_NEWTON: NashNewtonSettings = { tolerance: 1e-8, maxIterations: 30, finiteDifferenceStep: 1e-5, maxStep: 0.5, broyden: true };

export interface NashNewtonIteration {
  iteration: number;
  /** max |r| before the step. */
  residual: number;
  /** Accepted step length (1 = full Newton step). */
  step: number;
  seconds: number;
  /** Whether the step used a new finite-difference Jacobian (else a Broyden update). */
  freshJacobian: boolean;
}

export interface NashNewtonResult {
  a: Float64Array;
  welfare: Float64Array;
  converged: boolean;
  reason: string;
  /** max |r| at the end. */
  residual: number;
  /** max |r| over each player's coordinates at the end (index: player). */
  residualByPlayer: number[];
  /**
   * Largest eigenvalue of each player's own Hessian (free coordinates, flat directions left out) from the
   * last finite-difference Jacobian (index: player; NaN if none).
   */
  ownHessianMaxEigenvalue: number[];
  /** Number of flat directions of each player's own Hessian (instruments without any effect). */
  flatDirections: number[];
  iterations: NashNewtonIteration[];
  /** Evaluations of G (each: one policy with every player's gradient). */
  evaluations: number;
  /** Finite-difference Jacobians built. */
  jacobians: number;
}

/** G(a): every coordinate's owner's marginal welfare, ∂W_{owner(k)}/∂a_k, for the coordinates of `players`. */
export function ownGradients(objective: PolicyObjective, a: Float64Array, players: readonly number[]): Float64Array {
  const G = new Float64Array(objective.dimension);
  for (const p of players) {
    const g = objective.gradient(a, unitWeights(objective, p));
    for (const k of coordinatesOf(objective, p)) G[k] = g[k];
  }
  return G;
}

/** Projected first-order residual r = P(a + G) − a on the coordinates `coords`. */
function projectedResidual(objective: PolicyObjective, a: Float64Array, G: Float64Array, coords: readonly number[]): Float64Array {
  return Float64Array.from(coords, (k) => Math.min(objective.upper[k], Math.max(objective.lower[k], a[k] + G[k])) - a[k]);
}

const maxAbs = (v: ArrayLike<number>) => {
  let m = 0;
  for (let k = 0; k < v.length; k++) m = Math.max(m, Math.abs(v[k]));
  return m;
};
const norm2 = (v: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return Math.sqrt(s);
};

export function nashNewton(objective: PolicyObjective, start: Float64Array, settings: NashNewtonSettings = DEFAULT_NASH_NEWTON, progress?: Progress): NashNewtonResult {
  const players = settings.players ?? [...new Set(objective.owner)].sort((x, y) => x - y);
  const coords = players.flatMap((p) => coordinatesOf(objective, p));
  const n = coords.length;
  const t0 = performance.now();
  let evaluations = 0;
  // G at a, or null where the objective has no equilibrium (a trial point the line search must reject).
  const evaluate = (a: Float64Array): Float64Array | null => {
    evaluations++;
    try {
      return ownGradients(objective, a, players);
    } catch (err) {
      if (err instanceof Error && /equilibrium not found|did not converge/.test(err.message)) return null;
      throw err;
    }
  };
  let a = project(Float64Array.from(start), objective.lower, objective.upper);
  let G = evaluate(a);
  if (!G) throw new Error('nashNewton: no equilibrium at the starting policy');
  let r = projectedResidual(objective, a, G, coords);
  const history: NashNewtonIteration[] = [];
  let eigen: { max: number; flat: number }[] = players.map(() => ({ max: NaN, flat: 0 }));
  let reason = 'iteration limit';
  let converged = false;
  // The Jacobian is rebuilt by finite differences when the active set changes or the last step reduced
  // ‖r‖ by less than half; otherwise it is carried forward by Broyden's rank-one update (one evaluation
  // per iteration instead of one per free instrument; superlinear instead of quadratic convergence).
  let jac: Float64Array | null = null;
  let jacFree = '';
  let lastRatio = 1;
  let jacobians = 0;
  for (let it = 1; it <= settings.maxIterations; it++) {
    const residual = maxAbs(r);
    if (residual <= settings.tolerance) {
      converged = true;
      reason = 'first-order conditions hold to tolerance';
      break;
    }
    // Active set: at a bound with the owner's marginal welfare pointing out of the box.
    const free = coords.map((k) => {
      const atLower = a[k] <= objective.lower[k] && G![k] <= 0;
      const atUpper = a[k] >= objective.upper[k] && G![k] >= 0;
      return !(atLower || atUpper);
    });
    const freeIdx = coords.map((_, c) => c).filter((c) => free[c]);
    const m = freeIdx.length;
    const freeKey = freeIdx.join(',');
    const fresh = !jac || freeKey !== jacFree || lastRatio > 0.5 || settings.broyden === false;
    if (fresh) {
      jac = jacobian(objective, a, G, coords, freeIdx, settings.finiteDifferenceStep, evaluate);
      jacFree = freeKey;
      jacobians++;
      eigen = ownHessianEigenvalues(objective, players, coords, freeIdx, jac);
    }
    const J = jac!;
    const rhs = Float64Array.from(freeIdx, (c) => -G![coords[c]]);
    // A small Levenberg–Marquardt shift −μI (μ = 1e-8 of the largest curvature): instruments that have
    // no effect at all (on a sector that has vanished) give zero rows and columns, and their step is then
    // G/μ ≈ 0 instead of a singular solve; elsewhere the step is Newton's to ~1e-8.
    let curvature = 0;
    for (let q = 0; q < m; q++) curvature = Math.max(curvature, Math.abs(J[q * m + q]));
    const shifted = Float64Array.from(J);
    for (let q = 0; q < m; q++) shifted[q * m + q] -= 1e-8 * curvature;
    const dFree = solveDense(m, shifted, rhs);
    if (!dFree) {
      reason = 'singular Jacobian of the first-order conditions';
      break;
    }
    const d = new Float64Array(objective.dimension);
    freeIdx.forEach((c, q) => (d[coords[c]] = dFree[q]));
    const dmax = maxAbs(d);
    if (dmax > settings.maxStep) for (let k = 0; k < d.length; k++) d[k] *= settings.maxStep / dmax;
    // Backtracking on ‖r‖₂: the Newton direction is a descent direction of ½‖G‖² on the free set.
    const r0 = norm2(r);
    let step = 1;
    let accepted: { a: Float64Array; G: Float64Array; r: Float64Array } | null = null;
    for (let half = 0; half < 12 && !accepted; half++, step /= 2) {
      const trial = project(a.map((v, k) => v + step * d[k]), objective.lower, objective.upper);
      const Gt = evaluate(trial);
      if (!Gt) continue;
      const rt = projectedResidual(objective, trial, Gt, coords);
      if (norm2(rt) <= (1 - 1e-4 * step) * r0) accepted = { a: trial, G: Gt, r: rt };
    }
    history.push({ iteration: it, residual, step: accepted ? step * 2 : 0, seconds: (performance.now() - t0) / 1000, freshJacobian: fresh });
    progress?.(`nash newton ${it}: max |FOC| ${residual.toExponential(2)}, step ${accepted ? step * 2 : 0}, ${m} free instruments${fresh ? ', new Jacobian' : ''}`);
    if (!accepted) {
      if (!fresh) {
        lastRatio = 1; // a stale Broyden Jacobian: rebuild it and try again
        continue;
      }
      reason = 'line search failed';
      break;
    }
    lastRatio = norm2(accepted.r) / r0;
    // Broyden: J ← J + (y − J s) sᵀ / sᵀs on the free coordinates.
    const sv = Float64Array.from(freeIdx, (c) => accepted!.a[coords[c]] - a[coords[c]]);
    const yv = Float64Array.from(freeIdx, (c) => accepted!.G[coords[c]] - G![coords[c]]);
    const ss = sv.reduce((t, v) => t + v * v, 0);
    if (ss > 0) {
      for (let row = 0; row < m; row++) {
        let Js = 0;
        for (let q = 0; q < m; q++) Js += J[row * m + q] * sv[q];
        const f = (yv[row] - Js) / ss;
        for (let q = 0; q < m; q++) J[row * m + q] += f * sv[q];
      }
    }
    ({ a, G, r } = accepted);
  }
  const residual = maxAbs(r);
  if (!converged && residual <= settings.tolerance) (converged = true), (reason = 'first-order conditions hold to tolerance');
  const residualByPlayer = objective.players.map((_, p) => {
    if (!players.includes(p)) return NaN;
    return maxAbs(coords.flatMap((k, c) => (objective.owner[k] === p ? [r[c]] : [])));
  });
  const ownHessianMaxEigenvalue = objective.players.map((_, p) => {
    const q = players.indexOf(p);
    return q >= 0 ? eigen[q].max : NaN;
  });
  const flatDirections = objective.players.map((_, p) => {
    const q = players.indexOf(p);
    return q >= 0 ? eigen[q].flat : 0;
  });
  return { a, welfare: objective.welfare(a), converged, reason, residual, residualByPlayer, ownHessianMaxEigenvalue, flatDirections, iterations: history, evaluations, jacobians };
}

/** ∂G_free/∂a_free by forward differences (row-major m×m), stepping inward at an upper bound. */
function jacobian(
  objective: PolicyObjective,
  a: Float64Array,
  G: Float64Array,
  coords: readonly number[],
  freeIdx: readonly number[],
  h: number,
  evaluate: (a: Float64Array) => Float64Array | null,
): Float64Array {
  const m = freeIdx.length;
  const jac = new Float64Array(m * m);
  objective.localize?.(a);
  freeIdx.forEach((c, col) => {
    const k = coords[c];
    const step = a[k] + h <= objective.upper[k] ? h : -h;
    const ap = Float64Array.from(a);
    ap[k] += step;
    const Gp = evaluate(ap);
    if (!Gp) throw new Error(`nashNewton: no equilibrium at a finite-difference step of coordinate ${k}`);
    freeIdx.forEach((c2, row) => (jac[row * m + col] = (Gp[coords[c2]] - G[coords[c2]]) / step));
  });
  return jac;
}

/**
 * Each player's own Hessian (the diagonal block of the Jacobian on its free coordinates): its largest
 * eigenvalue among the non-flat ones, and the number of flat ones (|λ| ≤ 1e-8 max|λ|: directions in which
 * welfare does not change at all, e.g. a subsidy to a sector that has vanished).
 */
function ownHessianEigenvalues(objective: PolicyObjective, players: readonly number[], coords: readonly number[], freeIdx: readonly number[], jac: Float64Array): { max: number; flat: number }[] {
  const m = freeIdx.length;
  return players.map((p) => {
    const rows = freeIdx.flatMap((c, q) => (objective.owner[coords[c]] === p ? [q] : []));
    if (rows.length === 0) return { max: NaN, flat: 0 };
    const block = new Float64Array(rows.length * rows.length);
    rows.forEach((r, i) => rows.forEach((q, j) => (block[i * rows.length + j] = jac[r * m + q])));
    const values = symmetricEigenvalues(rows.length, block);
    const scale = values.reduce((t, v) => Math.max(t, Math.abs(v)), 0);
    const solid = values.filter((v) => Math.abs(v) > 1e-8 * scale);
    return { max: solid.length ? solid[solid.length - 1] : NaN, flat: values.length - solid.length };
  });
}
