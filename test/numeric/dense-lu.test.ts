// The shared dense LU (src/numeric/dense-lu.ts) against exact solutions and its singularity rules.
import { describe, it, expect } from 'vitest';
import seedrandom from 'seedrandom';
import { DenseLU, solveDenseSystem } from '../../src/numeric/dense-lu.ts';

function matVec(n: number, A: Float64Array, x: Float64Array, transposed = false): Float64Array {
  return Float64Array.from({ length: n }, (_, r) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += (transposed ? A[c * n + r] : A[r * n + c]) * x[c];
    return s;
  });
}

describe('DenseLU', () => {
  const n = 9;
  const rng = seedrandom('dense-lu');
  const A = Float64Array.from({ length: n * n }, () => rng() - 0.5);
  const x = Float64Array.from({ length: n }, (_, k) => k - 4);

  it('solves A x = b and Aᵀ x = b to 1e-12 for a random 9×9 matrix; the input of solveDenseSystem is untouched', () => {
    const before = Float64Array.from(A);
    const sol = solveDenseSystem(n, A, matVec(n, A, x))!;
    for (let k = 0; k < n; k++) expect(Math.abs(sol[k] - x[k])).toBeLessThan(1e-12);
    expect(A).toEqual(before);
    const lu = new DenseLU(n, Float64Array.from(A));
    expect(lu.singular).toBe(false);
    const xt = lu.solveTransposed(matVec(n, A, x, true));
    for (let k = 0; k < n; k++) expect(Math.abs(xt[k] - x[k])).toBeLessThan(1e-12);
  });

  it('pivots: a zero leading diagonal entry is no obstacle', () => {
    const P = Float64Array.from([0, 2, 1, 1, 1, 0, 3, 0, 1]); // det = 5
    const sol = solveDenseSystem(3, P, matVec(3, P, Float64Array.from([1, -2, 3])))!;
    expect(Array.from(sol).map((v) => +v.toFixed(12))).toEqual([1, -2, 3]);
  });

  it('singularity: an exactly dependent column by default, a tiny pivot with a relative tolerance, NaN always', () => {
    const S = Float64Array.from([1, 2, 3, 2, 4, 6, 1, 0, 1]); // row 2 = 2 × row 1
    const lu = new DenseLU(3, Float64Array.from(S));
    expect(lu.singular).toBe(true);
    expect(lu.singularColumn).toBe(2); // after two eliminations the last pivot is exactly zero
    const nearly = Float64Array.from([1, 0, 0, 1e-16]);
    expect(solveDenseSystem(2, nearly, [1, 1])).not.toBeNull();
    expect(solveDenseSystem(2, nearly, [1, 1], { relativePivotTolerance: 1e-14 })).toBeNull();
    expect(solveDenseSystem(2, nearly, [1, 1], { absolutePivotTolerance: 1e-15 })).toBeNull();
    expect(solveDenseSystem(2, Float64Array.from([NaN, 0, 0, 1]), [1, 1])).toBeNull();
    expect(solveDenseSystem(2, new Float64Array(4), [1, 1], { relativePivotTolerance: 1e-14 })).toBeNull();
  });
});
