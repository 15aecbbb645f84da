// Policy optima over a PolicyObjective (MODELS.md §D.4): a player's best response (unilateral optimum)
// with the others' instruments fixed, the Nash equilibrium by damped Jacobi best-response dynamics,
// and the cooperative optimum maximising Σ_p weight_p · welfare_p (sum of log welfare by default).
import { type PolicyObjective, coordinatesOf, unitWeights } from './objective.ts';
import { minimizeBounded, type MinimizeResult } from './lbfgsb.ts';
import { minimizeAdam } from './adam.ts';

export interface OptimizerSettings {
  method: 'lbfgsb' | 'adam';
  maxIterations: number;
  /** L-BFGS-B: projected-gradient tolerance. Adam: step tolerance. */
  tolerance: number;
  /** Adam only. */
  learningRate: number;
  /** L-BFGS-B: largest change of any instrument in one iteration (keeps trial policies near accepted ones). */
  maxStep?: number;
  /** L-BFGS-B: reject trials that gain more than this multiple of their first-order prediction (jumps; see lbfgsb.ts). */
  maxDecreaseRatio?: number;
  /** L-BFGS-B: absolute resolution of the welfare values (default: the objective's `resolution`, else exact; see lbfgsb.ts). */
  valueNoise?: number;
  /** Called after every iteration with the objective being maximised and the projected-gradient norm / step. */
  onIteration?: (iteration: number, objective: number, measure: number, a?: Float64Array) => void;
}

export const DEFAULT_OPTIMIZER: OptimizerSettings = { method: 'lbfgsb', maxIterations: 200, tolerance: 1e-7, learningRate: 0.01, maxStep: 0.25 };

export interface Progress {
  (message: string): void;
}

/** Maximises Σ weights·welfare over the coordinates `coords`, the others fixed at `a`. */
export function maximizeOver(
  objective: PolicyObjective,
  a: Float64Array,
  coords: readonly number[],
  weights: Float64Array,
  settings: OptimizerSettings = DEFAULT_OPTIMIZER,
): MinimizeResult & { a: Float64Array; welfare: Float64Array } {
  const full = Float64Array.from(a);
  const lo = Float64Array.from(coords, (k) => objective.lower[k]);
  const hi = Float64Array.from(coords, (k) => objective.upper[k]);
  const fg = (x: Float64Array) => {
    coords.forEach((k, c) => (full[k] = x[c]));
    let w: Float64Array;
    let g: Float64Array;
    try {
      w = objective.welfare(full);
      g = objective.gradient(full, weights);
    } catch (err) {
      // No equilibrium (or no usable gradient) at this trial point: treat it as infeasible so the line search backs off.
      if (err instanceof Error && /equilibrium not found|did not converge/.test(err.message)) {
        return { value: Infinity, gradient: new Float64Array(coords.length) };
      }
      throw err;
    }
    let value = 0;
    for (let p = 0; p < w.length; p++) value += weights[p] * w[p];
    // Minimise the negative.
    return { value: -value, gradient: Float64Array.from(coords, (k) => -g[k]) };
  };
  const x0 = Float64Array.from(coords, (k) => a[k]);
  // The iterate as a full instrument vector (L-BFGS-B only; a copy).
  const fullAt = (x: Float64Array) => {
    const out = Float64Array.from(a);
    coords.forEach((k, c) => (out[k] = x[c]));
    return out;
  };
  const onIteration = settings.onIteration ? (it: number, v: number, m: number, info?: { x: Float64Array }) => settings.onIteration!(it, -v, m, info ? fullAt(info.x) : undefined) : undefined;
  const res =
    settings.method === 'adam'
      ? minimizeAdam(fg, x0, lo, hi, { learningRate: settings.learningRate, maxIterations: settings.maxIterations, stepTol: settings.tolerance, onIteration })
      : minimizeBounded(fg, x0, lo, hi, {
          maxIterations: settings.maxIterations,
          gradientTol: settings.tolerance,
          maxStep: settings.maxStep,
          maxDecreaseRatio: settings.maxDecreaseRatio,
          valueNoise: settings.valueNoise ?? (objective.resolution ?? 0) * weights.reduce((sum, w) => sum + Math.abs(w), 0),
          onIteration,
        });
  const out = Float64Array.from(a);
  coords.forEach((k, c) => (out[k] = res.x[c]));
  return { ...res, a: out, welfare: objective.welfare(out) };
}

/** Player p's unilateral optimum (best response) given everyone else's instruments in `a`. */
export function bestResponse(objective: PolicyObjective, a: Float64Array, player: number, settings?: OptimizerSettings) {
  return maximizeOver(objective, a, coordinatesOf(objective, player), unitWeights(objective, player), settings);
}

/** The cooperative optimum: all coordinates, weights 1 on every player's welfare by default. */
export function cooperativeOptimum(objective: PolicyObjective, a: Float64Array, settings?: OptimizerSettings, weights?: Float64Array) {
  const all = Array.from({ length: objective.dimension }, (_, k) => k);
  return maximizeOver(objective, a, all, weights ?? new Float64Array(objective.players.length).fill(1), settings);
}

export interface NashSettings {
  /** Weight ω on the new best response (0.2 in the course code). */
  damping: number;
  /** Stop when max |a^{k+1} − a^k| < tolerance. */
  tolerance: number;
  maxRounds: number;
  optimizer: OptimizerSettings;
  /** Players that choose policy (default: every player owning a coordinate). */
  players?: number[];
  /**
   * 'jacobi' (default): every player responds to last round's policies; 'gauss-seidel': players respond in
   * turn, each to the policies already updated this round (usually fewer rounds; not parallel).
   */
  update?: 'jacobi' | 'gauss-seidel';
}

export const DEFAULT_NASH: NashSettings = { damping: 0.2, tolerance: 1e-3, maxRounds: 100, optimizer: DEFAULT_OPTIMIZER };

export interface NashRound {
  round: number;
  /** max |a^{k+1} − a^k| over all coordinates. */
  change: number;
  welfare: number[];
  seconds: number;
}

export interface NashResult {
  a: Float64Array;
  welfare: Float64Array;
  converged: boolean;
  rounds: NashRound[];
}

/**
 * Damped best-response dynamics: a_p ← (1−ω) a_p + ω BR_p(a_{−p}), for all p at once (Jacobi) or in turn
 * (Gauss–Seidel).
 */
export function nashEquilibrium(objective: PolicyObjective, start: Float64Array, settings: NashSettings = DEFAULT_NASH, progress?: Progress): NashResult {
  const players = settings.players ?? [...new Set(objective.owner)].sort((x, y) => x - y);
  const gaussSeidel = settings.update === 'gauss-seidel';
  let a = Float64Array.from(start);
  const rounds: NashRound[] = [];
  const t0 = performance.now();
  // Each best response starts from the player's previous one: the others move little between rounds.
  const lastBest = new Map<number, Float64Array>();
  for (let round = 1; round <= settings.maxRounds; round++) {
    const next = Float64Array.from(a);
    for (const p of players) {
      const coords = coordinatesOf(objective, p);
      const startAt = Float64Array.from(gaussSeidel ? next : a);
      const previous = lastBest.get(p);
      if (previous) coords.forEach((k, c) => (startAt[k] = previous[c]));
      const br = bestResponse(objective, startAt, p, settings.optimizer);
      lastBest.set(p, Float64Array.from(coords, (k) => br.a[k]));
      for (const k of coords) next[k] = (1 - settings.damping) * a[k] + settings.damping * br.a[k];
    }
    const done = closeRound(objective, a, next, round, t0, rounds, settings, progress);
    a = next;
    if (done) return done;
  }
  return { a, welfare: objective.welfare(a), converged: false, rounds };
}

/**
 * Best responses of several players to the same policy vector, possibly computed in parallel (e.g. one
 * worker thread per player). Each request carries the start of the player's search; the answer is the
 * player's coordinates (in the order of coordinatesOf) at its best response.
 */
export type BestResponder = (requests: Array<{ player: number; a: Float64Array; start: Float64Array }>) => Promise<Float64Array[]>;

/** nashEquilibrium with a pluggable (parallel) best-response provider; same dynamics and stopping rule. */
export async function nashEquilibriumWith(
  objective: PolicyObjective,
  start: Float64Array,
  settings: NashSettings,
  respond: BestResponder,
  progress?: Progress,
): Promise<NashResult> {
  const players = settings.players ?? [...new Set(objective.owner)].sort((x, y) => x - y);
  let a = Float64Array.from(start);
  const rounds: NashRound[] = [];
  const t0 = performance.now();
  const lastBest = new Map<number, Float64Array>();
  for (let round = 1; round <= settings.maxRounds; round++) {
    const requests = players.map((player) => {
      const coords = coordinatesOf(objective, player);
      const startAt = Float64Array.from(a);
      const previous = lastBest.get(player);
      if (previous) coords.forEach((k, c) => (startAt[k] = previous[c]));
      return { player, a, start: startAt };
    });
    const answers = await respond(requests);
    const next = Float64Array.from(a);
    players.forEach((player, q) => {
      lastBest.set(player, answers[q]);
      coordinatesOf(objective, player).forEach((k, c) => (next[k] = (1 - settings.damping) * a[k] + settings.damping * answers[q][c]));
    });
    const done = closeRound(objective, a, next, round, t0, rounds, settings, progress);
    a = next;
    if (done) return done;
  }
  return { a, welfare: objective.welfare(a), converged: false, rounds };
}

/**
 * Records a round of best-response dynamics that moved `a` to `next`; returns the converged result
 * when the distance to the best responses is below the tolerance. The damped step is ω·|BR − a|,
 * so that distance is the largest change divided by ω.
 */
function closeRound(
  objective: PolicyObjective,
  a: Float64Array,
  next: Float64Array,
  round: number,
  t0: number,
  rounds: NashRound[],
  settings: NashSettings,
  progress?: Progress,
): NashResult | undefined {
  let change = 0;
  for (let k = 0; k < a.length; k++) change = Math.max(change, Math.abs(next[k] - a[k]));
  const welfare = Array.from(objective.welfare(next));
  rounds.push({ round, change, welfare, seconds: (performance.now() - t0) / 1000 });
  progress?.(`nash round ${round}: max change ${change.toExponential(2)}`);
  if (change / settings.damping < settings.tolerance) return { a: next, welfare: Float64Array.from(welfare), converged: true, rounds };
  return undefined;
}
