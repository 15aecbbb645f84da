// Policy optima on small economies with closed-form answers (MODELS.md §D.5 D3–D9), through the
// generic policy layer (src/policy) on the static trade model.
import { describe, it, expect } from 'vitest';
import { StaticTradeModel } from '../../src/models/static-trade/model.ts';
import { StaticTradePolicyProblem, DEFAULT_BOUNDS, type InstrumentSpec } from '../../src/models/static-trade/policy-problem.ts';
import { bestResponse, nashEquilibrium, cooperativeOptimum, type OptimizerSettings } from '../../src/policy/equilibria.ts';
import { syntheticData, armingtonFlows, GROS_ECONOMY as G } from '../static-trade/helpers.ts';

const TIGHT: OptimizerSettings = { method: 'lbfgsb', maxIterations: 200, tolerance: 1e-11, learningRate: 0.01 };
const tariffsOnly = (players: number[]): InstrumentSpec => ({ kinds: ['tariffs'], players, tariffMode: 'uniform', exportTaxMode: 'uniform', bounds: DEFAULT_BOUNDS });

function grosProblem() {
  const data = syntheticData({ flows: armingtonFlows(G.T, G.L, G.tau, G.theta), theta: [G.theta] });
  return new StaticTradePolicyProblem(new StaticTradeModel(data, 'fixed-deficits', { tolerance: 1e-13 }), tariffsOnly([0, 1]));
}

describe('D3/D4 Gros optimal tariff and best response (2 countries, 1 sector)', () => {
  it('D3: optimal tariff with zero foreign tariff is 0.2701818 and satisfies t* = 1/(θ λ*_FF)', () => {
    const p = grosProblem();
    const br = bestResponse(p, Float64Array.from([0, 0]), 0, TIGHT);
    expect(Math.abs(br.a[0] - 0.2701818)).toBeLessThan(1e-6);
    const eq = p.equilibrium(br.a);
    const lambdaFF = eq.system.shares(eq.z).lambda[3];
    expect(Math.abs(br.a[0] - 1 / (G.theta * lambdaFF))).toBeLessThan(1e-7);
  });

  it('D3 with projected Adam', () => {
    const br = bestResponse(grosProblem(), Float64Array.from([0, 0]), 0, { method: 'adam', maxIterations: 3000, tolerance: 1e-9, learningRate: 0.01 });
    expect(Math.abs(br.a[0] - 0.2701818)).toBeLessThan(1e-4);
  });

  it('D4: best response to a 20 % foreign tariff is 0.2624019 and matches Lashkaripour (2021) eq. 13', () => {
    const p = grosProblem();
    const br = bestResponse(p, Float64Array.from([0, 0.2]), 0, TIGHT);
    expect(Math.abs(br.a[0] - 0.2624019)).toBeLessThan(1e-6);
    const lam = p.equilibrium(br.a).system.shares(p.equilibrium(br.a).z).lambda;
    const [lamHF, lamFF] = [lam[1], lam[3]]; // Home's share in Foreign's spending, Foreign's own share
    const delta = (0.2 * lamFF) / (1 + 0.2 * lamFF);
    expect(Math.abs(br.a[0] - 1 / (G.theta * (1 - (1 - delta) * lamHF)))).toBeLessThan(1e-7);
  });
});

/** Root of (τ(1+t))^−θ = θ t(1+t) − t − 1 by bisection (MODELS.md D5). */
function symmetricNashClosedForm(theta: number, tau: number): number {
  let lo = 0;
  let hi = 2;
  const f = (t: number) => (tau * (1 + t)) ** -theta - (theta * t * (1 + t) - t - 1);
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (f(lo) * f(mid) <= 0) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

describe('D5 symmetric Nash tariffs by best-response dynamics', () => {
  const cases: Array<[number, number, number]> = [
    [4, 1, 0.3138559],
    [4, 1.3, 0.2758883],
    [5, 1.5, 0.2084564],
    [8, 1.2, 0.1343485],
    [2, 1, (Math.sqrt(5) - 1) / 2],
  ];
  for (const [theta, tau, expected] of cases) {
    it(`θ = ${theta}, τ = ${tau}: Nash tariff ${expected.toFixed(7)}`, () => {
      expect(Math.abs(symmetricNashClosedForm(theta, tau) - expected)).toBeLessThan(1e-7);
      const flows = armingtonFlows([1, 1], [1, 1], [[1, tau], [tau, 1]], theta);
      const model = new StaticTradeModel(syntheticData({ flows, theta: [theta] }), 'fixed-deficits', { tolerance: 1e-13 });
      const p = new StaticTradePolicyProblem(model, tariffsOnly([0, 1]));
      const nash = nashEquilibrium(p, Float64Array.from([0, 0]), { damping: 0.8, tolerance: 1e-8, maxRounds: 100, optimizer: TIGHT });
      expect(nash.converged).toBe(true);
      expect(Math.abs(nash.a[0] - expected)).toBeLessThan(1e-6);
      expect(Math.abs(nash.a[0] - nash.a[1])).toBeLessThan(1e-7); // stays symmetric (to optimiser tolerance)
      expect(nash.rounds.length).toBeGreaterThan(1);
    });
  }
});

describe('D7 uniform first-best tariffs without scale economies', () => {
  it('2 countries × 3 sectors: with export taxes available, optimal import tariffs are equal across sectors', () => {
    // With N > 2 the uniformity is exact only with "internal cooperation" in the rest of the world
    // (LL2023 fn. 29; MODELS.md D6): a 3-country version gives tariffs spread by ~0.02.
    const flows = [
      [[6, 4, 5], [1.2, 0.8, 0.5]],
      [[0.9, 0.5, 1.3], [7, 5, 4]],
    ];
    const model = new StaticTradeModel(syntheticData({ flows, theta: [2, 4, 7] }), 'balanced-baseline', { tolerance: 1e-13 });
    const p = new StaticTradePolicyProblem(model, {
      kinds: ['tariffs', 'exportTaxes'],
      players: [0],
      tariffMode: 'discriminatory',
      exportTaxMode: 'discriminatory',
      bounds: DEFAULT_BOUNDS,
      // Lerner symmetry leaves one direction flat (all tariffs up, all export taxes down): pin one export tax.
      exclude: (c) => c.kind === 'exportTaxes' && c.sector === 0 && c.partner === 1,
    });
    const br = bestResponse(p, p.initial(), 0, { ...TIGHT, maxIterations: 500 });
    const tariffs = p.coords.flatMap((c, k) => (c.kind === 'tariffs' ? [br.a[k]] : []));
    expect(tariffs.length).toBe(3);
    expect(Math.max(...tariffs) - Math.min(...tariffs)).toBeLessThan(1e-4);
    const exportTaxes = p.coords.flatMap((c, k) => (c.kind === 'exportTaxes' ? [br.a[k]] : []));
    expect(Math.max(...exportTaxes) - Math.min(...exportTaxes)).toBeGreaterThan(1e-2); // these do vary
  });
});

describe('D8 Pigouvian subsidies in a closed economy with scale economies', () => {
  it('s* = ψ/(1+ψ) and ln Ŵ* = 0.0159990', () => {
    const alpha = [0.2, 0.3, 0.5];
    const model = new StaticTradeModel(
      syntheticData({ flows: [[alpha]], theta: [4, 4, 4], psi: [0, 0.2, 0.5] }),
      'fixed-deficits',
      { tolerance: 1e-13 },
    );
    const p = new StaticTradePolicyProblem(model, {
      kinds: ['subsidies'],
      players: [0],
      tariffMode: 'uniform',
      exportTaxMode: 'uniform',
      subsidySectors: [1, 2], // normalisation s = 0 in the ψ = 0 sector
      bounds: DEFAULT_BOUNDS,
    });
    const br = bestResponse(p, p.initial(), 0, TIGHT);
    expect(Math.abs(br.a[0] - 1 / 6)).toBeLessThan(1e-6);
    expect(Math.abs(br.a[1] - 1 / 3)).toBeLessThan(1e-6);
    expect(Math.abs(br.welfare[0] - 0.015999)).toBeLessThan(1e-6);
    // The closed form of MODELS.md D8.
    const psi = [0, 0.2, 0.5];
    const e1 = alpha.reduce((s, a, j) => s + a * (1 + psi[j]) * Math.log(1 + psi[j]), 0);
    const m1 = alpha.reduce((s, a, j) => s + a * (1 + psi[j]), 0);
    expect(Math.abs(br.welfare[0] - (e1 - m1 * Math.log(m1)))).toBeLessThan(1e-9);
  });
});

describe('D9 free trade is the cooperative optimum', () => {
  const tau = 1.3;
  const flows = armingtonFlows([1, 1], [1, 1], [[1, tau], [tau, 1]], 4);
  const model = new StaticTradeModel(syntheticData({ flows, theta: [4] }), 'fixed-deficits', { tolerance: 1e-13 });
  const p = new StaticTradePolicyProblem(model, tariffsOnly([0, 1]));
  const world = (t: number) => p.welfare(Float64Array.from([t, t])).reduce((s, w) => s + w, 0);

  it('world Σ ln W falls by 0.0000937 at symmetric t = 0.01 and by 0.0021219 at t = 0.05', () => {
    expect(Math.abs(world(0))).toBeLessThan(1e-12);
    expect(Math.abs(world(0.01) - (0.1500059 - 0.1500996))).toBeLessThan(2e-7);
    expect(Math.abs(world(0.05) - (0.1479777 - 0.1500996))).toBeLessThan(2e-7);
  });

  it('the cooperative optimum from 20 % tariffs is free trade', () => {
    const coop = cooperativeOptimum(p, Float64Array.from([0.2, 0.2]), TIGHT);
    expect(Math.abs(coop.a[0])).toBeLessThan(1e-5);
    expect(Math.abs(coop.a[1])).toBeLessThan(1e-5);
  });
});
