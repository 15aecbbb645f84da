// The damped fixed-point map G of MODELS.md §D.4 (the course code's `eqm_iter`, with IO and scale
// economies): an inner loop for the price indices, then new wages, employment, spending and income
// from the current trade shares, renormalised by (H10) and damped. Slow but globally well behaved;
// Newton–Krylov (newton-krylov.ts) is the fast path and the default.
import type { HatSystem } from './hat-system.ts';

export interface FixedPointOptions {
  /** Weight ϖ on the new iterate (0.1 in the course code). */
  damping: number;
  tol: number;
  maxIterations: number;
}

export interface FixedPointResult {
  z: Float64Array;
  converged: boolean;
  iterations: number;
  residualMax: number;
}

export function solveFixedPoint(sys: HatSystem, z0: Float64Array, opts: FixedPointOptions): FixedPointResult {
  const { N, J, base, offW, offL, offP, offX, offY } = sys;
  const z = Float64Array.from(z0);
  const F = new Float64Array(sys.size);
  const next = new Float64Array(sys.size);
  const totalLabor = base.laborIncome.reduce((a, b) => a + b, 0);
  let residualMax = Infinity;
  for (let it = 1; it <= opts.maxIterations; it++) {
    // (i) price indices: log P̂ ← −log S / θ, a contraction when input shares sum below one.
    for (let inner = 0; inner < 50; inner++) {
      sys.residual(z, F);
      let change = 0;
      for (let k = offP; k < offX; k++) {
        z[k] -= F[k];
        change = Math.max(change, Math.abs(F[k]));
      }
      if (change < opts.tol * 0.1) break;
    }
    sys.residual(z, F);
    residualMax = F.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (residualMax <= opts.tol) return { z, converged: true, iterations: it, residualMax };
    next.set(z);
    // (iii) wages and employment from labour demand γ R' (the L residual is ŵL̂ − γR'/(wL)).
    let world = 0;
    for (let i = 0; i < N; i++) {
      const w = Math.exp(z[offW + i]);
      let demand = 0;
      for (let j = 0; j < J; j++) {
        const ij = i * J + j;
        const wL = base.laborIncomeSector[ij];
        if (wL > 0) demand += wL * (w * Math.exp(z[offL + ij]) - F[offL + ij]);
      }
      const wNew = demand / base.laborIncome[i];
      next[offW + i] = Math.log(wNew);
      world += wNew * base.laborIncome[i];
      for (let j = 0; j < J; j++) {
        const ij = i * J + j;
        if (base.laborIncomeSector[ij] > 0) next[offL + ij] = Math.log((w * Math.exp(z[offL + ij]) - F[offL + ij]) / wNew);
      }
    }
    // (iv) spending and income: one Jacobi sweep of (H8) and (H9), read off their residuals
    // (the unknowns are logs of X'/X and Y'/Y; the residuals are exp(z) − new level).
    for (let k = offX; k < sys.size; k++) next[k] = Math.log(Math.max(Math.exp(z[k]) - F[k], 1e-12));
    // (v) renormalise by (H10): scale nominal variables so world labour income is unchanged.
    const logScale = Math.log(totalLabor / world);
    for (let i = 0; i < N; i++) next[offW + i] += logScale;
    for (let k = offP; k < offX; k++) next[k] += logScale;
    for (let k = offX; k < sys.size; k++) next[k] += logScale;
    void offY;
    // (vi) damp.
    for (let k = 0; k < sys.size; k++) z[k] += opts.damping * (next[k] - z[k]);
  }
  return { z, converged: false, iterations: opts.maxIterations, residualMax };
}
