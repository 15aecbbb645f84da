// The two networks of the transition DEQN and their inputs (MODELS.md §C with dated prices).
//
// Aggregate state S_t: per country the mean, standard deviation and share at the borrowing limit of
// the asset distribution (deviations from the old steady state), plus R_t, the return on the bonds
// households enter t with (predetermined: set at t - 1, the old steady state's at t = 0), and the
// policy x (the new tariffs). Why these moments: on the reference path net foreign assets alone
// forecast wages to 0.86 % of their move but R only to 66 %; mean + dispersion + constraint share per
// country bring R to 0.64 % (transition-aggregate.ts, `deqn transition` aggregate-state table).
//
// Price network P(S_t, x) -> M - 1 log relative wages (mean wage one each date, the reference's
// numeraire), R_{t+1} and the M rebates, each as a deviation from the old steady state's value
// (zero output layer: an untrained network is the old steady state).
// Household network h(a, z, i, S_t, x, own prices) -> a correction, per variety j, of the logit of the
// OLD steady state's savings share s_j = (a'_j + phi) / (R_t a + w z + T + phi). Why a correction of
// the old policy: the transition effect the network must resolve (a few tenths of a percent of
// consumption) is tiny next to the policy itself, so the network learns only the deviation caused by
// the news and the moving distribution; with zero correction and old prices the path is exactly the
// old steady state. The share form keeps a'_j >= -phi and c_j > 0 by construction (§C.1 budget).
import { tf } from '../../tensor/backend.ts';
import { Mlp } from '../../deqn/network.ts';
import type { Rng } from '../../tensor/rng.ts';
import { oldPolicy, type TransitionSetup } from './setup.ts';

export interface TransitionNetworks {
  household: Mlp;
  price: Mlp;
}

export function aggregateDim(setup: TransitionSetup): number {
  return 3 * setup.M + 1 + setup.policyDim;
}

/** Household input: a, z one-hot, country one-hot, aggregate state, own log wage, own rebate, R_{t+1}. */
export function householdDim(setup: TransitionSetup): number {
  return 1 + setup.nZ + setup.M + aggregateDim(setup) + 3;
}

export function createNetworks(setup: TransitionSetup, rng: Rng): TransitionNetworks {
  const p = setup.params;
  const household = new Mlp({ inputDim: householdDim(setup), hidden: p.household.hidden, activation: p.household.activation, outputs: [{ name: 'savings', size: setup.M, decode: 'linear' }], outputInit: 'zeros' }, rng);
  const price = new Mlp({ inputDim: aggregateDim(setup), hidden: p.price.hidden, activation: p.price.activation, outputs: [{ name: 'prices', size: setup.priceDim, decode: 'linear' }], outputInit: 'zeros' }, rng);
  return { household, price };
}

/** Scaled aggregate-state features: moment deviations per country, R_t deviation, policy inputs. */
export function aggregateFeatures(setup: TransitionSetup, moments: Float64Array[], Rcur: number, x: ArrayLike<number>): Float32Array {
  const sc = setup.params.scales;
  const f = new Float32Array(aggregateDim(setup));
  let k = 0;
  moments.forEach((m, i) => {
    const o = setup.oldMoments[i];
    f[k++] = (m[0] - o[0]) / sc.mean;
    f[k++] = (m[1] - o[1]) / sc.std;
    f[k++] = (m[2] - o[2]) / sc.constrained;
  });
  f[k++] = (Rcur - setup.oldR) / sc.R;
  setup.params.policy.tariffs.forEach((t, n) => (f[k++] = x[n] / Math.max(1e-9, t.range[1])));
  return f;
}

/** Prices of one date decoded from the price network's raw output. */
export interface DatePrices {
  logRelative: Float64Array;
  wages: Float64Array;
  Rnext: number;
  rebates: Float64Array;
}

export function decodePrices(setup: TransitionSetup, raw: ArrayLike<number>): DatePrices {
  const { M, oldWages, oldR, oldRebates } = setup;
  const sc = setup.params.scales;
  const logRelative = Float64Array.from({ length: M - 1 }, (_, j) => Math.log(oldWages[j] / oldWages[M - 1]) + sc.logWage * raw[j]);
  const raw1 = Float64Array.from(logRelative, (v) => Math.exp(v));
  let sum = 1;
  for (const v of raw1) sum += v;
  const wages = Float64Array.from({ length: M }, (_, j) => ((j < M - 1 ? raw1[j] : 1) * M) / sum);
  return { logRelative, wages, Rnext: oldR + sc.R * raw[M - 1], rebates: Float64Array.from({ length: M }, (_, i) => oldRebates[i] + sc.rebate * raw[M + i]) };
}

/** Raw price-network output that decodes to the given prices (the regression target's inverse). */
export function encodePrices(setup: TransitionSetup, logRelative: ArrayLike<number>, Rnext: number, rebates: ArrayLike<number>): Float32Array {
  const { M, oldWages, oldR, oldRebates } = setup;
  const sc = setup.params.scales;
  const raw = new Float32Array(setup.priceDim);
  for (let j = 0; j < M - 1; j++) raw[j] = (logRelative[j] - Math.log(oldWages[j] / oldWages[M - 1])) / sc.logWage;
  raw[M - 1] = (Rnext - oldR) / sc.R;
  for (let i = 0; i < M; i++) raw[M + i] = (rebates[i] - oldRebates[i]) / sc.rebate;
  return raw;
}

/** Per-row context of the household network besides assets: z, country and the date's features. */
export interface RowContext {
  z: Int32Array;
  country: Int32Array;
  /** Row-major [B, householdDim - 1]: everything but the asset column. */
  rest: Float32Array;
}

/** The non-asset part of a household feature row. */
export function restFeatures(setup: TransitionSetup, z: number, country: number, agg: Float32Array, prices: DatePrices): Float32Array {
  const { nZ, M, oldWages, oldR, oldRebates } = setup;
  const sc = setup.params.scales;
  const f = new Float32Array(householdDim(setup) - 1);
  f[z] = 1;
  f[nZ + country] = 1;
  f.set(agg, nZ + M);
  let k = nZ + M + agg.length;
  f[k++] = Math.log(prices.wages[country] / oldWages[country]) / sc.logWage;
  f[k++] = (prices.rebates[country] - oldRebates[country]) / sc.rebate;
  f[k++] = (prices.Rnext - oldR) / sc.R;
  return f;
}

/**
 * Savings shares [B, M] at assets `a` (a tensor, so gradients flow through successor assets; `aValues`
 * its numbers for the grid brackets): sigmoid(logit(old share interpolated in a) + network correction), the
 * correction anchored at the old steady state with household.anchor 'oldSteadyState' (householdCorrection).
 */
export function savingsShares(setup: TransitionSetup, net: Mlp, a: tf.Tensor2D, aValues: ArrayLike<number>, ctx: RowContext): tf.Tensor2D {
  const { M, nZ, nA } = setup;
  const B = ctx.z.length;
  const lo = new Float32Array(B * M);
  const hi = new Float32Array(B * M);
  const left = new Float32Array(B);
  const width = new Float32Array(B);
  for (let r = 0; r < B; r++) {
    const i = ctx.country[r];
    const grid = setup.econ.agrids[i];
    const x = Math.min(Math.max(aValues[r], grid[0]), grid[nA - 1]);
    let b = Math.min(nA - 2, Math.max(0, Math.floor(((x - grid[0]) / (grid[nA - 1] - grid[0])) * (nA - 1))));
    while (b > 0 && grid[b] > x) b--;
    while (b < nA - 2 && grid[b + 1] <= x) b++;
    left[r] = grid[b];
    width[r] = grid[b + 1] - grid[b];
    for (let j = 0; j < M; j++) {
      const base = (j * nZ + ctx.z[r]) * nA;
      lo[r * M + j] = setup.oldShares[i][base + b];
      hi[r * M + j] = setup.oldShares[i][base + b + 1];
    }
  }
  const sLo = tf.tensor2d(lo, [B, M]);
  const sHi = tf.tensor2d(hi, [B, M]);
  // Clamped weight: beyond the grid the old share is held at the end point's.
  const wt = tf.clipByValue(tf.div(tf.sub(a, tf.tensor2d(left, [B, 1])), tf.tensor2d(width, [B, 1])), 0, 1);
  const base = tf.add(sLo, tf.mul(wt, tf.sub(sHi, sLo)));
  const logit = tf.sub(tf.log(base), tf.log(tf.sub(1, base)));
  return tf.sigmoid(tf.add(logit, householdCorrection(setup, net, a, ctx.rest))) as tf.Tensor2D;
}

/**
 * The household network's logit correction [B, M] at assets `a` and the non-asset features `rest`: h(inputs),
 * or with household.anchor 'oldSteadyState' h(inputs) - h(the same a, z and country with the aggregate state,
 * policy inputs and own prices at the old steady state's), which is zero there by construction. Both halves
 * go through one forward pass (rows stacked), and gradients flow through `a` in both.
 */
export function householdCorrection(setup: TransitionSetup, net: Mlp, a: tf.Tensor2D, rest: Float32Array): tf.Tensor2D {
  const dim = householdDim(setup) - 1;
  const B = rest.length / dim;
  const scaled = tf.div(a, setup.params.scales.assets);
  const features = tf.concat([scaled, tf.tensor2d(rest, [B, dim])], 1) as tf.Tensor2D;
  if (setup.params.household.anchor === 'none') return net.raw(features);
  const centre = tf.concat([scaled, tf.tensor2d(atOldSteadyState(setup, rest), [B, dim])], 1) as tf.Tensor2D;
  const both = net.raw(tf.concat([features, centre], 0) as tf.Tensor2D);
  return tf.sub(tf.slice(both, [0, 0], [B, -1]), tf.slice(both, [B, 0], [B, -1])) as tf.Tensor2D;
}

/** Non-asset feature rows with z and country kept and everything else at the old steady state's values. */
export function atOldSteadyState(setup: TransitionSetup, rest: Float32Array): Float32Array {
  const { nZ, M } = setup;
  const dim = householdDim(setup) - 1;
  const old = restFeatures(setup, 0, 0, oldAggregateFeatures(setup), oldPrices(setup)).subarray(nZ + M);
  const out = Float32Array.from(rest);
  for (let r = 0; r < rest.length / dim; r++) out.set(old, r * dim + nZ + M);
  return out;
}

/** Aggregate features of the old steady state under the old policy (moment and R deviations zero). */
export function oldAggregateFeatures(setup: TransitionSetup): Float32Array {
  return aggregateFeatures(setup, setup.oldMoments, setup.oldR, oldPolicy(setup));
}

/** The old steady state's prices (a zero raw price output). */
export function oldPrices(setup: TransitionSetup): DatePrices {
  return decodePrices(setup, new Float32Array(setup.priceDim));
}

/** Weights of both networks (household first) and their restoration, for checkpoints. */
export function networkWeights(nets: TransitionNetworks): { household: number[][]; price: number[][] } {
  return { household: nets.household.weightValues().map((w) => Array.from(w)), price: nets.price.weightValues().map((w) => Array.from(w)) };
}

export function setNetworkWeights(nets: TransitionNetworks, w: { household: number[][]; price: number[][] }): void {
  nets.household.setWeightValues(w.household.map((v) => Float32Array.from(v)));
  nets.price.setWeightValues(w.price.map((v) => Float32Array.from(v)));
}

/**
 * Weights of a checkpoint trained on the first `oldPolicyDim` policy inputs, widened to this setup's
 * policy inputs: the new inputs get zero first-layer weights, so the widened networks start exactly
 * as the old ones (which ignore the added tariffs) and training only has to learn the new directions.
 */
export function widenPolicyInputs(setup: TransitionSetup, weights: { household: number[][]; price: number[][] }, oldPolicyDim: number): { household: number[][]; price: number[][] } {
  const added = setup.policyDim - oldPolicyDim;
  if (added < 0) throw new Error(`cannot narrow policy inputs from ${oldPolicyDim} to ${setup.policyDim}`);
  const widen = (w: number[][], insertAt: number): number[][] => {
    const kernel = w[0];
    const width = widthOf(w);
    const rows = kernel.length / width;
    const out = new Array<number>((rows + added) * width).fill(0);
    for (let r = 0; r < rows; r++) {
      const target = r < insertAt ? r : r + added;
      for (let c = 0; c < width; c++) out[target * width + c] = kernel[r * width + c];
    }
    return [out, ...w.slice(1)];
  };
  const aggInsert = 3 * setup.M + 1 + oldPolicyDim;
  return { household: widen(weights.household, 1 + setup.nZ + setup.M + aggInsert), price: widen(weights.price, aggInsert) };
}

/** Output width of the first layer (length of its bias). */
function widthOf(w: number[][]): number {
  return w[1].length;
}

