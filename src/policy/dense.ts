// Small dense linear algebra for the policy layer (systems of a few hundred instruments): an LU solve
// with partial pivoting and the eigenvalues of a symmetric matrix (cyclic Jacobi rotations). Float64,
// row-major. Kept here so that src/policy depends on no model's solver.

/** Solves A x = b (A row-major n×n, not modified); null if A is singular to working precision. */
export function solveDense(n: number, A: Float64Array, b: Float64Array): Float64Array | null {
  const a = Float64Array.from(A);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let k = 0; k < a.length; k++) scale = Math.max(scale, Math.abs(a[k]));
  if (!(scale > 0)) return null;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let r = k + 1; r < n; r++) if (Math.abs(a[r * n + k]) > Math.abs(a[p * n + k])) p = r;
    if (!(Math.abs(a[p * n + k]) > 1e-14 * scale)) return null;
    if (p !== k) {
      for (let c = 0; c < n; c++) [a[k * n + c], a[p * n + c]] = [a[p * n + c], a[k * n + c]];
      [x[k], x[p]] = [x[p], x[k]];
    }
    for (let r = k + 1; r < n; r++) {
      const f = a[r * n + k] / a[k * n + k];
      if (f === 0) continue;
      for (let c = k; c < n; c++) a[r * n + c] -= f * a[k * n + c];
      x[r] -= f * x[k];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let c = r + 1; c < n; c++) s -= a[r * n + c] * x[c];
    x[r] = s / a[r * n + r];
  }
  return x;
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
