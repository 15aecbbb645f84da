// Nash equilibria by Newton's method on the joint first-order conditions (src/policy/nash-newton.ts),
// checked against closed forms (a linear–quadratic game; MODELS.md §D.5 D5) and, for tariffs and
// production subsidies with scale economies, against best-response dynamics and each player's own
// best response from the equilibrium (independent optimiser).
import { describe, it, expect } from 'vitest';
import type { PolicyObjective } from '../../src/policy/objective.ts';
import { nashNewton } from '../../src/policy/nash-newton.ts';
import { bestResponse, nashEquilibrium, type OptimizerSettings } from '../../src/policy/equilibria.ts';
import { StaticTradeModel } from '../../src/models/static-trade/model.ts';
import { StaticTradePolicyProblem, DEFAULT_BOUNDS } from '../../src/models/static-trade/policy-problem.ts';
import { syntheticData, armingtonFlows } from '../static-trade/helpers.ts';

const TIGHT: OptimizerSettings = { method: 'lbfgsb', maxIterations: 300, tolerance: 1e-11, learningRate: 0.01 };

/** welfare_p = −(a_p − b·a_q − c)² − κ a_q²: Nash a_p = c/(1−b) for both. */
function linearQuadraticGame(b: number, c: number, kappa: number, upper = 10): PolicyObjective {
  return {
    dimension: 2,
    lower: Float64Array.from([-10, -10]),
    upper: Float64Array.from([upper, upper]),
    players: ['P', 'Q'],
    owner: Int32Array.from([0, 1]),
    initial: () => new Float64Array(2),
    welfare: (a) => Float64Array.from([0, 1], (p) => -((a[p] - b * a[1 - p] - c) ** 2) - kappa * a[1 - p] ** 2),
    gradient: (a, w) => {
      const g = new Float64Array(2);
      for (const p of [0, 1]) {
        const r = a[p] - b * a[1 - p] - c;
        g[p] += w[p] * -2 * r;
        g[1 - p] += w[p] * (2 * b * r - 2 * kappa * a[1 - p]);
      }
      return g;
    },
  };
}

describe('Nash by Newton on the first-order conditions, generic objective', () => {
  it('linear–quadratic game: the Nash point c/(1−b) in one step, own Hessians −2', () => {
    const r = nashNewton(linearQuadraticGame(0.5, 1, 0.3), new Float64Array(2), { tolerance: 1e-10, maxIterations: 10, finiteDifferenceStep: 1e-6, maxStep: 10 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.a[0] - 2)).toBeLessThan(1e-8);
    expect(Math.abs(r.a[1] - 2)).toBeLessThan(1e-8);
    expect(r.iterations.length).toBeLessThanOrEqual(2);
    for (const e of r.ownHessianMaxEigenvalue) expect(Math.abs(e + 2)).toBeLessThan(1e-5);
  });

  it('an upper bound that binds: both players at the bound with the gradient pointing out (KKT)', () => {
    const r = nashNewton(linearQuadraticGame(0.5, 1, 0.3, 1.5), new Float64Array(2), { tolerance: 1e-10, maxIterations: 10, finiteDifferenceStep: 1e-6, maxStep: 10 });
    expect(r.converged).toBe(true);
    expect(r.a[0]).toBe(1.5);
    expect(r.a[1]).toBe(1.5);
  });
});

describe('Nash by Newton on the static trade model', () => {
  it('D5: symmetric Nash tariff 0.2758883 (θ = 4, τ = 1.3)', () => {
    const flows = armingtonFlows([1, 1], [1, 1], [[1, 1.3], [1.3, 1]], 4);
    const model = new StaticTradeModel(syntheticData({ flows, theta: [4] }), 'fixed-deficits', { tolerance: 1e-13 });
    const p = new StaticTradePolicyProblem(model, { kinds: ['tariffs'], players: [0, 1], tariffMode: 'uniform', exportTaxMode: 'uniform', bounds: DEFAULT_BOUNDS });
    const r = nashNewton(p, Float64Array.from([0.2, 0.2]), { tolerance: 1e-10, maxIterations: 20, finiteDifferenceStep: 1e-6, maxStep: 0.5 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.a[0] - 0.2758883)).toBeLessThan(1e-6);
    expect(Math.abs(r.a[1] - 0.2758883)).toBeLessThan(1e-6);
    expect(r.ownHessianMaxEigenvalue[0]).toBeLessThan(0);
  });

  it('dual competition (tariffs + subsidies, 2 countries × 2 sectors, IO and scale economies) = best-response dynamics, and no player gains by deviating', () => {
    const data = syntheticData({
      flows: [
        [[5, 3], [1, 0.6]],
        [[0.8, 0.5], [6, 2.5]],
      ],
      theta: [4, 6],
      psi: [0.05, 0.15],
      vaShare: [[0.6, 0.5], [0.55, 0.45]],
      ioShare: [
        [[0.2, 0.2], [0.2, 0.3]],
        [[0.25, 0.3], [0.2, 0.25]],
      ],
    });
    // Balanced baseline: with deficits fixed in nominal terms a country can gain from prohibitive tariffs
    // (the transfer it receives is then spent on imports taxed at 500 %), a second Nash equilibrium at the bound.
    const model = new StaticTradeModel(data, 'balanced-baseline', { tolerance: 1e-13 });
    const spec = { kinds: ['tariffs', 'subsidies'] as const, players: [0, 1], tariffMode: 'uniform' as const, exportTaxMode: 'uniform' as const, bounds: DEFAULT_BOUNDS };
    const p = new StaticTradePolicyProblem(model, { ...spec, kinds: [...spec.kinds] });
    const newton = nashNewton(p, new Float64Array(p.dimension), { tolerance: 1e-10, maxIterations: 30, finiteDifferenceStep: 1e-6, maxStep: 0.25 });
    expect(newton.converged).toBe(true);
    for (const e of newton.ownHessianMaxEigenvalue) expect(e).toBeLessThan(0); // each player at a strict local maximum
    const dynamics = nashEquilibrium(p, new Float64Array(p.dimension), { damping: 1, update: 'gauss-seidel', tolerance: 1e-9, maxRounds: 200, optimizer: TIGHT });
    expect(dynamics.converged).toBe(true);
    for (let k = 0; k < p.dimension; k++) expect(Math.abs(newton.a[k] - dynamics.a[k])).toBeLessThan(1e-6);
    // Each player's best response to the others' Nash policies, by L-BFGS-B from its status quo, is its Nash policy.
    for (const player of [0, 1]) {
      const start = Float64Array.from(newton.a);
      p.coords.forEach((c, k) => c.player === player && (start[k] = 0));
      const br = bestResponse(p, start, player, TIGHT);
      for (let k = 0; k < p.dimension; k++) expect(Math.abs(br.a[k] - newton.a[k])).toBeLessThan(1e-6);
    }
    // Subsidies in use, higher in the sector with the larger scale elasticity (ψ = 0.15 vs 0.05).
    const subsidy = (player: number, sector: number) => newton.a[p.coords.findIndex((c) => c.player === player && c.kind === 'subsidies' && c.sector === sector)];
    for (const player of [0, 1]) expect(subsidy(player, 1) - subsidy(player, 0)).toBeGreaterThan(0.05);
  });
});
