// Small dense linear algebra for the equilibrium root finder (systems of at most a few dozen unknowns);
// the LU solve is the shared src/numeric/dense-lu.ts.
import { solveDenseSystem } from '../../numeric/dense-lu.ts';

/** Solves A x = b by Gaussian elimination with partial pivoting; A is n x n row-major (not modified). */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const x = solveDenseSystem(n, A, b, { absolutePivotTolerance: 1e-300 });
  if (!x) throw new Error('singular Jacobian');
  return x;
}

export function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

export function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Good Broyden update J += ((dF - J dx) dx^T) / (dx^T dx). */
export function broydenUpdate(J: Float64Array, dx: Float64Array, dF: Float64Array, n: number): void {
  let denom = 0;
  for (let i = 0; i < n; i++) denom += dx[i] * dx[i];
  if (!(denom > 0)) return;
  for (let r = 0; r < n; r++) {
    let jdx = 0;
    for (let c = 0; c < n; c++) jdx += J[r * n + c] * dx[c];
    const k = (dF[r] - jdx) / denom;
    for (let c = 0; c < n; c++) J[r * n + c] += k * dx[c];
  }
}
