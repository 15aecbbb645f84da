// Impact-date weight of the price network's regression (training.priceImpactWeight / priceImpactDates) on
// the 40-point small config (T = 12), seeded:
// - weight 1 (the default) is the unweighted mean square, the arithmetic before the option existed;
// - the row weights put the weight on dates 0..n-1 of every replayed episode and 1 elsewhere (anchor rows 1);
// - train() uses it: the logged first price loss of an episode equals the weighted mean square of that
//   episode's Walrasian targets (recomputed independently from the same stream) and differs from the
//   unweighted one, which weight 1 logs instead.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { createNetworks } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { networkPath } from '../../src/models/ha-trade-transition-deqn/path.ts';
import { drawPolicy, priceRegressionLoss, priceRowWeights, priceTargets, train } from '../../src/models/ha-trade-transition-deqn/train.ts';
import { SMALL_TRANSITION_CONFIG, withTraining } from './small-config.ts';

let base: TransitionSetup;

beforeAll(async () => {
  await initBackend();
  base = buildSetup(parseTransitionParams(SMALL_TRANSITION_CONFIG));
}, 120_000);

describe('transition DEQN: impact-date weight of the price regression', () => {
  it('weight 1 is the plain mean square; other weights sit on the impact dates of every episode', () => {
    expect(base.params.training.priceImpactWeight).toBe(1);
    expect(priceRowWeights(base, 8, 13)).toBeUndefined();
    const T1 = base.params.periods + 1;
    const w = priceRowWeights(withTraining(base, { priceImpactWeight: 5, priceImpactDates: 2 }), 3, T1) as Float32Array;
    expect(w.length).toBe(4 * T1);
    for (let r = 0; r < w.length; r++) expect(w[r]).toBe(r < 3 * T1 && r % T1 < 2 ? 5 : 1);
    // The weighted loss against a hand computation: rows (1, 3) and (2, 0) off by (1, 1) and (0, 2).
    const [plain, weighted] = tf.tidy(() => {
      const raw = tf.tensor2d([[1, 3], [2, 0]]);
      const target = tf.tensor2d([[0, 2], [2, 2]]);
      return [priceRegressionLoss(raw, target).dataSync()[0], priceRegressionLoss(raw, target, Float32Array.from([3, 1])).dataSync()[0]];
    });
    expect(plain).toBeCloseTo((1 + 1 + 0 + 4) / 4, 6);
    expect(weighted).toBeCloseTo((3 * (1 + 1) / 2 + 1 * (0 + 4) / 2) / 4, 6);
  });

  it('train() weights the impact dates in the logged price loss', () => {
    const run = (weight: number): { logged: number; plain: number; weighted: number } => {
      const s = withTraining(base, { priceImpactWeight: weight, priceImpactDates: 2, householdSteps: 1, episodes: 1 });
      const nets = createNetworks(s, Rng.fromSeed(5));
      // train()'s stream for a trainer at episode 0 starts with the policy draw; the path needs nothing else.
      const rng = Rng.fromSeed(`${s.params.training.seed}:0`);
      const path = networkPath(s, nets, drawPolicy(s.params, rng), s.params.training.passes);
      // Zero-output price network (no price step yet): the loss is the mean square of the raw targets.
      const { targets } = priceTargets(s, path);
      const T1 = s.params.periods + 1;
      const dim = s.priceDim;
      let plain = 0;
      let weighted = 0;
      let total = 0;
      for (let t = 0; t < T1; t++) {
        let sq = 0;
        for (let k = 0; k < dim; k++) sq += targets[t * dim + k] ** 2 / dim;
        const w = t < 2 ? 7 : 1;
        plain += sq / T1;
        weighted += w * sq;
        total += w;
      }
      const tr = train(s, { trainer: { nets, episode: 0, history: [] } });
      nets.household.dispose();
      nets.price.dispose();
      return { logged: tr.history[0].priceLoss, plain, weighted: weighted / total };
    };
    const heavy = run(7);
    expect(Math.abs(heavy.logged - heavy.weighted)).toBeLessThan(1e-5 * heavy.weighted);
    expect(Math.abs(heavy.weighted - heavy.plain)).toBeGreaterThan(1e-2 * heavy.plain);
    const flat = run(1);
    expect(Math.abs(flat.logged - flat.plain)).toBeLessThan(1e-5 * flat.plain);
  }, 90_000);
});
