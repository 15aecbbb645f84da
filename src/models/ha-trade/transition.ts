// Perfect-foresight transition of the heterogeneous-agent trade model (MODELS.md §C, beyond the
// paper, which compares steady states): an unanticipated permanent change of tariffs and/or trade
// costs at t = 0, the economy starting from the OLD stationary distribution and reaching the NEW
// stationary equilibrium after T periods (prices at t >= T are the new steady state's).
//
// Unknowns per date t = 0..T-1, the stationary solver's under the same closure (§C.4): log relative
// wages (mean wage one every period: each date's numeraire), the return R_{t+1} on assets carried out
// of t (one world R under financial globalisation, one per country under autarky) and, with tariffs,
// the per-household rebates T_it. R_0, the return on the bonds households enter t = 0 with, was
// contracted before the news and stays at the old steady state's value.
// Residuals per date (§C.4, dated): goods markets 2..M, bond market(s) sum_i L_i A'_it = 0,
// government budgets; scaled like the stationary solver's.
// Households are solved backward from the new steady state's policies with dated prices
// (transition-household.ts), the distribution pushed forward from the old one by the lottery method
// (distribution.ts). The system F(U) = 0 (T * nU equations) is solved by a quasi-Newton method whose
// matrix is the sequence-space Jacobian at the new steady state (fake-news algorithm,
// transition-jacobian.ts), with step halving when the residual does not fall.
import { UsageError } from '../../io/errors.ts';
import { assetTransition, advanceDistribution, stationaryDistribution } from './distribution.ts';
import { deliveredPrices, hasTariffs, householdParamsFor, type Economy } from './economy.ts';
import type { HaTradeEquilibrium } from './index.ts';
import { asHouseholdSolution, backwardStep, emptySlice, stationarySlice, stepWork, type DatedPrices, type PolicySlice } from './transition-household.ts';
import { blockJacobian, outcomeCount, type BlockJacobian } from './transition-jacobian.ts';
import { DenseLU } from '../../numeric/dense-lu.ts';

export interface TransitionOptions {
  periods: number;
  /** Sup norm of the scaled market-clearing residuals over the whole path (default 1e-9). */
  tol?: number;
  maxIterations?: number;
  log?: (message: string) => void;
}

export interface NewtonIteration {
  iteration: number;
  /** Sup norm of the scaled residuals before the step, by market. */
  residual: number;
  goods: number;
  bonds: number;
  government: number;
  /** Step length used (1 = full quasi-Newton step). */
  step: number;
  cpuSeconds: number;
}

export interface TransitionPath {
  periods: number;
  countries: string[];
  /** wages[t][i], t = 0..T-1 (mean one each date). */
  wages: Float64Array[];
  /** R[t][i]: gross return on assets entering date t, t = 0..T (R[0] is the old steady state's). */
  R: Float64Array[];
  rebates: Float64Array[];
  /** Mean assets per household entering date t (t = 0..T), the aggregate state of each country. */
  assets: Float64Array[];
  /** Cross-sectional standard deviation of assets entering t (t = 0..T) per country. */
  assetsStd: Float64Array[];
  /** Share of households at the borrowing limit entering t (t = 0..T) per country. */
  constrainedShare: Float64Array[];
  /** Share of buyer i's spending on its own variety at date t. */
  homeShare: Float64Array[];
  /** Net foreign assets entering t over labour income. */
  netForeignAssets: Float64Array[];
  /** Scaled residuals of the final path (sup norm over dates and markets). */
  residualNorm: number;
  /**
   * Goods market of the first country, left out of the system (Walras' law), by date: zero only if
   * budgets, the distribution's law of motion and the other markets are mutually consistent.
   */
  walrasResidual: Float64Array;
  /** Date-0 logsum values V_0(a, z) per country (welfare including the transition). */
  valueAtStart: Float64Array[];
  /** Old and new steady-state values (fixed points of the same backward step). */
  valueOld: Float64Array[];
  valueNew: Float64Array[];
  /** Old stationary distribution per country (the t = 0 population). */
  massOld: Float64Array[];
  /** Distance (sup norm) between the date-T distribution and the new stationary one, per country. */
  terminalDistributionGap: number[];
  iterations: NewtonIteration[];
  jacobianCpuSeconds: number;
  cpuSeconds: number;
}

interface Layout {
  M: number;
  nR: number;
  nT: number;
  nU: number;
}

function layoutOf(econ: Economy, withRebates: boolean): Layout {
  const M = econ.countries.length;
  const nR = econ.closure === 'autarky' ? M : 1;
  const nT = withRebates ? M : 0;
  return { M, nR, nT, nU: M - 1 + nR + nT };
}

/** Steady-state unknown vector of one date from a solved stationary equilibrium. */
function ssUnknowns(lay: Layout, eq: HaTradeEquilibrium): Float64Array {
  const u = new Float64Array(lay.nU);
  const M = lay.M;
  for (let j = 0; j < M - 1; j++) u[j] = Math.log(eq.prices.wages[j] / eq.prices.wages[M - 1]);
  for (let r = 0; r < lay.nR; r++) u[M - 1 + r] = eq.prices.R[r];
  for (let i = 0; i < lay.nT; i++) u[M - 1 + lay.nR + i] = eq.prices.rebates[i];
  return u;
}

function wagesOf(lay: Layout, u: Float64Array, at: number): Float64Array {
  const M = lay.M;
  const raw = new Float64Array(M);
  for (let j = 0; j < M - 1; j++) raw[j] = Math.exp(u[at + j]);
  raw[M - 1] = 1;
  let sum = 0;
  for (const w of raw) sum += w;
  return raw.map((w) => (w * M) / sum);
}

const rIndex = (lay: Layout, i: number) => lay.M - 1 + (lay.nR === 1 ? 0 : i);

/**
 * The household block's input vector theta for country i: log relative wages (M-1), R_{t+1}, R_t,
 * then the rebate. Dated prices follow from it with the new economy's tariffs and trade costs.
 */
function pricesFromTheta(econ: Economy, lay: Layout, i: number, theta: Float64Array): DatedPrices {
  const wages = wagesOf(lay, theta, 0);
  const M = lay.M;
  return { Rnext: theta[M - 1], Rcur: theta[M], wage: wages[i], rebate: lay.nT > 0 ? theta[M + 1] : 0, prices: deliveredPrices(econ, wages, i) };
}

function thetaAt(lay: Layout, U: Float64Array, t: number, i: number, R0: number, uSS: Float64Array, T: number): Float64Array {
  const { M, nU } = lay;
  const u = (tt: number, k: number) => (tt >= T ? uSS[k] : U[tt * nU + k]);
  const theta = new Float64Array(M + 1 + (lay.nT > 0 ? 1 : 0));
  for (let j = 0; j < M - 1; j++) theta[j] = u(t, j);
  theta[M - 1] = u(t, rIndex(lay, i));
  theta[M] = t === 0 ? R0 : u(t - 1, rIndex(lay, i));
  if (lay.nT > 0) theta[M + 1] = u(t, M - 1 + lay.nR + i);
  return theta;
}

/** Per-date outcomes of every country: spending on each variety (per household) and assets carried out. */
interface DateOutcomes {
  spending: Float64Array[];
  assetsNext: Float64Array;
}

/** Scaled market-clearing residuals of one date (same order as the stationary solver). */
function dateResiduals(econ: Economy, lay: Layout, u: Float64Array, y: DateOutcomes, efficiency: Float64Array): Float64Array {
  const { M, nR, nT, nU } = lay;
  const wages = wagesOf(lay, u, 0);
  const income = Float64Array.from(wages, (w, i) => w * econ.labor[i] * efficiency[i]);
  let worldIncome = 0;
  for (const v of income) worldIncome += v;
  const F = new Float64Array(nU);
  for (let i = 1; i < M; i++) {
    let sales = 0;
    for (let k = 0; k < M; k++) sales += (econ.labor[k] * y.spending[k][i]) / (1 + econ.tariffs[k * M + i]);
    F[i - 1] = (income[i] - sales) / income[i];
  }
  if (nR === 1) {
    let total = 0;
    for (let i = 0; i < M; i++) total += econ.labor[i] * y.assetsNext[i];
    F[M - 1] = total / worldIncome;
  } else for (let i = 0; i < M; i++) F[M - 1 + i] = (econ.labor[i] * y.assetsNext[i]) / income[i];
  for (let i = 0; i < nT; i++) {
    let revenue = 0;
    for (let j = 0; j < M; j++) {
      const t = econ.tariffs[i * M + j];
      revenue += (t / (1 + t)) * econ.labor[i] * y.spending[i][j];
    }
    F[M - 1 + nR + i] = (econ.labor[i] * u[M - 1 + nR + i] - revenue) / income[i];
  }
  return F;
}

export interface Setup {
  econ: Economy;
  lay: Layout;
  T: number;
  uSS: Float64Array;
  R0: Float64Array;
  ssNew: PolicySlice[];
  ssOld: PolicySlice[];
  massOld: Float64Array[];
  massNew: Float64Array[];
  efficiency: Float64Array;
}

interface Evaluation {
  F: Float64Array;
  slices: PolicySlice[][];
  masses: Float64Array[][];
  outcomes: DateOutcomes[];
}

/** Backward pass from the new steady state, forward pass from the old distribution, residuals. */
function evaluatePath(st: Setup, U: Float64Array, keep = false): Evaluation {
  const { econ, lay, T } = st;
  const M = lay.M;
  const slices: PolicySlice[][] = [];
  for (let i = 0; i < M; i++) {
    const params = householdParamsFor(econ, i);
    const ss = st.ssNew[i];
    const w = stepWork(ss.nA, ss.nZ, ss.nJ);
    const path: PolicySlice[] = new Array(T + 1);
    path[T] = emptySlice(ss.nA, ss.nZ, ss.nJ);
    // Date T: new steady-state prices except the return R_T on assets entering it (chosen at T - 1).
    backwardStep(params, pricesFromTheta(econ, lay, i, thetaAt(lay, U, T, i, st.R0[i], st.uSS, T)), ss, path[T], w);
    for (let t = T - 1; t >= 0; t--) {
      path[t] = emptySlice(ss.nA, ss.nZ, ss.nJ);
      backwardStep(params, pricesFromTheta(econ, lay, i, thetaAt(lay, U, t, i, st.R0[i], st.uSS, T)), path[t + 1], path[t], w);
    }
    slices.push(path);
  }
  const masses: Float64Array[][] = [];
  const outcomes: DateOutcomes[] = Array.from({ length: T }, () => ({ spending: [], assetsNext: new Float64Array(M) }));
  for (let i = 0; i < M; i++) {
    const params = householdParamsFor(econ, i);
    const nS = st.massOld[i].length;
    let mass = Float64Array.from(st.massOld[i]);
    const scratch = new Float64Array(nS);
    const list: Float64Array[] = keep ? [mass] : [];
    for (let t = 0; t < T; t++) {
      const sl = slices[i][t];
      const sp = new Float64Array(sl.nJ);
      let an = 0;
      for (let s = 0; s < nS; s++) {
        const m = mass[s];
        if (m === 0) continue;
        for (let j = 0; j < sl.nJ; j++) sp[j] += m * sl.spending[j * nS + s];
        an += m * sl.assetsNext[s];
      }
      outcomes[t].spending[i] = sp;
      outcomes[t].assetsNext[i] = an;
      const next = new Float64Array(nS);
      advanceDistribution(assetTransition(asHouseholdSolution(sl), params.agrid), params.chain.P, mass, next, scratch);
      mass = next;
      if (keep) list.push(mass);
    }
    if (!keep) list.push(mass);
    masses.push(list);
  }
  const F = new Float64Array(T * lay.nU);
  for (let t = 0; t < T; t++) F.set(dateResiduals(econ, lay, U.subarray(t * lay.nU, (t + 1) * lay.nU), outcomes[t], st.efficiency), t * lay.nU);
  return { F, slices, masses, outcomes };
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * The quasi-Newton matrix: sequence-space Jacobian of the residuals at the new steady state, T nU x T nU
 * (also the transition DEQN's market-clearing correction, ha-trade-transition-deqn/clearing.ts).
 */
export function sequenceJacobian(st: Setup): Float64Array {
  const { econ, lay, T } = st;
  const { M, nU } = lay;
  const nO = outcomeCount(M);
  const blocks: BlockJacobian[] = [];
  const thetas: Float64Array[] = [];
  for (let i = 0; i < M; i++) {
    const theta = thetaAt(lay, st.uSS, 0, i, st.uSS[rIndex(lay, i)], st.uSS, 1); // a steady-state date
    thetas.push(theta);
    blocks.push(blockJacobian({ params: householdParamsFor(econ, i), pricesOf: (th) => pricesFromTheta(econ, lay, i, th), thetaSS: theta, ss: st.ssNew[i], mass: st.massNew[i], periods: T + 1 }));
  }
  // Static derivatives of one date's residuals w.r.t. its unknowns (A) and outcomes (B), central differences.
  const ySS: DateOutcomes = { spending: [], assetsNext: new Float64Array(M) };
  for (let i = 0; i < M; i++) {
    const nS = st.massNew[i].length;
    const sl = st.ssNew[i];
    ySS.spending[i] = Float64Array.from({ length: M }, (_, j) => {
      let v = 0;
      for (let s = 0; s < nS; s++) v += st.massNew[i][s] * sl.spending[j * nS + s];
      return v;
    });
    let an = 0;
    for (let s = 0; s < nS; s++) an += st.massNew[i][s] * sl.assetsNext[s];
    ySS.assetsNext[i] = an;
  }
  const h = 1e-6;
  const A = new Float64Array(nU * nU);
  for (let k = 0; k < nU; k++) {
    const up = Float64Array.from(st.uSS);
    const dn = Float64Array.from(st.uSS);
    up[k] += h;
    dn[k] -= h;
    const fu = dateResiduals(econ, lay, up, ySS, st.efficiency);
    const fd = dateResiduals(econ, lay, dn, ySS, st.efficiency);
    for (let r = 0; r < nU; r++) A[r * nU + k] = (fu[r] - fd[r]) / (2 * h);
  }
  const nY = M * nO;
  const B = new Float64Array(nU * nY);
  for (let i = 0; i < M; i++) {
    for (let o = 0; o < nO; o++) {
      const bump = (d: number): Float64Array => {
        const y: DateOutcomes = { spending: ySS.spending.map((v) => Float64Array.from(v)), assetsNext: Float64Array.from(ySS.assetsNext) };
        if (o < M) y.spending[i][o] += d;
        else y.assetsNext[i] += d;
        return dateResiduals(econ, lay, st.uSS, y, st.efficiency);
      };
      const fu = bump(h);
      const fd = bump(-h);
      for (let r = 0; r < nU; r++) B[r * nY + i * nO + o] = (fu[r] - fd[r]) / (2 * h);
    }
  }
  // dY_{i,o,t} / dU_{s,u}: the block's inputs theta map to unknowns (R_t is yesterday's R_{t+1} unknown).
  const n = T * nU;
  const T1 = T + 1;
  const J = new Float64Array(n * n);
  for (let t = 0; t < T; t++) for (let r = 0; r < nU; r++) for (let u = 0; u < nU; u++) J[(t * nU + r) * n + t * nU + u] += A[r * nU + u];
  for (let i = 0; i < M; i++) {
    const blk = blocks[i];
    const qOf = (u: number): number[] => {
      if (u < M - 1) return [u];
      if (u < M - 1 + lay.nR) return u === rIndex(lay, i) ? [M - 1] : [];
      return u - (M - 1 + lay.nR) === i ? [M + 1] : [];
    };
    for (let o = 0; o < nO; o++) {
      const y = i * nO + o;
      for (let u = 0; u < nU; u++) {
        const qs = qOf(u);
        if (qs.length === 0) continue;
        const isR = u >= M - 1 && u < M - 1 + lay.nR;
        for (let t = 0; t < T; t++) {
          for (let s = 0; s < T; s++) {
            // Block Jacobians have T + 1 horizons: R_{s+1} is also date s+1's R_t, up to date T's.
            let d = blk[qs[0]][o][t * T1 + s];
            if (isR) d += blk[M][o][t * T1 + s + 1];
            if (d === 0) continue;
            const col = s * nU + u;
            for (let r = 0; r < nU; r++) {
              const b = B[r * nY + y];
              if (b !== 0) J[(t * nU + r) * n + col] += b * d;
            }
          }
        }
      }
    }
  }
  return J;
}

function supNorm(F: Float64Array, lay: Layout, from: number, to: number): number {
  let m = 0;
  for (let k = 0; k < F.length; k++) {
    const r = k % lay.nU;
    if (r >= from && r < to) m = Math.max(m, Math.abs(F[k]));
  }
  return m;
}

/** Steady states of both ends as fixed points of the dated backward step, and their distributions. */
export function prepareTransition(oldEq: HaTradeEquilibrium, newEq: HaTradeEquilibrium, T: number): Setup {
  if (!Number.isInteger(T) || T < 10) throw new UsageError(`transition: --periods must be an integer >= 10, got ${T}`);
  const econ = newEq.economy;
  const oldEcon = oldEq.economy;
  const lay = layoutOf(econ, hasTariffs(econ) || hasTariffs(oldEcon));
  const M = lay.M;
  const steady = (eq: HaTradeEquilibrium, e: Economy, i: number) => {
    const params = householdParamsFor(e, i);
    const st = eq.states[i];
    const dp: DatedPrices = { Rcur: st.prices.R, Rnext: st.prices.R, wage: st.prices.wage, rebate: st.prices.rebate, prices: st.prices.prices };
    const fixed = stationarySlice(params, dp, st.household);
    const dist = stationaryDistribution(asHouseholdSolution(fixed.slice), params.agrid, params.chain.P, params.chain.ergodic, { tol: 1e-14, guess: st.distribution.mass });
    return { slice: fixed.slice, mass: dist.mass };
  };
  const olds = oldEq.states.map((_, i) => steady(oldEq, oldEcon, i));
  const news = newEq.states.map((_, i) => steady(newEq, econ, i));
  return {
    econ,
    lay,
    T,
    uSS: ssUnknowns(lay, newEq),
    R0: Float64Array.from({ length: M }, (_, i) => oldEq.prices.R[i]),
    ssNew: news.map((s) => s.slice),
    ssOld: olds.map((s) => s.slice),
    massOld: olds.map((s) => s.mass),
    massNew: news.map((s) => s.mass),
    efficiency: Float64Array.from(newEq.states, (s) => s.aggregates.efficiency),
  };
}

/**
 * Date-0 values V_0(a, z) of every country's households if they expected the price path `U` (the
 * solver's layout; e.g. a path forecast from an aggregate state instead of the equilibrium one).
 */
export function startValuesAlong(st: Setup, U: Float64Array): Float64Array[] {
  return evaluatePath(st, U).slices.map((p) => Float64Array.from(p[0].phi));
}

/** Whether the unknowns include rebates (tariffs in either steady state). */
export function hasRebateUnknowns(st: Setup): boolean {
  return st.lay.nT > 0;
}

/**
 * Check of the fake-news Jacobian against brute force: at the new steady state (initial distribution
 * and R_0 the new steady state's), the column of unknown `unknown` at date `date` by central
 * differences of the full path residuals, and the same column of the sequence-space Jacobian.
 */
export function jacobianColumnCheck(st: Setup, date: number, unknown: number, h = 1e-5): { bruteForce: Float64Array; fakeNews: Float64Array } {
  const at: Setup = { ...st, massOld: st.massNew, R0: Float64Array.from({ length: st.lay.M }, (_, i) => st.uSS[rIndex(st.lay, i)]) };
  const n = st.T * st.lay.nU;
  const base = new Float64Array(n);
  for (let t = 0; t < st.T; t++) base.set(st.uSS, t * st.lay.nU);
  const col = date * st.lay.nU + unknown;
  const up = Float64Array.from(base);
  const dn = Float64Array.from(base);
  up[col] += h;
  dn[col] -= h;
  const fu = evaluatePath(at, up).F;
  const fd = evaluatePath(at, dn).F;
  const J = sequenceJacobian(st);
  return { bruteForce: Float64Array.from(fu, (v, r) => (v - fd[r]) / (2 * h)), fakeNews: Float64Array.from({ length: n }, (_, r) => J[r * n + col]) };
}

/**
 * Transition from `oldEq` to `newEq` (both solved by part 1's stationary solver for the same countries,
 * grids and preferences; `newEq.economy` carries the new tariffs and trade costs).
 */
export function solveTransition(oldEq: HaTradeEquilibrium, newEq: HaTradeEquilibrium, opts: TransitionOptions): TransitionPath {
  const cpu0 = cpuNow();
  const log = opts.log ?? (() => {});
  const T = opts.periods;
  const tol = opts.tol ?? 1e-9;
  const st = prepareTransition(oldEq, newEq, T);
  const { lay, uSS } = st;
  const M = lay.M;
  const cpuJ = cpuNow();
  const J = sequenceJacobian(st);
  const lu = new DenseLU(T * lay.nU, J, { absolutePivotTolerance: 1e-300 });
  if (lu.singular) throw new Error(`singular sequence-space Jacobian (column ${lu.singularColumn})`);
  const jacobianCpuSeconds = cpuNow() - cpuJ;
  log(`sequence-space Jacobian (${T * lay.nU} unknowns) built and factorised in ${jacobianCpuSeconds.toFixed(2)} s CPU`);
  // Start: the new steady state at every date.
  let U = new Float64Array(T * lay.nU);
  for (let t = 0; t < T; t++) U.set(uSS, t * lay.nU);
  let ev = evaluatePath(st, U);
  const iterations: NewtonIteration[] = [];
  const maxIterations = opts.maxIterations ?? 40;
  const norms = (F: Float64Array) => ({
    residual: supNorm(F, lay, 0, lay.nU),
    goods: supNorm(F, lay, 0, M - 1),
    bonds: supNorm(F, lay, M - 1, M - 1 + lay.nR),
    government: supNorm(F, lay, M - 1 + lay.nR, lay.nU),
  });
  for (let it = 0; ; it++) {
    const nb = norms(ev.F);
    const record: NewtonIteration = { iteration: it, ...nb, step: 0, cpuSeconds: cpuNow() - cpu0 };
    iterations.push(record);
    log(`iteration ${it}: residual ${nb.residual.toExponential(3)} (goods ${nb.goods.toExponential(2)}, bonds ${nb.bonds.toExponential(2)}, government ${nb.government.toExponential(2)}), ${record.cpuSeconds.toFixed(1)} s CPU`);
    if (nb.residual < tol) break;
    if (it >= maxIterations) throw new UsageError(`transition did not converge: residual ${nb.residual.toExponential(3)} > ${tol} after ${it} quasi-Newton iterations (try more --periods or a smaller policy change)`);
    const dU = lu.solve(ev.F);
    let step = 1;
    let accepted: Evaluation | undefined;
    let trialU = U;
    for (let halvings = 0; halvings < 6; halvings++, step /= 2) {
      trialU = Float64Array.from(U, (v, k) => v - step * dU[k]);
      const trial = evaluatePath(st, trialU);
      if (Number.isFinite(norms(trial.F).residual) && norms(trial.F).residual < nb.residual) {
        accepted = trial;
        break;
      }
    }
    if (!accepted) throw new UsageError(`transition: no progress at iteration ${it} (residual ${nb.residual.toExponential(3)}); try more --periods`);
    record.step = step;
    U = trialU;
    ev = accepted;
  }
  return summarise(st, U, evaluatePath(st, U, true), iterations, jacobianCpuSeconds, cpuNow() - cpu0);
}

function summarise(st: Setup, U: Float64Array, ev: Evaluation, iterations: NewtonIteration[], jacobianCpuSeconds: number, cpuSeconds: number): TransitionPath {
  const { econ, lay, T } = st;
  const M = lay.M;
  const wages: Float64Array[] = [];
  const R: Float64Array[] = [Float64Array.from(st.R0)];
  const rebates: Float64Array[] = [];
  const homeShare: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const u = U.subarray(t * lay.nU, (t + 1) * lay.nU);
    wages.push(wagesOf(lay, u, 0));
    R.push(Float64Array.from({ length: M }, (_, i) => u[rIndex(lay, i)]));
    rebates.push(Float64Array.from({ length: M }, (_, i) => (lay.nT > 0 ? u[M - 1 + lay.nR + i] : 0)));
    homeShare.push(Float64Array.from({ length: M }, (_, i) => {
      const sp = ev.outcomes[t].spending[i];
      let tot = 0;
      for (const v of sp) tot += v;
      return sp[i] / tot;
    }));
  }
  const walrasResidual = Float64Array.from({ length: T }, (_, t) => {
    const wages0 = wages[t][0] * econ.labor[0] * st.efficiency[0];
    let sales = 0;
    for (let k = 0; k < M; k++) sales += (econ.labor[k] * ev.outcomes[t].spending[k][0]) / (1 + econ.tariffs[k * M]);
    return (wages0 - sales) / wages0;
  });
  const assets: Float64Array[] = [];
  const assetsStd: Float64Array[] = [];
  const constrainedShare: Float64Array[] = [];
  const netForeignAssets: Float64Array[] = [];
  for (let t = 0; t <= T; t++) {
    const a = new Float64Array(M);
    const sd = new Float64Array(M);
    const limit = new Float64Array(M);
    const nfa = new Float64Array(M);
    for (let i = 0; i < M; i++) {
      const grid = econ.agrids[i];
      const mass = ev.masses[i][t];
      const nA = grid.length;
      let second = 0;
      for (let s = 0; s < mass.length; s++) {
        a[i] += mass[s] * grid[s % nA];
        second += mass[s] * grid[s % nA] ** 2;
        if (s % nA === 0) limit[i] += mass[s];
      }
      sd[i] = Math.sqrt(Math.max(0, second - a[i] ** 2));
      const w = wages[Math.min(t, T - 1)][i];
      nfa[i] = a[i] / (w * st.efficiency[i]);
    }
    assets.push(a);
    assetsStd.push(sd);
    constrainedShare.push(limit);
    netForeignAssets.push(nfa);
  }
  const terminalDistributionGap = st.massNew.map((m, i) => {
    let g = 0;
    const last = ev.masses[i][T];
    for (let s = 0; s < m.length; s++) g = Math.max(g, Math.abs(last[s] - m[s]));
    return g;
  });
  return {
    periods: T,
    countries: econ.countries,
    wages,
    R,
    rebates,
    assets,
    assetsStd,
    constrainedShare,
    homeShare,
    netForeignAssets,
    residualNorm: supNorm(ev.F, lay, 0, lay.nU),
    walrasResidual,
    valueAtStart: ev.slices.map((p) => Float64Array.from(p[0].phi)),
    valueOld: st.ssOld.map((s) => Float64Array.from(s.phi)),
    valueNew: st.ssNew.map((s) => Float64Array.from(s.phi)),
    massOld: st.massOld.map((m) => Float64Array.from(m)),
    terminalDistributionGap,
    iterations,
    jacobianCpuSeconds,
    cpuSeconds,
  };
}
