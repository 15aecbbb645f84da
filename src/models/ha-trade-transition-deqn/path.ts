// A transition path of the networks (MODELS.md §C, dated): the economy starts from the OLD
// stationary distribution with R_0 = old R, and each date t = 0..T the aggregate state S_t of the
// distribution gives prices (price network) and savings of every grid household (household network);
// the distribution moves by the lottery method (distribution.ts), deterministic because there are no
// aggregate shocks, so a histogram replaces a simulated panel exactly.
//
// Choice probabilities: pi_tj = softmax((u(c_tj) + psi_j + beta E V_{t+1}(a'_tj, z')) / sigma) with
// V the exact values of the networks' savings along the path (backward from date T, where policies
// are held: V_T is their stationary fixed point). Why not a value network: the probabilities depend
// on differences of values divided by sigma_eps, which a value output pins only to a few percent of
// import shares (the stationary DEQN's measurement, ha-trade-deqn/choices.ts); the savings policy is
// the Euler-pinned, well-conditioned part. The forward pass needs pi_t before V_t is known, so a
// path is computed by alternating passes: the first uses the old steady state's values as V_{t+1}.
import { tf } from '../../tensor/backend.ts';
import { utility } from '../ha-trade/household-egm.ts';
import { assetTransition, advanceDistribution } from '../ha-trade/distribution.ts';
import type { HouseholdSolution } from '../ha-trade/household-egm.ts';
import { aggregateFeatures, decodePrices, restFeatures, savingsShares, householdDim, type DatePrices, type TransitionNetworks } from './networks.ts';
import { deliveredPricesAt, moments, tariffsOf, type TransitionSetup } from './setup.ts';

export interface DateState {
  /** Distribution entering t per country (z * nA + a). */
  mass: Float64Array[];
  moments: Float64Array[];
  Rcur: number;
  agg: Float32Array;
  prices: DatePrices;
  /** Delivered prices by buyer. */
  delivered: Float64Array[];
  /** Savings a'_j and consumption c_j of every grid household per country, (j * nZ + z) * nA + a. */
  aNext: Float64Array[];
  c: Float64Array[];
  /** Choice probabilities used to move the distribution (same layout). */
  pi: Float64Array[];
}

export interface NetworkPath {
  x: Float64Array;
  tariffs: Float64Array;
  dates: DateState[];
  /** Exact values V_t(a, z) of the networks' policies, t = 0..T (from the last backward pass). */
  values: Float64Array[][];
  /** Choice probabilities from those values, t = 0..T. */
  choice: Float64Array[][];
  /** Largest change of any mean asset along the path between the last two passes. */
  passChange: number;
}

/**
 * Savings shares s_j of every grid household of every country at one date (no gradient), stored as
 * s_j in `aNext` and 1 - s_j in `c` until applyWealth turns them into levels.
 */
export function gridShares(setup: TransitionSetup, nets: TransitionNetworks, agg: Float32Array, prices: DatePrices): { aNext: Float64Array[]; c: Float64Array[] } {
  const { M, nZ, nA, econ } = setup;
  const rows = M * nZ * nA;
  const dim = householdDim(setup) - 1;
  const rest = new Float32Array(rows * dim);
  const z = new Int32Array(rows);
  const country = new Int32Array(rows);
  const a = new Float32Array(rows);
  let r = 0;
  for (let i = 0; i < M; i++) {
    for (let zz = 0; zz < nZ; zz++) {
      const f = restFeatures(setup, zz, i, agg, prices);
      for (let k = 0; k < nA; k++, r++) {
        rest.set(f, r * dim);
        z[r] = zz;
        country[r] = i;
        a[r] = econ.agrids[i][k];
      }
    }
  }
  const shares = tf.tidy(() => savingsShares(setup, nets.household, tf.tensor2d(a, [rows, 1]), a, { z, country, rest }).dataSync() as Float32Array);
  const aNext: Float64Array[] = [];
  const c: Float64Array[] = [];
  for (let i = 0; i < M; i++) {
    const an = new Float64Array(M * nZ * nA);
    const cc = new Float64Array(M * nZ * nA);
    for (let zz = 0; zz < nZ; zz++) {
      for (let k = 0; k < nA; k++) {
        const row = (i * nZ + zz) * nA + k;
        for (let j = 0; j < M; j++) {
          const idx = (j * nZ + zz) * nA + k;
          an[idx] = shares[row * M + j];
          cc[idx] = 1 - shares[row * M + j];
        }
      }
    }
    aNext.push(an);
    c.push(cc);
  }
  return { aNext, c };
}

/** Turns shares (in aNext / c as s and 1 - s) into levels with date-t wealth R_t a + w z + T + phi. */
export function applyWealth(setup: TransitionSetup, Rcur: number, prices: DatePrices, delivered: Float64Array[], pol: { aNext: Float64Array[]; c: Float64Array[] }): void {
  const { M, nZ, nA, econ, phi } = setup;
  for (let i = 0; i < M; i++) {
    const grid = econ.agrids[i];
    for (let j = 0; j < M; j++) {
      for (let z = 0; z < nZ; z++) {
        const labour = prices.wages[i] * econ.chain.values[z] + prices.rebates[i];
        for (let k = 0; k < nA; k++) {
          const idx = (j * nZ + z) * nA + k;
          const wealth = Math.max(1e-12, Rcur * grid[k] + labour + phi[i]);
          pol.aNext[i][idx] = pol.aNext[i][idx] * wealth - phi[i];
          pol.c[i][idx] = Math.max(1e-12, (pol.c[i][idx] * wealth) / delivered[i][j]);
        }
      }
    }
  }
}

/**
 * One Bellman step of the logsum value with given savings and consumption (§C.3): V = sigma log sum_j
 * exp((u(c_j) + psi_j + beta E V_next(a'_j, z')) / sigma), E V by linear interpolation in a'.
 */
export function valueStep(setup: TransitionSetup, i: number, aNext: Float64Array, c: Float64Array, Vnext: Float64Array): { V: Float64Array; pi: Float64Array } {
  const { M, nZ, nA, econ } = setup;
  const hp = setup.household[i];
  const grid = econ.agrids[i];
  const P = econ.chain.P;
  const nS = nZ * nA;
  const EV = new Float64Array(nS);
  for (let z = 0; z < nZ; z++) for (let zp = 0; zp < nZ; zp++) {
    const pr = P[z * nZ + zp];
    if (pr !== 0) for (let k = 0; k < nA; k++) EV[z * nA + k] += pr * Vnext[zp * nA + k];
  }
  const V = new Float64Array(nS);
  const pi = new Float64Array(M * nS);
  const v = new Float64Array(M);
  const h = (grid[nA - 1] - grid[0]) / (nA - 1);
  for (let z = 0; z < nZ; z++) {
    for (let k = 0; k < nA; k++) {
      const s = z * nA + k;
      let vmax = -Infinity;
      for (let j = 0; j < M; j++) {
        const idx = j * nS + s;
        const ap = Math.min(Math.max(aNext[idx], grid[0]), grid[nA - 1]);
        let b = Math.min(nA - 2, Math.max(0, Math.floor((ap - grid[0]) / h)));
        while (b > 0 && grid[b] > ap) b--;
        while (b < nA - 2 && grid[b + 1] <= ap) b++;
        const t = (ap - grid[b]) / (grid[b + 1] - grid[b]);
        v[j] = utility(c[idx], hp.gamma) + (j === hp.home ? hp.quality[z] : 0) + hp.beta * ((1 - t) * EV[z * nA + b] + t * EV[z * nA + b + 1]);
        vmax = Math.max(vmax, v[j]);
      }
      let sum = 0;
      for (let j = 0; j < M; j++) sum += Math.exp((v[j] - vmax) / hp.sigmaEps);
      for (let j = 0; j < M; j++) pi[j * nS + s] = Math.exp((v[j] - vmax) / hp.sigmaEps) / sum;
      V[s] = vmax + hp.sigmaEps * Math.log(sum);
    }
  }
  return { V, pi };
}

function asSolution(setup: TransitionSetup, aNext: Float64Array, c: Float64Array, pi: Float64Array): HouseholdSolution {
  return { nA: setup.nA, nZ: setup.nZ, nJ: setup.M, assetPolicy: aNext, consumption: c, choiceValue: new Float64Array(0), choiceProb: pi, value: new Float64Array(0), iterations: 0, residual: 0 };
}

/**
 * Forward pass: distribution and prices from t = 0 to T with choice probabilities `choice[t]` (or, when
 * absent, from the old values). Prices come from the price network unless `fixedPrices[t]` is given
 * (a market-clearing correction of the path, clearing.ts); R_{t+1} of date t is R_t of date t + 1 either way.
 */
function forward(setup: TransitionSetup, nets: TransitionNetworks, x: Float64Array, tariffs: Float64Array, choice?: Float64Array[][], fixedPrices?: DatePrices[]): DateState[] {
  const { M, econ, params } = setup;
  const T = params.periods;
  const dates: DateState[] = [];
  let mass = setup.massOld.map((m) => Float64Array.from(m));
  let Rcur = setup.oldR;
  for (let t = 0; t <= T; t++) {
    const mom = mass.map((m, i) => moments(econ.agrids[i], m));
    const agg = aggregateFeatures(setup, mom, Rcur, x);
    const prices = fixedPrices?.[t] ?? decodePrices(setup, tf.tidy(() => nets.price.raw(tf.tensor2d(agg, [1, agg.length])).dataSync() as Float32Array));
    const delivered = Array.from({ length: M }, (_, i) => deliveredPricesAt(setup, tariffs, prices.wages, i));
    const pol = gridShares(setup, nets, agg, prices);
    applyWealth(setup, Rcur, prices, delivered, pol);
    const pi = pol.aNext.map((an, i) => choice?.[t]?.[i] ?? valueStep(setup, i, an, pol.c[i], setup.oldSlices[i].phi).pi);
    dates.push({ mass, moments: mom, Rcur, agg, prices, delivered, aNext: pol.aNext, c: pol.c, pi });
    if (t === T) break;
    mass = mass.map((m, i) => {
      const next = new Float64Array(m.length);
      advanceDistribution(assetTransition(asSolution(setup, pol.aNext[i], pol.c[i], pi[i]), econ.agrids[i]), econ.chain.P, m, next, new Float64Array(m.length));
      return next;
    });
    Rcur = prices.Rnext;
  }
  return dates;
}

/** Backward pass: values and choice probabilities of the networks' policies along `dates`. */
function backward(setup: TransitionSetup, dates: DateState[], tol = 1e-11, maxIterations = 3000): { values: Float64Array[][]; choice: Float64Array[][] } {
  const T = dates.length - 1;
  const values: Float64Array[][] = new Array(T + 1);
  const choice: Float64Array[][] = new Array(T + 1);
  const last = dates[T];
  // Date T: policies held forever, V_T their stationary value (contraction with modulus beta).
  values[T] = [];
  choice[T] = [];
  for (let i = 0; i < setup.M; i++) {
    let V: Float64Array = Float64Array.from(setup.oldSlices[i].phi);
    let pi: Float64Array = new Float64Array(0);
    for (let it = 0; it < maxIterations; it++) {
      const step = valueStep(setup, i, last.aNext[i], last.c[i], V);
      let diff = 0;
      for (let s = 0; s < V.length; s++) diff = Math.max(diff, Math.abs(step.V[s] - V[s]));
      V = step.V;
      pi = step.pi;
      if (diff < tol) break;
    }
    values[T].push(V);
    choice[T].push(pi);
  }
  for (let t = T - 1; t >= 0; t--) {
    values[t] = [];
    choice[t] = [];
    for (let i = 0; i < setup.M; i++) {
      const step = valueStep(setup, i, dates[t].aNext[i], dates[t].c[i], values[t + 1][i]);
      values[t].push(step.V);
      choice[t].push(step.pi);
    }
  }
  return { values, choice };
}

/**
 * The networks' transition path after the change to policy point `x` (alternating forward/backward
 * passes); with `fixedPrices` (dates 0..T) the household network on that price path instead of the price network's.
 */
export function networkPath(setup: TransitionSetup, nets: TransitionNetworks, x: ArrayLike<number>, passes: number, fixedPrices?: DatePrices[]): NetworkPath {
  const xx = Float64Array.from(x);
  const tariffs = tariffsOf(setup, xx);
  let dates = forward(setup, nets, xx, tariffs, undefined, fixedPrices);
  let back = backward(setup, dates);
  let passChange = Infinity;
  for (let p = 1; p < passes; p++) {
    const next = forward(setup, nets, xx, tariffs, back.choice, fixedPrices);
    passChange = 0;
    next.forEach((d, t) => d.moments.forEach((m, i) => (passChange = Math.max(passChange, Math.abs(m[0] - dates[t].moments[i][0])))));
    dates = next;
    back = backward(setup, dates);
  }
  return { x: xx, tariffs, dates, values: back.values, choice: back.choice, passChange };
}

/** Market residuals of one date (the reference's dateResiduals order): goods 2..M, bonds, government budgets; each over income. */
export interface DateMarkets {
  residuals: Float64Array;
  /** Excess supply of every country's goods over its income, (income_i - sales_i) / income_i. */
  goods: Float64Array;
  spending: Float64Array[];
  assetsNext: Float64Array;
  income: Float64Array;
  worldIncome: number;
  revenue: Float64Array;
}

export function dateMarkets(setup: TransitionSetup, d: DateState, tariffs: Float64Array): DateMarkets {
  const { M, nZ, nA, econ } = setup;
  const nS = nZ * nA;
  const spending: Float64Array[] = [];
  const assetsNext = new Float64Array(M);
  const efficiency = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    const sp = new Float64Array(M);
    for (let s = 0; s < nS; s++) {
      const m = d.mass[i][s];
      if (m === 0) continue;
      efficiency[i] += m * econ.chain.values[Math.floor(s / nA)];
      for (let j = 0; j < M; j++) {
        const idx = j * nS + s;
        sp[j] += m * d.pi[i][idx] * d.delivered[i][j] * d.c[i][idx];
        assetsNext[i] += m * d.pi[i][idx] * d.aNext[i][idx];
      }
    }
    spending.push(sp);
  }
  const income = Float64Array.from({ length: M }, (_, i) => d.prices.wages[i] * econ.labor[i] * efficiency[i]);
  let worldIncome = 0;
  for (const v of income) worldIncome += v;
  const F = new Float64Array(setup.priceDim);
  const goods = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    let sales = 0;
    for (let k = 0; k < M; k++) sales += (econ.labor[k] * spending[k][i]) / (1 + tariffs[k * M + i]);
    goods[i] = (income[i] - sales) / income[i];
    if (i > 0) F[i - 1] = goods[i];
  }
  let bonds = 0;
  for (let i = 0; i < M; i++) bonds += econ.labor[i] * assetsNext[i];
  F[M - 1] = bonds / worldIncome;
  const revenue = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) revenue[i] += (tariffs[i * M + j] / (1 + tariffs[i * M + j])) * econ.labor[i] * spending[i][j];
    F[M + i] = (econ.labor[i] * d.prices.rebates[i] - revenue[i]) / income[i];
  }
  return { residuals: F, goods, spending, assetsNext, income, worldIncome, revenue };
}
