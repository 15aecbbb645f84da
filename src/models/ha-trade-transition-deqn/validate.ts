// Validation of the transition DEQN against the float64 reference transition (ha-trade/transition.ts)
// for one policy point: the price paths (wages, R_{t+1}) period by period, welfare including the
// transition and steady state to steady state (utilitarian consumption equivalents, transition-welfare.ts),
// the transition effect (their difference), welfare if households optimised exactly against the
// network's price path (separates the price network's error from the household network's), and the
// mass-weighted relative Euler errors of the household network on its own path.
import { tf } from '../../tensor/backend.ts';
import { solveEquilibrium, type HaTradeEquilibrium } from '../ha-trade/index.ts';
import { loadConfig } from '../ha-trade/config.ts';
import { predictWages } from '../ha-trade/predict.ts';
import { hasRebateUnknowns, prepareTransition, solveTransition, startValuesAlong, type TransitionPath } from '../ha-trade/transition.ts';
import { transitionWelfare, utilitarianEquivalent } from '../ha-trade/transition-welfare.ts';
import { networkPath, type NetworkPath } from './path.ts';
import { clearingJacobian, clearPath, type ClearingIteration } from './clearing.ts';
import { dateRows, eulerResiduals, priceTargets, withEulerOffset } from './train.ts';
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

/** Accuracy of one price path of the networks (the price network's, or the cleared one) against the reference. */
export interface PathAccuracy {
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
    /** Households solved exactly (dated EGM) against the path's prices. */
    exactHouseholdsAtNetworkPrices: number[];
    reference: { transition: number[]; steadyState: number[] };
  };
  /** Mass-weighted mean |relative Euler error| of interior households at dates 0, 1, 5, 20, T-1 (residuals as the checkpoint was trained), and the sup market residual on the path. */
  meanRelativeEuler: number;
  /** Per country, the old steady state's EGM policy's own mean relative Euler residual under the network's residual code (interpolation error; the 'reference' offset). */
  referenceEulerOffset: number[];
  /** Per country, the mass-weighted mean SIGNED relative Euler error at those dates, measured from the old EGM policy's own residual (the aggregate bias the bond market sees). */
  signedEulerFromReference: number[];
  supMarketResidual: number;
  passChange: number;
}

export interface ValidationResult extends PathAccuracy {
  countries: string[];
  x: number[];
  referenceCpuSeconds: number;
  /** The household network on the market-clearing correction of the price network's path (clearing.ts), when asked for. */
  cleared?: PathAccuracy & { jacobianAt: 'old' | 'new'; iterations: ClearingIteration[]; jacobianCpuSeconds: number; clearingCpuSeconds: number };
}

/**
 * Mass-weighted mean |relative Euler error| and mean signed error (interior households, a' + phi > 1e-4)
 * at a few dates of the path, with the residuals as `setup` measures them.
 */
/**
 * Relative Euler residuals of every (state, variety) off the limit at date t, each with its weight in
 * the population: the state's mass times the variety's choice probability.
 */
export function dateEulerResiduals(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath, t: number): { country: number; weight: number; relative: number }[] {
  const d = path.dates[t];
  const { M, nZ, nA } = setup;
  const { rows, mass } = dateRows(setup, path, t);
  const [rel, slack] = tf.tidy(() => {
    const r = eulerResiduals(setup, nets, path, rows);
    return [r.relative.dataSync() as Float32Array, r.slack.dataSync() as Float32Array];
  });
  const out: { country: number; weight: number; relative: number }[] = [];
  rows.forEach((r, b) => {
    for (let j = 0; j < M; j++) {
      if (slack[b * M + j] <= 1e-4) continue;
      out.push({ country: r.country, weight: mass[b] * d.pi[r.country][(j * nZ + r.z) * nA + r.k], relative: rel[b * M + j] });
    }
  });
  return out;
}

function pathEulerError(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath): { meanAbs: number; signed: number[] } {
  const T = setup.params.periods;
  const dates = [...new Set([0, 1, 5, 20, T - 1].filter((t) => t < T))];
  let num = 0;
  let den = 0;
  const signed = new Float64Array(setup.M);
  const denCountry = new Float64Array(setup.M);
  for (const t of dates) {
    for (const { country, weight, relative } of dateEulerResiduals(setup, nets, path, t)) {
      num += weight * Math.abs(relative);
      signed[country] += weight * relative;
      denCountry[country] += weight;
      den += weight;
    }
  }
  return { meanAbs: num / Math.max(den, 1e-300), signed: Array.from(signed, (v, i) => v / Math.max(denCountry[i], 1e-300)) };
}

/** The same setup with Euler residuals measured from the old EGM policy's own (training.eulerOffset 'reference'). */
function referenceMeasured(setup: TransitionSetup): TransitionSetup {
  const ref: TransitionSetup = { ...setup, params: { ...setup.params, training: { ...setup.params.training, eulerOffset: 'reference' } }, eulerOffset: undefined };
  return withEulerOffset(ref);
}

/** The reference new stationary equilibrium after policy x and the perfect-foresight path to it (as `deqn transition`). */
export function referenceTransition(setup: TransitionSetup, x: Float64Array, periods: number): { next: HaTradeEquilibrium; path: TransitionPath } {
  const { oldEq, econ, params } = setup;
  const { config, baseDir } = loadConfig(params.economy, params.economySets);
  config.solver.householdTolerance = Math.min(config.solver.householdTolerance, 1e-12);
  config.solver.distributionTolerance = Math.min(config.solver.distributionTolerance, 1e-13);
  const tariffs = tariffsOf(setup, x);
  const initialWages = predictWages(econ, oldEq.residuals.imports, oldEq.wages, { tradeCosts: econ.tradeCosts, tariffs });
  const next = solveEquilibrium(config, { baseDir, tol: Math.min(config.solver.tolerance, 1e-10), tariffs, initial: { wages: initialWages, R: oldEq.R, rebates: oldEq.rebates } });
  return { next, path: solveTransition(oldEq, next, { periods, tol: 1e-9 }) };
}

export function validateAgainstReference(setup: TransitionSetup, nets: TransitionNetworks, x: Float64Array, opts: { referencePeriods: number; passes: number; clearing?: { jacobianAt: 'old' | 'new'; tol?: number; maxIterations?: number } }): ValidationResult {
  const { oldEq, econ, params } = setup;
  withEulerOffset(setup); // Euler errors measured as the checkpoint was trained (training.eulerOffset)
  const cpu0 = process.cpuUsage();
  const { next, path: ref } = referenceTransition(setup, x, opts.referencePeriods);
  const refWelfare = transitionWelfare(oldEq, next, ref);
  const cpu1 = process.cpuUsage(cpu0);
  const reference: Reference = { next, ref, welfare: { transition: refWelfare.map((w) => w.transition.utilitarian), steadyState: refWelfare.map((w) => w.steadyState.utilitarian) }, st: prepareTransition(oldEq, next, opts.referencePeriods), periods: opts.referencePeriods };
  const path = networkPath(setup, nets, x, opts.passes);
  const result: ValidationResult = { countries: econ.countries, x: Array.from(x), ...pathAccuracy(setup, nets, path, reference), referenceCpuSeconds: (cpu1.user + cpu1.system) / 1e6 };
  if (opts.clearing) {
    const jac = clearingJacobian(setup, opts.clearing.jacobianAt === 'old' ? oldEq : next);
    const cleared = clearPath(setup, nets, x, jac, { passes: opts.passes, tol: opts.clearing.tol, maxIterations: opts.clearing.maxIterations, start: path });
    const last = cleared.iterations[cleared.iterations.length - 1];
    result.cleared = { ...pathAccuracy(setup, nets, cleared.path, reference), jacobianAt: opts.clearing.jacobianAt, iterations: cleared.iterations, jacobianCpuSeconds: jac.cpuSeconds, clearingCpuSeconds: last.cpuSeconds };
  }
  return result;
}

interface Reference {
  next: HaTradeEquilibrium;
  ref: TransitionPath;
  welfare: { transition: number[]; steadyState: number[] };
  st: ReturnType<typeof prepareTransition>;
  periods: number;
}

function pathAccuracy(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath, reference: Reference): PathAccuracy {
  const { M, oldEq, econ, params } = setup;
  const { next, ref } = reference;
  const T = params.periods;
  const at = (t: number) => path.dates[Math.min(t, T)];
  const periods: PeriodRow[] = [];
  let maxWageError = 0;
  let maxWageErrorOfMove = 0;
  let maxRErrorBp = 0;
  let maxRMoveBp = 0;
  const Tcmp = Math.min(reference.periods, Math.max(T, 60));
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
  // Exact households against the path's prices (the reference's unknown layout; date-T prices held).
  // (Without tariffs at either end the reference has no rebate unknowns: the rebates are zero.)
  const withRebates = hasRebateUnknowns(reference.st);
  const nU = M - 1 + 1 + (withRebates ? M : 0);
  const U = new Float64Array(reference.periods * nU);
  for (let t = 0; t < reference.periods; t++) {
    const d = at(t);
    for (let j = 0; j < M - 1; j++) U[t * nU + j] = d.prices.logRelative[j];
    U[t * nU + M - 1] = d.prices.Rnext;
    if (withRebates) for (let i = 0; i < M; i++) U[t * nU + M + i] = d.prices.rebates[i];
  }
  const exact = ce(startValuesAlong(reference.st, U));
  const market = priceTargets(setup, path);
  const measured = referenceMeasured(setup);
  return {
    periods,
    maxWageError,
    maxWageErrorOfMove,
    maxRErrorBp,
    maxRMoveBp,
    impactGapNet,
    impactGapRef,
    welfare: { network: { transition: ce(path.values[0]), steadyState: ce(path.values[T]) }, exactHouseholdsAtNetworkPrices: exact, reference: reference.welfare },
    meanRelativeEuler: pathEulerError(setup, nets, path).meanAbs,
    signedEulerFromReference: pathEulerError(measured, nets, path).signed,
    referenceEulerOffset: measured.eulerOffsetMean as number[],
    supMarketResidual: market.supResidual,
    passChange: path.passChange,
  };
}

const f = (v: number, d = 5) => v.toFixed(d);

export function validationMarkdown(r: ValidationResult, checkpoint: string, episode: number): string {
  const lines: string[] = [];
  lines.push(`# Transition DEQN vs reference: ${r.x.map((v) => v.toFixed(3)).join(', ')} (checkpoint ${checkpoint}, episode ${episode})`, '');
  lines.push('## Networks alone (price network path)', '', ...accuracyMarkdown(r, r.countries));
  if (r.cleared) {
    const k = r.cleared;
    lines.push(`## Network + clearing correction (household network; price path cleared by quasi-Newton with the sequence-space Jacobian at the ${k.jacobianAt} steady state)`, '');
    lines.push(`clearing: sup market residual by iteration ${k.iterations.map((it) => it.residual.toExponential(2)).join(', ')} (steps ${k.iterations.slice(0, -1).map((it) => it.step).join(', ')}); Jacobian ${k.jacobianCpuSeconds.toFixed(1)} s CPU, clearing ${k.clearingCpuSeconds.toFixed(1)} s CPU`, '');
    lines.push(...accuracyMarkdown(k, r.countries));
  }
  lines.push(`reference CPU ${r.referenceCpuSeconds.toFixed(1)} s`, '');
  return lines.join('\n');
}

function accuracyMarkdown(r: PathAccuracy, c: string[]): string[] {
  const lines: string[] = [];
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
  lines.push('', `mean relative Euler error (mass-weighted, interior): ${r.meanRelativeEuler.toExponential(3)}; signed by country, from the old EGM policy's residual: ${r.signedEulerFromReference.map((v) => v.toExponential(2)).join(', ')} (that residual's own mean: ${r.referenceEulerOffset.map((v) => v.toExponential(2)).join(', ')}); sup market residual on the path: ${r.supMarketResidual.toExponential(3)}; last pass change of mean assets: ${r.passChange.toExponential(2)}`, '');
  return lines;
}
