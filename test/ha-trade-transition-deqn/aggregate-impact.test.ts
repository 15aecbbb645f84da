// Impact-date oversampling of the aggregate Euler term (training.aggregateEulerImpactShare /
// aggregateEulerImpactDates) on the 40-point small config (T = 12), seeded:
// - share 0 draws exactly the dates the term drew before the option existed (one uniform per date);
// - share s puts s + (1 - s) n / T of the dates on the n impact dates (binomial tolerances, 4.5 sd);
// - train() uses it: with share 1 on date 0 only, the logged aggregate term equals the bias at date 0 of
//   the episode's own path (recomputed independently), which the uniform draw of share 0 does not give.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { createNetworks } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { networkPath } from '../../src/models/ha-trade-transition-deqn/path.ts';
import { aggregateDate, drawPolicy, sampleRows, signedEulerBias, train } from '../../src/models/ha-trade-transition-deqn/train.ts';
import { SMALL_TRANSITION_CONFIG, withTraining } from './small-config.ts';

let base: TransitionSetup;

beforeAll(async () => {
  await initBackend();
  base = buildSetup(parseTransitionParams(SMALL_TRANSITION_CONFIG));
}, 120_000);

function histogram(s: TransitionSetup, draws: number, seed: number): number[] {
  const rng = Rng.fromSeed(seed);
  const counts = new Array(s.params.periods).fill(0);
  for (let n = 0; n < draws; n++) counts[aggregateDate(s, rng)]++;
  return counts.map((c) => c / draws);
}

describe('transition DEQN: impact-date share of the aggregate Euler term', () => {
  it('share 0 is the old uniform stream; share s oversamples the impact dates', () => {
    const T = base.params.periods;
    expect(base.params.training.aggregateEulerImpactShare).toBe(0);
    const a = Rng.fromSeed(9);
    const b = Rng.fromSeed(9);
    for (let n = 0; n < 500; n++) expect(aggregateDate(base, a)).toBe(Math.floor(b.uniform() * T));
    const draws = 6000;
    const sd = (p: number) => 4.5 * Math.sqrt((p * (1 - p)) / draws);
    const uniform = histogram(base, draws, 4);
    const half = histogram(withTraining(base, { aggregateEulerImpactShare: 0.5, aggregateEulerImpactDates: 3 }), draws, 4);
    const impactOf = (h: number[]) => h[0] + h[1] + h[2];
    expect(Math.abs(impactOf(uniform) - 3 / T)).toBeLessThan(sd(3 / T));
    const p = 0.5 + 0.5 * (3 / T);
    expect(Math.abs(impactOf(half) - p)).toBeLessThan(sd(p));
    for (let t = 0; t < 3; t++) expect(Math.abs(half[t] - p / 3)).toBeLessThan(sd(p / 3));
    for (let t = 3; t < T; t++) expect(Math.abs(half[t] - 0.5 / T)).toBeLessThan(sd(0.5 / T));
    const all = histogram(withTraining(base, { aggregateEulerImpactShare: 1, aggregateEulerImpactDates: 2 }), 500, 5);
    expect(all[0] + all[1]).toBe(1);
  });

  it('train() draws the term at the impact dates', () => {
    const training = { aggregateEulerWeight: 10, aggregateEulerRows: 0, householdSteps: 1, episodes: 1 };
    const run = (share: number): { logged: number; atDate0: number; atUniformDate: number; uniformDate: number } => {
      const s = withTraining(base, { ...training, aggregateEulerImpactShare: share, aggregateEulerImpactDates: 1 });
      const nets = createNetworks(s, Rng.fromSeed(5));
      // The episode's stream as train() draws it for a trainer at episode 0: policy, Euler rows, term date.
      const rng = Rng.fromSeed(`${s.params.training.seed}:0`);
      const path = networkPath(s, nets, drawPolicy(s.params, rng), s.params.training.passes);
      sampleRows(s, rng, s.params.training.batchSize, path, s.params.training.massShare);
      const uniformDate = aggregateDate(base, rng);
      const rms = (t: number): number => {
        const b = Array.from(tf.tidy(() => signedEulerBias(s, nets, path, t).dataSync()));
        return Math.sqrt(b.reduce((acc, v) => acc + v * v, 0) / b.length);
      };
      const atDate0 = rms(0);
      const atUniformDate = rms(uniformDate);
      const tr = train(s, { trainer: { nets, episode: 0, history: [] } });
      nets.household.dispose();
      nets.price.dispose();
      return { logged: tr.history[0].aggregateEuler as number, atDate0, atUniformDate, uniformDate };
    };
    // Share 1 on date 0 only: the logged term is date 0's (float32 round-off, 1e-5 relative).
    const impact = run(1);
    expect(impact.atDate0).toBeGreaterThan(1e-4);
    expect(Math.abs(impact.logged - impact.atDate0)).toBeLessThan(1e-5 * impact.atDate0);
    // Share 0 on the same stream: the uniformly drawn date (not 0), whose term differs from date 0's by
    // more than 100 times that round-off (measured 0.8 %).
    const uniform = run(0);
    expect(uniform.uniformDate).not.toBe(0);
    expect(Math.abs(uniform.logged - uniform.atUniformDate)).toBeLessThan(1e-5 * uniform.atUniformDate);
    expect(Math.abs(uniform.logged - uniform.atDate0)).toBeGreaterThan(1e-3 * uniform.atDate0);
  }, 90_000);
});
