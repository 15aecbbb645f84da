// Welfare of MODELS.md §C.5, two household-level measures:
// 1. Wealth-scaling equivalent (the paper's, §C.5): the permanent proportional scaling tau of period
//    resources, p c + a' = tau (R a + w z) + T at the OLD prices (household re-optimises), giving the value
//    at the NEW prices: V_i(a, z; p, tau) = V'_i(a, z; p'). It is only meaningful where period wealth
//    R a + w z is positive: where it is negative (debt above earnings, possible at the borrowing limit),
//    more tau means less to spend, V falls in tau, and near zero wealth tau is unbounded. Those states are
//    reported as undefined (NaN) and left out of its average; their population share is reported.
//    tau needs a household solve per trial value, so we solve at a few Chebyshev nodes of tau around
//    first-order guesses, interpolate V(tau) per state by local cubics and invert.
// 2. Consumption equivalent (Lucas): the permanent proportional change lambda of consumption in every
//    period and state at the OLD allocation that gives V'. With fixed policies and choice probabilities
//    V = U + E (consumption utility + taste/entropy part), u(lambda c) = lambda^(1-gamma) u(c), so
//    lambda = ((V' - E) / U)^(1/(1-gamma)) (log: exp((1-beta)(V' - V))): defined for every household.
// Gainers (V' > V) do not depend on the measure.
import { bracket, solveHousehold, utility, type HouseholdSolution } from './household-egm.ts';
import type { CountryState } from './economy.ts';
import type { HaTradeEquilibrium } from './index.ts';

export interface CountryWelfare {
  country: string;
  /** §C.5 wealth-scaling gain 100 (tau - 1) by state (index z * nA + a); NaN where period wealth <= 0. */
  ceByState: Float64Array;
  /** Consumption-equivalent (Lucas, old allocation) gain 100 (lambda - 1) by state. */
  consumptionCeByState: Float64Array;
  /** Mean consumption-equivalent gain over the initial distribution (every household). */
  averageConsumptionGain: number;
  /** Percent of households whose period wealth R a + w z is not positive (wealth measure undefined). */
  undefinedPercent: number;
  /** Baseline stationary distribution (weights of the averages). */
  mass: Float64Array;
  /** Population-weighted mean of 100 (tau - 1) over the initial distribution (households where defined). */
  averageGain: number;
  /** Percent of households with V' > V (measure-independent). */
  gainersPercent: number;
  /** Mean wealth-scaling gain of the poorest and richest fifth by cash on hand R a + w z (where defined). */
  bottomQuintileGain: number;
  topQuintileGain: number;
  /** The same for the consumption equivalent (every household). */
  bottomQuintileConsumptionGain: number;
  topQuintileConsumptionGain: number;
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
  const v1 = solveHousehold(after.params, after.prices, { tol: opts.tol ?? 1e-11, guess: after.household }).value;
  return welfareAgainstValues(country, before, v1, homeShareBefore, homeShareAfter, opts);
}

/**
 * The same measures for any target value V'(a, z) of the baseline households (e.g. the date-0 value
 * along a transition path, transition.ts), indexed z * nA + a like the baseline state.
 */
export function welfareAgainstValues(country: string, before: CountryState, v1: Float64Array, homeShareBefore: number, homeShareAfter: number, opts: WelfareOptions): CountryWelfare {
  const tol = opts.tol ?? 1e-11;
  const K = opts.nodes ?? 7;
  const v0 = resolveAt(before, 1, tol).value;
  const up = resolveAt(before, 1 + FD, tol).value;
  const down = resolveAt(before, 1 - FD, tol).value;
  const nS = v0.length;
  const valid = validStates(before);
  const guess = new Float64Array(nS);
  let lo = 1;
  let hi = 1;
  for (let s = 0; s < nS; s++) {
    const slope = (up[s] - down[s]) / (2 * FD);
    guess[s] = 1 + (v1[s] - v0[s]) / slope;
    if (!valid[s] || !(slope > 0)) continue;
    lo = Math.min(lo, guess[s]);
    hi = Math.max(hi, guess[s]);
  }
  for (let s = 0; s < nS; s++) guess[s] = Math.min(hi, Math.max(lo, guess[s]));
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
    const sorted = Float64Array.from(result.tau.filter((_, k) => valid[k])).sort();
    if (sorted.length === 0) break;
    for (let k = 0; k < K; k++) {
      const t = sorted[Math.min(sorted.length - 1, Math.floor(((k + 0.5) / K) * sorted.length))];
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
  const ceByState = result.tau.map((t, k) => (valid[k] ? 100 * (t - 1) : NaN));
  const maxRelativeError = result.maxError / scale;
  const consumptionCeByState = consumptionEquivalent(before, v1);
  const mass = before.distribution.mass;
  let averageGain = 0;
  let validMass = 0;
  let averageConsumptionGain = 0;
  let gainers = 0;
  for (let s = 0; s < nS; s++) {
    if (valid[s]) {
      averageGain += mass[s] * ceByState[s];
      validMass += mass[s];
    }
    averageConsumptionGain += mass[s] * consumptionCeByState[s];
    if (v1[s] > v0[s]) gainers += mass[s];
  }
  averageGain /= validMass;
  const [bottomQuintileGain, topQuintileGain] = quintileGains(before, ceByState);
  const [bottomQuintileConsumptionGain, topQuintileConsumptionGain] = quintileGains(before, consumptionCeByState);
  const acr = 100 * (Math.pow(homeShareAfter / homeShareBefore, -1 / opts.acrElasticity) - 1);
  return {
    country,
    ceByState,
    consumptionCeByState,
    averageConsumptionGain,
    undefinedPercent: 100 * (1 - validMass),
    mass: Float64Array.from(mass),
    averageGain,
    gainersPercent: Math.min(100, 100 * gainers),
    bottomQuintileGain,
    topQuintileGain,
    bottomQuintileConsumptionGain,
    topQuintileConsumptionGain,
    acr,
    maxRelativeError,
  };
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
      t = Math.min(nodes[K - 1], Math.max(nodes[0], t - step)); // never extrapolate the cubics
      if (!(Math.abs(step) >= 1e-14)) break;
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
      if (!Number.isFinite(ce[s])) continue;
      const take = Math.min(mass[s], 0.2 - m);
      m += take;
      sum += take * ce[s];
    }
    return sum / m;
  };
  return [band(false), band(true)];
}

/** States where period wealth R a + w z is positive, so V rises with the wealth scaling tau. */
function validStates(state: CountryState): Uint8Array {
  const { agrid, chain } = state.params;
  const nA = agrid.length;
  const out = new Uint8Array(nA * chain.n);
  for (let s = 0; s < out.length; s++) out[s] = state.prices.R * agrid[s % nA] + state.prices.wage * chain.values[Math.floor(s / nA)] > 0 ? 1 : 0;
  return out;
}

/**
 * Lucas consumption equivalent at the old allocation: policy evaluation of the consumption-utility part
 * U and the taste part E (psi - sigma log pi) of V with the old policies and probabilities, then
 * lambda from lambda^(1-gamma) U + E = V' (log utility: V + log(lambda)/(1-beta) = V').
 */
function consumptionEquivalent(state: CountryState, target: Float64Array): Float64Array {
  const hh = state.household;
  const { agrid, chain, gamma, beta, sigmaEps: sigma, home, quality } = state.params;
  const { nA, nZ, nJ } = hh;
  const nS = nA * nZ;
  const lo = new Int32Array(nJ * nS);
  const wt = new Float64Array(nJ * nS);
  const rU = new Float64Array(nS);
  const rE = new Float64Array(nS);
  for (let j = 0; j < nJ; j++) {
    for (let s = 0; s < nS; s++) {
      const k = j * nS + s;
      const ap = hh.assetPolicy[k];
      const b = ap <= agrid[0] ? 0 : ap >= agrid[nA - 1] ? nA - 2 : bracket(agrid, ap);
      lo[k] = b;
      wt[k] = Math.min(1, Math.max(0, (ap - agrid[b]) / (agrid[b + 1] - agrid[b])));
      const pr = hh.choiceProb[k];
      if (pr > 0) {
        rU[s] += pr * utility(hh.consumption[k], gamma);
        rE[s] += pr * ((j === home ? quality[Math.floor(s / nA)] : 0) - sigma * Math.log(pr));
      }
    }
  }
  const evaluate = (reward: Float64Array): Float64Array => {
    let x = Float64Array.from(reward, (r) => r / (1 - beta));
    const ex = new Float64Array(nS);
    for (let it = 0; it < 20_000; it++) {
      ex.fill(0);
      for (let z = 0; z < nZ; z++) for (let zp = 0; zp < nZ; zp++) for (let a = 0; a < nA; a++) ex[z * nA + a] += beta * chain.P[z * nZ + zp] * x[zp * nA + a];
      const next = Float64Array.from(reward);
      for (let j = 0; j < nJ; j++) {
        for (let s = 0; s < nS; s++) {
          const k = j * nS + s;
          const base = Math.floor(s / nA) * nA + lo[k];
          next[s] += hh.choiceProb[k] * (ex[base] + wt[k] * (ex[base + 1] - ex[base]));
        }
      }
      let change = 0;
      let size = 0;
      for (let s = 0; s < nS; s++) {
        change = Math.max(change, Math.abs(next[s] - x[s]));
        size = Math.max(size, Math.abs(next[s]));
      }
      x = next;
      // Relative criterion: values can be large (|U| ~ 1e3), where 1e-12 absolute is below double precision.
      if (change < 1e-13 * size) break;
    }
    return x;
  };
  const U = evaluate(rU);
  const E = evaluate(rE);
  return Float64Array.from(target, (vNew, s) => {
    const lambda = gamma === 1 ? Math.exp((1 - beta) * (vNew - U[s] - E[s])) : Math.pow((vNew - E[s]) / U[s], 1 / (1 - gamma));
    return 100 * (lambda - 1);
  });
}

export interface WelfareReport {
  countries: CountryWelfare[];
}

/** Welfare change of every country between two solved equilibria of the same economy (§C.5). */
export function welfareChange(baseline: HaTradeEquilibrium, counterfactual: HaTradeEquilibrium, options: Partial<WelfareOptions> = {}, only?: readonly number[]): WelfareReport {
  const opts: WelfareOptions = { acrElasticity: 1 / baseline.economy.sigmaEpsBase, ...options };
  const M = baseline.countries.length;
  const which = only ?? Array.from({ length: M }, (_, i) => i);
  return {
    countries: which.map((i) =>
      countryWelfare(baseline.countries[i], baseline.states[i], counterfactual.states[i], baseline.importShares[i * M + i], counterfactual.importShares[i * M + i], opts),
    ),
  };
}
