import { describe, expect, it } from 'vitest';
import { buildEconomy, parseConfig, type HaTradeConfig } from '../../src/models/ha-trade/config.ts';
import { solveEconomy } from '../../src/models/ha-trade/equilibrium.ts';
import { evaluateWorld, marketResiduals } from '../../src/models/ha-trade/economy.ts';
import { UsageError } from '../../src/io/errors.ts';

/** A small three-country economy; facts below do not depend on grid size, so grids are small. */
function smallConfig(over: Record<string, unknown> = {}): HaTradeConfig {
  return parseConfig({
    name: 'test',
    countries: ['A', 'B', 'C'],
    labor: [1, 0.5, 2],
    tfp: [1, 1.3, 0.8],
    tradeCosts: [
      [1, 1.8, 2.2],
      [1.6, 1, 2.0],
      [2.4, 1.9, 1],
    ],
    preferences: { crra: 1, beta: 0.9, sigmaEps: 0.3 },
    efficiency: { persistentStates: 3, rho: 0.8, persistentVariance: 0.05, transitoryStates: 1, transitoryVariance: 0 },
    assets: { borrowingLimit: 0.5, max: 6, points: 30 },
    closure: 'autarky',
    solver: { tolerance: 1e-9, householdTolerance: 1e-10, maxIterations: 40, method: 'newton' },
    ...over,
  });
}

/** Representative-agent Armington equilibrium with elasticity theta, solved independently by a damped fixed point. */
function armingtonWages(L: number[], A: number[], d: number[][], theta: number): number[] {
  const M = L.length;
  let w = new Array(M).fill(1);
  for (let iter = 0; iter < 20_000; iter++) {
    const demand = new Array(M).fill(0);
    for (let k = 0; k < M; k++) {
      const terms = w.map((wi, i) => (d[k][i] * wi / A[i]) ** -theta);
      const total = terms.reduce((s, x) => s + x, 0);
      for (let i = 0; i < M; i++) demand[i] += (terms[i] / total) * w[k] * L[k];
    }
    const next = w.map((wi, i) => wi * (demand[i] / (wi * L[i])) ** 0.2);
    const mean = next.reduce((s, x) => s + x, 0) / M;
    const normed = next.map((x) => x / mean);
    const change = Math.max(...normed.map((x, i) => Math.abs(x - w[i])));
    w = normed;
    if (change < 1e-14) break;
  }
  return w;
}

describe('C4: log utility + financial autarky equals the representative-agent Armington model (MODELS.md §C.7)', () => {
  it('equilibrium wages match the RA wages with elasticity 1/sigma_eps, and every country has zero net assets', () => {
    const config = smallConfig();
    const sol = solveEconomy(buildEconomy(config), { tol: 1e-9, method: 'newton' });
    const ra = armingtonWages([1, 0.5, 2], [1, 1.3, 0.8], config.tradeCosts as number[][], 1 / 0.3);
    for (let i = 0; i < 3; i++) expect(Math.abs(sol.prices.wages[i] / ra[i] - 1)).toBeLessThan(1e-7);
    for (let i = 0; i < 3; i++) expect(Math.abs(sol.residuals.bonds[i])).toBeLessThan(1e-8);
    // One R per country under autarky; they differ across countries in general.
    expect(new Set(Array.from(sol.prices.R, (r) => r.toFixed(6))).size).toBeGreaterThan(1);
  });
});

describe('C6: the symmetric two-country economy (MODELS.md §C.7)', () => {
  it('has equal wages, zero net foreign assets, M12 = M21 and one R under financial globalisation (CRRA 1.5, with a symmetric tariff)', () => {
    const config = parseConfig({
      name: 'sym',
      countries: ['H', 'F'],
      labor: [1, 1],
      tfp: [1, 1],
      tradeCosts: { symmetric: 1.745 },
      tariffs: [
        [0, 0.05],
        [0.05, 0],
      ],
      preferences: { crra: 1.5, beta: 0.92, sigmaEps: 0.25 },
      efficiency: { persistentStates: 3, rho: 0.9, persistentVariance: 0.039, transitoryStates: 2, transitoryVariance: 0.0522 },
      assets: { borrowingLimit: 0.5, max: 8, points: 40 },
      closure: 'globalisation',
      solver: { method: 'newton', householdTolerance: 1e-11, distributionTolerance: 1e-12 },
    });
    const sol = solveEconomy(buildEconomy(config), { tol: 1e-9, method: 'newton', initial: { wages: [1.2, 0.8] } });
    const { wages, R, rebates } = sol.prices;
    expect(Math.abs(wages[0] - wages[1])).toBeLessThan(1e-8);
    expect(R[0]).toBe(R[1]);
    expect(Math.abs(sol.residuals.bonds[0])).toBeLessThan(1e-8);
    expect(Math.abs(sol.residuals.bonds[1])).toBeLessThan(1e-8);
    const imp = sol.residuals.imports;
    expect(Math.abs(imp[1] - imp[2]) / imp[1]).toBeLessThan(1e-8);
    expect(Math.abs(rebates[0] - rebates[1])).toBeLessThan(1e-9);
    // Rebates equal tariff revenue per household: T = t/(1+t) M12 / L.
    expect(rebates[0]).toBeCloseTo((0.05 / 1.05) * imp[1], 9);
    expect(R[0]).toBeLessThan(1 / 0.92);
  });
});

describe("Walras' law", () => {
  it('sum of goods-market, government and interest-weighted bond residuals is zero at arbitrary prices', () => {
    const config = smallConfig({
      preferences: { crra: 1.5, beta: 0.9, sigmaEps: 0.3 },
      tariffs: [
        [0, 0.1, 0.2],
        [0.05, 0, 0],
        [0.15, 0.1, 0],
      ],
    });
    const econ = buildEconomy(config);
    const world = { wages: Float64Array.of(0.9, 1.25, 0.85), R: Float64Array.of(1.03, 1.01, 1.05), rebates: Float64Array.of(0.02, 0.0, 0.05) };
    const states = evaluateWorld(econ, world);
    const res = marketResiduals(econ, world, states);
    // Summing budgets p c + a' = R a + w z + T over the stationary distribution (A' = A):
    // sum_i goods_i + sum_i government_i + sum_i (R_i - 1) L_i A_i = 0 (MODELS.md §C.4 national accounts).
    let total = 0;
    for (let i = 0; i < 3; i++) total += res.goods[i] + res.government[i] + (world.R[i] - 1) * econ.labor[i] * states[i].aggregates.assets;
    expect(Math.abs(total) / res.worldIncome).toBeLessThan(1e-9);
    for (let i = 0; i < 3; i++) expect(Math.abs(states[i].aggregates.assetsNext - states[i].aggregates.assets)).toBeLessThan(1e-9);
  });

  it('the goods market dropped from the solver also clears at the solution', () => {
    const config = smallConfig({ preferences: { crra: 1.5, beta: 0.9, sigmaEps: 0.3 }, closure: 'globalisation' });
    const sol = solveEconomy(buildEconomy(config), { tol: 1e-9, method: 'newton' });
    const income0 = sol.prices.wages[0] * 1 * sol.states[0].aggregates.efficiency;
    expect(Math.abs(sol.residuals.goods[0]) / income0).toBeLessThan(1e-8);
    let bonds = 0;
    for (const b of sol.residuals.bonds) bonds += b;
    expect(Math.abs(bonds) / sol.residuals.worldIncome).toBeLessThan(1e-9);
  });
});

describe('non-convergence', () => {
  it('raises a UsageError naming the residual norm and what to try', () => {
    const config = smallConfig({ preferences: { crra: 1.5, beta: 0.9, sigmaEps: 0.3 }, closure: 'globalisation' });
    let message = '';
    try {
      solveEconomy(buildEconomy(config), { tol: 1e-9, maxIterations: 1, method: 'newton', initial: { wages: [3, 1, 0.3] } });
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/did not converge: residual norm \d\.\d+e[-+]\d+ > tolerance 1e-9 after 1 iterations/);
    expect(message).toMatch(/Try:/);
  });
});
