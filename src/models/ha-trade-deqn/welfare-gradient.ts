// Derivatives of welfare with respect to the policy by automatic differentiation through the price
// tower and the household network (MODELS.md §C.3, §C.5). Welfare of a country is a weighted sum of
// ex-ante values V(x) on the status-quo grid, where V(x) is the fixed point of the logsum Bellman
// operator T(V; x) built from the network's savings and consumption at the prices the tower gives
// for policy x (choices.ts). By the implicit function theorem
//     d(sum_s mu_s V_s)/dx = sum_s lambda_s dT_s(V; x)/dx   at fixed V,
// with lambda the adjoint (discounted occupation measure from mu, choices.ts). The derivative of T at
// fixed V is taken here by tf.grad through tower -> prices -> delivered prices -> household network
// -> savings and consumption -> choice-specific values (E V interpolated linearly at a'_j, as the
// float64 evaluation) -> logsum.
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import { featuresOf, inputsOf } from './layout.ts';
import { householdBlock, utility, type HouseholdBlock } from './household.ts';
import { decodePriceRows, deliveredPriceRows, own } from './prices.ts';
import type { HaTradeDeqn } from './index.ts';

/** Network features of the policy columns for the tensor policy x [1, P] (the scaling of featuresOf). */
function policyFeatures(model: HaTradeDeqn, x: tf.Tensor2D): tf.Tensor2D {
  const P = model.world.policyDim;
  const scaled = tf.concat([tf.mul(tf.slice(x, [0, 0], [1, P - 1]), 5), tf.mul(tf.sub(tf.slice(x, [0, P - 1], [1, 1]), 1), 10)], 1);
  return tf.concat([tf.zeros([1, model.featureDim - P]), scaled], 1) as tf.Tensor2D;
}

/**
 * The household block at grid state rows when the policy is the tensor x [1, policyDim]: wages, R
 * and rebates from the price tower, delivered prices from x and the wages; differentiable in x.
 */
export function householdAtPolicy(model: HaTradeDeqn, net: Mlp, states: tf.Tensor2D, x: tf.Tensor2D): HouseholdBlock {
  const { world, layout: lay, constants, matrices } = model;
  const rows = states.shape[0];
  const prices = decodePriceRows(world, net.towerOutput('prices', policyFeatures(model, x)));
  const inp = inputsOf(world, lay, states);
  const xRows = tf.tile(x, [rows, 1]) as tf.Tensor2D;
  const wages = tf.tile(prices.wages, [rows, 1]) as tf.Tensor2D;
  const priced = {
    ...inp,
    x: xRows,
    R: own(inp.countryHot, tf.tile(prices.R, [rows, 1]) as tf.Tensor2D),
    w: own(inp.countryHot, wages),
    T: own(inp.countryHot, tf.tile(prices.rebates, [rows, 1]) as tf.Tensor2D),
    p: deliveredPriceRows(world, matrices, xRows, inp.countryHot, wages),
  };
  return householdBlock(world, constants, priced, householdPolicy(world, constants.baseline, net, priced));
}

/** Constant tensors of the status-quo grid for the adjoint: rows ordered (country, z, a) as gridStates. */
export interface GridTensors {
  states: tf.Tensor2D;
  /** Per row: lowest grid point, spacing, index of the row's (country, z) block start [rows, 1]. */
  low: tf.Tensor2D;
  step: tf.Tensor2D;
  blockStart: tf.Tensor2D;
  /** Per row: sigma_eps of its country and the quality shifter of every variety [rows, M]. */
  sigma: tf.Tensor2D;
  psi: tf.Tensor2D;
  nA: number;
}

export function gridTensors(model: HaTradeDeqn, grids: Float64Array[], states: Float32Array): GridTensors {
  const { world, layout: lay } = model;
  const { M, nZ } = world;
  const nA = grids[0].length;
  const rows = M * nZ * nA;
  const col = (f: (r: number) => number) => tf.keep(tf.tensor2d(Float32Array.from({ length: rows }, (_, r) => f(r)), [rows, 1]));
  const country = (r: number) => Math.floor(r / (nZ * nA));
  const psi = new Float32Array(rows * M);
  for (let r = 0; r < rows; r++) {
    const i = country(r);
    psi[r * M + i] = world.economy.quality[i][Math.floor(r / nA) % nZ];
  }
  return {
    states: tf.keep(tf.tensor2d(states, [rows, lay.dim])),
    low: col((r) => grids[country(r)][0]),
    step: col((r) => grids[country(r)][1] - grids[country(r)][0]),
    blockStart: col((r) => r - (r % nA)),
    sigma: col((r) => world.economy.sigmaEps[country(r)]),
    psi: tf.keep(tf.tensor2d(psi, [rows, M])),
    nA,
  };
}

export function disposeGridTensors(g: GridTensors): void {
  tf.dispose([g.states, g.low, g.step, g.blockStart, g.sigma, g.psi]);
}

/**
 * d/dx of sum_rows lambda_r T(V; x)_r at fixed V, where EV[r] = E[V(a_r, z') | z_r] on the grid
 * (rows ordered as the grid tensors) and T is the logsum Bellman operator (choices.ts). Returns the
 * derivative with respect to every policy coordinate.
 */
export function adjointPolicyGradient(model: HaTradeDeqn, net: Mlp, g: GridTensors, EV: Float64Array, lambda: Float64Array, x: ArrayLike<number>): Float64Array {
  const { world } = model;
  const { beta, gamma } = world.economy;
  const out = tf.tidy(() => {
    const ev = tf.tensor1d(Float32Array.from(EV));
    const weights = tf.tensor2d(Float32Array.from(lambda), [lambda.length, 1]);
    const high = tf.add(g.low, tf.mul(g.step, g.nA - 1));
    const positionOf = (aNext: tf.Tensor) => tf.div(tf.sub(tf.minimum(tf.maximum(aNext, g.low), high), g.low), g.step);
    // The interpolation bracket of every a'_j is piecewise constant in x: fixed from a forward pass
    // (tf cannot differentiate through integer gather indices), the weight carries the derivative.
    const bracket = tf.tidy(() => tf.clipByValue(tf.floor(positionOf(householdAtPolicy(model, net, g.states, tf.tensor2d([Array.from(x)])).aNext)), 0, g.nA - 2));
    const index = tf.cast(tf.add(g.blockStart, bracket), 'int32');
    const evLow = tf.gather(ev, index);
    const evHigh = tf.gather(ev, tf.add(index, tf.scalar(1, 'int32')));
    const objective = (xt: tf.Tensor) => {
      const hh = householdAtPolicy(model, net, g.states, xt as tf.Tensor2D);
      const t = tf.sub(positionOf(hh.aNext), bracket);
      const continuation = tf.add(evLow, tf.mul(t, tf.sub(evHigh, evLow)));
      const v = tf.add(tf.add(utility(hh.c, gamma), g.psi), tf.mul(beta, continuation));
      const T = tf.mul(g.sigma, tf.logSumExp(tf.div(v, g.sigma), 1, true));
      return tf.sum(tf.mul(weights, T));
    };
    return tf.grad(objective)(tf.tensor2d([Array.from(x)]));
  });
  const grad = Float64Array.from(out.dataSync());
  out.dispose();
  return grad;
}
