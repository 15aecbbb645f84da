// The one thing the policy layer knows about an economy: a vector of instruments a inside a box,
// who controls which coordinate, each player's welfare at a, and gradients of weighted welfare.
// The static trade model implements it (src/models/static-trade/policy-problem.ts); a trained
// heterogeneous-agent equilibrium network can implement it the same way.

export interface PolicyObjective {
  /** Number of instrument coordinates. */
  readonly dimension: number;
  /** Box bounds of every coordinate (may be ±Infinity). */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Player names (countries, regions, governments). */
  readonly players: readonly string[];
  /** owner[k] = index into `players` of the player who sets coordinate k. */
  readonly owner: Int32Array;
  /** The status-quo instrument vector (a natural starting point). */
  initial(): Float64Array;
  /** Welfare of every player at a (to be maximised; e.g. ln Ŵ). */
  welfare(a: Float64Array): Float64Array;
  /** ∇_a Σ_p weights[p] · welfare_p(a): for one player pass a unit vector. */
  gradient(a: Float64Array, weights: Float64Array): Float64Array;
  /**
   * Optional hint: many policies close to `a` are about to be evaluated (a finite-difference Jacobian of
   * the players' first-order conditions). An equilibrium model can prepare, e.g. factorise its
   * equilibrium Jacobian at a so that the nearby equilibrium and adjoint solves take few iterations.
   */
  localize?(a: Float64Array): void;
  /**
   * Optional: the evaluations about to be made near `a` (finite differences, short steps) must continue
   * the equilibrium found at `a` itself, not one selected earlier at a nearby policy (e.g. a failed
   * line-search trial that landed on another branch). A model with a single equilibrium can ignore it.
   */
  anchor?(a: Float64Array): void;
  /**
   * Optional: absolute resolution of each player's welfare values (e.g. ~1e-5 % for welfare computed
   * through float32 networks), when the gradient is smoother than the values. Line searches then judge
   * steps whose value change is below it by the gradient (lbfgsb.ts `valueNoise`).
   */
  readonly resolution?: number;
}

export function unitWeights(objective: PolicyObjective, player: number): Float64Array {
  const w = new Float64Array(objective.players.length);
  w[player] = 1;
  return w;
}

/** Coordinates owned by a player. */
export function coordinatesOf(objective: PolicyObjective, player: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < objective.dimension; k++) if (objective.owner[k] === player) out.push(k);
  return out;
}

export function project(x: Float64Array, lower: Float64Array, upper: Float64Array): Float64Array {
  for (let k = 0; k < x.length; k++) x[k] = Math.min(upper[k], Math.max(lower[k], x[k]));
  return x;
}
