// Consumption-equivalent welfare from the trained networks (MODELS.md §C.5, the definition of
// part 1): for each household state (a, z) the scaling tau of period resources, p c + a' =
// tau (R a + w z) + T at the OLD prices, that gives the value V'(a, z) it has at the NEW prices.
// A tau-scaled budget is the household problem at prices (tau R, tau w), so the household network
// (which takes prices as inputs) evaluates V(a, z; tau) directly; tau is found per state by Newton
// on the Lagrange polynomial through a few tau nodes. Aggregates use the baseline distribution.
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import { inputsOf } from './layout.ts';
import { householdBlock } from './household.ts';
import { evaluatePolicies, gridPolicies, gridStates, priceSet, type GridPolicies, type HouseholdPriceSet, type NetworkEquilibrium } from './solution.ts';
import type { HaTradeDeqn } from './index.ts';
import { bandMeans } from '../ha-trade/bands.ts';

/** Ex-ante values V at state rows (R and w columns scaled row by row by `tau` when given). */
export function valuesAt(model: HaTradeDeqn, net: Mlp, states: Float32Array, tau?: ArrayLike<number>): Float64Array {
  const { world, layout: lay, constants } = model;
  const rows = states.length / lay.dim;
  const s = tau ? states.slice() : states;
  if (tau) {
    for (let r = 0; r < rows; r++) {
      s[r * lay.dim + lay.R] *= tau[r];
      s[r * lay.dim + lay.w] *= tau[r];
    }
  }
  const out = tf.tidy(() => {
    const inp = inputsOf(world, lay, tf.tensor2d(s, [rows, lay.dim]));
    return householdBlock(world, constants, inp, householdPolicy(world, constants.baseline, net, inp)).V;
  });
  const v = Float64Array.from(out.dataSync());
  out.dispose();
  return v;
}

/** V(a, z; tau) at K Chebyshev nodes of tau for every baseline grid state, to invert per state. */
export interface TauInterpolant {
  nodes: number[];
  /** values[k][row] = V at node k. */
  values: Float64Array[];
  /** Baseline state rows (prices of the baseline). */
  states: Float32Array;
}

export function tauInterpolant(model: HaTradeDeqn, net: Mlp, base: NetworkEquilibrium, range: [number, number] = [0.99, 1.01], K = 3): TauInterpolant {
  const set: HouseholdPriceSet = priceSet(model.world, base.policy, base.prices);
  const states = gridStates(model, base.policies.grids, set, base.policy);
  const [lo, hi] = range;
  const nodes = Array.from({ length: K }, (_, k) => 0.5 * (lo + hi) + 0.5 * (hi - lo) * Math.cos((Math.PI * (2 * k + 1)) / (2 * K)));
  // Values of the networks' policies at the tau-scaled status-quo prices (policy evaluation, solution.ts).
  const values = nodes.map((t) => concat(evaluatePolicies(model, gridPolicies(model, net, base.policies.grids, { ...set, incomeScale: t }, base.policy))));
  return { nodes, values, states };
}

const concat = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)));

/** Values of the networks' policies in equilibrium `eq`, concatenated by country (policy evaluation). */
export function equilibriumValues(model: HaTradeDeqn, eq: NetworkEquilibrium): Float64Array {
  return concat(evaluatePolicies(model, eq.policies));
}

/** Values of grid policies (policy evaluation to `tol`, warm-started from `initial` values by country). */
export function equilibriumValuesAt(model: HaTradeDeqn, policies: GridPolicies, tol = 1e-10, initial?: Float64Array[]): { values: Float64Array; byCountry: Float64Array[] } {
  const byCountry = evaluatePolicies(model, policies, tol, 5000, initial);
  return { values: concat(byCountry), byCountry };
}

/** Value and derivative at x of the polynomial through (xs, ys). */
export function lagrange(xs: number[], ys: ArrayLike<number>, x: number): [number, number] {
  let f = 0;
  let df = 0;
  for (let k = 0; k < xs.length; k++) {
    let basis = 1;
    let dBasis = 0;
    for (let m = 0; m < xs.length; m++) {
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

/**
 * tau per row solving V(tau) = target on the interpolant, and dV/dtau there (Infinity where
 * unresolved, so those states carry no weight in welfare gradients): bracketed on a fine
 * tau grid inside the node range and refined by bisection; outside the range (a welfare change
 * larger than the range) tau is extrapolated linearly from the nearest end.
 */
export function solveTau(interp: TauInterpolant, target: ArrayLike<number>): { tau: Float64Array; slope: Float64Array; unresolved: Uint8Array } {
  const rows = target.length;
  const unresolved = new Uint8Array(rows);
  const tau = new Float64Array(rows);
  const slope = new Float64Array(rows);
  const ys = new Float64Array(interp.nodes.length);
  const lo = Math.min(...interp.nodes);
  const hi = Math.max(...interp.nodes);
  const G = 40;
  const grid = Array.from({ length: G + 1 }, (_, k) => lo + ((hi - lo) * k) / G);
  const vals = new Float64Array(G + 1);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < ys.length; k++) ys[k] = interp.values[k][r];
    for (let k = 0; k <= G; k++) vals[k] = lagrange(interp.nodes, ys, grid[k])[0];
    const y = target[r];
    let t: number;
    // Average slope over the range: the extrapolation slope, robust to a wiggle of the polynomial at an end.
    const average = (vals[G] - vals[0]) / (hi - lo);
    if (Math.abs(lagrange(interp.nodes, ys, 1)[0] - y) <= 1e-12 * Math.abs(y)) t = 1; // unchanged value: no change
    else if (!(average > 0)) {
      // V not increasing in tau here (the network is unreliable at such states): no consumption
      // equivalent; counted as no change and reported as unresolved (zero weight in gradients).
      t = 1;
      unresolved[r] = 1;
    } else if (y <= vals[0]) t = Math.max(0.5, lo + (y - vals[0]) / average);
    else if (y >= vals[G]) t = Math.min(2, hi + (y - vals[G]) / average);
    else {
      // The crossing nearest tau = 1 (V may wiggle where the networks are less accurate).
      const brackets = Array.from({ length: G }, (_, b) => b).sort((b1, b2) => Math.abs(grid[b1] + grid[b1 + 1] - 2) - Math.abs(grid[b2] + grid[b2 + 1] - 2));
      const k = brackets.find((b) => Math.min(vals[b], vals[b + 1]) <= y && y <= Math.max(vals[b], vals[b + 1])) ?? 0;
      let a = grid[k];
      let b = grid[k + 1];
      const rising = vals[k + 1] >= vals[k];
      for (let it = 0; it < 60; it++) {
        const m = 0.5 * (a + b);
        if (lagrange(interp.nodes, ys, m)[0] < y === rising) a = m;
        else b = m;
      }
      t = 0.5 * (a + b);
    }
    tau[r] = t;
    // The slope of the function inverted: the polynomial inside the node range, the linear extrapolation outside.
    const local = t < lo || t > hi ? average : lagrange(interp.nodes, ys, t)[1];
    slope[r] = unresolved[r] ? Infinity : local > 0 ? local : average;
  }
  return { tau, slope, unresolved };
}

export interface CountryWelfare {
  country: string;
  /** 100 (tau - 1) by grid state [z][a]. */
  ceByState: Float64Array;
  averageGain: number;
  gainersPercent: number;
  /** Mean gains of the poorest and richest fifth by cash on hand R a + w z + T (part 1's definition). */
  bottomQuintileGain: number;
  topQuintileGain: number;
  /** Mean gain by decile of wealth (assets a) and of labour income (w z), poorest first. */
  byWealthDecile: number[];
  byIncomeDecile: number[];
  /** Representative-agent ACR number 100((pi'_ii/pi_ii)^(-1/epsilon) - 1). */
  acr: number;
  /** Population share (%) whose value is not increasing in tau over the interpolation range (first-order answer used). */
  unresolvedPercent: number;
  /** Utilitarian consumption equivalent (%) of the country (utilitarianGain). */
  utilitarianGain: number;
}

/** Consumption-equivalent welfare of every country from baseline `base` to counterfactual `cf`. */
export function networkWelfare(model: HaTradeDeqn, net: Mlp, base: NetworkEquilibrium, cf: NetworkEquilibrium, interp = tauInterpolant(model, net, base)): CountryWelfare[] {
  const { world } = model;
  const { M, nZ } = world;
  const nA = base.policies.grids[0].length;
  const per = nZ * nA;
  const vNew = equilibriumValues(model, cf);
  const { tau, unresolved } = solveTau(interp, vNew);
  const epsilon = world.config.analysis.acrElasticity ?? 1 / world.config.preferences.sigmaEps;
  const z = world.economy.chain.values;
  return world.countries.map((country, i) => {
    const ce = Float64Array.from({ length: per }, (_, s) => 100 * (tau[i * per + s] - 1));
    const mass = base.mass[i];
    let avg = 0;
    let gain = 0;
    let bad = 0;
    for (let s = 0; s < per; s++) {
      avg += mass[s] * ce[s];
      if (ce[s] > 0) gain += mass[s];
      if (unresolved[i * per + s]) bad += mass[s];
    }
    const a = Float64Array.from({ length: per }, (_, s) => base.policies.grids[i][s % nA]);
    const income = Float64Array.from({ length: per }, (_, s) => base.prices.wages[i] * z[Math.floor(s / nA)]);
    const cash = Float64Array.from({ length: per }, (_, s) => base.prices.R[i] * a[s] + income[s] + base.prices.rebates[i]);
    const quintiles = bandMeans(cash, mass, ce, 5);
    return {
      country,
      ceByState: ce,
      averageGain: avg,
      gainersPercent: 100 * gain,
      bottomQuintileGain: quintiles[0],
      topQuintileGain: quintiles[4],
      byWealthDecile: bandMeans(a, mass, ce, 10),
      byIncomeDecile: bandMeans(income, mass, ce, 10),
      acr: 100 * (Math.pow(cf.importShares[i * M + i] / base.importShares[i * M + i], -1 / epsilon) - 1),
      unresolvedPercent: 100 * bad,
      utilitarianGain: utilitarianGain(interp, mass, i * per, vNew),
    };
  });
}

/**
 * Utilitarian consumption equivalent of a country (in %): the one scaling tau of every household's
 * period resources that makes the population-weighted value at the old prices equal the
 * population-weighted value at the new prices, sum_s m_s V_old(s; tau) = sum_s m_s V_new(s). Unlike
 * the mean of household taus it is not dominated by the few households with near-zero resources,
 * whose individual tau is ill-conditioned. `first` is the country's first row in the interpolant.
 */
export function utilitarianGain(interp: TauInterpolant, mass: ArrayLike<number>, first: number, vNew: ArrayLike<number>): number {
  return utilitarianSolve(interp, mass, first, vNew).gain;
}

/** The utilitarian consumption equivalent (%) and d(sum_s m_s V_old(s; tau))/d tau at its tau (for gradients). */
export function utilitarianSolve(interp: TauInterpolant, mass: ArrayLike<number>, first: number, vNew: ArrayLike<number>): { gain: number; slope: number } {
  const K = interp.nodes.length;
  const ys = new Float64Array(K);
  let target = 0;
  for (let s = 0; s < mass.length; s++) {
    target += mass[s] * vNew[first + s];
    for (let k = 0; k < K; k++) ys[k] += mass[s] * interp.values[k][first + s];
  }
  const { tau, slope } = solveTau({ nodes: interp.nodes, values: Array.from(ys, (v) => Float64Array.of(v)), states: new Float32Array(0) }, Float64Array.of(target));
  return { gain: 100 * (tau[0] - 1), slope: slope[0] };
}
