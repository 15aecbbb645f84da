// Consumption-equivalent welfare of MODELS.md §C.5: for each household state (a, z) of country i, the
// permanent proportional scaling tau of period resources, p c + a' = tau (R a + w z) + T at the OLD
// prices, that gives the value the household has at the NEW prices: V_i(a, z; p, tau) = V'_i(a, z; p').
// tau solves a household problem per trial value, so instead of root finding per state we solve the
// household at a few Chebyshev nodes of tau around the first-order guesses, interpolate V(tau) per
// state with the Lagrange polynomial through the nodes and solve V(tau) = V' on it by Newton.
import { solveHousehold, type HouseholdSolution } from './household-egm.ts';
import type { CountryState } from './economy.ts';
import type { HaTradeEquilibrium } from './index.ts';

export interface CountryWelfare {
  country: string;
  /** 100 (tau - 1) by state, index z * nA + a. */
  ceByState: Float64Array;
  /** Baseline stationary distribution (weights of the averages). */
  mass: Float64Array;
  /** Population-weighted mean of 100 (tau - 1) over the initial distribution. */
  averageGain: number;
  /** Percent of households with tau > 1. */
  gainersPercent: number;
  /** Mean gain of the poorest and richest fifth by cash on hand R a + w z (+ rebate). */
  bottomQuintileGain: number;
  topQuintileGain: number;
  /** Representative-agent ACR number: 100 ((pi'_ii / pi_ii)^(-1/epsilon) - 1). */
  acr: number;
  /** Residual of the inversion on the interpolant, relative to the value scale (not the interpolation error; see the tests). */
  maxRelativeError: number;
}

export interface WelfareOptions {
  /** Trade elasticity of the ACR number (default 1 / sigma_eps of the config). */
  acrElasticity: number;
  /** Household tolerance of the welfare solves (default 1e-11). */
  tol?: number;
  /** Number of interpolation nodes in tau per round (default 7). */
  nodes?: number;
  /** Rounds of node refinement at quantiles of the estimates (default 1). */
  refinements?: number;
}

const FD = 1e-3;

function resolveAt(state: CountryState, incomeScale: number, tol: number, guess?: HouseholdSolution): HouseholdSolution {
  return solveHousehold(state.params, { ...state.prices, incomeScale }, { tol, guess: guess ?? state.household });
}

/** Consumption-equivalent gains for one country: baseline state at old prices vs counterfactual state. */
export function countryWelfare(country: string, before: CountryState, after: CountryState, homeShareBefore: number, homeShareAfter: number, opts: WelfareOptions): CountryWelfare {
  const tol = opts.tol ?? 1e-11;
  const K = opts.nodes ?? 7;
  const v0 = resolveAt(before, 1, tol).value;
  const v1 = solveHousehold(after.params, after.prices, { tol, guess: after.household }).value;
  const up = resolveAt(before, 1 + FD, tol).value;
  const down = resolveAt(before, 1 - FD, tol).value;
  const nS = v0.length;
  const guess = new Float64Array(nS);
  let lo = 1;
  let hi = 1;
  for (let s = 0; s < nS; s++) {
    const slope = (up[s] - down[s]) / (2 * FD);
    guess[s] = 1 + (v1[s] - v0[s]) / slope;
    lo = Math.min(lo, guess[s]);
    hi = Math.max(hi, guess[s]);
  }
  const pad = 0.1 * (hi - lo) + 2e-5;
  lo -= pad;
  hi += pad;
  const nodes = Array.from({ length: K }, (_, k) => 0.5 * (lo + hi) - 0.5 * (hi - lo) * Math.cos((Math.PI * (2 * k + 1)) / (2 * K)));
  const values = nodes.map((t) => resolveAt(before, t, tol).value);
  let result = invert(nodes, values, v1, guess);
  // Refinement: add nodes at quantiles of the current estimates, so every state has nodes
  // close to its own tau and the local interpolation error (from kinks) shrinks with the distance.
  const merged = nodes.map((t, k) => ({ t, v: values[k] }));
  for (let round = 0; round < (opts.refinements ?? 1); round++) {
    const sorted = Float64Array.from(result.tau).sort();
    for (let k = 0; k < K; k++) {
      const t = sorted[Math.min(nS - 1, Math.floor(((k + 0.5) / K) * nS))];
      if (merged.every((m) => Math.abs(m.t - t) > 1e-9)) merged.push({ t, v: resolveAt(before, t, tol).value });
    }
    merged.sort((x, y) => x.t - y.t);
    result = invert(
      merged.map((m) => m.t),
      merged.map((m) => m.v),
      v1,
      result.tau,
    );
  }
  let scale = 0;
  for (let s = 0; s < nS; s++) scale = Math.max(scale, Math.abs(v0[s]));
  const ceByState = result.tau.map((t) => 100 * (t - 1));
  const maxRelativeError = result.maxError / scale;
  const mass = before.distribution.mass;
  let averageGain = 0;
  let gainers = 0;
  for (let s = 0; s < nS; s++) {
    averageGain += mass[s] * ceByState[s];
    if (ceByState[s] > 0) gainers += mass[s];
  }
  const [bottomQuintileGain, topQuintileGain] = quintileGains(before, ceByState);
  const acr = 100 * (Math.pow(homeShareAfter / homeShareBefore, -1 / opts.acrElasticity) - 1);
  return { country, ceByState, mass: Float64Array.from(mass), averageGain, gainersPercent: Math.min(100, 100 * gainers), bottomQuintileGain, topQuintileGain, acr, maxRelativeError };
}

/**
 * Per state, solves V(tau) = target on the cubic through the four nodes nearest to the current tau.
 * V(tau) on a grid has small kinks where a' crosses grid points, which a global polynomial would
 * spread across the whole range; a local cubic keeps them local.
 */
function invert(nodes: number[], values: Float64Array[], target: Float64Array, start: Float64Array): { tau: Float64Array; maxError: number } {
  const K = nodes.length;
  const nS = target.length;
  const tau = Float64Array.from(start);
  const xs = [0, 0, 0, 0];
  const ys = new Float64Array(4);
  let maxError = 0;
  for (let s = 0; s < nS; s++) {
    let t = tau[s];
    let f = 0;
    for (let it = 0; it < 50; it++) {
      let first = 0;
      while (first < K - 4 && nodes[first + 2] < t) first++;
      for (let k = 0; k < 4; k++) {
        xs[k] = nodes[first + k];
        ys[k] = values[first + k][s];
      }
      const [fv, df] = lagrange(xs, ys, t);
      f = fv;
      const step = (fv - target[s]) / df;
      t -= step;
      if (Math.abs(step) < 1e-14) break;
    }
    maxError = Math.max(maxError, Math.abs(f - target[s]));
    tau[s] = t;
  }
  return { tau, maxError };
}

/** Value and derivative at x of the polynomial through (xs, ys). */
function lagrange(xs: number[], ys: Float64Array, x: number): [number, number] {
  const K = xs.length;
  let f = 0;
  let df = 0;
  for (let k = 0; k < K; k++) {
    let basis = 1;
    let dBasis = 0;
    for (let m = 0; m < K; m++) {
      if (m === k) continue;
      const denom = xs[k] - xs[m];
      dBasis = dBasis * ((x - xs[m]) / denom) + basis / denom;
      basis *= (x - xs[m]) / denom;
    }
    f += ys[k] * basis;
    df += ys[k] * dBasis;
  }
  return [f, df];
}

/** Mean gains of the bottom and top 20 % of the population ranked by cash on hand R a + w z + T. */
function quintileGains(state: CountryState, ce: Float64Array): [number, number] {
  const { agrid, chain } = state.params;
  const nA = agrid.length;
  const mass = state.distribution.mass;
  const order = Array.from(ce.keys()).sort((s1, s2) => cash(s1) - cash(s2));
  function cash(s: number): number {
    return state.prices.R * agrid[s % nA] + state.prices.wage * chain.values[Math.floor(s / nA)];
  }
  const band = (fromTop: boolean): number => {
    let m = 0;
    let sum = 0;
    const list = fromTop ? [...order].reverse() : order;
    for (const s of list) {
      if (m >= 0.2) break;
      const take = Math.min(mass[s], 0.2 - m);
      m += take;
      sum += take * ce[s];
    }
    return sum / m;
  };
  return [band(false), band(true)];
}

export interface WelfareReport {
  countries: CountryWelfare[];
}

/** Welfare change of every country between two solved equilibria of the same economy (§C.5). */
export function welfareChange(baseline: HaTradeEquilibrium, counterfactual: HaTradeEquilibrium, opts: WelfareOptions, only?: readonly number[]): WelfareReport {
  const M = baseline.countries.length;
  const which = only ?? Array.from({ length: M }, (_, i) => i);
  return {
    countries: which.map((i) =>
      countryWelfare(baseline.countries[i], baseline.states[i], counterfactual.states[i], baseline.importShares[i * M + i], counterfactual.importShares[i * M + i], opts),
    ),
  };
}
