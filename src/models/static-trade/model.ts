// The static trade-policy model (MODELS.md §D): baseline from data, equilibrium in changes for any
// policy, welfare, and the welfare gradient with respect to every wedge by one adjoint solve (§D.4).
//
// Trade imbalances (MODELS.md §D.1), selectable:
//  - 'fixed-deficits': D_i is held at its data value in units of the numeraire (world labour income,
//    H10), i.e. as a share of world income (Caliendo–Parro / Dekle–Eaton–Kortum practice);
//  - 'balanced-baseline': first solve the data's policy with D_i' = 0, rebuild the data from that
//    equilibrium (flows λ'X', same wedges) and use it as the baseline with D = 0 throughout
//    (Zi Wang's course code, "trade balance adjustment").
import { UsageError } from '../../io/errors.ts';
import type { TradeData } from './data/types.ts';
import { buildBaseline, type Baseline, type ImbalanceTreatment } from './baseline.ts';
import { HatSystem, type Wedges, type WedgeAdjoint } from './hat-system.ts';
import { NewtonKrylov, newtonSolverFor } from './solver/newton-krylov.ts';
import { solveFixedPoint } from './fixed-point.ts';
import { continueEquilibrium, DEFAULT_CONTINUATION } from './continuation.ts';

export interface SolverSettings {
  method: 'newton' | 'fixed-point';
  /** Relative tolerance on the scaled residuals. */
  tolerance: number;
  maxIterations: number;
  /** Fixed-point damping ϖ. */
  damping: number;
  /** Largest system preconditioned by a dense LU (larger ones: block-Jacobi by country). */
  denseLimit: number;
  /**
   * Equilibrium selection when several equilibria exist at one policy (scale economies):
   * 'continuation' (default): the equilibrium reached by continuation from the status quo along the straight
   * segment of policies (continuation.ts); history-independent up to folds of the branch;
   * 'nearest': Newton from the solution at the nearest recently solved policy (depends on the history of solves).
   */
  selection: 'continuation' | 'nearest';
  /**
   * 'continuation': a policy within this max-norm wedge distance of an already selected one continues from
   * it instead of from the status quo (same branch unless the branch folds in between; makes finite
   * differences and short optimiser steps cheap).
   */
  localRadius: number;
}

export const DEFAULT_SOLVER: SolverSettings = { method: 'newton', tolerance: 1e-10, maxIterations: 50, damping: 0.1, denseLimit: 300, selection: 'continuation', localRadius: 0.05 };

export interface Equilibrium {
  wedges: Wedges;
  system: HatSystem;
  z: Float64Array;
  /** ln Ŵ_i per country (MODELS.md §D.3 welfare). */
  logWelfare: Float64Array;
  iterations: number;
  residualMax: number;
}

export class StaticTradeModel {
  readonly base: Baseline;
  readonly deficit: Float64Array;
  readonly solver: NewtonKrylov;
  readonly settings: SolverSettings;
  /**
   * Recent solutions with their policies. A solve starts from the one whose policy is nearest (max-norm):
   * with scale economies, far-away starting points can lead Newton to another equilibrium, so starting
   * from the nearest solved policy keeps welfare a continuous function of the policy along an
   * optimiser's path (a line-search trial far away does not contaminate the next evaluation).
   */
  private readonly recent: Array<{ key: Float64Array; z: Float64Array }> = [];
  private static readonly RECENT = 12;
  private dataKey: Float64Array | null = null;
  /** 'continuation': equilibria selected by the rule (policy, solution), most recent last. */
  private readonly selected: Array<{ key: Float64Array; wedges: Wedges; z: Float64Array }> = [];
  private static readonly SELECTED = 64;
  solves = 0;
  /** 'continuation': continuation steps, Newton iterations, folds where the economy jumped to another branch. */
  readonly continuationStats = { paths: 0, fromStatusQuo: 0, steps: 0, iterations: 0, halvings: 0, jumps: 0 };

  constructor(data: TradeData, readonly imbalances: ImbalanceTreatment = 'fixed-deficits', settings: Partial<SolverSettings> = {}) {
    this.settings = { ...DEFAULT_SOLVER, ...settings };
    this.solver = newtonSolverFor(this.settings);
    let base = buildBaseline(data);
    if (imbalances === 'balanced-baseline') {
      const zero = new Float64Array(base.N);
      const sys = new HatSystem(base, dataWedges(base), zero);
      const res = this.runSolver(sys, sys.baselinePoint());
      base = buildBaseline(rebuildData(base, sys, res.z));
      this.deficit = zero;
    } else this.deficit = Float64Array.from(base.deficit);
    this.base = base;
  }

  get countries(): string[] {
    return this.base.data.countries;
  }

  /**
   * Sets `localRadius` (e.g. the cooperative mode's own radius, config cooperative.localRadius). When it
   * shrinks, the equilibria selected so far are forgotten: one reached from a neighbour farther away than
   * the new radius may lie across a fold from the equilibrium the new radius selects.
   */
  setLocalRadius(radius: number): void {
    if (!(radius >= 0)) throw new UsageError(`solver.localRadius: expected a number >= 0, got ${radius}`);
    if (radius < this.settings.localRadius) this.selected.length = 0;
    this.settings.localRadius = radius;
  }

  /**
   * 'continuation': forget the selected equilibria within localRadius of `wedges` other than its own, so
   * that policies near it continue from its equilibrium (and not from a neighbour's on another branch).
   */
  anchor(wedges: Wedges): void {
    const key = policyKey(wedges);
    for (let r = this.selected.length - 1; r >= 0; r--) {
      const d = distance(key, this.selected[r].key);
      if (d > 0 && d <= this.settings.localRadius) this.selected.splice(r, 1);
    }
  }

  /** The data's policy (all hats equal one at it, D1). */
  dataWedges(): Wedges {
    return dataWedges(this.base);
  }

  private runSolver(sys: HatSystem, z0: Float64Array): { z: Float64Array; iterations: number; residualMax: number } {
    const s = this.settings;
    const res =
      s.method === 'fixed-point'
        ? solveFixedPoint(sys, z0, { damping: s.damping, tol: s.tolerance, maxIterations: s.maxIterations })
        : this.solver.solve(sys, z0);
    if (!res.converged) {
      throw new Error(`equilibrium not found: ${s.method} stopped after ${res.iterations} iterations with residual ${res.residualMax.toExponential(2)}`);
    }
    return res;
  }

  /**
   * The equilibrium at a policy. With `start`: Newton from that point (the caller selects the equilibrium;
   * not remembered for continuation). Otherwise by the selection rule of the settings.
   */
  solve(wedges: Wedges, start?: Float64Array): Equilibrium {
    checkWedges(wedges, this.base);
    if (!start && this.settings.selection === 'continuation' && this.settings.method === 'newton') return this.solveByContinuation(wedges);
    const system = new HatSystem(this.base, wedges, this.deficit);
    const key = policyKey(wedges);
    const warm = start ? null : this.nearest(key);
    const z0 = start ?? warm ?? system.baselinePoint();
    let res;
    try {
      res = this.runSolver(system, z0);
    } catch (err) {
      if (!warm) throw err;
      res = this.runSolver(system, system.baselinePoint()); // a bad warm start: retry from the baseline
    }
    this.recent.push({ key, z: res.z });
    if (this.recent.length > StaticTradeModel.RECENT) this.recent.shift();
    this.solves++;
    return { wedges, system, z: res.z, logWelfare: this.logWelfare(system, res.z), iterations: res.iterations, residualMax: res.residualMax };
  }

  /**
   * Selection rule 'continuation' (continuation.ts): follow the branch from the nearest selected policy
   * within `localRadius`, else from the status quo (z = 0 at the data's policy).
   */
  private solveByContinuation(wedges: Wedges): Equilibrium {
    const key = policyKey(wedges);
    let from: { wedges: Wedges; z: Float64Array } | null = null;
    let best = this.settings.localRadius;
    for (const r of this.selected) {
      const d = distance(key, r.key);
      if (d <= best) (best = d), (from = r);
    }
    const stats = this.continuationStats;
    if (!from) {
      from = { wedges: this.dataWedges(), z: new Float64Array(2 * this.base.N + 3 * this.base.N * this.base.J) };
      stats.fromStatusQuo++;
    }
    const res = continueEquilibrium(this.base, this.deficit, this.solver, from.wedges, from.z, wedges, DEFAULT_CONTINUATION);
    stats.paths++;
    stats.steps += res.steps;
    stats.iterations += res.iterations;
    stats.halvings += res.halvings;
    stats.jumps += res.jumps;
    if (!res.converged) throw new Error(`equilibrium not found: continuation stopped with residual ${res.residualMax.toExponential(2)}`);
    this.selected.push({ key, wedges: copyWedges(wedges), z: res.z });
    if (this.selected.length > StaticTradeModel.SELECTED) this.selected.shift();
    this.solves++;
    return { wedges, system: res.system, z: res.z, logWelfare: this.logWelfare(res.system, res.z), iterations: res.iterations, residualMax: res.residualMax };
  }

  /** The stored solution whose policy is nearest to `key`, if nearer than the data's policy. */
  private nearest(key: Float64Array): Float64Array | null {
    let best: Float64Array | null = null;
    this.dataKey ??= policyKey(this.dataWedges());
    let bestDistance = distance(key, this.dataKey);
    for (const r of this.recent) {
      const d = distance(key, r.key);
      // Strictly nearer only: on ties the older entry wins (e.g. the accepted point over a line-search trial).
      if (d < bestDistance) (bestDistance = d), (best = r.z);
    }
    return best;
  }

  logWelfare(sys: HatSystem, z: Float64Array): Float64Array {
    const { N, J, alpha } = this.base;
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let v = z[sys.offY + i]; // log Ŷ_i
      for (let j = 0; j < J; j++) v -= alpha[i * J + j] * z[sys.offP + i * J + j];
      out[i] = v;
    }
    return out;
  }

  /** ln(ŵ_i / Π_j (P̂^j_i)^{α^j_i}): the real wage, for comparison with published real-wage effects. */
  logRealWage(eq: Equilibrium): Float64Array {
    const { N, J, alpha } = this.base;
    return Float64Array.from({ length: N }, (_, i) => {
      let v = eq.z[eq.system.offW + i];
      for (let j = 0; j < J; j++) v -= alpha[i * J + j] * eq.z[eq.system.offP + i * J + j];
      return v;
    });
  }

  /**
   * ∇ over all wedges of Φ = Σ_i weights_i ln Ŵ_i, by one adjoint solve (MODELS.md §D.4):
   * Jᵀ v = ∂Φ/∂z, then ∇Φ = −vᵀ ∂F/∂wedges (Φ has no direct dependence on the wedges:
   * Y' is an unknown and tariff revenue enters through (H9)).
   */
  welfareGradient(eq: Equilibrium, weights: ArrayLike<number>): WedgeAdjoint {
    const { N, J, alpha } = this.base;
    const sys = eq.system;
    const g = new Float64Array(sys.size);
    for (let i = 0; i < N; i++) {
      const w = weights[i];
      if (w === 0) continue;
      g[sys.offY + i] += w;
      for (let j = 0; j < J; j++) g[sys.offP + i * J + j] -= w * alpha[i * J + j];
    }
    const v = this.solver.adjoint(sys, eq.z, g);
    const adj = sys.vjpWedges(eq.z, v);
    for (const arr of [adj.tariff, adj.exportTax, adj.subsidy]) for (let k = 0; k < arr.length; k++) arr[k] = -arr[k];
    return adj;
  }
}

function policyKey(w: Wedges): Float64Array {
  const key = new Float64Array(2 * w.tariff.length + w.subsidy.length + w.iceberg.length);
  key.set(w.tariff, 0);
  key.set(w.exportTax, w.tariff.length);
  key.set(w.subsidy, 2 * w.tariff.length);
  key.set(w.iceberg.map(Math.log), 2 * w.tariff.length + w.subsidy.length);
  return key;
}

function distance(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

function copyWedges(w: Wedges): Wedges {
  return { tariff: Float64Array.from(w.tariff), exportTax: Float64Array.from(w.exportTax), subsidy: Float64Array.from(w.subsidy), iceberg: Float64Array.from(w.iceberg) };
}

export function dataWedges(base: Baseline): Wedges {
  return {
    tariff: Float64Array.from(base.data.tariff),
    exportTax: Float64Array.from(base.data.exportTax),
    subsidy: Float64Array.from(base.data.subsidy),
    iceberg: new Float64Array(base.data.tariff.length).fill(1),
  };
}

function checkWedges(w: Wedges, base: Baseline): void {
  const { N, J } = base;
  for (let k = 0; k < N * N * J; k++) {
    if (!(w.tariff[k] > -1) || !(w.exportTax[k] > -1) || !(w.iceberg[k] > 0)) {
      throw new UsageError(`policy: tariffs and export taxes must be > -1 and iceberg changes > 0 (entry ${k})`);
    }
  }
  for (let k = 0; k < N * J; k++) if (!(w.subsidy[k] < 1)) throw new UsageError(`policy: subsidies must be < 1 (entry ${k})`);
}

/** Data consistent with an equilibrium z: flows λ'X' (buyer spending), same wedges and shares. */
function rebuildData(base: Baseline, sys: HatSystem, z: Float64Array): TradeData {
  const { N, J } = base;
  const { lambda } = sys.shares(z);
  const spending = new Float64Array(N * N * J);
  for (let i = 0; i < N; i++) {
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < J; j++) {
        const k = (i * N + n) * J + j;
        spending[k] = lambda[k] * Math.exp(z[sys.offX + n * J + j]) * base.absorptionScale[n * J + j];
      }
    }
  }
  return { ...base.data, spending, name: `${base.data.name} (balanced baseline)` };
}
