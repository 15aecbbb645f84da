// Dense LU factorisation with partial pivoting, in float64, row-major. Used as a direct solver for
// small systems and as a preconditioner (for J and for Jᵀ) of the Krylov solves on larger ones.

export class DenseLU {
  /** L (unit lower, below the diagonal) and U (upper) packed in one row-major n×n array. */
  private readonly lu: Float64Array;
  /** Row permutation: row k of the factorisation is row piv[k] of the original matrix. */
  private readonly piv: Int32Array;
  readonly singular: boolean;

  /** Factorises `a` (row-major n×n); the array is taken over (overwritten). */
  constructor(readonly n: number, a: Float64Array) {
    const piv = new Int32Array(n);
    for (let k = 0; k < n; k++) piv[k] = k;
    let singular = false;
    for (let k = 0; k < n; k++) {
      let p = k;
      let best = Math.abs(a[k * n + k]);
      for (let r = k + 1; r < n; r++) {
        const v = Math.abs(a[r * n + k]);
        if (v > best) (best = v), (p = r);
      }
      if (best === 0) {
        singular = true;
        continue;
      }
      if (p !== k) {
        for (let c = 0; c < n; c++) {
          const t = a[k * n + c];
          a[k * n + c] = a[p * n + c];
          a[p * n + c] = t;
        }
        const t = piv[k];
        piv[k] = piv[p];
        piv[p] = t;
      }
      const inv = 1 / a[k * n + k];
      const rowK = k * n;
      for (let r = k + 1; r < n; r++) {
        const rowR = r * n;
        const f = a[rowR + k] * inv;
        if (f === 0) continue;
        a[rowR + k] = f;
        for (let c = k + 1; c < n; c++) a[rowR + c] -= f * a[rowK + c];
      }
    }
    this.lu = a;
    this.piv = piv;
    this.singular = singular;
  }

  /** Solves A x = b. */
  solve(b: Float64Array, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const { n, lu, piv } = this;
    for (let k = 0; k < n; k++) out[k] = b[piv[k]];
    for (let r = 0; r < n; r++) {
      let s = out[r];
      const row = r * n;
      for (let c = 0; c < r; c++) s -= lu[row + c] * out[c];
      out[r] = s;
    }
    for (let r = n - 1; r >= 0; r--) {
      let s = out[r];
      const row = r * n;
      for (let c = r + 1; c < n; c++) s -= lu[row + c] * out[c];
      out[r] = s / lu[row + r];
    }
    return out;
  }

  /** Solves Aᵀ x = b (PA = LU, so Aᵀ = Uᵀ Lᵀ P). */
  solveTransposed(b: Float64Array, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const { n, lu, piv } = this;
    const y = Float64Array.from(b);
    // Uᵀ y = b: forward, column-oriented over rows of U.
    for (let r = 0; r < n; r++) {
      const row = r * n;
      y[r] /= lu[row + r];
      const v = y[r];
      if (v !== 0) for (let c = r + 1; c < n; c++) y[c] -= lu[row + c] * v;
    }
    // Lᵀ w = y: backward.
    for (let r = n - 1; r >= 0; r--) {
      const row = r * n;
      const v = y[r];
      if (v !== 0) for (let c = 0; c < r; c++) y[c] -= lu[row + c] * v;
    }
    for (let k = 0; k < n; k++) out[piv[k]] = y[k];
    return out;
  }
}
