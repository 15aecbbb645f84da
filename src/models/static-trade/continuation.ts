// Equilibrium selection by continuation (issue 3). With external economies of scale and input-output
// links the static economy can have several equilibria at one policy (on 7×44 a cold Newton solve at
// the Pigouvian policy lands on one with world objective −0.217, continuation from the status quo on
// one with +0.250). Welfare is then a function of the policy only once a selection rule is fixed, and
// every evaluation (optimiser steps, line-search trials, finite differences, deviation checks) must
// follow the same rule, or an optimiser "gains" by jumping between branches.
//
// Rule adopted: the equilibrium at policy a is the one reached by following the equilibrium branch
// continuously from the status quo (the data's policy, where z = 0 is the equilibrium, MODELS.md §D.5
// D1) along the straight segment of wedges w(t) = w_0 + t (w(a) − w_0), t: 0 → 1 — the equilibrium an
// economy tracks when the policy changes gradually. Implemented by natural-parameter continuation with
// a secant predictor and step control: a step is accepted only if Newton converges within a few
// iterations and the solution stays close to the prediction (a larger correction is the sign of a jump
// to another branch), else the step is halved. If steps shrink below `minStep` the branch folds (ends):
// the economy then jumps to the equilibrium at the end policy that Newton reaches from the last point of
// the branch (else from z = 0), counted in `jumps`.
import { HatSystem, type Wedges } from './hat-system.ts';
import type { Baseline } from './baseline.ts';
import type { NewtonKrylov } from './solver/newton-krylov.ts';

export interface ContinuationOptions {
  /** Newton iterations allowed in one continuation step before the step is halved. */
  stepIterations: number;
  /** Largest change of any unknown (logs) from a step's prediction to its solution before the step is halved. */
  maxCorrection: number;
  /** Largest change of any wedge in the first step. */
  firstWedgeStep: number;
  /** Smallest step (fraction of the segment): below it the branch is taken to fold. */
  minStep: number;
  /** Newton iterations of a jump at a fold. */
  jumpIterations: number;
  /** Residual tolerance of intermediate points (the end point is solved to the solver's own tolerance). */
  stepTolerance: number;
}

export const DEFAULT_CONTINUATION: ContinuationOptions = { stepIterations: 6, maxCorrection: 1, firstWedgeStep: 0.05, minStep: 1 / 1024, jumpIterations: 50, stepTolerance: 1e-6 };

export interface ContinuationResult {
  system: HatSystem;
  z: Float64Array;
  converged: boolean;
  residualMax: number;
  /** Accepted steps, Newton iterations over all of them (failed attempts included), halvings, jumps at folds. */
  steps: number;
  iterations: number;
  halvings: number;
  jumps: number;
}

/** Wedges on the straight segment from `from` (t = 0) to `to` (t = 1); iceberg costs geometrically. */
export function interpolateWedges(from: Wedges, to: Wedges, t: number): Wedges {
  const lin = (x: Float64Array, y: Float64Array) => x.map((v, k) => v + t * (y[k] - v));
  return {
    tariff: lin(from.tariff, to.tariff),
    exportTax: lin(from.exportTax, to.exportTax),
    subsidy: lin(from.subsidy, to.subsidy),
    iceberg: from.iceberg.map((v, k) => v * Math.pow(to.iceberg[k] / v, t)),
  };
}

/** Largest change of any wedge between two policies (iceberg costs in logs). */
export function wedgeDistance(a: Wedges, b: Wedges): number {
  let m = 0;
  for (const [x, y] of [[a.tariff, b.tariff], [a.exportTax, b.exportTax], [a.subsidy, b.subsidy]] as const) {
    for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - y[k]));
  }
  for (let k = 0; k < a.iceberg.length; k++) m = Math.max(m, Math.abs(Math.log(a.iceberg[k] / b.iceberg[k])));
  return m;
}

const maxAbsDiff = (a: Float64Array, b: Float64Array) => {
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    const d = Math.abs(a[k] - b[k]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
};

/** Newton from z0; a failed linear solve or a non-finite residual (a wild prediction) counts as non-convergence. */
function attempt(solver: NewtonKrylov, system: HatSystem, z0: Float64Array, maxIterations: number, tol: number) {
  try {
    return solver.solve(system, z0, maxIterations, tol);
  } catch (err) {
    if (err instanceof Error && /did not converge|not finite/.test(err.message)) return { z: z0, converged: false, iterations: maxIterations, residualMax: Infinity };
    throw err;
  }
}

/**
 * Follows the equilibrium from (from, zFrom) — zFrom must solve the system at `from` — along the
 * straight segment to `to`.
 */
export function continueEquilibrium(
  base: Baseline,
  deficit: Float64Array,
  solver: NewtonKrylov,
  from: Wedges,
  zFrom: Float64Array,
  to: Wedges,
  opts: ContinuationOptions = DEFAULT_CONTINUATION,
): ContinuationResult {
  const distance = wedgeDistance(from, to);
  const out = { steps: 0, iterations: 0, halvings: 0, jumps: 0 };
  if (distance === 0) {
    const system = new HatSystem(base, to, deficit);
    const r = solver.solve(system, zFrom);
    return { system, z: r.z, converged: r.converged, residualMax: r.residualMax, ...out, iterations: r.iterations };
  }
  let t = 0;
  let z: Float64Array = Float64Array.from(zFrom);
  let previous: { z: Float64Array; dt: number } | null = null;
  let dt = Math.min(1, opts.firstWedgeStep / distance);
  for (;;) {
    const tNext = t + dt >= 1 - 1e-12 ? 1 : t + dt;
    const step = tNext - t;
    const system = new HatSystem(base, interpolateWedges(from, to, tNext), deficit);
    // Secant predictor along the branch (first step: the last solution).
    const predicted: Float64Array = previous ? z.map((v, k) => v + (v - previous!.z[k]) * (step / previous!.dt)) : Float64Array.from(z);
    const tol = tNext >= 1 ? solver.options.tol : Math.max(opts.stepTolerance, solver.options.tol);
    const r = attempt(solver, system, predicted, opts.stepIterations, tol);
    out.iterations += r.iterations;
    const correction = maxAbsDiff(r.z, predicted);
    const accepted: boolean = r.converged && correction <= opts.maxCorrection;
    if (process.env.DEQN_TRACE_CONTINUATION) process.stderr.write(`continuation t ${t.toFixed(4)} -> ${tNext.toFixed(4)}: ${r.iterations} it, converged ${r.converged}, correction ${correction.toExponential(2)}\n`);
    if (!accepted && step > opts.minStep) {
      dt = step / 2;
      out.halvings++;
      continue;
    }
    if (!accepted) {
      // The branch folds (ends) here: the economy jumps to the equilibrium at the end policy that Newton
      // reaches from the last point of the branch (or, failing that, from the status quo's point z = 0).
      out.jumps++;
      const end = new HatSystem(base, to, deficit);
      let jump = attempt(solver, end, z, opts.jumpIterations, solver.options.tol);
      out.iterations += jump.iterations;
      if (!jump.converged) {
        jump = attempt(solver, end, end.baselinePoint(), opts.jumpIterations, solver.options.tol);
        out.iterations += jump.iterations;
      }
      return { system: end, z: jump.z, converged: jump.converged, residualMax: jump.residualMax, ...out };
    }
    const solution = r;
    out.steps++;
    previous = { z, dt: step };
    z = solution.z;
    t = tNext;
    if (t >= 1) return { system, z, converged: true, residualMax: solution.residualMax, ...out };
    // Easy steps (few Newton iterations) double the step; the secant predictor needs the last step length.
    if (solution.iterations <= 3) dt = step * 2;
    else dt = step;
  }
}
