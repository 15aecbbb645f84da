// The 19-country calibration (models/ha-trade-ek19-2024.json, MODELS.md §C.2) as the DEQN sees it.
// Its countries differ in size by three orders of magnitude (TFP 0.002 for BEL to 8.7 for DEU, wages
// 0.0099 to 10.5 at mean one), which broke the first 19-country training while the symmetric
// two-country economy trained fine. These tests pin the pieces that must hold whatever the sizes:
//  - the DEQN's market residuals (solution.ts) are the reference solver's: with the reference EGM
//    policies at the reference equilibrium prices they vanish (no wage-normalisation mismatch);
//  - the price network's centre (raw output 0) is the config's solver start, which is the reference
//    status-quo equilibrium;
//  - the Walrasian wage step in own-income units moves a small country's wage at the speed of its
//    relative excess supply, while in world-income units it barely moves (why 19 countries use "own");
//  - the household block is homogeneous in the country's TFP unit: scaling a country's TFP, assets,
//    wage and rebate by s leaves the network's features, Euler (Fischer-Burmeister) and Bellman
//    residuals unchanged, so the network faces the same problem in every country.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp } from '../../src/deqn/network.ts';
import { createHaTradeDeqn, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { resolveEconomyConfig } from '../../src/models/ha-trade-deqn/params.ts';
import { baselinePolicy, decodePrices, deliveredPrices, economyAt, type Prices } from '../../src/models/ha-trade-deqn/world.ts';
import { equilibriumOfPolicies, type GridPolicies } from '../../src/models/ha-trade-deqn/solution.ts';
import { tatonnement } from '../../src/models/ha-trade-deqn/market.ts';
import { choiceResidualsAt } from '../../src/models/ha-trade-deqn/residuals.ts';
import { featuresOf, inputsOf } from '../../src/models/ha-trade-deqn/layout.ts';
import { evaluateWorld, marketResiduals, type CountryState } from '../../src/models/ha-trade/economy.ts';

const ECONOMY = 'models/ha-trade-ek19-2024.json';
let model: HaTradeDeqn;
let centre: Prices;
let states: CountryState[];
const sup = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function referencePolicies(st: CountryState[]): GridPolicies {
  return {
    grids: st.map((s) => s.params.agrid),
    aNext: st.map((s) => s.household.assetPolicy),
    c: st.map((s) => s.household.consumption),
    pi: st.map((s) => s.household.choiceProb),
    V: st.map((s) => s.household.value),
  };
}

beforeAll(async () => {
  await initBackend('wasm');
  model = createHaTradeDeqn({ economy: ECONOMY, panel: { householdsPerCountry: 10 } });
  centre = decodePrices(model.world, new Float64Array(model.world.priceDim));
  // One evaluation of every country's household problem and distribution at the centre (~3 s).
  states = evaluateWorld(economyAt(model.world, baselinePolicy(model.world)), centre);
}, 60_000);

describe('19-country DEQN: markets at the reference equilibrium (MODELS.md §C.4)', () => {
  it("the price network's centre is the config's solver start, the reference status-quo equilibrium (market residuals < 1e-6 of world income)", () => {
    const { world } = model;
    const w0 = world.config.solver.initialWages!;
    const mean = w0.reduce((s, v) => s + v, 0) / w0.length;
    w0.forEach((w, i) => expect(Math.abs(centre.wages[i] / (w / mean) - 1)).toBeLessThan(1e-12));
    centre.R.forEach((R) => expect(R).toBe(1.01));
    const mr = marketResiduals(economyAt(world, baselinePolicy(world)), centre, states);
    expect(sup(mr.goods) / mr.worldIncome).toBeLessThan(1e-6);
    expect(Math.abs(mr.bonds.reduce((s, b) => s + b, 0)) / mr.worldIncome).toBeLessThan(1e-6);
  });

  it("the DEQN's market residuals of the reference policies at the reference prices vanish (< 1e-6 of world income; measured 2e-9 goods, 9e-9 bonds)", () => {
    const { world } = model;
    const eq = equilibriumOfPolicies(world, baselinePolicy(world), centre, referencePolicies(states), { tol: 1e-12, maxIterations: 100000 });
    expect(sup(eq.goods)).toBeLessThan(1e-6);
    expect(sup(eq.bonds)).toBeLessThan(1e-6);
    expect(sup(eq.government)).toBeLessThan(1e-12);
  });

  it("a 10 % too high wage of Belgium (1e-4 of world income): the own-income step lowers it by 0.25 x its excess supply share (2.5-15 %), the world-income step by < 0.01 %", () => {
    const { world } = model;
    const M = world.M;
    const BEL = world.countries.indexOf('BEL');
    const raw = new Float64Array(world.priceDim);
    raw[BEL] = Math.log(1.1) / 0.1; // PRICE_SCALE.logWage
    const prices = decodePrices(world, raw);
    const x = baselinePolicy(world);
    const st = evaluateWorld(economyAt(world, x), prices, states);
    const eq = equilibriumOfPolicies(world, x, prices, referencePolicies(st), { tol: 1e-12, maxIterations: 100000 });
    let income = 0;
    for (let i = 0; i < M; i++) income += prices.wages[i] * world.economy.labor[i] * eq.efficiency[i];
    const shares = Float64Array.from({ length: M }, (_, i) => (prices.wages[i] * world.economy.labor[i] * eq.efficiency[i]) / income);
    const residuals = Float64Array.from([...eq.goods.subarray(1), ...eq.bonds, ...eq.government]);
    expect(shares[BEL]).toBeLessThan(2e-4);
    // Excess supply of Belgian goods per unit of Belgian income: between 1x and 6x the 10 % (Armington, elasticity ~3-4, most sales abroad).
    const relativeExcess = eq.goods[BEL] / shares[BEL];
    expect(relativeExcess).toBeGreaterThan(0.1);
    expect(relativeExcess).toBeLessThan(0.6);
    const own = tatonnement(world, eq.goods, residuals, [income], { wage: 0.25, R: 0.03, rebate: 1, wageUnits: 'own' }, shares);
    const worldUnits = tatonnement(world, eq.goods, residuals, [income], { wage: 1, R: 0.03, rebate: 1 });
    const stepOwn = 0.1 * own[BEL]; // change of log w_BEL relative to the USA's
    const stepWorld = 0.1 * worldUnits[BEL];
    expect(stepOwn).toBeLessThan(-0.025);
    expect(stepOwn).toBeGreaterThan(-0.15);
    expect(Math.abs(stepWorld)).toBeLessThan(1e-4);
  }, 30_000);
});

describe('19-country DEQN: the household block in TFP units (MODELS.md §C.2-C.3)', () => {
  it('scaling one country (BEL) by s = 1000 in TFP, assets, wage and rebate leaves features and residuals unchanged (float32, < 2e-4)', () => {
    const s = 1000;
    const econ = resolveEconomyConfig(ECONOMY);
    const BEL = econ.countries.indexOf('BEL');
    const tfp = [...(econ.tfp as number[])];
    tfp[BEL] *= s;
    // The solver start scales with the TFP too (w = p A), so the price centre is the same up to units.
    const w0 = [...econ.solver.initialWages!];
    w0[BEL] *= s;
    const scaled = createHaTradeDeqn({ economy: { ...econ, tfp, solver: { ...econ.solver, initialWages: w0 } }, panel: { householdsPerCountry: 10 } });
    const { world, layout: lay } = model;
    const M = world.M;
    const nZ = world.nZ;
    const net = new Mlp({ inputDim: model.featureDim, hidden: [16, 16], activation: 'silu', outputs: model.outputs, outputInit: 'glorot' }, Rng.fromSeed('ek19-units'));
    const x = baselinePolicy(world);
    const p = deliveredPrices(world, x, centre.wages);
    const grid = world.economy.agrids[BEL];
    const rows = nZ * 10;
    const build = (k: number) => {
      const out = new Float32Array(rows * lay.dim);
      for (let r = 0; r < rows; r++) {
        const o = r * lay.dim;
        out[o + lay.z] = r % nZ;
        out[o + lay.a] = k * grid[Math.floor(r / nZ) * 11];
        out[o + lay.country] = BEL;
        out[o + lay.R] = 1.01;
        out[o + lay.w] = k * centre.wages[BEL];
        out[o + lay.T] = k * 0.1 * centre.wages[BEL];
        for (let j = 0; j < M; j++) out[o + lay.p + j] = p[BEL * M + j];
        for (let c = 0; c < world.policyDim; c++) out[o + lay.policy + c] = x[c];
      }
      return out;
    };
    const run = (m: HaTradeDeqn, st: Float32Array) =>
      tf.tidy(() => {
        const t = tf.tensor2d(st, [rows, lay.dim]);
        const f = featuresOf(m.world, inputsOf(m.world, m.layout, t));
        const r = choiceResidualsAt(m.world, m.layout, m.constants, net, t);
        return [f.dataSync(), r.euler.dataSync(), r.bellman.dataSync(), r.relativeEuler.dataSync()] as Float32Array[];
      });
    const [f1, e1, b1, r1] = run(model, build(1));
    const [f2, e2, b2, r2] = run(scaled, build(s));
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k]) / Math.max(1, Math.abs(v))), 0);
    expect(maxDiff(f1, f2)).toBeLessThan(2e-4);
    expect(maxDiff(e1, e2)).toBeLessThan(2e-4);
    expect(maxDiff(r1, r2)).toBeLessThan(2e-4);
    expect(maxDiff(b1, b2)).toBeLessThan(2e-4);
    // Not trivially zero: the residuals of a random network are O(0.1-1).
    expect(sup(e1)).toBeGreaterThan(0.01);
    expect(sup(b1)).toBeGreaterThan(0.001);
  }, 30_000);
});
