// Small dense linear algebra for the policy layer (systems of a few hundred instruments): an LU solve
// with partial pivoting (the shared src/numeric/dense-lu.ts) and the eigenvalues of a symmetric matrix
// (cyclic Jacobi rotations). Float64, row-major.
import { solveDenseSystem } from '../numeric/dense-lu.ts';

/** Solves A x = b (A row-major n×n, not modified); null if A is singular to working precision. */
export function solveDense(n: number, A: Float64Array, b: Float64Array): Float64Array | null {
  return solveDenseSystem(n, A, b, { relativePivotTolerance: 1e-14 });
}

/** Eigenvalues (ascending) of the symmetric part (A + Aᵀ)/2 of a row-major n×n matrix. */
export function symmetricEigenvalues(n: number, A: Float64Array): number[] {
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] = 0.5 * (A[r * n + c] + A[c * n + r]);
  let norm = 0;
  for (let k = 0; k < a.length; k++) norm += a[k] * a[k];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-30 * norm) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = cs * akp - sn * akq;
          a[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = cs * apk - sn * aqk;
          a[q * n + k] = sn * apk + cs * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, k) => a[k * n + k]).sort((x, y) => x - y);
}
