// Dense LU factorisation with partial pivoting, in float64, row-major: the one small direct solver of the
// project. Used by the static trade model's Newton–Krylov solver (direct solves and preconditioners for J
// and Jᵀ), the policy layer's Newton steps (src/policy/dense.ts), the heterogeneous-agent steady-state root
// finder (src/models/ha-trade/linalg.ts) and the sequence-space Jacobian of the ha-trade transition.

export interface DenseLUOptions {
  /**
   * A pivot whose magnitude is not above max(absolutePivotTolerance, relativePivotTolerance × the largest
   * |entry| of the matrix) marks the matrix singular (default 0 and 0: only an exactly zero or NaN pivot).
   */
  absolutePivotTolerance?: number;
  relativePivotTolerance?: number;
}

export class DenseLU {
  /** L (unit lower, below the diagonal) and U (upper) packed in one row-major n×n array. */
  private readonly lu: Float64Array;
  /** Row permutation: row k of the factorisation is row piv[k] of the original matrix. */
  private readonly piv: Int32Array;
  /** The first column whose pivot was too small (the factorisation stops there), or -1. */
  readonly singularColumn: number;

  /** Factorises `a` (row-major n×n); the array is taken over (overwritten). */
  constructor(readonly n: number, a: Float64Array, options: DenseLUOptions = {}) {
    const piv = new Int32Array(n);
    for (let k = 0; k < n; k++) piv[k] = k;
    let largest = 0;
    if (options.relativePivotTolerance) for (let k = 0; k < n * n; k++) largest = Math.max(largest, Math.abs(a[k]));
    const threshold = Math.max(options.absolutePivotTolerance ?? 0, (options.relativePivotTolerance ?? 0) * largest);
    let singularColumn = -1;
    for (let k = 0; k < n; k++) {
      let p = k;
      let best = Math.abs(a[k * n + k]);
      for (let r = k + 1; r < n; r++) {
        const v = Math.abs(a[r * n + k]);
        if (v > best) (best = v), (p = r);
      }
      if (!(best > threshold)) {
        singularColumn = k;
        break;
      }
      if (p !== k) swapRows(a, n, k, p, piv);
      eliminateBelow(a, n, k);
    }
    this.lu = a;
    this.piv = piv;
    this.singularColumn = singularColumn;
  }

  get singular(): boolean {
    return this.singularColumn >= 0;
  }

  /** Solves A x = b. */
  solve(b: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
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
  solveTransposed(b: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
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

/** Swaps whole rows k and p (stored multipliers included) and records the swap in the permutation. */
function swapRows(a: Float64Array, n: number, k: number, p: number, piv: Int32Array): void {
  for (let c = 0; c < n; c++) {
    const t = a[k * n + c];
    a[k * n + c] = a[p * n + c];
    a[p * n + c] = t;
  }
  const t = piv[k];
  piv[k] = piv[p];
  piv[p] = t;
}

/** One elimination step below pivot (k, k): multipliers stored in column k. */
function eliminateBelow(a: Float64Array, n: number, k: number): void {
  const rowK = k * n;
  const d = a[rowK + k];
  for (let r = k + 1; r < n; r++) {
    const rowR = r * n;
    // Divide (not multiply by 1/d): the multipliers are then correctly rounded.
    const f = (a[rowR + k] /= d);
    if (f === 0) continue;
    for (let c = k + 1; c < n; c++) a[rowR + c] -= f * a[rowK + c];
  }
}

/** Solves A x = b for a row-major n×n A (not modified); null if a pivot is too small (see DenseLUOptions). */
export function solveDenseSystem(n: number, A: ArrayLike<number>, b: ArrayLike<number>, options: DenseLUOptions = {}): Float64Array | null {
  const lu = new DenseLU(n, Float64Array.from(A), options);
  return lu.singular ? null : lu.solve(b);
}
