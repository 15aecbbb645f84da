// Small dense linear algebra for the equilibrium root finder (systems of at most a few dozen unknowns).

/** Solves A x = b by Gaussian elimination with partial pivoting; A is n x n row-major (not modified). */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
    if (!(Math.abs(m[pivot * n + col]) > 1e-300)) throw new Error('singular Jacobian');
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [m[col * n + c], m[pivot * n + c]] = [m[pivot * n + c], m[col * n + c]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    const d = m[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / d;
      if (f === 0) continue;
      for (let c = col; c < n; c++) m[r * n + c] -= f * m[col * n + c];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let c = r + 1; c < n; c++) s -= m[r * n + c] * x[c];
    x[r] = s / m[r * n + r];
  }
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
