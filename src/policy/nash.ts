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
    });
    const local = measure(bestResponse(objective, a, p, optimizer));
    const from = Float64Array.from(a);
    for (const k of coords) from[k] = statusQuo[k];
    const global = measure(bestResponse(objective, from, p, optimizer));
    progress?.(`deviation check ${objective.players[p]}: local change ${local.change.toExponential(2)} gain ${local.gain.toExponential(2)}; from status quo change ${global.change.toExponential(2)} gain ${global.gain.toExponential(2)}`);
    return { player: objective.players[p], localChange: local.change, localGain: local.gain, globalChange: global.change, globalGain: global.gain };
  });
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
