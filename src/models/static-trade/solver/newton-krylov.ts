// Generic Newton–Krylov solver and adjoint solve for a smooth square system F(z) = 0 given by its
// residual, Jacobian–vector product (JVP) and vector–Jacobian product (VJP). Model-agnostic: the
// static trade model and the union-policy model plug their residuals in here.
//
// Linear algebra: every linear solve is GMRES on the exact JVP (Newton) or VJP (adjoint) operator.
// For systems up to `denseLimit` unknowns a dense LU of the Jacobian, built from n JVPs, serves as
// preconditioner; it is kept across Newton steps and across solves at nearby policies and only
// refreshed when GMRES needs more than `refreshAfter` iterations, so most solves cost a few
// residual evaluations and triangular solves. Larger systems use a caller-supplied preconditioner or none.
import { DenseLU } from './dense-lu.ts';
import { gmres, type LinearOperator } from './gmres.ts';

export interface DifferentiableSystem {
  readonly size: number;
  residual(z: Float64Array, out: Float64Array): void;
  /** out = J(z) dz */
  jvp(z: Float64Array, dz: Float64Array, out: Float64Array): void;
  /** out = J(z)ᵀ v */
  vjp(z: Float64Array, v: Float64Array, out: Float64Array): void;
}

export interface NewtonOptions {
  /** Converged when max |F_k| ≤ tol (residuals are relative, so this is a relative tolerance). */
  tol: number;
  maxIterations: number;
  /** Largest system for which a dense LU preconditioner is built. */
  denseLimit: number;
  /** GMRES iterations after which the LU preconditioner is rebuilt at the current point. */
  refreshAfter: number;
  /** Preconditioner used above denseLimit (M⁻¹ for J; its transpose for adjoints). */
  preconditioner?: { forward: LinearOperator; transposed: LinearOperator };
}

export const DEFAULT_NEWTON: NewtonOptions = { tol: 1e-10, maxIterations: 50, denseLimit: 5000, refreshAfter: 40 };

export interface NewtonResult {
  z: Float64Array;
  converged: boolean;
  iterations: number;
  residualMax: number;
  krylovIterations: number;
  jacobianRefreshes: number;
}

const maxAbs = (v: Float64Array) => {
  let m = 0;
  for (let k = 0; k < v.length; k++) {
    const a = Math.abs(v[k]);
    if (!(a <= m)) m = Number.isNaN(a) ? Infinity : a;
  }
  return m;
};
const norm2 = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

export class NewtonKrylov {
  private lu: DenseLU | null = null;
  private luSize = -1;
  jacobianRefreshes = 0;

  constructor(readonly options: NewtonOptions = DEFAULT_NEWTON) {}

  /** Dense Jacobian (row-major) from n JVPs with unit vectors. */
  static denseJacobian(sys: DifferentiableSystem, z: Float64Array): Float64Array {
    const n = sys.size;
    const J = new Float64Array(n * n);
    const e = new Float64Array(n);
    const col = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      e[c] = 1;
      sys.jvp(z, e, col);
      e[c] = 0;
      for (let r = 0; r < n; r++) J[r * n + c] = col[r];
    }
    return J;
  }

  private canFactor(sys: DifferentiableSystem): boolean {
    return sys.size <= this.options.denseLimit;
  }

  /** Rebuilds the LU preconditioner at z. */
  refresh(sys: DifferentiableSystem, z: Float64Array): void {
    this.lu = new DenseLU(sys.size, NewtonKrylov.denseJacobian(sys, z));
    this.luSize = sys.size;
    this.jacobianRefreshes++;
  }

  private precond(sys: DifferentiableSystem, transposed: boolean): LinearOperator | undefined {
    if (this.lu && this.luSize === sys.size && !this.lu.singular) {
      const lu = this.lu;
      return transposed ? (x, out) => lu.solveTransposed(x, out) : (x, out) => lu.solve(x, out);
    }
    const p = this.options.preconditioner;
    return p ? (transposed ? p.transposed : p.forward) : undefined;
  }

  /** Solves J(z) x = b (or J(z)ᵀ x = b), refreshing the preconditioner once if GMRES struggles. */
  linearSolve(sys: DifferentiableSystem, z: Float64Array, b: Float64Array, transposed: boolean, tol = 1e-12): { x: Float64Array; iterations: number } {
    const apply: LinearOperator = transposed ? (x, out) => sys.vjp(z, x, out) : (x, out) => sys.jvp(z, x, out);
    const dense = this.canFactor(sys);
    if (dense && (!this.lu || this.luSize !== sys.size)) this.refresh(sys, z);
    let res = gmres(apply, b, null, { tol, restart: 40, maxIterations: dense ? this.options.refreshAfter : 2000, preconditioner: this.precond(sys, transposed) });
    let iterations = res.iterations;
    if (!res.converged && dense) {
      this.refresh(sys, z);
      res = gmres(apply, b, res.x, { tol, restart: 40, maxIterations: 200, preconditioner: this.precond(sys, transposed) });
      iterations += res.iterations;
    }
    if (!res.converged && res.relativeResidual > 1e-6) {
      throw new Error(`linear solve did not converge (relative residual ${res.relativeResidual.toExponential(2)} after ${iterations} iterations)`);
    }
    return { x: res.x, iterations };
  }

  /** Newton's method with backtracking on ‖F‖₂ from z0. */
  solve(sys: DifferentiableSystem, z0: Float64Array): NewtonResult {
    const n = sys.size;
    const z = Float64Array.from(z0);
    const F = new Float64Array(n);
    const Ft = new Float64Array(n);
    const zt = new Float64Array(n);
    sys.residual(z, F);
    let fmax = maxAbs(F);
    let krylov = 0;
    const refreshes0 = this.jacobianRefreshes;
    let it = 0;
    let retried = false;
    for (; it < this.options.maxIterations && fmax > this.options.tol; it++) {
      if (!Number.isFinite(fmax)) throw new Error('equilibrium residual is not finite at the starting point');
      const minusF = F.map((v) => -v);
      // Inexact Newton: a forcing term that tightens as F shrinks keeps quadratic convergence.
      const forcing = Math.max(1e-12, Math.min(1e-4, 1e-2 * fmax));
      const { x: d, iterations } = this.linearSolve(sys, z, minusF, false, forcing);
      krylov += iterations;
      const f0 = norm2(F);
      let step = 1;
      let accepted = false;
      for (let half = 0; half < 40; half++, step /= 2) {
        for (let k = 0; k < n; k++) zt[k] = z[k] + step * d[k];
        sys.residual(zt, Ft);
        const ft = norm2(Ft);
        if (Number.isFinite(ft) && ft <= (1 - 1e-4 * step) * f0) {
          accepted = true;
          break;
        }
      }
      if (!accepted) {
        // A poor direction from a stale preconditioner cannot happen (GMRES solves to 1e-12), but a
        // direction from a nearly singular Jacobian can: rebuild once at z, then give up.
        if (retried || !this.canFactor(sys)) break;
        this.refresh(sys, z);
        retried = true;
        continue;
      }
      retried = false;
      z.set(zt);
      F.set(Ft);
      fmax = maxAbs(F);
    }
    return {
      z,
      converged: fmax <= this.options.tol,
      iterations: it,
      residualMax: fmax,
      krylovIterations: krylov,
      jacobianRefreshes: this.jacobianRefreshes - refreshes0,
    };
  }

  /** Adjoint solve J(z)ᵀ v = g at a solution z (MODELS.md §D.4). */
  adjoint(sys: DifferentiableSystem, z: Float64Array, g: Float64Array): Float64Array {
    return this.linearSolve(sys, z, g, true).x;
  }
}
