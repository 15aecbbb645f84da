// Generic Newton–Krylov solver and adjoint solve for a smooth square system F(z) = 0 given by its
// residual, Jacobian–vector product (JVP) and vector–Jacobian product (VJP). Model-agnostic: the
// static trade model and the union-policy model plug their residuals in here.
//
// Linear algebra: every linear solve is GMRES on the exact JVP (Newton) or VJP (adjoint) operator.
// The preconditioner is built from the Jacobian (n JVPs) at some point and kept across Newton steps and
// across solves at nearby policies; it is refreshed only when GMRES needs more than `refreshAfter`
// iterations. Up to `denseLimit` unknowns it is a dense LU (one GMRES iteration when fresh); above, a
// block-Jacobi LU over the system's `blockOf` partition (e.g. countries), or a caller-supplied one.
// (A dense LU of the 3 782-unknown CP2015 system costs ~4·10¹⁰ flops; block-Jacobi by region costs
// 2·10⁷ and GMRES then needs ~16 iterations instead of ~87 unpreconditioned. On 7×44, block-Jacobi
// by country also beats the dense LU: a best response runs 2.5× faster, as refreshes are cheap.)
import { gmres, type LinearOperator } from './gmres.ts';
import { DenseLU } from '../../../numeric/dense-lu.ts';
import { type Preconditioner, denseLuPreconditioner, blockJacobiPreconditioner } from './preconditioner.ts';

export interface DifferentiableSystem {
  readonly size: number;
  residual(z: Float64Array, out: Float64Array): void;
  /** out = J(z) dz */
  jvp(z: Float64Array, dz: Float64Array, out: Float64Array): void;
  /** out = J(z)ᵀ v */
  vjp(z: Float64Array, v: Float64Array, out: Float64Array): void;
  /** Optional partition of unknowns (and equations, index by index) for block-Jacobi preconditioning. */
  readonly blockOf?: Int32Array;
  /**
   * Optional positive weights S of the equations at z, used where J is factorised (preconditioners, the
   * dense fallback): S J is factorised and M⁻¹ = (S J)⁻¹ S applied, which is J⁻¹ in exact arithmetic.
   * Why: an equation whose every term is proportional to a vanishing quantity (a sector that has all but
   * disappeared) is a near-zero row of J, and LU factors of J are then garbage, while S J stays regular.
   * Krylov iterations, tolerances and Newton steps are those of the unscaled system.
   */
  rowScale?(z: Float64Array): Float64Array;
}

export interface NewtonOptions {
  /** Converged when max |F_k| ≤ tol (residuals are relative, so this is a relative tolerance). */
  tol: number;
  maxIterations: number;
  /** Largest system for which a dense LU preconditioner is built (above: block-Jacobi if the system has blocks). */
  denseLimit: number;
  /** GMRES iterations after which the LU preconditioner is rebuilt at the current point. */
  refreshAfter: number;
  /** Preconditioner used above denseLimit (M⁻¹ for J; its transpose for adjoints). */
  preconditioner?: Preconditioner;
}

/** Largest system for which a failed Krylov solve falls back to a dense LU (≈ 1 s at 1 000 unknowns). */
const DIRECT_LIMIT = 4000;

export const DEFAULT_NEWTON: NewtonOptions = { tol: 1e-10, maxIterations: 50, denseLimit: 300, refreshAfter: 40 };

/** A solver for a model's settings (both hat-algebra models name them tolerance, maxIterations, denseLimit). */
export function newtonSolverFor(settings: { tolerance: number; maxIterations: number; denseLimit: number }): NewtonKrylov {
  return new NewtonKrylov({ ...DEFAULT_NEWTON, tol: settings.tolerance, maxIterations: settings.maxIterations, denseLimit: settings.denseLimit });
}

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
  private precond: Preconditioner | null = null;
  private precondSize = -1;
  jacobianRefreshes = 0;

  constructor(readonly options: NewtonOptions = DEFAULT_NEWTON) {}

  /** Dense Jacobian (row-major) from n JVPs with unit vectors, rows multiplied by `scale` if given. */
  static denseJacobian(sys: DifferentiableSystem, z: Float64Array, scale: Float64Array | null = null): Float64Array {
    const n = sys.size;
    const J = new Float64Array(n * n);
    const e = new Float64Array(n);
    const col = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      e[c] = 1;
      sys.jvp(z, e, col);
      e[c] = 0;
      for (let r = 0; r < n; r++) J[r * n + c] = scale ? scale[r] * col[r] : col[r];
    }
    return J;
  }

  /** Whether this solver builds its own preconditioner for `sys` (else: the caller's, or none). */
  private canBuild(sys: DifferentiableSystem): boolean {
    return sys.size <= this.options.denseLimit || (sys.blockOf !== undefined && !this.options.preconditioner);
  }

  /** Rebuilds the preconditioner from the Jacobian at z. */
  refresh(sys: DifferentiableSystem, z: Float64Array): void {
    const n = sys.size;
    const scale = sys.rowScale?.(z) ?? null;
    if (n <= this.options.denseLimit) this.precond = withRowScale(denseLuPreconditioner(n, NewtonKrylov.denseJacobian(sys, z, scale)), scale);
    else {
      const e = new Float64Array(n);
      this.precond = blockJacobiPreconditioner(n, sys.blockOf!, (c, out) => {
        e[c] = 1;
        sys.jvp(z, e, out);
        e[c] = 0;
        if (scale) for (let r = 0; r < n; r++) out[r] *= scale[r];
      });
      this.precond = withRowScale(this.precond, scale);
    }
    this.precondSize = n;
    this.jacobianRefreshes++;
  }

  /**
   * Preconditions with a dense LU of the Jacobian at z, whatever the system's size (up to the direct
   * limit), until GMRES next needs more than `refreshAfter` iterations. Worth its cost (≈ 0.4 s at 938
   * unknowns) before many solves at nearby points: each then needs one or two Krylov iterations instead
   * of the ~17 (Newton step) and ~35 (adjoint) of block-Jacobi by country.
   */
  refreshDense(sys: DifferentiableSystem, z: Float64Array): void {
    if (sys.size > DIRECT_LIMIT) return;
    const scale = sys.rowScale?.(z) ?? null;
    const p = withRowScale(denseLuPreconditioner(sys.size, NewtonKrylov.denseJacobian(sys, z, scale)), scale);
    if (!p) return;
    this.precond = p;
    this.precondSize = sys.size;
    this.jacobianRefreshes++;
  }

  private preconditioner(sys: DifferentiableSystem, transposed: boolean): LinearOperator | undefined {
    const p = this.precond && this.precondSize === sys.size ? this.precond : this.options.preconditioner;
    return p ? (transposed ? p.transposed : p.forward) : undefined;
  }

  /** Solves J(z) x = b (or J(z)ᵀ x = b), refreshing the preconditioner once if GMRES struggles. */
  linearSolve(sys: DifferentiableSystem, z: Float64Array, b: Float64Array, transposed: boolean, tol = 1e-12): { x: Float64Array; iterations: number } {
    const apply: LinearOperator = transposed ? (x, out) => sys.vjp(z, x, out) : (x, out) => sys.jvp(z, x, out);
    const own = this.canBuild(sys);
    if (own && this.precondSize !== sys.size) this.refresh(sys, z);
    const options = (maxIterations: number) => ({ tol, restart: 60, maxIterations, preconditioner: this.preconditioner(sys, transposed) });
    let res = gmres(apply, b, null, options(own ? this.options.refreshAfter : 3000));
    let iterations = res.iterations;
    if (!res.converged && own) {
      this.refresh(sys, z);
      res = gmres(apply, b, res.x, options(600));
      iterations += res.iterations;
    }
    if (!res.converged && sys.size <= DIRECT_LIMIT) {
      // Near-singular Jacobians (extreme policies) can stall GMRES: solve directly with a dense LU.
      const scale = sys.rowScale?.(z) ?? null;
      const lu = new DenseLU(sys.size, NewtonKrylov.denseJacobian(sys, z, scale));
      if (!lu.singular) return { x: scaledLuSolve(lu, b, transposed, scale), iterations };
    }
    if (!res.converged && res.relativeResidual > 1e-6) {
      throw new Error(`linear solve did not converge (relative residual ${res.relativeResidual.toExponential(2)} after ${iterations} iterations)`);
    }
    return { x: res.x, iterations };
  }

  /** Newton's method with backtracking on ‖F‖₂ from z0 (at most `maxIterations` to tolerance `tol`, defaults the options'). */
  solve(sys: DifferentiableSystem, z0: Float64Array, maxIterations = this.options.maxIterations, tol = this.options.tol): NewtonResult {
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
    for (; it < maxIterations && fmax > tol; it++) {
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
        if (retried || !this.canBuild(sys)) break;
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
      converged: fmax <= tol,
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

/** M⁻¹ = (S J)⁻¹ S and M⁻ᵀ = S (S J)⁻ᵀ from a preconditioner of the row-scaled Jacobian S J. */
function withRowScale(p: Preconditioner | null, scale: Float64Array | null): Preconditioner | null {
  if (!p || !scale) return p;
  const tmp = new Float64Array(scale.length);
  return {
    forward: (x, out) => {
      for (let k = 0; k < x.length; k++) tmp[k] = scale[k] * x[k];
      p.forward(tmp, out);
    },
    transposed: (x, out) => {
      p.transposed(x, out);
      for (let k = 0; k < out.length; k++) out[k] *= scale[k];
    },
  };
}

/** Solves J x = b (or Jᵀ x = b) with an LU of S J. */
function scaledLuSolve(lu: DenseLU, b: Float64Array, transposed: boolean, scale: Float64Array | null): Float64Array {
  if (!scale) return transposed ? lu.solveTransposed(b) : lu.solve(b);
  if (!transposed) return lu.solve(b.map((v, k) => v * scale[k]));
  return lu.solveTransposed(b).map((v, k) => v * scale[k]);
}
