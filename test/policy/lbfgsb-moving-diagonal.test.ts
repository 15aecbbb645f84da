// The bounded L-BFGS's moving diagonal (diagonalAt: an estimate of diag ∇²f at the current point, scaled
// by the last pair) and its predicted-decrease stopping rule (src/policy/lbfgsb.ts), on problems whose
// minimiser and remaining decrease are known in closed form.
import { describe, it, expect } from 'vitest';
import { minimizeBounded, probeDiagonal, type IterationInfo } from '../../src/policy/lbfgsb.ts';

const free = (n: number) => ({ lower: new Float64Array(n).fill(-Infinity), upper: new Float64Array(n).fill(Infinity) });
const weights = (n: number) => Float64Array.from({ length: n }, (_, k) => 10 ** (-3 + (6 * k) / (n - 1)));
const target = (n: number) => Float64Array.from({ length: n }, (_, k) => Math.sin(k + 1));

/**
 * f(x) = Σ_k w_k (e^{r_k} − 1 − r_k) + ½ ρ Σ_k √(w_k w_{k+1}) r_k r_{k+1}, r = x − c: minimiser c, f* = 0;
 * weights over six decades and a curvature w_k e^{r_k} that changes by e^{±3} along the path
 * (as an instrument's curvature follows its sector-region's output in the union model).
 */
function exponentialBowl(n: number, rho: number) {
  const w = weights(n);
  const c = target(n);
  const fg = (x: Float64Array) => {
    const r = x.map((v, k) => v - c[k]);
    let value = 0;
    const g = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      value += w[k] * (Math.expm1(r[k]) - r[k]); // expm1: no cancellation near the minimiser
      g[k] = w[k] * Math.expm1(r[k]);
      if (k + 1 < n) {
        const cw = rho * Math.sqrt(w[k] * w[k + 1]);
        value += 0.5 * cw * r[k] * r[k + 1];
        g[k] += 0.5 * cw * r[k + 1];
        g[k + 1] += 0.5 * cw * r[k];
      }
    }
    return { value, gradient: g };
  };
  const exactDiagonal = (x: Float64Array) => x.map((v, k) => w[k] * Math.exp(v - c[k]));
  return { fg, c, w, exactDiagonal };
}

describe('bounded L-BFGS with a diagonal that moves with x', () => {
  it('reaches the minimiser of a six-decade exponential bowl (1e-7) in < 40 iterations; the diagonal probed at x0 and updated along the path needs > 3× more', () => {
    const n = 80;
    const { fg, c, exactDiagonal } = exponentialBowl(n, 0.2);
    const { lower, upper } = free(n);
    const x0 = c.map((v, k) => v + (k % 2 ? 3 : -3));
    const moving = minimizeBounded(fg, x0, lower, upper, { maxIterations: 500, gradientTol: 1e-12, valueTol: 0, diagonalAt: exactDiagonal });
    expect(moving.converged).toBe(true);
    moving.x.forEach((v, k) => expect(Math.abs(v - c[k])).toBeLessThan(1e-7));
    expect(moving.iterations).toBeLessThan(40);
    const probed = minimizeBounded(fg, x0, lower, upper, { maxIterations: 500, gradientTol: 1e-12, valueTol: 0, diagonal: 'probe' });
    expect(moving.iterations * 3).toBeLessThan(probed.iterations);
  });

  it('only the shape of the diagonal matters: D scaled by 1e3 gives the same minimiser (1e-7) after the first pair rescales it', () => {
    const n = 40;
    const { fg, c, exactDiagonal } = exponentialBowl(n, 0.2);
    const { lower, upper } = free(n);
    const r = minimizeBounded(fg, c.map((v) => v + 1), lower, upper, { maxIterations: 500, gradientTol: 1e-12, valueTol: 0, diagonalAt: (x) => exactDiagonal(x).map((d) => 1e3 * d) });
    expect(r.converged).toBe(true);
    r.x.forEach((v, k) => expect(Math.abs(v - c[k])).toBeLessThan(1e-7));
  });

  it('with a box: ends at the projection of the minimiser where the problem is separable (1e-9)', () => {
    const n = 40;
    const { fg, c, exactDiagonal } = exponentialBowl(n, 0);
    const lower = new Float64Array(n).fill(-0.5);
    const upper = new Float64Array(n).fill(0.5);
    const r = minimizeBounded(fg, new Float64Array(n), lower, upper, { maxIterations: 300, gradientTol: 1e-13, diagonalAt: exactDiagonal });
    expect(r.converged).toBe(true);
    r.x.forEach((v, k) => expect(Math.abs(v - Math.min(0.5, Math.max(-0.5, c[k])))).toBeLessThan(1e-9));
  });
});

describe('predicted decrease', () => {
  /** f = ½ Σ_k a_k (x_k − c_k)², separable: with H0 = A⁻¹ the model is exact. */
  const n = 30;
  const a = weights(n);
  const c = target(n);
  const quadratic = (x: Float64Array) => ({
    value: 0.5 * x.reduce((s, v, k) => s + a[k] * (v - c[k]) ** 2, 0),
    gradient: x.map((v, k) => a[k] * (v - c[k])),
  });

  it('is ½ gᵀA⁻¹g = f(x0) − f* exactly on a diagonal quadratic with the exact diagonal (1e-12 relative)', () => {
    const { lower, upper } = free(n);
    const x0 = new Float64Array(n);
    const infos: IterationInfo[] = [];
    minimizeBounded(quadratic, x0, lower, upper, { maxIterations: 3, gradientTol: 1e-14, diagonalAt: () => a, onIteration: (_it, _f, _pg, info) => infos.push({ ...info }) });
    const f0 = quadratic(x0).value;
    expect(Math.abs(infos[0].predictedDecrease / f0 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(infos[0].actualDecrease / f0 - 1)).toBeLessThan(1e-12);
  });

  it('the rule stops a coupled, badly scaled problem within its tolerance of the optimum: f − f* ≤ 10 · tol', () => {
    const m = 60;
    const { fg, c: cm, exactDiagonal } = exponentialBowl(m, 0.4);
    const { lower, upper } = free(m);
    const tol = 1e-9;
    const r = minimizeBounded(fg, cm.map((v) => v - 1), lower, upper, { maxIterations: 1000, gradientTol: 0, valueTol: 0, predictedDecreaseTol: tol, diagonalAt: exactDiagonal });
    expect(r.converged).toBe(true);
    expect(r.reason).toBe('predicted decrease below tolerance');
    expect(r.value).toBeLessThan(10 * tol); // f* = 0
    expect(r.value).toBeGreaterThanOrEqual(0);
  });

  it('the probe returns its sums: numerator/denominator is the exact diagonal of a diagonal quadratic (1e-9)', () => {
    const { lower, upper } = free(n);
    const p = probeDiagonal(quadratic, new Float64Array(n), lower, upper, 2);
    p.numerator.forEach((v, k) => expect(Math.abs(v / p.denominator[k] / a[k] - 1)).toBeLessThan(1e-9));
  });
});
