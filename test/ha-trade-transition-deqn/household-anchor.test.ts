// household.anchor 'oldSteadyState' (networks.ts householdCorrection): the household network's logit
// correction is h(inputs) - h(inputs with the aggregate state, policy inputs and own prices at the old
// steady state's), so a network with a random NON-zero output layer still gives exactly the old steady
// state's savings shares at every grid household there (1e-6: float32 logit/sigmoid round trip), while it
// moves them elsewhere; with anchor 'none' (the default) the same weights move them at the old state too.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { aggregateFeatures, createNetworks, decodePrices, oldAggregateFeatures, oldPrices, restFeatures, savingsShares, householdDim, type DatePrices, type TransitionNetworks } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { SMALL_TRANSITION_CONFIG } from './small-config.ts';

let base: TransitionSetup;
let anchored: TransitionSetup;
let nets: TransitionNetworks;

beforeAll(async () => {
  await initBackend();
  base = buildSetup(parseTransitionParams(SMALL_TRANSITION_CONFIG));
  anchored = { ...base, params: { ...base.params, household: { ...base.params.household, anchor: 'oldSteadyState' as const } } };
  nets = createNetworks(base, Rng.fromSeed(11));
  // A random, clearly non-zero output layer (kernel and bias), as after training.
  const rng = Rng.fromSeed(12);
  const w = nets.household.weightValues().map((v) => Float32Array.from(v));
  for (const k of [w.length - 2, w.length - 1]) for (let i = 0; i < w[k].length; i++) w[k][i] = rng.uniform() - 0.5;
  nets.household.setWeightValues(w);
}, 120_000);

/** Shares of every grid household of every country ((i, j, z, k) flattened) at the given features. */
function gridShares(setup: TransitionSetup, agg: Float32Array, prices: DatePrices): Float64Array {
  const { M, nZ, nA, econ } = setup;
  const dim = householdDim(setup) - 1;
  const rows = M * nZ * nA;
  const a = new Float32Array(rows);
  const rest = new Float32Array(rows * dim);
  const z = new Int32Array(rows);
  const country = new Int32Array(rows);
  let r = 0;
  for (let i = 0; i < M; i++) {
    for (let zz = 0; zz < nZ; zz++) {
      for (let k = 0; k < nA; k++, r++) {
        a[r] = econ.agrids[i][k];
        z[r] = zz;
        country[r] = i;
        rest.set(restFeatures(setup, zz, i, agg, prices), r * dim);
      }
    }
  }
  const s = tf.tidy(() => savingsShares(setup, nets.household, tf.tensor2d(a, [rows, 1]), a, { z, country, rest }).dataSync());
  return Float64Array.from(s);
}

/** Largest |share - old share| over every grid household and variety. */
function maxGapToOld(setup: TransitionSetup, shares: Float64Array): number {
  const { M, nZ, nA } = setup;
  let gap = 0;
  let r = 0;
  for (let i = 0; i < M; i++) {
    for (let zz = 0; zz < nZ; zz++) {
      for (let k = 0; k < nA; k++, r++) {
        for (let j = 0; j < M; j++) gap = Math.max(gap, Math.abs(shares[r * M + j] - setup.oldShares[i][(j * nZ + zz) * nA + k]));
      }
    }
  }
  return gap;
}

describe("transition DEQN: household.anchor 'oldSteadyState'", () => {
  it('defaults to none, and the old-state features are the old moments, R, policy and prices', () => {
    expect(base.params.household.anchor).toBe('none');
    expect(Array.from(oldAggregateFeatures(base))).toEqual(Array.from(aggregateFeatures(base, base.oldMoments, base.oldR, [0])));
    expect(Array.from(oldPrices(base).wages)).toEqual(Array.from(base.oldWages).map((v) => expect.closeTo(v, 12)));
  });

  it('leaves the old steady-state policy unchanged at the old state for any weights, and moves it elsewhere', () => {
    const oldAgg = oldAggregateFeatures(base);
    const unanchored = maxGapToOld(base, gridShares(base, oldAgg, oldPrices(base)));
    const atOld = maxGapToOld(anchored, gridShares(anchored, oldAgg, oldPrices(anchored)));
    // A news state: tariff 0.25 and the price network's output moved (log wage, R, rebates).
    const raw = Float32Array.from({ length: base.priceDim }, (_, k) => 0.3 - 0.2 * k);
    const newsAgg = aggregateFeatures(base, base.oldMoments, base.oldR, [0.25]);
    const news = maxGapToOld(anchored, gridShares(anchored, newsAgg, decodePrices(base, raw)));
    expect(unanchored).toBeGreaterThan(1e-3);
    expect(atOld).toBeLessThan(1e-6);
    expect(news).toBeGreaterThan(1e-3);
  }, 60_000);

  it('is differentiable in every weight but the output bias (which cancels in the difference)', () => {
    const { M } = anchored;
    const dim = householdDim(anchored) - 1;
    const rest = restFeatures(anchored, 1, 0, aggregateFeatures(anchored, anchored.oldMoments, anchored.oldR, [0.2]), oldPrices(anchored));
    const g = tf.tidy(() => {
      const grads = tf.variableGrads(() => tf.sum(savingsShares(anchored, nets.household, tf.tensor2d([0.7], [1, 1]), [0.7], { z: Int32Array.of(1), country: Int32Array.of(0), rest })) as tf.Scalar, nets.household.variables);
      return nets.household.variables.map((v) => tf.sum(tf.abs(grads.grads[v.name])).dataSync()[0]);
    });
    expect(rest.length).toBe(dim);
    expect(M).toBe(2);
    g.slice(0, -1).forEach((v) => expect(v).toBeGreaterThan(0));
    expect(g[g.length - 1]).toBe(0);
  }, 60_000);
});
