// Savings at the top of the asset grid (params.savingsTop, MODELS.md §C.3). The part-1 EGM solver
// caps savings at amax (household-egm.ts: a' = amax beyond the endogenous grid's last point,
// consumption from the budget), so at capped states its consumption is above the Euler consumption
// (the household would like to save more). With savingsTop "cap" the DEQN does the same: savings
// min(a', amax), consumption from the budget, and the Euler condition as a complementarity on the box
// [-phi, amax]. These tests check the decoding and the complementarity in closed form, that the
// reference EGM solution has vanishing box residuals where it is capped (while the limit-only residual
// of savingsTop "extrapolate" calls those states Euler violations), and that the panel stays in the grid.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp } from '../../src/deqn/network.ts';
import { createHaTradeDeqn, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { resolveEconomyConfig } from '../../src/models/ha-trade-deqn/params.ts';
import { choiceResidualsAt } from '../../src/models/ha-trade-deqn/residuals.ts';
import { boxComplementarity, householdBlock } from '../../src/models/ha-trade-deqn/household.ts';
import { inputsOf } from '../../src/models/ha-trade-deqn/layout.ts';
import { gridStates, priceSet } from '../../src/models/ha-trade-deqn/solution.ts';
import { simulatePeriod } from '../../src/models/ha-trade-deqn/panel.ts';
import { decodePrices, economyAt, type Prices } from '../../src/models/ha-trade-deqn/world.ts';
import { evaluateWorld, type CountryState } from '../../src/models/ha-trade/economy.ts';
import { referencePolicy } from './reference-policy.ts';

// The two-country economy with a low grid top (amax = 3) so that rich high-efficiency households of
// the reference are capped.
const X = Float64Array.of(0.2, 0, 1);
let capped: HaTradeDeqn;
let extrapolating: HaTradeDeqn;
let prices: Prices;
let states: CountryState[];

beforeAll(async () => {
  await initBackend('wasm');
  const econ = resolveEconomyConfig('models/ha-trade-two-country.json');
  const economy = { ...econ, assets: { ...econ.assets, max: 3 } };
  capped = createHaTradeDeqn({ economy, panel: { householdsPerCountry: 10 }, savingsTop: 'cap' });
  extrapolating = createHaTradeDeqn({ economy, panel: { householdsPerCountry: 10 } });
  prices = { ...decodePrices(capped.world, new Float64Array(capped.world.priceDim)), rebates: Float64Array.of(0.02, 0) };
  // Household problems and distributions at fixed prices (R = 1.01, unit wages): no equilibrium needed.
  states = evaluateWorld(economyAt(capped.world, X), prices);
}, 60_000);

const fb = (a: number, b: number) => a + b - Math.sqrt(a * a + b * b + 1e-12);

describe('savings at the top of the asset grid (params.savingsTop)', () => {
  it('box complementarity = FB(toLimit, -FB(toTop, -e)): zero iff e = 0 inside, e >= 0 at the limit, e <= 0 at the top (closed form, 1e-6)', () => {
    const cases: [number, number, number][] = [
      [0.1, 2, 3], // interior, e > 0
      [-0.1, 2, 3], // interior, e < 0
      [0.1, 0, 3], // at the limit, wants to borrow: satisfied
      [-0.1, 0, 3], // at the limit, wants to save: violated
      [-0.1, 3, 0], // at the top, wants to save more: satisfied
      [0.1, 3, 0], // at the top, wants to save less: violated
      [-0.1, 3, -0.5], // wants 0.5 more than the top: violated whatever e
    ];
    const got = tf.tidy(() => boxComplementarity(tf.tensor1d(cases.map((c) => c[0])), tf.tensor1d(cases.map((c) => c[1])), tf.tensor1d(cases.map((c) => c[2]))).dataSync());
    cases.forEach(([e, lo, hi], k) => expect(Math.abs(got[k] - fb(lo, -fb(hi, -e)))).toBeLessThan(1e-6));
    expect(Math.abs(got[2])).toBeLessThan(1e-5);
    expect(Math.abs(got[4])).toBeLessThan(1e-5);
    for (const k of [0, 1, 3, 5, 6]) expect(Math.abs(got[k])).toBeGreaterThan(0.05);
    // Far from the top it is the limit-only residual FB(e, toLimit) to O(e^2 / toTop).
    expect(Math.abs(got[0] - fb(0.1, 2))).toBeLessThan(0.01);
  });

  it("decoding: savings shares above the top give a' = amax and consumption from the budget; below it the same as 'extrapolate'; d a'/d share = wealth below the top, 0 above (float32, 1e-5)", () => {
    const { world, layout: lay } = capped;
    const M = world.M;
    const rows = 4;
    const st = new Float32Array(rows * lay.dim);
    const a = [2.9, 2.9, -0.2, 0.5];
    for (let r = 0; r < rows; r++) {
      const o = r * lay.dim;
      st[o + lay.z] = world.nZ - 1;
      st[o + lay.a] = a[r];
      st[o + lay.country] = r % 2;
      st[o + lay.R] = 1.01;
      st[o + lay.w] = 1.1;
      st[o + lay.T] = 0.03;
      for (let j = 0; j < M; j++) st[o + lay.p + j] = 1 + 0.2 * j;
    }
    const shares = Float32Array.of(0.95, 0.9, 0.99, 0.5, 0.3, 0.1, 0.2, 0.4);
    const run = (m: HaTradeDeqn) =>
      tf.tidy(() => {
        const policy = { savings: tf.tensor2d(shares, [rows, M]), continuation: tf.zeros([rows, M]) as tf.Tensor2D };
        const hh = householdBlock(m.world, m.constants, inputsOf(m.world, lay, tf.tensor2d(st, [rows, lay.dim])), policy);
        return [hh.aNext, hh.c, hh.wealth].map((t) => t.dataSync() as Float32Array);
      });
    const [aCap, cCap, wealth] = run(capped);
    const [aExt, cExt] = run(extrapolating);
    const amax = world.amax[0];
    expect(amax).toBe(3);
    let cappedEntries = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < M; j++) {
        const k = r * M + j;
        const wanted = shares[k] * wealth[r] - world.phi[r % 2];
        expect(Math.abs(aExt[k] - wanted)).toBeLessThan(1e-5);
        const expectA = Math.min(wanted, amax);
        if (wanted > amax) cappedEntries++;
        expect(Math.abs(aCap[k] - expectA)).toBeLessThan(1e-5);
        // Budget: p_j c_j = R a + w z + T - a'_j.
        expect(Math.abs(cCap[k] * (1 + 0.2 * j) - (wealth[r] - world.phi[r % 2] - expectA))).toBeLessThan(1e-5);
        if (wanted <= amax) expect(Math.abs(cCap[k] - cExt[k])).toBeLessThan(1e-5);
      }
    }
    expect(cappedEntries).toBe(3);
    // Gradients (what training uses): d a'_j / d s_j = wealth below the top, 0 where capped.
    const grad = tf.tidy(() => {
      const s = tf.tensor2d(shares, [rows, M]);
      const inp = inputsOf(world, lay, tf.tensor2d(st, [rows, lay.dim]));
      return tf.grad((x: tf.Tensor) => tf.sum(householdBlock(world, capped.constants, inp, { savings: x as tf.Tensor2D, continuation: tf.zeros([rows, M]) as tf.Tensor2D }).aNext))(s).dataSync();
    });
    for (let k = 0; k < rows * M; k++) {
      const r = Math.floor(k / M);
      const wanted = shares[k] * wealth[r] - world.phi[r % 2];
      expect(Math.abs(grad[k] - (wanted > amax ? 0 : wealth[r]))).toBeLessThan(1e-5);
    }
  });

  it('at the reference EGM solution, the box residual vanishes where the reference is capped (mean < 1e-3); the limit-only residual there is the Euler gap (e < 0, mean |e| > 1e-2)', () => {
    const { world, layout: lay } = capped;
    const M = world.M;
    const grids = states.map((s) => s.params.agrid);
    const nA = grids[0].length;
    const all = gridStates(capped, grids, priceSet(world, X, prices), X);
    // The upper half of the grid (away from the borrowing limit), every efficiency state.
    const keep: number[] = [];
    for (let r = 0; r < all.length / lay.dim; r++) if (r % nA >= nA / 2) keep.push(r);
    const sample = new Float32Array(keep.length * lay.dim);
    keep.forEach((r, k) => sample.set(all.subarray(r * lay.dim, (r + 1) * lay.dim), k * lay.dim));
    const residuals = (m: HaTradeDeqn) =>
      tf.tidy(() => {
        const batch = tf.tensor2d(sample, [keep.length, lay.dim]);
        const r = choiceResidualsAt(m.world, lay, m.constants, referencePolicy(m, states), batch);
        const hh = householdBlock(m.world, m.constants, inputsOf(m.world, lay, batch), referencePolicy(m, states)(batch));
        return [r.euler, r.relativeEuler, hh.aNext].map((t) => Array.from(t.dataSync()));
      });
    const [box, rel, aNext] = residuals(capped);
    const [limitOnly] = residuals(extrapolating);
    const amax = world.amax[0];
    const top: number[] = [];
    const inside: number[] = [];
    aNext.forEach((a, k) => (a > amax - 1e-4 ? top : inside).push(k));
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(top.length).toBeGreaterThanOrEqual(20); // 25 capped (state, variety) entries
    expect(inside.length).toBeGreaterThan(1000); // 1975
    // Capped reference households would like to save more: consumption above the Euler consumption.
    expect(mean(top.map((k) => rel[k]))).toBeLessThan(-0.01); // measured -0.084
    expect(mean(top.map((k) => Math.abs(box[k])))).toBeLessThan(1e-3); // measured 1.2e-7
    expect(mean(top.map((k) => Math.abs(limitOnly[k])))).toBeGreaterThan(0.01); // measured 0.085
    // Inside the box both are the Euler error at the grid's interpolation error.
    expect(mean(inside.map((k) => Math.abs(box[k])))).toBeLessThan(5e-4); // measured 3.0e-7
    expect(mean(inside.map((k) => Math.abs(limitOnly[k])))).toBeLessThan(5e-4); // measured 3.0e-7
    expect(M).toBe(2);
  }, 60_000);

  it('the panel stays in the grid with "cap" and leaves it with "extrapolate" (households starting at 5 amax)', () => {
    const { world, layout: lay } = capped;
    const net = new Mlp({ inputDim: capped.featureDim, hidden: [8], activation: 'silu', outputs: capped.outputs, outputInit: 'glorot' }, Rng.fromSeed('savings-top'));
    const shape = capped.shapeFor(40);
    const start = capped.initialStates(shape.lanes * shape.rowsPerLane, Rng.fromSeed('panel'));
    for (let r = 0; r < start.length / lay.dim; r++) start[r * lay.dim + lay.a] = 5 * world.amax[0];
    const maxAssets = (m: HaTradeDeqn) => {
      const st = start.slice();
      simulatePeriod(m.world, lay, m.constants, net, st, Rng.fromSeed('sim'), m.params.panel.assetCap);
      let mx = -Infinity;
      for (let r = 0; r < st.length / lay.dim; r++) mx = Math.max(mx, st[r * lay.dim + lay.a]);
      return mx;
    };
    expect(maxAssets(capped)).toBeLessThanOrEqual(world.amax[0] + 1e-5);
    expect(maxAssets(extrapolating)).toBeGreaterThan(world.amax[0] + 0.1);
  });
});
