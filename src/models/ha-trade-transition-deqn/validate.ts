// Validation of the transition DEQN against the float64 reference transition (ha-trade/transition.ts)
// for one policy point: the price paths (wages, R_{t+1}) period by period, welfare including the
// transition and steady state to steady state (utilitarian consumption equivalents, transition-welfare.ts),
// the transition effect (their difference), welfare if households optimised exactly against the
// network's price path (separates the price network's error from the household network's), and the
// mass-weighted relative Euler errors of the household network on its own path.
import { tf } from '../../tensor/backend.ts';
import { solveEquilibrium } from '../ha-trade/index.ts';
import { loadConfig } from '../ha-trade/config.ts';
import { predictWages } from '../ha-trade/predict.ts';
import { prepareTransition, solveTransition, startValuesAlong } from '../ha-trade/transition.ts';
import { transitionWelfare, utilitarianEquivalent } from '../ha-trade/transition-welfare.ts';
import { networkPath } from './path.ts';
import { eulerResiduals, priceTargets, type Row } from './train.ts';
import { tariffsOf, type TransitionSetup } from './setup.ts';
import type { TransitionNetworks } from './networks.ts';

export interface PeriodRow {
  t: number;
  wageNet: number[];
  wageRef: number[];
  /** R_{t+1}, return on assets carried out of t. */
  RNet: number;
  RRef: number;
  nfaNet: number[];
  nfaRef: number[];
}

export interface ValidationResult {
  countries: string[];
  x: number[];
  periods: PeriodRow[];
  /** Largest |wage error| / wage over the dates, and over |reference wage move from the old steady state|. */
  maxWageError: number;
  maxWageErrorOfMove: number;
  /** Largest |R_{t+1} error| (basis points) and the reference's largest |R_{t+1} - R_old| (bp). */
  maxRErrorBp: number;
  maxRMoveBp: number;
  /** Transition dynamics: error of w_0 - w_T (impact gap to the long run) relative to the reference's gap. */
  impactGapNet: number[];
  impactGapRef: number[];
  welfare: {
    network: { transition: number[]; steadyState: number[] };
    /** Households solved exactly (dated EGM) against the network's price path. */
    exactHouseholdsAtNetworkPrices: number[];
    reference: { transition: number[]; steadyState: number[] };
  };
  /** Mass-weighted mean |relative Euler error| of interior households at dates 0, 1, 5, 20, T-1, and the sup market residual on the path. */
  meanRelativeEuler: number;
  supMarketResidual: number;
  passChange: number;
  referenceCpuSeconds: number;
}

/** Mass-weighted mean |relative Euler error| (interior households, a' + phi > 1e-4) at a few dates of the path. */
function pathEulerError(setup: TransitionSetup, nets: TransitionNetworks, path: ReturnType<typeof networkPath>): number {
  const T = setup.params.periods;
  const dates = [...new Set([0, 1, 5, 20, T - 1].filter((t) => t < T))];
  let num = 0;
  let den = 0;
  for (const t of dates) {
    const rows: Row[] = [];
    const weights: number[] = [];
    for (let i = 0; i < setup.M; i++) {
      for (let z = 0; z < setup.nZ; z++) {
        for (let k = 0; k < setup.nA; k++) {
          const m = path.dates[t].mass[i][z * setup.nA + k];
          if (m < 1e-10) continue;
          rows.push({ t, country: i, z, k });
          weights.push(m);
        }
      }
    }
    const [rel, slack] = tf.tidy(() => {
      const r = eulerResiduals(setup, nets, path, rows);
      return [r.relative.dataSync() as Float32Array, r.slack.dataSync() as Float32Array];
    });
    rows.forEach((r, b) => {
      for (let j = 0; j < setup.M; j++) {
        const pi = path.dates[t].pi[r.country][(j * setup.nZ + r.z) * setup.nA + r.k];
        if (slack[b * setup.M + j] <= 1e-4) continue;
        num += weights[b] * pi * Math.abs(rel[b * setup.M + j]);
        den += weights[b] * pi;
      }
    });
  }
  return num / Math.max(den, 1e-300);
}

export function validateAgainstReference(setup: TransitionSetup, nets: TransitionNetworks, x: Float64Array, opts: { referencePeriods: number; passes: number }): ValidationResult {
  const { M, oldEq, econ, params } = setup;
  const T = params.periods;
  // Reference: new stationary equilibrium and the perfect-foresight path (as `deqn transition`).
  const cpu0 = process.cpuUsage();
  const { config, baseDir } = loadConfig(params.economy, params.economySets);
  config.solver.householdTolerance = Math.min(config.solver.householdTolerance, 1e-12);
  config.solver.distributionTolerance = Math.min(config.solver.distributionTolerance, 1e-13);
  const tariffs = tariffsOf(setup, x);
  const initialWages = predictWages(econ, oldEq.residuals.imports, oldEq.wages, { tradeCosts: econ.tradeCosts, tariffs });
  const next = solveEquilibrium(config, { baseDir, tol: Math.min(config.solver.tolerance, 1e-10), tariffs, initial: { wages: initialWages, R: oldEq.R, rebates: oldEq.rebates } });
  const ref = solveTransition(oldEq, next, { periods: opts.referencePeriods, tol: 1e-9 });
  const refWelfare = transitionWelfare(oldEq, next, ref);
  const cpu1 = process.cpuUsage(cpu0);
  // Network path.
  const path = networkPath(setup, nets, x, opts.passes);
  const at = (t: number) => path.dates[Math.min(t, T)];
  const periods: PeriodRow[] = [];
  let maxWageError = 0;
  let maxWageErrorOfMove = 0;
  let maxRErrorBp = 0;
  let maxRMoveBp = 0;
  const Tcmp = Math.min(opts.referencePeriods, Math.max(T, 60));
  for (let t = 0; t < Tcmp; t++) {
    const d = at(t);
    const wageNet = Array.from(d.prices.wages);
    const wageRef = Array.from(ref.wages[t]);
    const nfaNet = d.moments.map((m, i) => m[0] / (d.prices.wages[i] * econ.labor[i]));
    periods.push({ t, wageNet, wageRef, RNet: d.prices.Rnext, RRef: ref.R[t + 1][0], nfaNet, nfaRef: Array.from(ref.netForeignAssets[t]) });
    for (let i = 0; i < M; i++) {
      const err = Math.abs(wageNet[i] - wageRef[i]);
      maxWageError = Math.max(maxWageError, err / wageRef[i]);
      // Relative to the move only where the wage moves (not in symmetric changes).
      const move = Math.abs(next.wages[i] - oldEq.wages[i]);
      if (move > 1e-6) maxWageErrorOfMove = Math.max(maxWageErrorOfMove, err / move);
    }
    maxRErrorBp = Math.max(maxRErrorBp, 1e4 * Math.abs(d.prices.Rnext - ref.R[t + 1][0]));
    maxRMoveBp = Math.max(maxRMoveBp, 1e4 * Math.abs(ref.R[t + 1][0] - setup.oldR));
  }
  const last = path.dates[T];
  const impactGapNet = Array.from({ length: M }, (_, i) => path.dates[0].prices.wages[i] - last.prices.wages[i]);
  const impactGapRef = Array.from({ length: M }, (_, i) => ref.wages[0][i] - next.wages[i]);
  const ce = (values: Float64Array[]) => values.map((v, i) => utilitarianEquivalent(oldEq.states[i], setup.massOld[i], v));
  // Exact households against the network's price path (the reference's unknown layout; date-T prices held).
  const st = prepareTransition(oldEq, next, opts.referencePeriods);
  const nU = M - 1 + 1 + M;
  const U = new Float64Array(opts.referencePeriods * nU);
  for (let t = 0; t < opts.referencePeriods; t++) {
    const d = at(t);
    for (let j = 0; j < M - 1; j++) U[t * nU + j] = d.prices.logRelative[j];
    U[t * nU + M - 1] = d.prices.Rnext;
    for (let i = 0; i < M; i++) U[t * nU + M + i] = d.prices.rebates[i];
  }
  const exact = ce(startValuesAlong(st, U));
  const market = priceTargets(setup, path);
  return {
    countries: econ.countries,
    x: Array.from(x),
    periods,
    maxWageError,
    maxWageErrorOfMove,
    maxRErrorBp,
    maxRMoveBp,
    impactGapNet,
    impactGapRef,
    welfare: {
      network: { transition: ce(path.values[0]), steadyState: ce(path.values[T]) },
      exactHouseholdsAtNetworkPrices: exact,
      reference: { transition: refWelfare.map((w) => w.transition.utilitarian), steadyState: refWelfare.map((w) => w.steadyState.utilitarian) },
    },
    meanRelativeEuler: pathEulerError(setup, nets, path),
    supMarketResidual: market.supResidual,
    passChange: path.passChange,
    referenceCpuSeconds: (cpu1.user + cpu1.system) / 1e6,
  };
}

const f = (v: number, d = 5) => v.toFixed(d);

export function validationMarkdown(r: ValidationResult, checkpoint: string, episode: number): string {
  const c = r.countries;
  const lines: string[] = [];
  lines.push(`# Transition DEQN vs reference: ${r.x.map((v) => v.toFixed(3)).join(', ')} (checkpoint ${checkpoint}, episode ${episode})`, '');
  lines.push(`| t | wage ${c[0]} net | ref | R_{t+1} net | ref | diff (bp) | NFA/income ${c[0]} net | ref |`, '|---|---|---|---|---|---|---|---|');
  for (const p of r.periods.filter((p) => p.t < 6 || p.t % 10 === 0)) {
    lines.push(`| ${p.t} | ${f(p.wageNet[0])} | ${f(p.wageRef[0])} | ${f(p.RNet, 6)} | ${f(p.RRef, 6)} | ${f(1e4 * (p.RNet - p.RRef), 2)} | ${f(p.nfaNet[0], 4)} | ${f(p.nfaRef[0], 4)} |`);
  }
  lines.push('', `max |wage error|: ${(100 * r.maxWageError).toFixed(3)} % of the wage, ${(100 * r.maxWageErrorOfMove).toFixed(1)} % of the wage's move`);
  lines.push(`max |R_{t+1} error|: ${r.maxRErrorBp.toFixed(2)} bp (reference R moves up to ${r.maxRMoveBp.toFixed(2)} bp)`);
  lines.push(`impact gap w_0 - w_T (${c[0]}): network ${r.impactGapNet[0].toExponential(3)}, reference ${r.impactGapRef[0].toExponential(3)}`, '');
  lines.push('| country | net transition | net steady state | net effect | exact households at net prices | ref transition | ref steady state | ref effect |', '|---|---|---|---|---|---|---|---|');
  c.forEach((name, i) => {
    const w = r.welfare;
    lines.push(`| ${name} | ${f(w.network.transition[i], 4)} | ${f(w.network.steadyState[i], 4)} | ${f(w.network.transition[i] - w.network.steadyState[i], 4)} | ${f(w.exactHouseholdsAtNetworkPrices[i], 4)} | ${f(w.reference.transition[i], 4)} | ${f(w.reference.steadyState[i], 4)} | ${f(w.reference.transition[i] - w.reference.steadyState[i], 4)} |`);
  });
  lines.push('', `mean relative Euler error (mass-weighted, interior): ${r.meanRelativeEuler.toExponential(3)}; sup market residual on the path: ${r.supMarketResidual.toExponential(3)}; last pass change of mean assets: ${r.passChange.toExponential(2)}; reference CPU ${r.referenceCpuSeconds.toFixed(1)} s`, '');
  return lines.join('\n');
}
