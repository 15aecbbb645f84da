// Market clearing on the trained household network (MODELS.md §C.4): the prices (relative wages,
// R, rebates) at which the goods, bond and government-budget residuals of the network households'
// stationary distribution are zero, by Newton's method with a finite-difference Jacobian in the
// price network's raw units, started from the price network's prices.
//
// Why: import shares react to relative prices with the trade elasticity (about 1/sigma_eps = 4), and
// country welfare changes are of the order of the terms-of-trade change, so a 0.3-0.5 % wage error
// of the price network alone moves import shares by 2-4 % and welfare changes by tens of percent of
// their size (measured, bench/ha-trade-deqn.ts). The price network is a fast, differentiable guess;
// the equilibrium of the trained households is where their markets clear.
import type { Mlp } from '../../deqn/network.ts';
import { solveLinear } from '../ha-trade/linalg.ts';
import { decodePrices } from './world.ts';
import { priceRaw, solveNetwork, type NetworkEquilibrium, type SolveNetworkOptions } from './solution.ts';
import type { HaTradeDeqn } from './index.ts';

export interface ClearingOptions extends SolveNetworkOptions {
  /**
   * Sup-norm tolerance on the market residuals (over world labour income); default 1e-6. The float32
   * networks' noise floor is 1-6e-7 (two countries 3.3e-7, 19 countries 1.5-5.5e-7): a tighter
   * tolerance ends in a step that cannot descend and a fresh Jacobian (~100 CPU s at 19 countries) wasted.
   */
  marketTol?: number;
  maxNewton?: number;
  /** Starting raw prices (default: the price network at x) and a stationary distribution to warm-start from. */
  initialRaw?: ArrayLike<number>;
  initialMass?: Float64Array[];
  /**
   * Finite-difference step of the Jacobian, in raw price units (default 1e-3). Why not smaller: the
   * residuals are only piecewise smooth (savings capped at the borrowing limit and the grid top). At
   * 1e-4 the 19-country columns change by 12-32 % between +h and -h, and the Newton step built from
   * them goes uphill (stage 5, episode 560, 10 % USA tariff: no descent from 1.7e-3 even at 1/64 of
   * the step); at 1e-3 the same step takes the residual to 2.6e-4, following the linear prediction
   * within 2 % over its first tenth.
   */
  jacobianStep?: number;
  /** Called after each Newton iteration (a 19-country step costs 1-2 CPU minutes: progress for long validations). */
  onStep?: (step: { iteration: number; residualNorm: number; jacobianRebuilt: boolean }) => void;
}

export interface ClearedEquilibrium extends NetworkEquilibrium {
  /** Raw price vector at the solution and the price network's raw output at x. */
  raw: Float64Array;
  networkRaw: Float64Array;
  newtonIterations: number;
  /** Sup norm of the market residuals at the solution. */
  residualNorm: number;
}

/** Market residual vector: goods of countries 1..M-1 (Walras: one is redundant), bonds, government budgets. */
export function marketVector(model: HaTradeDeqn, eq: NetworkEquilibrium): Float64Array {
  const M = model.world.M;
  return Float64Array.from([...eq.goods.subarray(0, M - 1), ...eq.bonds, ...eq.government]);
}

const supNorm = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const euclidNorm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** The trained households' market-clearing equilibrium at policy x. */
export function clearMarkets(model: HaTradeDeqn, net: Mlp, x: ArrayLike<number>, opts: ClearingOptions = {}): ClearedEquilibrium {
  const { world } = model;
  const n = world.priceDim;
  const networkRaw = priceRaw(model, net, x);
  let raw = Float64Array.from(opts.initialRaw ?? networkRaw);
  const tol = opts.marketTol ?? 1e-6;
  const solveOpts: SolveNetworkOptions = { points: opts.points, tol: opts.tol ?? 1e-12, maxIterations: opts.maxIterations ?? 50000, choices: opts.choices };
  let mass: Float64Array[] | undefined = opts.initialMass;
  const at = (r: Float64Array) => {
    const eq = solveNetwork(model, net, x, { ...solveOpts, prices: decodePrices(world, r), initialMass: mass });
    return { eq, f: marketVector(model, eq) };
  };
  const h = opts.jacobianStep ?? 1e-3;
  const jacobian = (r: Float64Array, f0: Float64Array) => {
    const J = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const up = Float64Array.from(r);
      up[k] += h;
      const f = at(up).f;
      for (let row = 0; row < n; row++) J[row * n + k] = (f[row] - f0[row]) / h;
    }
    return J;
  };
  let current = at(raw);
  mass = current.eq.mass;
  let iterations = 0;
  let J: Float64Array | undefined;
  for (; iterations < (opts.maxNewton ?? 20) && supNorm(current.f) > tol; iterations++) {
    // Chord method: the finite-difference Jacobian is rebuilt only when a step fails to halve the residual.
    const fresh = J === undefined;
    J ??= jacobian(raw, current.f);
    const step = solveLinear(J, current.f, n);
    // Backtracking on the Euclidean norm: the Newton direction is a descent direction of |f|^2, not
    // necessarily of the sup norm the stopping rule uses.
    let scale = 1;
    let trial = current;
    let trialRaw = raw;
    for (let back = 0; back < 6; back++) {
      trialRaw = Float64Array.from(raw, (v, k) => v - scale * step[k]);
      trial = at(trialRaw);
      if (euclidNorm(trial.f) < euclidNorm(current.f)) break;
      scale *= 0.5;
    }
    if (!(euclidNorm(trial.f) < euclidNorm(current.f))) {
      // No descent even on a fresh Jacobian: the float32 network's noise floor (or a finite-difference
      // Jacobian too poor to give a descent direction). residualNorm tells the caller which.
      if (fresh) break;
      J = undefined;
      continue;
    }
    if (!(euclidNorm(trial.f) < 0.5 * euclidNorm(current.f))) J = undefined;
    raw = trialRaw;
    current = trial;
    mass = current.eq.mass;
    opts.onStep?.({ iteration: iterations + 1, residualNorm: supNorm(current.f), jacobianRebuilt: fresh });
  }
  return { ...current.eq, raw, networkRaw, newtonIterations: iterations, residualNorm: supNorm(current.f) };
}
