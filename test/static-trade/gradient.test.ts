// D12: the adjoint welfare gradient equals central finite differences of W(H(a)) (MODELS.md §D.4–D.5).
import { describe, it, expect } from 'vitest';
import { StaticTradeModel } from '../../src/models/static-trade/model.ts';
import { StaticTradePolicyProblem, DEFAULT_BOUNDS } from '../../src/models/static-trade/policy-problem.ts';
import { loadDlopt } from '../../src/models/static-trade/data/dlopt.ts';
import { syntheticData } from './helpers.ts';

function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Relative error of the adjoint gradient against central differences with step h, per coordinate. */
function gradientCheck(problem: StaticTradePolicyProblem, a: Float64Array, weights: Float64Array, coords: number[], h = 1e-6) {
  const g = problem.gradient(a, weights);
  const value = (x: Float64Array) => problem.welfare(x).reduce((s, w, p) => s + weights[p] * w, 0);
  let worst = 0;
  const scale = Math.max(...coords.map((k) => Math.abs(g[k])));
  for (const k of coords) {
    const up = Float64Array.from(a);
    const down = Float64Array.from(a);
    up[k] += h;
    down[k] -= h;
    const fd = (value(up) - value(down)) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - g[k]) / Math.max(Math.abs(fd), 1e-3 * scale));
  }
  return worst;
}

describe('D12 implicit gradient = finite differences', () => {
  it('3 countries × 3 sectors with IO and scale economies, random policies, tariffs + subsidies + export taxes', () => {
    const rnd = lcg(42);
    const flows = [0, 1, 2].map((i) => [0, 1, 2].map((n) => [0, 1, 2].map(() => (i === n ? 5 : 1) * (0.5 + rnd()))));
    const data = syntheticData({
      flows,
      theta: [3, 5, 8],
      psi: [0.15, 0.05, 0.1],
      vaShare: [[0.5, 0.6, 0.7], [0.55, 0.5, 0.65], [0.6, 0.45, 0.7]],
      ioShare: [0, 1, 2].map((i) => [0, 1, 2].map((k) => [0, 1, 2].map((j) => ([[0.5, 0.4, 0.3], [0.45, 0.5, 0.35], [0.4, 0.55, 0.3]][i][j]) * [0.5, 0.3, 0.2][k]))),
    });
    // Tight solves: FD noise is about (solver error)/h, so 1e-13 residuals keep it near 1e-7.
    const m = new StaticTradeModel(data, 'fixed-deficits', { tolerance: 1e-13 });
    const problem = new StaticTradePolicyProblem(m, {
      kinds: ['tariffs', 'subsidies', 'exportTaxes'],
      players: [0, 1, 2],
      tariffMode: 'discriminatory',
      exportTaxMode: 'uniform',
      bounds: DEFAULT_BOUNDS,
    });
    const all = Array.from({ length: problem.dimension }, (_, k) => k);
    for (let trial = 0; trial < 3; trial++) {
      const a = Float64Array.from(problem.coords, (c) => (c.kind === 'subsidies' ? 0.3 * rnd() - 0.1 : 0.4 * rnd()));
      for (const weights of [[1, 0, 0], [0, 0, 1], [1, 1, 1]]) {
        // Step 1e-6 (MODELS.md D12): solver noise (~1e-14 in welfare) over h limits agreement to ~1e-5
        // relative; with step 1e-5 truncation (h²) and noise are both ~1e-10 absolute.
        expect(gradientCheck(problem, a, Float64Array.from(weights), all, 1e-6)).toBeLessThan(1e-4);
        expect(gradientCheck(problem, a, Float64Array.from(weights), all, 1e-5)).toBeLessThan(1e-5);
      }
    }
  });

  it('7×44 data: gradient of US welfare w.r.t. US and Chinese tariffs and subsidies at a random policy', () => {
    const m = new StaticTradeModel(loadDlopt('models/data/dlopt-7x44-2017'));
    const problem = new StaticTradePolicyProblem(m, {
      kinds: ['tariffs', 'subsidies'],
      players: [1, 6],
      tariffMode: 'uniform',
      exportTaxMode: 'uniform',
      subsidySectors: Array.from({ length: 22 }, (_, j) => j),
      bounds: DEFAULT_BOUNDS,
    });
    const rnd = lcg(7);
    const a = Float64Array.from(problem.coords, (c) => (c.kind === 'subsidies' ? 0.2 * rnd() - 0.05 : 0.3 * rnd()));
    const coords = [0, 5, 9, 21, 22, 30, 43, 44, 50, 70, 80].filter((k) => k < problem.dimension);
    expect(gradientCheck(problem, a, Float64Array.from([0, 0, 0, 0, 0, 0, 1]), coords)).toBeLessThan(1e-3);
  });
});
