// A Nash equilibrium the way it is computed for large games (DL-opt's dual competition: 7 players ×
// 44 instruments): a few rounds of best-response dynamics with inexact (warm-started, iteration-capped)
// best responses to get near, then Newton on the joint first-order conditions (nash-newton.ts), and
// optionally a check that no player gains by deviating: each player's best response by L-BFGS-B from the
// equilibrium (local) and from its status-quo instruments (a different basin, for non-concave welfare).
import type { PolicyObjective } from './objective.ts';
import { coordinatesOf } from './objective.ts';
import { bestResponse, nashEquilibrium, type NashRound, type NashSettings, type OptimizerSettings, type Progress } from './equilibria.ts';
import { nashNewton, type NashNewtonIteration } from './nash-newton.ts';

export interface HybridNashSettings {
  /** Best-response rounds before Newton, and the optimiser iterations of each best response in them. */
  warmupRounds: number;
  warmupIterations: number;
  damping: number;
  update: 'jacobi' | 'gauss-seidel';
  optimizer: OptimizerSettings;
  newtonTolerance: number;
  newtonMaxIterations: number;
  finiteDifferenceStep: number;
  maxStep: number;
  verify: boolean;
}

export interface DeviationCheck {
  player: string;
  /** max |BR_p − a_p| and W_p(BR_p) − W_p(a) (log welfare) for the best response started at the equilibrium. */
  localChange: number;
  localGain: number;
  /** The same for the best response started from the player's status-quo instruments. */
  globalChange: number;
  globalGain: number;
  /** The player's coordinates (order of coordinatesOf) at the more profitable of the two best responses. */
  best?: number[];
}

export interface HybridNashResult {
  a: Float64Array;
  welfare: Float64Array;
  converged: boolean;
  reason: string;
  rounds: NashRound[];
  newton: NashNewtonIteration[];
  /** Projected marginal welfare of each player at the end (max-norm over its instruments). */
  residualByPlayer: number[];
  ownHessianMaxEigenvalue: number[];
  flatDirections: number[];
  deviations?: DeviationCheck[];
}

export function hybridNash(objective: PolicyObjective, start: Float64Array, settings: HybridNashSettings, progress?: Progress): HybridNashResult {
  let a: Float64Array = Float64Array.from(start);
  let rounds: NashRound[] = [];
  if (settings.warmupRounds > 0) {
    const warm: NashSettings = {
      damping: settings.damping,
      update: settings.update,
      tolerance: 0,
      maxRounds: settings.warmupRounds,
      optimizer: { ...settings.optimizer, maxIterations: settings.warmupIterations },
    };
    const res = nashEquilibrium(objective, a, warm, progress);
    a = res.a;
    rounds = res.rounds;
  }
  const newton = nashNewton(
    objective,
    a,
    { tolerance: settings.newtonTolerance, maxIterations: settings.newtonMaxIterations, finiteDifferenceStep: settings.finiteDifferenceStep, maxStep: settings.maxStep, broyden: true },
    progress,
  );
  const result: HybridNashResult = {
    a: newton.a,
    welfare: newton.welfare,
    converged: newton.converged && newton.ownHessianMaxEigenvalue.every((e) => !(e >= 0)),
    reason: newton.reason,
    rounds,
    newton: newton.iterations,
    residualByPlayer: newton.residualByPlayer,
    ownHessianMaxEigenvalue: newton.ownHessianMaxEigenvalue,
    flatDirections: newton.flatDirections,
  };
  if (newton.converged && !result.converged) result.reason = 'first-order conditions hold but some player is not at a local maximum (own Hessian not negative definite)';
  if (settings.verify) result.deviations = deviationChecks(objective, newton.a, start, settings.optimizer, progress);
  return result;
}

/** Each player's best response to the others' equilibrium policies, from the equilibrium and from `statusQuo`. */
export function deviationChecks(objective: PolicyObjective, a: Float64Array, statusQuo: Float64Array, optimizer: OptimizerSettings, progress?: Progress): DeviationCheck[] {
  const players = [...new Set(objective.owner)].sort((x, y) => x - y);
  const base = objective.welfare(a);
  return players.map((p) => {
    const coords = coordinatesOf(objective, p);
    const measure = (br: { a: Float64Array; welfare: Float64Array }) => ({
      change: coords.reduce((m, k) => Math.max(m, Math.abs(br.a[k] - a[k])), 0),
      gain: br.welfare[p] - base[p],
      best: coords.map((k) => br.a[k]),
    });
    const local = measure(bestResponse(objective, a, p, optimizer));
    const from = Float64Array.from(a);
    for (const k of coords) from[k] = statusQuo[k];
    const global = measure(bestResponse(objective, from, p, optimizer));
    progress?.(`deviation check ${objective.players[p]}: local change ${local.change.toExponential(2)} gain ${local.gain.toExponential(2)}; from status quo change ${global.change.toExponential(2)} gain ${global.gain.toExponential(2)}`);
    const best = global.gain > local.gain ? global.best : local.best;
    return { player: objective.players[p], localChange: local.change, localGain: local.gain, globalChange: global.change, globalGain: global.gain, best };
  });
}

export interface GlobalNashSettings extends HybridNashSettings {
  /** A deviation gaining more than this (log welfare) means the point is not a Nash equilibrium. */
  deviationTolerance: number;
  /** Rounds of "move the most profitable deviator to its best deviation, then Newton again". */
  maxOuterRounds: number;
  /** Best-response rounds before Newton after such a move (the first Newton uses settings.warmupRounds). */
  restartWarmupRounds: number;
  /** Optimiser of the deviation checks (default: settings.optimizer). */
  deviationOptimizer?: OptimizerSettings;
}

export interface GlobalNashRound {
  round: number;
  /** The local Nash equilibrium of this round. */
  a: number[];
  /** Local Nash found by Newton in this round: welfare, whether its conditions held, its certificate. */
  welfare: number[];
  newtonConverged: boolean;
  residualByPlayer: number[];
  ownHessianMaxEigenvalue: number[];
  deviations: DeviationCheck[];
  /** Player moved to its best deviation after this round (null: none profitable). */
  moved: string | null;
  seconds: number;
}

export interface GlobalNashResult extends HybridNashResult {
  outer: GlobalNashRound[];
  /** No deviation above the tolerance at the end (a Nash equilibrium as far as the checks can tell). */
  global: boolean;
  /** Set when the local equilibria revisit an earlier one (best responses cycle). */
  cycle?: string;
}

/**
 * A Nash equilibrium that survives deviation checks: Newton finds a local Nash (every player at a
 * strict local maximum of its welfare); each player's best response from the point and from its status
 * quo looks for a profitable large deviation; the most profitable deviator moves to its best deviation
 * (Gauss-Seidel in the outer loop) and Newton restarts from there. Stops when no player gains more than
 * the tolerance, when a local equilibrium repeats (a cycle of best responses: no pure equilibrium is
 * found this way), or after maxOuterRounds.
 */
export function globalNash(objective: PolicyObjective, start: Float64Array, statusQuo: Float64Array, settings: GlobalNashSettings, progress?: Progress): GlobalNashResult {
  const t0 = performance.now();
  const outer: GlobalNashRound[] = [];
  const visited: Float64Array[] = [];
  let res = hybridNash(objective, start, { ...settings, verify: false }, progress);
  const allRounds = [...res.rounds];
  const allNewton = [...res.newton];
  for (let round = 1; ; round++) {
    const deviations = deviationChecks(objective, res.a, statusQuo, settings.deviationOptimizer ?? settings.optimizer, progress);
    const worst = deviations.reduce((w, d) => (Math.max(d.localGain, d.globalGain) > Math.max(w.localGain, w.globalGain) ? d : w));
    const gain = Math.max(worst.localGain, worst.globalGain);
    const profitable = gain > settings.deviationTolerance;
    const entry: GlobalNashRound = {
      round,
      a: Array.from(res.a),
      welfare: Array.from(res.welfare),
      newtonConverged: res.converged,
      residualByPlayer: res.residualByPlayer,
      ownHessianMaxEigenvalue: res.ownHessianMaxEigenvalue,
      deviations,
      moved: profitable ? worst.player : null,
      seconds: (performance.now() - t0) / 1000,
    };
    outer.push(entry);
    progress?.(`global nash round ${round}: largest deviation gain ${gain.toExponential(2)} (${worst.player})${profitable ? ', moving it' : ''}`);
    const cycleWith = visited.findIndex((v) => maxDistance(v, res.a) < 1e-4);
    visited.push(Float64Array.from(res.a));
    const done = (global: boolean, cycle?: string): GlobalNashResult => ({ ...res, rounds: allRounds, newton: allNewton, deviations, outer, global, cycle, converged: res.converged && global });
    if (!profitable) return done(true);
    if (cycleWith >= 0) return done(false, `the local equilibrium of round ${round} repeats that of round ${cycleWith + 1}`);
    if (round >= settings.maxOuterRounds) return done(false);
    const next = Float64Array.from(res.a);
    const p = objective.players.indexOf(worst.player);
    coordinatesOf(objective, p).forEach((k, c) => (next[k] = worst.best![c]));
    res = hybridNash(objective, next, { ...settings, warmupRounds: settings.restartWarmupRounds, verify: false }, progress);
    allRounds.push(...res.rounds);
    allNewton.push(...res.newton);
  }
}

function maxDistance(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/**
 * The cooperative problem max Σ_p weights_p · welfare_p as a one-player game (one "World" player owning
 * every instrument), so that nashNewton solves its first-order conditions by Newton's method with a
 * finite-difference Hessian and checks the second-order condition.
 */
export function worldObjective(objective: PolicyObjective, weights: Float64Array): PolicyObjective {
  const combine = (w: Float64Array) => w.reduce((s, v, p) => s + weights[p] * v, 0);
  return {
    dimension: objective.dimension,
    lower: objective.lower,
    upper: objective.upper,
    players: ['World'],
    owner: new Int32Array(objective.dimension),
    initial: () => objective.initial(),
    welfare: (a) => Float64Array.of(combine(objective.welfare(a))),
    gradient: (a, w) => objective.gradient(a, weights).map((g) => g * w[0]),
    localize: objective.localize ? (a) => objective.localize!(a) : undefined,
  };
}
