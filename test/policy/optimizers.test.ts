// The policy layer on its own: bounded L-BFGS, projected Adam, best responses, Nash and cooperation
// on objectives with closed-form answers that have nothing to do with trade (the layer is generic).
import { describe, it, expect } from 'vitest';
import { minimizeBounded } from '../../src/policy/lbfgsb.ts';
import { minimizeAdam } from '../../src/policy/adam.ts';
import { nashEquilibrium, nashEquilibriumWith, cooperativeOptimum, bestResponse } from '../../src/policy/equilibria.ts';
import { coordinatesOf } from '../../src/policy/objective.ts';
import type { PolicyObjective } from '../../src/policy/objective.ts';

const rosenbrock = (x: Float64Array) => {
  let value = 0;
  const gradient = new Float64Array(x.length);
  for (let k = 0; k + 1 < x.length; k++) {
    value += 100 * (x[k + 1] - x[k] ** 2) ** 2 + (1 - x[k]) ** 2;
    gradient[k] += -400 * x[k] * (x[k + 1] - x[k] ** 2) - 2 * (1 - x[k]);
    gradient[k + 1] += 200 * (x[k + 1] - x[k] ** 2);
  }
  return { value, gradient };
};

describe('bounded quasi-Newton', () => {
  it('finds the Rosenbrock minimum (1, …, 1) in 6 dimensions', () => {
    const inf = new Float64Array(6).fill(Infinity);
    const r = minimizeBounded(rosenbrock, new Float64Array(6).fill(-1.2), inf.map((v) => -v), inf, { maxIterations: 500, gradientTol: 1e-10 });
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
  });

  it('a box-constrained quadratic ends at the projection of the unconstrained minimum, with active bounds', () => {
    const c = Float64Array.from([2, -3, 0.5, 0.2]);
    const scale = Float64Array.from([1, 10, 100, 0.1]);
    const f = (x: Float64Array) => ({
      value: x.reduce((s, v, k) => s + scale[k] * (v - c[k]) ** 2, 0),
      gradient: x.map((v, k) => 2 * scale[k] * (v - c[k])),
    });
    const lo = Float64Array.from([-1, -1, -1, -1]);
    const hi = Float64Array.from([1, 1, 1, 1]);
    const r = minimizeBounded(f, new Float64Array(4), lo, hi, { gradientTol: 1e-12 });
    expect(Array.from(r.x).map((v) => Number(v.toFixed(8)))).toEqual([1, -1, 0.5, 0.2]);
    expect(r.converged).toBe(true);
  });

  it('projected Adam reaches the same box-constrained minimum (1e-4)', () => {
    const c = Float64Array.from([2, -3, 0.5, 0.2]);
    const f = (x: Float64Array) => ({ value: x.reduce((s, v, k) => s + (v - c[k]) ** 2, 0), gradient: x.map((v, k) => 2 * (v - c[k])) });
    const r = minimizeAdam(f, new Float64Array(4), new Float64Array(4).fill(-1), new Float64Array(4).fill(1), { learningRate: 0.05, maxIterations: 5000, stepTol: 1e-9 });
    [1, -1, 0.5, 0.2].forEach((v, k) => expect(Math.abs(r.x[k] - v)).toBeLessThan(1e-4));
  });
});

/** Two players, one instrument each: welfare_p = −(a_p − b·a_q − c)² − κ a_q² (closed-form Nash and optimum). */
function linearQuadraticGame(b: number, c: number, kappa: number): PolicyObjective {
  return {
    dimension: 2,
    lower: Float64Array.from([-10, -10]),
    upper: Float64Array.from([10, 10]),
    players: ['P', 'Q'],
    owner: Int32Array.from([0, 1]),
    initial: () => new Float64Array(2),
    welfare: (a) => Float64Array.from([0, 1], (p) => -((a[p] - b * a[1 - p] - c) ** 2) - kappa * a[1 - p] ** 2),
    gradient: (a, w) => {
      const g = new Float64Array(2);
      for (const p of [0, 1]) {
        const q = 1 - p;
        const r = a[p] - b * a[q] - c;
        g[p] += w[p] * -2 * r;
        g[q] += w[p] * (2 * b * r - 2 * kappa * a[q]);
      }
      return g;
    },
  };
}

describe('equilibria on a generic objective', () => {
  const game = linearQuadraticGame(0.5, 1, 0.3);
  const settings = { method: 'lbfgsb' as const, maxIterations: 100, tolerance: 1e-12, learningRate: 0.01 };

  it('best response a_p = b·a_q + c', () => {
    const br = bestResponse(game, Float64Array.from([0, 0.6]), 0, settings);
    expect(Math.abs(br.a[0] - (0.5 * 0.6 + 1))).toBeLessThan(1e-9);
  });

  it('damped Jacobi best-response dynamics converge to the Nash equilibrium c/(1−b) and log every round', () => {
    const nash = nashEquilibrium(game, new Float64Array(2), { damping: 0.2, tolerance: 1e-9, maxRounds: 500, optimizer: settings });
    expect(nash.converged).toBe(true);
    expect(Math.abs(nash.a[0] - 2)).toBeLessThan(1e-8);
    expect(Math.abs(nash.a[1] - 2)).toBeLessThan(1e-8);
    expect(nash.rounds[0].change).toBeCloseTo(0.2 * 1, 9); // first round: ω · BR(0) = 0.2 · c
    expect(nash.rounds.every((r, k) => k === 0 || r.change <= nash.rounds[k - 1].change + 1e-15)).toBe(true);
  });

  it('nashEquilibriumWith (pluggable, possibly parallel best responses) follows the same path', async () => {
    const nash = nashEquilibrium(game, new Float64Array(2), { damping: 0.2, tolerance: 1e-9, maxRounds: 500, optimizer: settings });
    const viaResponder = await nashEquilibriumWith(game, new Float64Array(2), { damping: 0.2, tolerance: 1e-9, maxRounds: 500, optimizer: settings }, async (reqs) =>
      reqs.map((r) => {
        const br = bestResponse(game, r.start, r.player, settings);
        return Float64Array.from(coordinatesOf(game, r.player), (k) => br.a[k]);
      }),
    );
    expect(viaResponder.rounds.length).toBe(nash.rounds.length);
    expect(Math.abs(viaResponder.a[0] - nash.a[0])).toBeLessThan(1e-12);
  });

  it('the cooperative optimum maximises the sum of welfare (first-order conditions hold)', () => {
    const coop = cooperativeOptimum(game, new Float64Array(2), settings);
    const g = game.gradient(coop.a, Float64Array.from([1, 1]));
    expect(Math.max(Math.abs(g[0]), Math.abs(g[1]))).toBeLessThan(1e-8);
    const nash = Float64Array.from([2, 2]);
    const sum = (a: Float64Array) => game.welfare(a).reduce((s, v) => s + v, 0);
    expect(sum(coop.a)).toBeGreaterThan(sum(nash));
  });
});
