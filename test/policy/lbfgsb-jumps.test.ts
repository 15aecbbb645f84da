// Line-search trials that jump (src/policy/lbfgsb.ts maxDecreaseRatio): an objective that is smooth except
// on an "island" where it drops far below the smooth branch, as a welfare objective does where the
// equilibrium selected by continuation crosses a fold onto another branch. Without the guard the first
// quasi-Newton trial lands on the island, is accepted, and the method ends at the island's edge, where the
// gradient does not vanish; with the guard the trial is a failed trial and the method converges to the
// smooth branch's minimiser in closed form.
import { describe, it, expect } from 'vitest';
import { minimizeBounded } from '../../src/policy/lbfgsb.ts';

/** f(x) = (x − 1)², except on [1.6, 2.5]: f = −20 + 5 (x − 1.6) (gradient 5, no minimum: the edge 1.6 is not in it). */
const island = (x: Float64Array) => {
  const v = x[0];
  if (v >= 1.6 && v <= 2.5) return { value: -20 + 5 * (v - 1.6), gradient: Float64Array.of(5) };
  return { value: (v - 1) ** 2, gradient: Float64Array.of(2 * (v - 1)) };
};
const lower = Float64Array.of(-10);
const upper = Float64Array.of(10);
// Initial Hessian estimate 1 (half the true curvature 2): the first trial x = 0 − g/1 = 2 lies on the island.
const opts = { diagonal: Float64Array.of(1), diagonalUpdate: false, gradientTol: 1e-10, maxIterations: 100 };

describe('bounded L-BFGS: trials that jump', () => {
  it('without the guard the island trial is accepted and the run ends off any stationary point', () => {
    const r = minimizeBounded(island, Float64Array.of(0), lower, upper, opts);
    expect(r.x[0]).toBeGreaterThanOrEqual(1.6);
    expect(r.x[0]).toBeLessThan(2.5);
    expect(r.converged).toBe(false);
  });

  it('with maxDecreaseRatio 4 the island trial (gain 21 vs predicted 4) is rejected: x* = 1 (1e-9), converged', () => {
    const r = minimizeBounded(island, Float64Array.of(0), lower, upper, { ...opts, maxDecreaseRatio: 4 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-9);
    expect(r.value).toBeLessThan(1e-18);
  });

  it('the guard does not change a smooth run (same iterates as without it)', () => {
    const smooth = (x: Float64Array) => ({ value: (x[0] - 1) ** 2 + 0.1 * x[0] ** 4, gradient: Float64Array.of(2 * (x[0] - 1) + 0.4 * x[0] ** 3) });
    const a = minimizeBounded(smooth, Float64Array.of(-2), lower, upper, { gradientTol: 1e-12 });
    const b = minimizeBounded(smooth, Float64Array.of(-2), lower, upper, { gradientTol: 1e-12, maxDecreaseRatio: 4 });
    expect(b.x[0]).toBe(a.x[0]);
    expect(b.iterations).toBe(a.iterations);
  });
});
