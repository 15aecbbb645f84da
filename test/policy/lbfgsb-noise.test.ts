// Objectives whose values are resolved only to ~1e-6 while their gradients are smooth (welfare through
// float32 networks, with the gradient by automatic differentiation): src/policy/lbfgsb.ts valueNoise.
// The smooth part is a quadratic with a known minimiser; its values are rounded to multiples of 1e-5
// (as float32 rounds), which the gradient does not see. Within ~1.5e-3 of the minimiser every trial then
// ties with the current value and no Armijo test can pass.
import { describe, it, expect } from 'vitest';
import { minimizeBounded } from '../../src/policy/lbfgsb.ts';

const QUANTUM = 1e-5;
const rounded = (v: number) => Math.round(v / QUANTUM) * QUANTUM;
/** f = ½ Σ c_k (x_k − x*_k)² + 0.2 rounded to 1e-5, gradient of the quadratic only. Curvatures 8.5 (as HOME's best response) and 3. */
const curvature = [8.5, 3];
const target = [0.3063, -0.12];
const quadratic = (x: Float64Array) => x.reduce((s, v, k) => s + 0.5 * curvature[k] * (v - target[k]) ** 2, 0.2);
const gradient = (x: Float64Array) => x.map((v, k) => curvature[k] * (v - target[k]));
const noisy = (x: Float64Array) => ({ value: rounded(quadratic(x)), gradient: gradient(x) });
const exact = (x: Float64Array) => ({ value: quadratic(x), gradient: gradient(x) });
const box = (n: number) => [new Float64Array(n).fill(-1), new Float64Array(n).fill(1)] as const;
// Gradient tolerance 1e-4: |x - x*| < 1.2e-5 in the first coordinate, where the quadratic's values differ by < 1e-9, far below the rounding.
const opts = { gradientTol: 1e-4, maxIterations: 30 };

describe('bounded L-BFGS on values resolved to 1e-6 (valueNoise)', () => {
  it('without a resolution the Armijo tests compare rounded values near the minimiser: the run stops short of the gradient tolerance', () => {
    const [lo, hi] = box(1);
    const r = minimizeBounded((x) => noisy(x), Float64Array.of(0.3), lo, hi, opts);
    expect(r.projectedGradient).toBeGreaterThan(1e-4);
  });

  it('with valueNoise 2e-5 it converges to x* within 1.2e-5 in a handful of evaluations (1-D)', () => {
    const [lo, hi] = box(1);
    const r = minimizeBounded((x) => noisy(x), Float64Array.of(0.3), lo, hi, { ...opts, valueNoise: 2e-5 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0] - target[0])).toBeLessThan(1e-4 / curvature[0]);
    expect(r.evaluations).toBeLessThan(20);
  });

  it('with valueNoise 2e-5 it converges in two dimensions from a distant start, and an exact objective is unaffected', () => {
    const [lo, hi] = box(2);
    const r = minimizeBounded((x) => noisy(x), Float64Array.of(0.9, 0.8), lo, hi, { ...opts, valueNoise: 2e-5 });
    expect(r.converged).toBe(true);
    r.x.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(1e-4 / curvature[k]));
    const a = minimizeBounded(exact, Float64Array.of(0.9, 0.8), lo, hi, { ...opts, gradientTol: 1e-10 });
    const b = minimizeBounded(exact, Float64Array.of(0.9, 0.8), lo, hi, { ...opts, gradientTol: 1e-10, valueNoise: 2e-5 });
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(b.evaluations).toBe(a.evaluations);
  });
});
