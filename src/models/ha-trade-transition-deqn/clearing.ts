// Market-clearing correction of the transition DEQN's price path at evaluation time (issue 5, item 4):
// a DIAGNOSTIC, not an accuracy fix.
//
// The price network clears the markets of the household network's choices only to ~1e-3 of income. Here
// the household network is kept and the price path alone is corrected: quasi-Newton steps
// U <- U - J^{-1} F(U) on the dated market residuals F of the household network's aggregate choices
// (dateMarkets), J the sequence-space Jacobian of part 1's exact household block (fake-news algorithm,
// ha-trade/transition-jacobian.ts) at a stationary equilibrium. The fixed point F = 0 is that of the
// NETWORK's households ("network households + clearing"), so it separates the household network's
// aggregate bias from the price network's clearing error.
// Measured (shipped checkpoint, HOME tariff 0.25, J at the old steady state): the sup residual falls only
// from 1.4e-3 to 2.1e-4 in 8 steps (half steps), and the cleared long-run R is still 4.4 bp above the
// reference: the household network's mean Euler bias (~5e-4 in consumption, signed) is the floor.
// Why the steps stall: exact households respond to news of future R; the network's households see only
// the aggregate state S_t and today's prices, so off the price network's own path they do not respond to
// future prices at all and J's intertemporal terms point the wrong way. (Used as the price network's
// regression target, the same step diverged within 20 training episodes.)
// Unknowns per date t = 0..T (the network's dates; date T's prices are held after T): M - 1 log relative
// wages, R_{t+1}, and M rebates when J has rebate columns; otherwise the rebates are set to the date's
// tariff revenue after every evaluation (budget by substitution) and the step solves the wage/R rows only.
import { DenseLU } from '../../numeric/dense-lu.ts';
import type { HaTradeEquilibrium } from '../ha-trade/index.ts';
import { hasRebateUnknowns, prepareTransition, sequenceJacobian } from '../ha-trade/transition.ts';
import type { DatePrices, TransitionNetworks } from './networks.ts';
import { dateMarkets, networkPath, type NetworkPath } from './path.ts';
import { wagesFromLogRelative, type TransitionSetup } from './setup.ts';

export interface ClearingJacobian {
  lu: DenseLU;
  /** Whether the unknowns of J include the rebates (tariffs at either end of the Jacobian's economy). */
  withRebates: boolean;
  /** Unknowns per date in J. */
  perDate: number;
  cpuSeconds: number;
}

export interface ClearingIteration {
  iteration: number;
  /** Sup norm of the scaled market residuals over dates 0..T before the step. */
  residual: number;
  step: number;
  cpuSeconds: number;
}

export interface ClearedPath {
  path: NetworkPath;
  iterations: ClearingIteration[];
  residual: number;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * The sequence-space Jacobian over the network's T + 1 dates around stationary equilibrium `eq`
 * (e.g. the setup's old one: no solve per policy point), factorised.
 */
export function clearingJacobian(setup: TransitionSetup, eq: HaTradeEquilibrium): ClearingJacobian {
  const cpu0 = cpuNow();
  const T1 = setup.params.periods + 1;
  const st = prepareTransition(setup.oldEq, eq, T1);
  const J = sequenceJacobian(st);
  const perDate = st.lay.nU;
  const lu = new DenseLU(T1 * perDate, J, { absolutePivotTolerance: 1e-300 });
  if (lu.singular) throw new Error(`singular sequence-space Jacobian (column ${lu.singularColumn})`);
  return { lu, withRebates: hasRebateUnknowns(st), perDate, cpuSeconds: cpuNow() - cpu0 };
}

function pricesFrom(setup: TransitionSetup, u: Float64Array): DatePrices {
  const { M } = setup;
  const logRelative = u.slice(0, M - 1);
  return { logRelative, wages: wagesFromLogRelative(logRelative, M), Rnext: u[M - 1], rebates: u.slice(M, 2 * M) };
}

function unknownsOf(setup: TransitionSetup, p: DatePrices): Float64Array {
  const u = new Float64Array(setup.priceDim);
  u.set(p.logRelative, 0);
  u[setup.M - 1] = p.Rnext;
  u.set(p.rebates, setup.M);
  return u;
}

/** Scaled market residuals of every date of the path, each date's M - 1 + 1 + M rows (dateMarkets' order). */
function pathResiduals(setup: TransitionSetup, path: NetworkPath): { F: Float64Array[]; revenue: Float64Array[] } {
  const F: Float64Array[] = [];
  const revenue: Float64Array[] = [];
  for (const d of path.dates) {
    const mk = dateMarkets(setup, d, path.tariffs);
    F.push(mk.residuals);
    revenue.push(mk.revenue);
  }
  return { F, revenue };
}

function supNorm(F: Float64Array[], rows: number): number {
  let m = 0;
  for (const f of F) for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(f[r]));
  return m;
}

/**
 * Clears the markets of the household network's choices along the path after the change to `x`,
 * starting from the price network's path: at most `maxIterations` quasi-Newton steps (step halving when
 * the sup residual does not fall), stopping below `tol`.
 */
export function clearPath(setup: TransitionSetup, nets: TransitionNetworks, x: ArrayLike<number>, jac: ClearingJacobian, opts: { passes: number; tol?: number; maxIterations?: number; start?: NetworkPath }): ClearedPath {
  const { M, econ } = setup;
  const tol = opts.tol ?? 1e-6;
  const maxIterations = opts.maxIterations ?? 8;
  const cpu0 = cpuNow();
  const nU = setup.priceDim;
  let path = opts.start ?? networkPath(setup, nets, x, opts.passes);
  let U = path.dates.map((d) => unknownsOf(setup, d.prices));
  let res = pathResiduals(setup, path);
  const setRebates = (V: Float64Array[], revenue: Float64Array[]) => V.forEach((u, t) => { for (let i = 0; i < M; i++) u[M + i] = revenue[t][i] / econ.labor[i]; });
  if (!jac.withRebates) {
    // Budgets by substitution first, so the residual rows left out of the system start (nearly) at zero.
    setRebates(U, res.revenue);
    path = networkPath(setup, nets, x, opts.passes, U.map((u) => pricesFrom(setup, u)));
    res = pathResiduals(setup, path);
  }
  const iterations: ClearingIteration[] = [];
  const norm = (F: Float64Array[]) => supNorm(F, nU);
  for (let it = 0; ; it++) {
    const r = norm(res.F);
    const record: ClearingIteration = { iteration: it, residual: r, step: 0, cpuSeconds: cpuNow() - cpu0 };
    iterations.push(record);
    if (r < tol || it >= maxIterations) break;
    const rhs = new Float64Array(U.length * jac.perDate);
    res.F.forEach((f, t) => { for (let k = 0; k < jac.perDate; k++) rhs[t * jac.perDate + k] = f[k]; });
    const dU = jac.lu.solve(rhs);
    let accepted = false;
    for (let step = 1, halvings = 0; halvings < 5; halvings++, step /= 2) {
      const trial = U.map((u, t) => {
        const v = Float64Array.from(u);
        for (let k = 0; k < jac.perDate; k++) v[k] -= step * dU[t * jac.perDate + k];
        return v;
      });
      const trialPath = networkPath(setup, nets, x, opts.passes, trial.map((u) => pricesFrom(setup, u)));
      let trialRes = pathResiduals(setup, trialPath);
      let finalU = trial;
      let finalPath = trialPath;
      if (!jac.withRebates) {
        setRebates(trial, trialRes.revenue);
        finalPath = networkPath(setup, nets, x, opts.passes, trial.map((u) => pricesFrom(setup, u)));
        trialRes = pathResiduals(setup, finalPath);
        finalU = trial;
      }
      if (norm(trialRes.F) < r) {
        U = finalU;
        path = finalPath;
        res = trialRes;
        record.step = step;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
  }
  return { path, iterations, residual: norm(res.F) };
}
