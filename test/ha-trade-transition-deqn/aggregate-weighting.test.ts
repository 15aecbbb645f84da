// Weighting of the aggregate Euler term's mean signed residual (training.aggregateEulerWeighting) on the
// 40-point small config (T = 12), seeded: 'mass' (the default, the weighting before the option existed)
// and 'spending' each equal an independent weighted mean of the per-household residuals (eulerResiduals) at
// two dates of a path after tariff 0.25, and the two differ (so the option is not a no-op).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { createNetworks, type TransitionNetworks } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { networkPath, type NetworkPath } from '../../src/models/ha-trade-transition-deqn/path.ts';
import { dateRows, eulerResiduals, signedEulerBias } from '../../src/models/ha-trade-transition-deqn/train.ts';
import { SMALL_TRANSITION_CONFIG } from './small-config.ts';

let base: TransitionSetup;
let nets: TransitionNetworks;
let path: NetworkPath;

beforeAll(async () => {
  await initBackend();
  base = buildSetup(parseTransitionParams(SMALL_TRANSITION_CONFIG));
  nets = createNetworks(base, Rng.fromSeed(5));
  // A nonzero correction, so the residuals are not the old policy's alone.
  const w = nets.household.weightValues();
  w[w.length - 1].fill(0.05);
  nets.household.setWeightValues(w);
  path = networkPath(base, nets, [0.25], 2);
}, 120_000);

/** Independent weighted mean per country: interior (a' + phi > 1e-4) rows, weight mass x pi (x p c). */
function independent(t: number, spending: boolean): number[] {
  const { M, nZ, nA } = base;
  const d = path.dates[t];
  const { rows, mass } = dateRows(base, path, t);
  const [rel, slack] = tf.tidy(() => {
    const r = eulerResiduals(base, nets, path, rows);
    return [Array.from(r.relative.dataSync()), Array.from(r.slack.dataSync())];
  });
  const num = new Array(M).fill(0);
  const den = new Array(M).fill(0);
  rows.forEach((r, b) => {
    for (let j = 0; j < M; j++) {
      if (slack[b * M + j] <= 1e-4) continue;
      const idx = (j * nZ + r.z) * nA + r.k;
      const w = mass[b] * d.pi[r.country][idx] * (spending ? d.delivered[r.country][j] * d.c[r.country][idx] : 1);
      num[r.country] += w * rel[b * M + j];
      den[r.country] += w;
    }
  });
  return num.map((v, i) => v / den[i]);
}

describe('transition DEQN: weighting of the aggregate Euler term', () => {
  it("'mass' (default) and 'spending' are the stated weighted means, and differ", () => {
    expect(base.params.training.aggregateEulerWeighting).toBe('mass');
    const spendingSetup = { ...base, params: { ...base.params, training: { ...base.params.training, aggregateEulerWeighting: 'spending' as const } } };
    for (const t of [0, 5]) {
      const byMass = Array.from(tf.tidy(() => signedEulerBias(base, nets, path, t).dataSync()));
      const bySpending = Array.from(tf.tidy(() => signedEulerBias(spendingSetup, nets, path, t).dataSync()));
      const refMass = independent(t, false);
      const refSpending = independent(t, true);
      for (let i = 0; i < base.M; i++) {
        // float32 sums of a few hundred terms: 1e-4 relative (or 1e-8 absolute).
        expect(Math.abs(byMass[i] - refMass[i])).toBeLessThan(1e-4 * Math.abs(refMass[i]) + 1e-8);
        expect(Math.abs(bySpending[i] - refSpending[i])).toBeLessThan(1e-4 * Math.abs(refSpending[i]) + 1e-8);
        expect(Math.abs(bySpending[i] - byMass[i])).toBeGreaterThan(1e-2 * Math.abs(byMass[i]));
      }
    }
  }, 60_000);
});
