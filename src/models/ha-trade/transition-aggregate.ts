// Is a few-moment aggregate state enough to describe the transition? A Krusell–Smith (1998) style
// check on the float64 reference path (transition.ts), the precondition for a deep-equilibrium-net
// formulation whose household and price networks take an aggregate state as input:
// for candidate state vectors s_t (moments of the asset distributions entering t), fit by least
// squares (i) the prices at t as linear functions of s_t and (ii) a linear law of motion
// s_{t+1} = c + B s_t, and report the fit both one step ahead (prices given the true s_t) and as a
// dynamic forecast (den Haan 2010: iterate the law of motion from s_0 and read prices off it),
// each as the worst error in percent of the price's total movement along the path.
import { solveLinear } from './linalg.ts';
import type { HaTradeEquilibrium } from './index.ts';
import { hasRebateUnknowns, prepareTransition, startValuesAlong, type TransitionPath } from './transition.ts';
import { utilitarianEquivalent } from './transition-welfare.ts';

export interface PriceFit {
  price: string;
  /** Total movement max - min along the path (the scale of the errors). */
  range: number;
  r2: number;
  /** Worst |fit - path| given the true state, % of range. */
  oneStepErrorPercent: number;
  /** Worst |forecast - path| iterating the fitted law of motion from s_0, % of range. */
  dynamicErrorPercent: number;
}

export interface StateFit {
  state: string;
  /** State variables kept (constant ones dropped). */
  variables: string[];
  prices: PriceFit[];
  /** Dynamic forecast of every price path (same order as `prices`; the path itself where a price does not move). */
  forecast: number[][];
}

interface Series {
  name: string;
  values: number[];
}

/** Least squares y ~ [1, X] (columns standardised); returns the fitted values for any rows. */
function regress(X: number[][], y: number[]): (row: number[]) => number {
  const n = y.length;
  const k = X[0].length;
  const mean = Array.from({ length: k }, (_, c) => X.reduce((s, r) => s + r[c], 0) / n);
  const sd = Array.from({ length: k }, (_, c) => Math.sqrt(X.reduce((s, r) => s + (r[c] - mean[c]) ** 2, 0) / n) || 1);
  const z = (row: number[]) => [1, ...row.map((v, c) => (v - mean[c]) / sd[c])];
  const K = k + 1;
  const A = new Float64Array(K * K);
  const b = new Float64Array(K);
  for (let r = 0; r < n; r++) {
    const x = z(X[r]);
    for (let p = 0; p < K; p++) {
      b[p] += x[p] * y[r];
      for (let q = 0; q < K; q++) A[p * K + q] += x[p] * x[q];
    }
  }
  for (let p = 1; p < K; p++) A[p * K + p] += 1e-12 * n; // guards exact collinearity
  const beta = solveLinear(A, b, K);
  return (row) => z(row).reduce((s, v, p) => s + v * beta[p], 0);
}

function stateSets(path: TransitionPath): { state: string; variables: Series[] }[] {
  const T = path.periods;
  const M = path.countries.length;
  const at = (f: (t: number) => number) => Array.from({ length: T + 1 }, (_, t) => f(t));
  const means = path.countries.slice(0, M - 1).map((c, i) => ({ name: `mean assets ${c}`, values: at((t) => path.assets[t][i]) }));
  const sds = path.countries.map((c, i) => ({ name: `sd assets ${c}`, values: at((t) => path.assetsStd[t][i]) }));
  const limits = path.countries.map((c, i) => ({ name: `at borrowing limit ${c}`, values: at((t) => path.constrainedShare[t][i]) }));
  return [
    { state: 'net foreign assets', variables: means },
    { state: 'means + dispersion', variables: [...means, ...sds] },
    { state: 'means + dispersion + constrained shares', variables: [...means, ...sds, ...limits] },
  ];
}

function priceSeries(path: TransitionPath): Series[] {
  const T = path.periods;
  const M = path.countries.length;
  const out: Series[] = [];
  for (let j = 0; j < M - 1; j++) out.push({ name: `log w_${path.countries[j]}/w_${path.countries[M - 1]}`, values: path.wages.map((w) => Math.log(w[j] / w[M - 1])) });
  out.push({ name: 'R_{t+1}', values: Array.from({ length: T }, (_, t) => path.R[t + 1][0]) });
  path.countries.forEach((c, i) => {
    const v = path.rebates.map((r) => r[i]);
    if (v.some((x) => x !== 0)) out.push({ name: `rebate ${c}`, values: v });
  });
  return out;
}

export function aggregateStateFits(path: TransitionPath): StateFit[] {
  const T = path.periods;
  const prices = priceSeries(path);
  return stateSets(path).map(({ state, variables }) => {
    // Drop state variables that do not move (e.g. net foreign assets under a symmetric change).
    const kept = variables.filter((v) => Math.max(...v.values) - Math.min(...v.values) > 1e-9 * (1 + Math.abs(v.values[0])));
    const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, t) => kept.map((v) => v.values[from + t]));
    const forecast: number[][] = [];
    const fits: PriceFit[] = prices.map((p) => {
      const range = Math.max(...p.values) - Math.min(...p.values);
      // A price that does not move (e.g. relative wages under a symmetric change) needs no state.
      if (!(range > 1e-8 * (1 + Math.abs(p.values[0])))) {
        forecast.push(p.values.slice());
        return { price: p.name, range, r2: NaN, oneStepErrorPercent: 0, dynamicErrorPercent: 0 };
      }
      if (kept.length === 0) {
        // No state moves: the best constant, the path's mean.
        const mean = p.values.reduce((a, b) => a + b, 0) / T;
        forecast.push(p.values.map(() => mean));
        return { price: p.name, range, r2: 0, oneStepErrorPercent: 100, dynamicErrorPercent: 100 };
      }
      const X = rows(0, T);
      const f = regress(X, p.values);
      const mean = p.values.reduce((s, v) => s + v, 0) / T;
      let ssr = 0;
      let sst = 0;
      let worst = 0;
      for (let t = 0; t < T; t++) {
        const e = f(X[t]) - p.values[t];
        ssr += e * e;
        sst += (p.values[t] - mean) ** 2;
        worst = Math.max(worst, Math.abs(e));
      }
      // Law of motion s_{t+1} = c + B s_t, one regression per state variable, iterated from s_0.
      const laws = kept.map((v) => regress(rows(0, T), v.values.slice(1, T + 1)));
      let s = kept.map((v) => v.values[0]);
      let dynamic = 0;
      const predicted: number[] = [];
      for (let t = 0; t < T; t++) {
        predicted.push(f(s));
        dynamic = Math.max(dynamic, Math.abs(f(s) - p.values[t]));
        s = laws.map((law) => law(s));
      }
      forecast.push(predicted);
      const pct = (e: number) => (range > 0 ? (100 * e) / range : 0);
      return { price: p.name, range, r2: sst > 0 ? 1 - ssr / sst : 1, oneStepErrorPercent: pct(worst), dynamicErrorPercent: pct(dynamic) };
    });
    return { state, variables: kept.map((v) => v.name), prices: fits, forecast };
  });
}

/**
 * Unknown vector (transition.ts layout) of a price path given as the series of `priceSeries` order:
 * log relative wages, R_{t+1}, then the rebates that move (others taken from the path).
 */
export function unknownsFromSeries(path: TransitionPath, series: number[][], withRebates: boolean): Float64Array {
  const T = path.periods;
  const M = path.countries.length;
  const nU = M - 1 + 1 + (withRebates ? M : 0);
  const U = new Float64Array(T * nU);
  let k = 0;
  for (let j = 0; j < M - 1; j++, k++) for (let t = 0; t < T; t++) U[t * nU + j] = series[k][t];
  for (let t = 0; t < T; t++) U[t * nU + M - 1] = series[k][t];
  k++;
  path.countries.forEach((_, i) => {
    const moving = path.rebates.some((r) => r[i] !== 0);
    for (let t = 0; t < T; t++) if (withRebates) U[t * nU + M + i] = moving ? series[k][t] : path.rebates[t][i];
    if (moving) k++;
  });
  return U;
}

/** The exact path's own series in `priceSeries` order (for unknownsFromSeries). */
export function pathSeries(path: TransitionPath): number[][] {
  return priceSeries(path).map((p) => p.values);
}

export interface ForecastWelfare {
  state: string;
  /** Utilitarian welfare including the transition (%) per country if households faced the forecast prices. */
  utilitarian: number[];
  /** Minus the equilibrium path's number (percentage points). */
  error: number[];
}

/**
 * How much the price errors of each aggregate state matter for the welfare question: date-0 values
 * along the dynamically forecast price path (what households of a network with that aggregate state
 * and a perfectly learnt in-sample law of motion would face), as utilitarian equivalents next to the
 * equilibrium path's. In-sample on this one path, so a lower bound on the approach's error.
 */
export function forecastWelfare(oldEq: HaTradeEquilibrium, newEq: HaTradeEquilibrium, path: TransitionPath, fits: StateFit[]): ForecastWelfare[] {
  const st = prepareTransition(oldEq, newEq, path.periods);
  const rebates = hasRebateUnknowns(st);
  const utilitarian = (values: Float64Array[]) => values.map((v, i) => utilitarianEquivalent(oldEq.states[i], path.massOld[i], v));
  const exact = utilitarian(startValuesAlong(st, unknownsFromSeries(path, pathSeries(path), rebates)));
  return fits.map((fit) => {
    const u = utilitarian(startValuesAlong(st, unknownsFromSeries(path, fit.forecast, rebates)));
    return { state: fit.state, utilitarian: u, error: u.map((v, i) => v - exact[i]) };
  });
}
