// Trust-region Newton maximisation (src/policy/trust-newton.ts) on small objectives with known optima:
// a saddle where the quasi-Newton method and Newton on the first-order conditions both stop (the gradient
// vanishes), with a cliff (a discontinuity like a fold of a selected equilibrium branch) in the way of the
// escape; a badly conditioned concave quadratic with an active bound; and the eigen-decomposition it uses.
import { describe, it, expect } from 'vitest';
import type { PolicyObjective } from '../../src/policy/objective.ts';
import { maximizeTrustNewton, DEFAULT_TRUST_NEWTON } from '../../src/policy/trust-newton.ts';
import { cooperativeOptimum } from '../../src/policy/equilibria.ts';
import { nashNewton } from '../../src/policy/nash-newton.ts';
import { worldObjective } from '../../src/policy/nash.ts';
import { symmetricEigen } from '../../src/policy/dense.ts';

/**
 * f(x, y) = −x² + y²/2 − y⁴/4 − [y > 1.3] on [−1, 2]²: a saddle at (0, 0) (f = 0, curvatures −2 and +1),
 * maxima at (0, ±1) with f = 1/4 (curvatures −2, −2), and a drop of 1 for y > 1.3 (gradient unchanged).
 */
/** A one-player ("World") objective on a box: welfare f, gradient g (scaled by the player weight). */
function onePlayerObjective(lower: Float64Array, upper: Float64Array, start: number[], f: (a: Float64Array) => number, g: (a: Float64Array) => Float64Array): PolicyObjective {
  return {
    dimension: lower.length,
    lower,
    upper,
    players: ['World'],
    owner: new Int32Array(lower.length),
    initial: () => Float64Array.from(start),
    welfare: (a) => Float64Array.of(f(a)),
    gradient: (a, w) => g(a).map((v) => v * w[0]),
  };
}

function saddleWithCliff(jump: (y: number) => number = (y) => (y > 1.3 ? -1 : 0)): PolicyObjective {
  const f = (a: Float64Array) => -(a[0] ** 2) + a[1] ** 2 / 2 - a[1] ** 4 / 4 + jump(a[1]);
  return onePlayerObjective(Float64Array.from([-1, -1]), Float64Array.from([2, 2]), [0.3, 0], f, (a) => Float64Array.from([-2 * a[0], a[1] - a[1] ** 3]));
}

describe('trust-region Newton maximisation', () => {
  const one = Float64Array.of(1);

  it('old pipeline (L-BFGS-B, then Newton on the first-order conditions) stops at the saddle (0, 0)', () => {
    const p = saddleWithCliff();
    const qn = cooperativeOptimum(p, p.initial(), { method: 'lbfgsb', maxIterations: 100, tolerance: 1e-10, learningRate: 0.01 }, one);
    expect(Math.hypot(qn.a[0], qn.a[1])).toBeLessThan(1e-8);
    // The polish from there: the first-order conditions hold at once, no Hessian, so the cooperative
    // driver's rule (converged and top eigenvalue < 0) fails; started off the saddle, Newton on the
    // first-order conditions goes back to it and measures the top eigenvalue +1: not a maximum.
    const fromQn = nashNewton(worldObjective(p, one), qn.a, { tolerance: 1e-10, maxIterations: 10, finiteDifferenceStep: 1e-6, maxStep: 0.5 });
    expect(fromQn.converged && fromQn.ownHessianMaxEigenvalue[0] < 0).toBe(false);
    const nearby = nashNewton(worldObjective(p, one), Float64Array.from([0.3, 0.01]), { tolerance: 1e-10, maxIterations: 10, finiteDifferenceStep: 1e-6, maxStep: 0.5 });
    expect(Math.hypot(nearby.a[0], nearby.a[1])).toBeLessThan(1e-8);
    expect(nearby.ownHessianMaxEigenvalue[0]).toBeGreaterThan(0.99);
    expect(Math.abs(nearby.welfare[0])).toBeLessThan(1e-12);
  });

  it('leaves the saddle along the positive curvature, rejects the trial past the cliff, and reaches (0, 1) with f = 1/4', () => {
    const p = saddleWithCliff();
    // Radius 2: the first (hard-case) step goes to y ≈ 2, past the cliff at 1.3, and must be rejected.
    const r = maximizeTrustNewton(p, one, p.initial(), { ...DEFAULT_TRUST_NEWTON, tolerance: 1e-9, initialRadius: 2, maxRadius: 2, finiteDifferenceStep: 1e-6 });
    expect(r.converged).toBe(true);
    expect(r.iterations[0].kind).toBe('hard');
    expect(r.iterations[0].accepted).toBe(false);
    expect(r.rejected).toBeGreaterThanOrEqual(1);
    expect(Math.abs(r.a[0])).toBeLessThan(1e-8);
    expect(Math.abs(r.a[1] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(r.value - 0.25)).toBeLessThan(1e-12);
    // Certificate: a fresh finite-difference Hessian at the final point, top eigenvalue −2 (to the FD error).
    expect(r.hessianAtFinalPoint).toBe(true);
    expect(Math.abs(r.maxEigenvalue + 2)).toBeLessThan(1e-4);
  });

  it('a trial that jumps up (an island +30 on y ∈ [1.9, 2]) is accepted without maxRatio and rejected with maxRatio 4', () => {
    const p = saddleWithCliff((y) => (y >= 1.9 && y <= 2 ? 30 : 0));
    const settings = { ...DEFAULT_TRUST_NEWTON, tolerance: 1e-9, initialRadius: 2, maxRadius: 2, finiteDifferenceStep: 1e-6 };
    const greedy = maximizeTrustNewton(p, one, p.initial(), settings);
    expect(greedy.iterations[0].accepted).toBe(true);
    expect(greedy.a[1]).toBeGreaterThanOrEqual(1.9);
    expect(greedy.converged).toBe(false);
    const guarded = maximizeTrustNewton(p, one, p.initial(), { ...settings, maxRatio: 4 });
    expect(guarded.iterations[0].accepted).toBe(false);
    expect(guarded.converged).toBe(true);
    expect(Math.abs(guarded.a[1] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(guarded.value - 0.25)).toBeLessThan(1e-12);
  });

  it('cliff in the direction of strongest positive curvature: blocking it leads along the other ascent direction to (1, 1)', () => {
    // f = y²/2 − y⁴/4 + 0.4 (x²/2 − x⁴/4) − [y > 0.3 and x < 0.5]: from (0, 0.05) the top curvature
    // direction is y, which runs into the cliff at y = 0.3; x has curvature 0.4 > 0 and zero slope at 0.
    // Maxima (±1, ±1) with f = 0.35; (1, 1) is reachable only by first moving x past 0.5.
    const cliff = (a: Float64Array) => (a[1] > 0.3 && a[0] < 0.5 ? -1 : 0);
    const f = (a: Float64Array) => a[1] ** 2 / 2 - a[1] ** 4 / 4 + 0.4 * (a[0] ** 2 / 2 - a[0] ** 4 / 4) + cliff(a);
    const p = onePlayerObjective(new Float64Array(2).fill(-2), new Float64Array(2).fill(2), [0, 0.05], f, (a) => Float64Array.of(0.4 * (a[0] - a[0] ** 3), a[1] - a[1] ** 3));
    const settings = { ...DEFAULT_TRUST_NEWTON, tolerance: 1e-9, initialRadius: 0.5, maxIterations: 100, finiteDifferenceStep: 1e-6 };
    // Without blocking (cliffRatio ∞): ever shorter steps into the cliff, the radius collapses at (0, 0.3).
    const creeping = maximizeTrustNewton(p, one, p.initial(), { ...settings, cliffRatio: Infinity });
    expect(creeping.converged).toBe(false);
    expect(Math.abs(creeping.a[0])).toBeLessThan(1e-12);
    expect(Math.abs(creeping.a[1] - 0.3)).toBeLessThan(1e-6);
    const around = maximizeTrustNewton(p, one, p.initial(), settings);
    expect(around.converged).toBe(true);
    expect(Math.abs(around.a[0] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(around.a[1] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(around.value - 0.35)).toBeLessThan(1e-12);
    expect(Math.abs(around.maxEigenvalue + 0.8)).toBeLessThan(1e-4);
  });

  it('a finite-difference probe that jumps (a thin slab with another gradient next to the start) is retried on the other side', () => {
    // f = −(x − 1)² − (y − 1)², except on the slab 0.3 < x < 0.3 + 2e-6 (the forward probe from x = 0.3
    // with h = 1e-6 lands in it): value −10, gradient (50, −50), as on another equilibrium branch.
    const inSlab = (a: Float64Array) => a[0] > 0.3 && a[0] < 0.3 + 2e-6;
    const p = onePlayerObjective(new Float64Array(2).fill(-2), new Float64Array(2).fill(2), [0.3, 0],
      (a) => (inSlab(a) ? -10 : -((a[0] - 1) ** 2) - (a[1] - 1) ** 2),
      (a) => (inSlab(a) ? Float64Array.of(50, -50) : Float64Array.of(-2 * (a[0] - 1), -2 * (a[1] - 1))));
    const settings = { ...DEFAULT_TRUST_NEWTON, tolerance: 1e-9, initialRadius: 0.1, finiteDifferenceStep: 1e-6 };
    const r = maximizeTrustNewton(p, one, p.initial(), settings);
    expect(r.converged).toBe(true);
    expect(r.unreliableColumns).toBe(0);
    expect(Math.abs(r.a[0] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(r.a[1] - 1)).toBeLessThan(1e-8);
    // Without the check (jumpTolerance ∞) the first Hessian has ∂²f/∂x² ≈ (50 − 1.4)/1e-6: the first step is wasted on it.
    const blind = maximizeTrustNewton(p, one, p.initial(), { ...settings, jumpTolerance: Infinity });
    expect(blind.iterations[0].accepted).toBe(false);
    expect(r.iterations[0].accepted).toBe(true);
  });

  it('started exactly at the saddle (zero gradient) it still escapes', () => {
    const p = saddleWithCliff();
    const r = maximizeTrustNewton(p, one, Float64Array.from([0, 0]), { ...DEFAULT_TRUST_NEWTON, tolerance: 1e-9, initialRadius: 0.5, finiteDifferenceStep: 1e-6 });
    expect(r.converged).toBe(true);
    expect(Math.abs(Math.abs(r.a[1]) - 1)).toBeLessThan(1e-8);
    expect(Math.abs(r.value - 0.25)).toBeLessThan(1e-12);
  });

  it('badly conditioned concave quadratic (curvatures 1e-6 .. 10) with an active bound: the exact optimum', () => {
    const c = [10, 1, 1e-2, 1e-4, 1e-6];
    const target = [0.3, -0.2, 0.1, 0.05, 0.9];
    const upper = Float64Array.from([1, 1, 1, 1, 0.5]); // the last optimum lies past its bound: a* = 0.5
    const p = onePlayerObjective(new Float64Array(5).fill(-1), upper, [0, 0, 0, 0, 0],
      (a) => -c.reduce((s, ck, k) => s + ck * (a[k] - target[k]) ** 2, 0),
      (a) => Float64Array.from(c, (ck, k) => -2 * ck * (a[k] - target[k])));
    const r = maximizeTrustNewton(p, one, p.initial(), { ...DEFAULT_TRUST_NEWTON, tolerance: 1e-12, initialRadius: 1, finiteDifferenceStep: 1e-6 });
    expect(r.converged).toBe(true);
    const expected = [0.3, -0.2, 0.1, 0.05, 0.5];
    for (let k = 0; k < 5; k++) expect(Math.abs(r.a[k] - expected[k])).toBeLessThan(1e-6);
    expect(r.hessians).toBeLessThanOrEqual(3);
  });

  it('symmetricEigen: A q_i = λ_i q_i and orthonormal vectors (1e-12)', () => {
    const n = 6;
    const A = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let q = 0; q <= r; q++) A[r * n + q] = A[q * n + r] = Math.sin(1 + r * 7 + q * 3);
    const { values, vectors } = symmetricEigen(n, A);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < n; r++) {
        let Aq = 0;
        for (let q = 0; q < n; q++) Aq += A[r * n + q] * vectors[i][q];
        expect(Math.abs(Aq - values[i] * vectors[i][r])).toBeLessThan(1e-12);
      }
      for (let j = 0; j < n; j++) {
        const d = vectors[i].reduce((s, v, k) => s + v * vectors[j][k], 0);
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
  });
});
