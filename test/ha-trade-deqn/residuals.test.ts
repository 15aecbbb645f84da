// The DEQN residuals of MODELS.md §C.3 evaluated at the part-1 reference solution (EGM on a grid,
// float64, an independent solver): with its savings and choice-specific values as the "network"
// policy, the Fischer-Burmeister Euler and the Bellman residuals vanish up to the grid's
// interpolation error, and the price and tariff algebra reproduces the reference markets.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { createHaTradeDeqn, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { choiceResidualsAt } from '../../src/models/ha-trade-deqn/residuals.ts';
import { gridStates, priceSet } from '../../src/models/ha-trade-deqn/solution.ts';
import { referenceAt } from '../../src/models/ha-trade-deqn/validation.ts';
import type { HaTradeEquilibrium } from '../../src/models/ha-trade/index.ts';
import { referencePolicy } from './reference-policy.ts';

let model: HaTradeDeqn;
let ref: HaTradeEquilibrium;
const X = Float64Array.of(0.2, 0, 1); // HOME levies 20 % on FOREIGN goods: asymmetric prices and a rebate

beforeAll(async () => {
  await initBackend('wasm');
  model = createHaTradeDeqn({ economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 } });
  ref = referenceAt(model.world, X);
}, 60_000);

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
      const policy = referencePolicy(model, ref.states);
      const r = choiceResidualsAt(world, lay, constants, policy, batch);
      const pol = policy(batch);
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
