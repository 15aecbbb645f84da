// The household network as a correction of the part-1 EGM policy (params.householdBaseline,
// baseline.ts). An untrained network (zero output layer) must BE the EGM solution at the centre
// prices: its savings at the table's grid points equal the EGM policy solved independently here, its
// Euler errors off the grid (midpoints, where only interpolation acts) are tiny, and they are so only
// because the continuation table has the right units (the choice probabilities inside the Euler
// expectation come from it). Gradients with respect to assets flow through the interpolation weight.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp } from '../../src/deqn/network.ts';
import { createHaTradeDeqn, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { baselineAt, householdPolicy } from '../../src/models/ha-trade-deqn/baseline.ts';
import { choiceResidualsAt } from '../../src/models/ha-trade-deqn/residuals.ts';
import { householdBlock } from '../../src/models/ha-trade-deqn/household.ts';
import { inputsOf } from '../../src/models/ha-trade-deqn/layout.ts';
import { gridStates, priceSet } from '../../src/models/ha-trade-deqn/solution.ts';
import { baselinePolicy, decodePrices, deliveredPrices } from '../../src/models/ha-trade-deqn/world.ts';
import { householdParamsFor } from '../../src/models/ha-trade/economy.ts';
import { solveHousehold } from '../../src/models/ha-trade/household-egm.ts';

const POINTS = 200;
let model: HaTradeDeqn;
let coarse: HaTradeDeqn;
let net: Mlp;
let grids: Float64Array[];

beforeAll(async () => {
  await initBackend('wasm');
  const spec = { economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 }, savingsTop: 'cap' as const };
  model = createHaTradeDeqn({ ...spec, householdBaseline: { points: POINTS } });
  coarse = createHaTradeDeqn({ ...spec, householdBaseline: { points: 12 } });
  net = new Mlp({ inputDim: model.featureDim, hidden: [16], activation: 'silu', outputs: model.outputs, outputInit: 'zeros' }, Rng.fromSeed('baseline'));
  const { world } = model;
  grids = Array.from(world.phi, (phi, i) => Float64Array.from({ length: POINTS }, (_, g) => -phi + ((world.amax[i] + phi) * g) / (POINTS - 1)));
}, 120_000);

/** States at the centre prices and status-quo policy on `grid` per country (every z). */
function statesOn(m: HaTradeDeqn, on: Float64Array[]): Float32Array {
  const x = baselinePolicy(m.world);
  return gridStates(m, on, priceSet(m.world, x, decodePrices(m.world, new Float64Array(m.world.priceDim))), x);
}

describe('household network as a correction of the EGM policy (params.householdBaseline)', () => {
  it('a zero-output network reproduces the independently solved EGM savings at the grid points (|diff| < 1e-4 of resources above the limit; measured 1.0e-5, the share floor at the limit)', () => {
    const { world, layout: lay } = model;
    const { M, nZ } = world;
    const prices = decodePrices(world, new Float64Array(world.priceDim));
    const delivered = deliveredPrices(world, baselinePolicy(world), prices.wages);
    const states = statesOn(model, grids);
    const [aNext, wealth] = tf.tidy(() => {
      const inp = inputsOf(world, lay, tf.tensor2d(states, [states.length / lay.dim, lay.dim]));
      const hh = householdBlock(world, model.constants, inp, householdPolicy(world, model.constants.baseline, net, inp));
      return [hh.aNext.dataSync() as Float32Array, hh.wealth.dataSync() as Float32Array];
    });
    let worst = 0;
    for (let i = 0; i < M; i++) {
      const sol = solveHousehold({ ...householdParamsFor(world.economy, i), agrid: grids[i] }, { R: prices.R[i], wage: prices.wages[i], rebate: prices.rebates[i], prices: delivered.subarray(i * M, (i + 1) * M) });
      for (let z = 0; z < nZ; z++)
        for (let g = 0; g < POINTS; g++) {
          const r = (i * nZ + z) * POINTS + g;
          for (let j = 0; j < M; j++) worst = Math.max(worst, Math.abs(aNext[r * M + j] - sol.assetPolicy[(j * nZ + z) * POINTS + g]) / wealth[r]);
        }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('off the grid (cell midpoints) its Euler errors are those of interpolation: mean < 2e-4 relative at 200 points (measured 1.1e-4), > 5x larger with a 12-point table (1.7e-2)', () => {
    const meanError = (m: HaTradeDeqn, points: number) => {
      const mid = Array.from(m.world.phi, (phi, i) => {
        const h = (m.world.amax[i] + phi) / (points - 1);
        return Float64Array.from({ length: points - 1 }, (_, g) => -phi + h * (g + 0.5));
      });
      const states = statesOn(m, mid);
      const lay = m.layout;
      return tf.tidy(() => {
        const s = tf.tensor2d(states, [states.length / lay.dim, lay.dim]);
        const r = choiceResidualsAt(m.world, lay, m.constants, (q) => householdPolicy(m.world, m.constants.baseline, net, inputsOf(m.world, lay, q)), s);
        const hh = householdBlock(m.world, m.constants, inputsOf(m.world, lay, s), householdPolicy(m.world, m.constants.baseline, net, inputsOf(m.world, lay, s)));
        // Unconstrained choices only (at the limit the Euler equation is an inequality).
        const free = tf.cast(tf.greater(tf.add(hh.aNext, hh.phi), 1e-3), 'float32');
        return tf.div(tf.sum(tf.mul(tf.abs(r.relativeEuler), free)), tf.sum(free)).dataSync()[0];
      });
    };
    const fine = meanError(model, POINTS);
    const rough = meanError(coarse, 12);
    expect(fine).toBeLessThan(2e-4);
    expect(rough).toBeGreaterThan(5 * fine);
  });

  it('gradient with respect to assets: the slope of the table cell (finite difference inside the cell, 1e-3 relative)', () => {
    const { world, layout: lay } = model;
    const base = model.constants.baseline!;
    const h = (world.amax[0] + world.phi[0]) / (POINTS - 1);
    const a0 = -world.phi[0] + h * 37.3; // inside cell 37
    const states = statesOn(model, [Float64Array.of(a0), Float64Array.of(a0)]);
    const rows = states.length / lay.dim;
    const at = (da: number) =>
      tf.tidy(() => {
        const s = states.slice();
        for (let r = 0; r < rows; r++) s[r * lay.dim + lay.a] += da;
        return baselineAt(base, inputsOf(world, lay, tf.tensor2d(s, [rows, lay.dim]))).logit.dataSync() as Float32Array;
      });
    const grad = tf.tidy(() => {
      const inp = inputsOf(world, lay, tf.tensor2d(states, [rows, lay.dim]));
      return tf.grad((a: tf.Tensor) => tf.sum(baselineAt(base, { ...inp, a: a as tf.Tensor2D }).logit))(inp.a).dataSync() as Float32Array;
    });
    const d = 0.2 * h;
    const [up, down] = [at(d), at(-d)];
    for (let r = 0; r < rows; r++) {
      let fd = 0;
      for (let j = 0; j < world.M; j++) fd += (up[r * world.M + j] - down[r * world.M + j]) / (2 * d);
      expect(Math.abs(grad[r] - fd)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  it('zeroAtCentre: a network with a non-zero output layer leaves the centre-price policy at the EGM baseline (|diff| < 1e-6) and corrects it by net(p) - net(p0) elsewhere', () => {
    const anchored = createHaTradeDeqn({ economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 }, savingsTop: 'cap', householdBaseline: { points: POINTS, zeroAtCentre: true } });
    const { world, layout: lay } = anchored;
    const base = anchored.constants.baseline!;
    const trained = new Mlp({ inputDim: anchored.featureDim, hidden: [16], activation: 'silu', outputs: anchored.outputs }, Rng.fromSeed('anchored'));
    const centre = statesOn(anchored, grids.map((g) => g.subarray(0, 50)));
    const moved = centre.slice();
    const rows = centre.length / lay.dim;
    for (let r = 0; r < rows; r++) moved[r * lay.dim + lay.w] *= 1.02;
    const outputs = (states: Float32Array) =>
      tf.tidy(() => {
        const inp = inputsOf(world, lay, tf.tensor2d(states, [rows, lay.dim]));
        const pol = householdPolicy(world, base, trained, inp);
        const b = baselineAt(base, inp);
        return { savings: pol.savings.dataSync() as Float32Array, baseline: tf.sigmoid(b.logit).dataSync() as Float32Array, continuation: pol.continuation.dataSync() as Float32Array, baseContinuation: b.continuation.dataSync() as Float32Array };
      });
    const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, k) => Math.max(m, Math.abs(v - y[k])), 0);
    const atCentre = outputs(centre);
    expect(maxDiff(atCentre.savings, atCentre.baseline)).toBeLessThan(1e-6);
    expect(maxDiff(atCentre.continuation, atCentre.baseContinuation)).toBeLessThan(1e-6);
    // A 2 % higher wage: the correction is the network's change between the two price points, not zero.
    const off = outputs(moved);
    expect(maxDiff(off.savings, off.baseline)).toBeGreaterThan(1e-3);
  });
});
