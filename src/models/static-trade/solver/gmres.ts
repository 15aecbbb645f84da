// Restarted GMRES with right preconditioning, float64, matrix-free: the operator is a callback
// (a Jacobian–vector or vector–Jacobian product), so it serves Newton steps (J d = −F) and adjoint
// solves (Jᵀ v = g) alike.

export type LinearOperator = (x: Float64Array, out: Float64Array) => void;

export interface GmresOptions {
  /** Stop when ‖b − A x‖₂ ≤ tol · ‖b‖₂. */
  tol?: number;
  /** Krylov dimension before a restart. */
  restart?: number;
  /** Total iterations (operator applications) allowed. */
  maxIterations?: number;
  /** Right preconditioner M⁻¹ (A M⁻¹ y = b, x = M⁻¹ y); identity if absent. */
  preconditioner?: LinearOperator;
}

export interface GmresResult {
  x: Float64Array;
  iterations: number;
  relativeResidual: number;
  converged: boolean;
}

const norm2 = (v: Float64Array) => {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  return Math.sqrt(s);
};

export function gmres(apply: LinearOperator, b: Float64Array, x0: Float64Array | null, opts: GmresOptions = {}): GmresResult {
  const n = b.length;
  const tol = opts.tol ?? 1e-10;
  const m = Math.min(opts.restart ?? 40, n);
  const maxIt = opts.maxIterations ?? 400;
  const precond = opts.preconditioner;
  const x = x0 ? Float64Array.from(x0) : new Float64Array(n);
  const bnorm = norm2(b);
  if (bnorm === 0) return { x: new Float64Array(n), iterations: 0, relativeResidual: 0, converged: true };
  const r = new Float64Array(n);
  const w = new Float64Array(n);
  const z = new Float64Array(n);
  const V = Array.from({ length: m + 1 }, () => new Float64Array(n));
  const H = new Float64Array((m + 1) * m);
  const cs = new Float64Array(m);
  const sn = new Float64Array(m);
  const g = new Float64Array(m + 1);
  let iterations = 0;
  let rel = Infinity;
  while (iterations < maxIt) {
    apply(x, w);
    for (let k = 0; k < n; k++) r[k] = b[k] - w[k];
    const beta = norm2(r);
    rel = beta / bnorm;
    if (rel <= tol) return { x, iterations, relativeResidual: rel, converged: true };
    for (let k = 0; k < n; k++) V[0][k] = r[k] / beta;
    g.fill(0);
    g[0] = beta;
    H.fill(0);
    let used = 0;
    for (let j = 0; j < m && iterations < maxIt; j++) {
      iterations++;
      if (precond) precond(V[j], z);
      else z.set(V[j]);
      apply(z, w);
      // Modified Gram–Schmidt, twice for stability.
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i <= j; i++) {
          const Vi = V[i];
          let h = 0;
          for (let k = 0; k < n; k++) h += w[k] * Vi[k];
          H[i * m + j] += h;
          for (let k = 0; k < n; k++) w[k] -= h * Vi[k];
        }
      }
      const hn = norm2(w);
      H[(j + 1) * m + j] = hn;
      if (hn > 0) for (let k = 0; k < n; k++) V[j + 1][k] = w[k] / hn;
      for (let i = 0; i < j; i++) {
        const a = H[i * m + j];
        const c = H[(i + 1) * m + j];
        H[i * m + j] = cs[i] * a + sn[i] * c;
        H[(i + 1) * m + j] = -sn[i] * a + cs[i] * c;
      }
      const a = H[j * m + j];
      const c = H[(j + 1) * m + j];
      const d = Math.hypot(a, c);
      cs[j] = d === 0 ? 1 : a / d;
      sn[j] = d === 0 ? 0 : c / d;
      H[j * m + j] = d;
      H[(j + 1) * m + j] = 0;
      g[j + 1] = -sn[j] * g[j];
      g[j] = cs[j] * g[j];
      used = j + 1;
      rel = Math.abs(g[j + 1]) / bnorm;
      if (rel <= tol || hn === 0) break;
    }
    // Back-substitute y from H y = g and update x += M⁻¹ V y.
    const y = new Float64Array(used);
    for (let i = used - 1; i >= 0; i--) {
      let s = g[i];
      for (let k = i + 1; k < used; k++) s -= H[i * m + k] * y[k];
      y[i] = s / H[i * m + i];
    }
    w.fill(0);
    for (let i = 0; i < used; i++) for (let k = 0; k < n; k++) w[k] += y[i] * V[i][k];
    if (precond) precond(w, z);
    else z.set(w);
    for (let k = 0; k < n; k++) x[k] += z[k];
    if (rel <= tol) {
      apply(x, w);
      for (let k = 0; k < n; k++) r[k] = b[k] - w[k];
      rel = norm2(r) / bnorm;
      if (rel <= tol * 10) return { x, iterations, relativeResidual: rel, converged: true };
    }
  }
  return { x, iterations, relativeResidual: rel, converged: rel <= tol };
}
