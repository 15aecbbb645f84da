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

/**
 * Eigen-decomposition of the symmetric part of a row-major n×n matrix: Householder reduction to
 * tridiagonal form, then the QL algorithm with implicit shifts (tred2/tqli, Numerical Recipes §11.2–11.3;
 * O(n³) with a small constant, where cyclic Jacobi needs several sweeps of that size). Values ascending,
 * vectors[i] the unit eigenvector of values[i].
 */
export function symmetricEigen(n: number, A: Float64Array): { values: number[]; vectors: Float64Array[] } {
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] = 0.5 * (A[r * n + c] + A[c * n + r]);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  householderTridiagonal(a, n, d, e);
  implicitQL(d, e, a, n);
  const order = Array.from({ length: n }, (_, k) => k).sort((x, y) => d[x] - d[y]);
  return {
    values: order.map((k) => d[k]),
    vectors: order.map((k) => Float64Array.from({ length: n }, (_, r) => a[r * n + k])),
  };
}

/** tred2: a (symmetric, row-major) becomes the orthogonal Q of A = Q T Qᵀ; d, e the diagonal and subdiagonal (e[i] couples i−1, i) of T. */
function householderTridiagonal(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const at = (r: number, c: number) => r * n + c;
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[at(i, k)]);
      if (scale === 0) e[i] = a[at(i, l)];
      else {
        for (let k = 0; k <= l; k++) {
          a[at(i, k)] /= scale;
          h += a[at(i, k)] ** 2;
        }
        let f = a[at(i, l)];
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[at(i, l)] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          a[at(j, i)] = a[at(i, j)] / h;
          g = 0;
          for (let k = 0; k <= j; k++) g += a[at(j, k)] * a[at(i, k)];
          for (let k = j + 1; k <= l; k++) g += a[at(k, j)] * a[at(i, k)];
          e[j] = g / h;
          f += e[j] * a[at(i, j)];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          f = a[at(i, j)];
          e[j] = g = e[j] - hh * f;
          for (let k = 0; k <= j; k++) a[at(j, k)] -= f * e[k] + g * a[at(i, k)];
        }
      }
    } else e[i] = a[at(i, l)];
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  for (let i = 0; i < n; i++) {
    const l = i - 1;
    if (d[i] !== 0) {
      for (let j = 0; j <= l; j++) {
        let g = 0;
        for (let k = 0; k <= l; k++) g += a[at(i, k)] * a[at(k, j)];
        for (let k = 0; k <= l; k++) a[at(k, j)] -= g * a[at(k, i)];
      }
    }
    d[i] = a[at(i, i)];
    a[at(i, i)] = 1;
    for (let j = 0; j <= l; j++) a[at(j, i)] = a[at(i, j)] = 0;
  }
}

/** tqli: eigenvalues of the tridiagonal (d, e) into d; the columns of z (on entry Q from tred2) become the eigenvectors. */
function implicitQL(d: Float64Array, e: Float64Array, z: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iterations++ === 60) throw new Error('symmetricEigen: QL iteration did not converge');
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          e[i + 1] = r = Math.hypot(f, g);
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          d[i + 1] = g + (p = s * r);
          g = c * r - b;
          for (let k = 0; k < n; k++) {
            f = z[k * n + i + 1];
            z[k * n + i + 1] = s * z[k * n + i] + c * f;
            z[k * n + i] = c * z[k * n + i] - s * f;
          }
        }
        if (r === 0 && i >= l) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}
