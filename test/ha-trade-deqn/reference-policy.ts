// The part-1 reference solution (EGM, float64) as a DEQN policy of state rows: savings shares and
// continuation values of every variety, interpolated in assets, in the household network's units. Lets
// tests put the exact policy through the DEQN residuals (residuals.test.ts, savings-top.test.ts).
import { tf } from '../../src/tensor/backend.ts';
import type { HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { continuationOffset, valueScaleOf, C_SCALE } from '../../src/models/ha-trade-deqn/household.ts';
import { interpolate } from '../../src/models/ha-trade/household-egm.ts';
import type { CountryState } from '../../src/models/ha-trade/economy.ts';
import type { Policy } from '../../src/deqn/model.ts';

export function referencePolicy(model: HaTradeDeqn, states: readonly CountryState[]): (rows: tf.Tensor2D) => Policy {
  const { world, layout: lay } = model;
  const { M, nZ } = world;
  const { gamma } = world.economy;
  const C0 = continuationOffset(world);
  return (rows) => {
    const s = rows.dataSync();
    const n = rows.shape[0];
    const share = new Float32Array(n * M);
    const cont = new Float32Array(n * M);
    for (let r = 0; r < n; r++) {
      const o = r * lay.dim;
      const [z, a, i] = [s[o + lay.z], s[o + lay.a], s[o + lay.country]];
      const grid = states[i].params.agrid;
      const wealth = s[o + lay.R] * a + s[o + lay.w] * world.economy.chain.values[z] + s[o + lay.T] + world.phi[i];
      for (let j = 0; j < M; j++) {
        const base = (j * nZ + z) * grid.length;
        const g = interpolate(grid, states[i].household.assetPolicy, base, a);
        const v = interpolate(grid, states[i].household.choiceValue, base, a);
        const c = (wealth - world.phi[i] - g) / s[o + lay.p + j];
        const u = gamma === 1 ? Math.log(c) : Math.pow(c, 1 - gamma) / (1 - gamma);
        share[r * M + j] = (g + world.phi[i]) / wealth;
        cont[r * M + j] = ((v - u) / valueScaleOf(world, i) - C0) / C_SCALE;
      }
    }
    return { savings: tf.tensor2d(share, [n, M]), continuation: tf.tensor2d(cont, [n, M]) };
  };
}
