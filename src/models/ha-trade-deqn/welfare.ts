// Consumption-equivalent welfare from the trained networks (MODELS.md §C.5, the definition of
// part 1): for each household state (a, z) the scaling tau of period resources, p c + a' =
// tau (R a + w z) + T at the OLD prices, that gives the value V'(a, z) it has at the NEW prices.
// A tau-scaled budget is the household problem at prices (tau R, tau w), so the household network
// (which takes prices as inputs) evaluates V(a, z; tau) directly; tau is found per state by Newton
// on the Lagrange polynomial through a few tau nodes. Aggregates use the baseline distribution.
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import { featuresOf, inputsOf } from './layout.ts';
import { householdBlock } from './household.ts';
import { gridStates, priceSet, type HouseholdPriceSet, type NetworkEquilibrium } from './solution.ts';
import type { HaTradeDeqn } from './index.ts';

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
    return householdBlock(world, constants, inp, net.policy(featuresOf(world, inp), true)).V;
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

export function tauInterpolant(model: HaTradeDeqn, net: Mlp, base: NetworkEquilibrium, range: [number, number] = [0.97, 1.03], K = 7): TauInterpolant {
  const set: HouseholdPriceSet = priceSet(model.world, base.policy, base.prices);
  const states = gridStates(model, base.policies.grids, set, base.policy);
  const rows = states.length / model.layout.dim;
  const [lo, hi] = range;
  const nodes = Array.from({ length: K }, (_, k) => 0.5 * (lo + hi) + 0.5 * (hi - lo) * Math.cos((Math.PI * (2 * k + 1)) / (2 * K)));
  const values = nodes.map((t) => valuesAt(model, net, states, new Float64Array(rows).fill(t)));
  return { nodes, values, states };
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

/** tau per row solving V(tau) = target on the interpolant, and dV/dtau there. */
export function solveTau(interp: TauInterpolant, target: ArrayLike<number>): { tau: Float64Array; slope: Float64Array } {
  const rows = target.length;
  const tau = new Float64Array(rows);
  const slope = new Float64Array(rows);
  const ys = new Float64Array(interp.nodes.length);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < ys.length; k++) ys[k] = interp.values[k][r];
    let t = 1;
    let d = 1;
    for (let it = 0; it < 50; it++) {
      const [f, df] = lagrange(interp.nodes, ys, t);
      d = df;
      const step = (f - target[r]) / df;
      t -= step;
      if (Math.abs(step) < 1e-12) break;
    }
    tau[r] = t;
    slope[r] = d;
  }
  return { tau, slope };
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
}

/** Mean of `values` over the mass-weighted population ranked by `key`, in `bands` equal-mass bands. */
export function bandMeans(key: ArrayLike<number>, mass: ArrayLike<number>, values: ArrayLike<number>, bands: number): number[] {
  const order = Array.from({ length: key.length }, (_, s) => s).sort((x, y) => key[x] - key[y]);
  let total = 0;
  for (let s = 0; s < mass.length; s++) total += mass[s];
  const sums = new Float64Array(bands);
  const weights = new Float64Array(bands);
  let cum = 0;
  for (const s of order) {
    let m = mass[s] / total;
    while (m > 1e-15) {
      const band = Math.min(bands - 1, Math.floor(cum * bands + 1e-12));
      const room = (band + 1) / bands - cum;
      const take = band === bands - 1 ? m : Math.min(m, room);
      sums[band] += take * values[s];
      weights[band] += take;
      cum += take;
      m -= take;
    }
  }
  return Array.from(sums, (v, b) => (weights[b] > 0 ? v / weights[b] : NaN));
}

/** Consumption-equivalent welfare of every country from baseline `base` to counterfactual `cf`. */
export function networkWelfare(model: HaTradeDeqn, net: Mlp, base: NetworkEquilibrium, cf: NetworkEquilibrium, interp = tauInterpolant(model, net, base)): CountryWelfare[] {
  const { world } = model;
  const { M, nZ } = world;
  const nA = base.policies.grids[0].length;
  const per = nZ * nA;
  const { tau } = solveTau(interp, Float64Array.from(cf.policies.V.flatMap((v) => Array.from(v))));
  const epsilon = world.config.analysis.acrElasticity ?? 1 / world.config.preferences.sigmaEps;
  const z = world.economy.chain.values;
  return world.countries.map((country, i) => {
    const ce = Float64Array.from({ length: per }, (_, s) => 100 * (tau[i * per + s] - 1));
    const mass = base.mass[i];
    let avg = 0;
    let gain = 0;
    for (let s = 0; s < per; s++) {
      avg += mass[s] * ce[s];
      if (ce[s] > 0) gain += mass[s];
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
    };
  });
}
