// widenHiddenLayers (src/deqn/widen.ts): a household network widened from 16x16 to 24x20 hidden units with the
// added units' outgoing weights zero computes the same function (raw outputs within 1e-6 of the original's,
// float32 summation order only) at random feature rows, while the added units are live: their outgoing
// weights get a non-zero gradient from a loss on the outputs, so training can use them.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { createNetworks, householdDim, networkWeights } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { widenHiddenLayers } from '../../src/deqn/widen.ts';
import { restoreNetworks } from '../../src/models/ha-trade-transition-deqn/train.ts';
import { SMALL_TRANSITION_CONFIG } from './small-config.ts';

let base: TransitionSetup;

beforeAll(async () => {
  await initBackend();
  base = buildSetup(parseTransitionParams(SMALL_TRANSITION_CONFIG));
}, 120_000);

describe('transition DEQN: function-preserving widening of the household network', () => {
  it('computes the same outputs after widening, and the added units get gradients', () => {
    const nets = createNetworks(base, Rng.fromSeed(21));
    const rng = Rng.fromSeed(22);
    const w = nets.household.weightValues().map((v) => Float32Array.from(v));
    for (let i = 0; i < w[w.length - 2].length; i++) w[w.length - 2][i] = rng.uniform() - 0.5;
    nets.household.setWeightValues(w);
    const dim = householdDim(base);
    const wide = { ...base, params: { ...base.params, household: { ...base.params.household, hidden: [24, 20] } } };
    const widened = widenHiddenLayers(networkWeights(nets).household, dim, [16, 16], [24, 20], Rng.fromSeed(23));
    const wideNets = restoreNetworks(wide, { household: widened, price: networkWeights(nets).price });
    const rows = 64;
    const x = Float32Array.from({ length: rows * dim }, () => 2 * rng.uniform() - 1);
    const [a, b] = tf.tidy(() => {
      const f = tf.tensor2d(x, [rows, dim]);
      return [Array.from(nets.household.raw(f).dataSync()), Array.from(wideNets.household.raw(f).dataSync())];
    });
    let scale = 0;
    let gap = 0;
    a.forEach((v, k) => {
      scale = Math.max(scale, Math.abs(v));
      gap = Math.max(gap, Math.abs(v - b[k]));
    });
    expect(scale).toBeGreaterThan(0.1);
    expect(gap).toBeLessThan(1e-6 * Math.max(1, scale));
    // Added units: random incoming weights, zero outgoing ones, and a gradient on the outgoing ones.
    const out = widened[widened.length - 2];
    const M = base.M;
    for (let r = 16; r < 20; r++) for (let c = 0; c < M; c++) expect(out[r * M + c]).toBe(0);
    expect(widened[0].slice(0, 24).some((v, c) => c >= 16 && v !== 0)).toBe(true);
    const grad = tf.tidy(() => {
      const f = tf.tensor2d(x, [rows, dim]);
      const g = tf.variableGrads(() => tf.sum(tf.square(wideNets.household.raw(f))) as tf.Scalar, wideNets.household.variables);
      return Array.from(g.grads[wideNets.household.variables[wideNets.household.variables.length - 2].name].dataSync());
    });
    let addedGrad = 0;
    for (let r = 16; r < 20; r++) for (let c = 0; c < M; c++) addedGrad = Math.max(addedGrad, Math.abs(grad[r * M + c]));
    expect(addedGrad).toBeGreaterThan(1e-4);
    expect(() => widenHiddenLayers(networkWeights(nets).household, dim, [16, 16], [8, 16], Rng.fromSeed(1))).toThrow(/narrow/);
  }, 60_000);
});
