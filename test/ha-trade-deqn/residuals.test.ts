// The DEQN residuals of MODELS.md §C.3 evaluated at the part-1 reference solution (EGM on a grid,
// float64, an independent solver): with its savings and choice-specific values as the "network"
// policy, the Fischer-Burmeister Euler and the Bellman residuals vanish up to the grid's
// interpolation error, and the price and tariff algebra reproduces the reference markets.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { createHaTradeDeqn, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { choiceResidualsAt } from '../../src/models/ha-trade-deqn/residuals.ts';
import { continuationOffset, valueScaleOf, C_SCALE } from '../../src/models/ha-trade-deqn/household.ts';
import { gridStates, priceSet } from '../../src/models/ha-trade-deqn/solution.ts';
import { referenceAt } from '../../src/models/ha-trade-deqn/validation.ts';
import { interpolate } from '../../src/models/ha-trade/household-egm.ts';
import type { HaTradeEquilibrium } from '../../src/models/ha-trade/index.ts';
import type { Policy } from '../../src/deqn/model.ts';

let model: HaTradeDeqn;
let ref: HaTradeEquilibrium;
const X = Float64Array.of(0.2, 0, 1); // HOME levies 20 % on FOREIGN goods: asymmetric prices and a rebate

beforeAll(async () => {
  await initBackend('wasm');
  model = createHaTradeDeqn({ economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 } });
  ref = referenceAt(model.world, X);
}, 60_000);

/** The reference solution as a policy of state rows: savings shares and continuation values, interpolated in a. */
function referencePolicy(states: tf.Tensor2D): Policy {
  const { world, layout: lay } = model;
  const { M, nZ } = world;
  const { gamma } = world.economy;
  const s = states.dataSync();
  const rows = states.shape[0];
  const share = new Float32Array(rows * M);
  const cont = new Float32Array(rows * M);
  const C0 = continuationOffset(world);
  for (let r = 0; r < rows; r++) {
    const o = r * lay.dim;
    const [z, a, i] = [s[o + lay.z], s[o + lay.a], s[o + lay.country]];
    const st = ref.states[i];
    const grid = st.params.agrid;
    const nA = grid.length;
    const wealth = s[o + lay.R] * a + s[o + lay.w] * world.economy.chain.values[z] + s[o + lay.T] + world.phi[i];
    for (let j = 0; j < M; j++) {
      const base = (j * nZ + z) * nA;
      const g = interpolate(grid, st.household.assetPolicy, base, a);
      const v = interpolate(grid, st.household.choiceValue, base, a);
      const c = (wealth - world.phi[i] - g) / s[o + lay.p + j];
      const u = gamma === 1 ? Math.log(c) : Math.pow(c, 1 - gamma) / (1 - gamma);
      share[r * M + j] = (g + world.phi[i]) / wealth;
      cont[r * M + j] = ((v - u) / valueScaleOf(world, i) - C0) / C_SCALE;
    }
  }
  return { savings: tf.tensor2d(share, [rows, M]), continuation: tf.tensor2d(cont, [rows, M]) };
}

describe('DEQN residuals at the reference EGM solution (MODELS.md §C.3)', () => {
  it('Euler (relative, off the limit) and Bellman residuals are at the grid interpolation error', () => {
    const { world, layout: lay, constants } = model;
    const prices = { wages: ref.wages, R: ref.prices.R, rebates: ref.rebates };
    const states = gridStates(model, ref.states.map((s) => s.params.agrid), priceSet(world, X, prices), X);
    const rows = states.length / lay.dim;
    // Interior asset points below the top of the grid, where the household is away from flat extrapolation.
    const keep: number[] = [];
    const nA = ref.states[0].params.agrid.length;
    for (let r = 0; r < rows; r++) if (r % nA > 0 && r % nA < nA / 2) keep.push(r);
    const sample = new Float32Array(keep.length * lay.dim);
    keep.forEach((r, k) => sample.set(states.subarray(r * lay.dim, (r + 1) * lay.dim), k * lay.dim));
    const [rel, fb, bellman, slack] = tf.tidy(() => {
      const batch = tf.tensor2d(sample, [keep.length, lay.dim]);
      const r = choiceResidualsAt(world, lay, constants, referencePolicy, batch);
      const pol = referencePolicy(batch);
      return [r.relativeEuler, r.euler, r.bellman, pol.savings].map((t) => Array.from(t.dataSync()));
    });
    const interior = rel.filter((_, k) => slack[k] > 1e-3).map(Math.abs);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(interior.length).toBeGreaterThan(500);
    expect(mean(interior)).toBeLessThan(2e-4); // measured 2.2e-5
    expect(mean(fb.map(Math.abs))).toBeLessThan(2e-4); // measured 2.2e-5
    expect(mean(bellman.map(Math.abs))).toBeLessThan(2e-6); // measured 1.6e-7
  }, 60_000);
});
