// Household problem of MODELS.md §C.3 solved by the endogenous-grid method adapted to the discrete
// variety choice with logit smoothing (paper appendix "EGM-Discrete Choice"; author's `coleman_operator`).
// One iteration: choice probabilities from the choice-specific values, expected marginal utility
// integrated over tomorrow's choice (§C.3 Euler equation), inversion on the endogenous grid for each
// variety, linear interpolation back onto the asset grid, then one Bellman update of the values.
// Arrays are flat Float64Arrays indexed (j * nZ + z) * nA + a (choice j, efficiency z, assets a);
// per-state arrays are indexed z * nA + a.
import type { EfficiencyChain } from './markov.ts';

export interface HouseholdParams {
  /** CRRA coefficient; 1 means log utility. */
  gamma: number;
  beta: number;
  /** Taste-shock dispersion for this country (already scaled by country if the config asks for it). */
  sigmaEps: number;
  /** Increasing asset grid; agrid[0] is the borrowing limit -phi. */
  agrid: Float64Array;
  chain: EfficiencyChain;
  /** Index of the home variety (the one the quality shifter applies to). */
  home: number;
  /** Quality shifter psi_i(z, home) by efficiency state (§C.1); zeros when off. */
  quality: Float64Array;
}

export interface HouseholdPrices {
  R: number;
  /** Wage per efficiency unit. */
  wage: number;
  /** Lump-sum tariff rebate per household (§C.4 item 3). */
  rebate: number;
  /** Delivered prices p_ij of every variety j for this buyer (§C.1). */
  prices: Float64Array;
  /** Proportional scaling of period resources lambda*(R a + w z) used by the welfare measure (§C.5); default 1. */
  incomeScale?: number;
}

export interface HouseholdSolution {
  nA: number;
  nZ: number;
  nJ: number;
  /** a' = g(a, z, j). */
  assetPolicy: Float64Array;
  /** c(a, z, j) in units of variety j. */
  consumption: Float64Array;
  /** Choice-specific values v(a, z, j), without the quality shifter. */
  choiceValue: Float64Array;
  /** Choice probabilities pi_j(a, z). */
  choiceProb: Float64Array;
  /** Ex-ante value V(a, z) = sigma * log sum_j exp((v_j + psi_j) / sigma), indexed z * nA + a. */
  value: Float64Array;
  iterations: number;
  /** Final sup-norm change of consumption and of (1 - beta) * values. */
  residual: number;
}

export interface SolveOptions {
  tol?: number;
  maxIterations?: number;
  /** Warm start (same grid sizes): consumption and choice values of an earlier solution. */
  guess?: Pick<HouseholdSolution, 'consumption' | 'choiceValue'>;
  /** Policy-evaluation sweeps between EGM steps (modified policy iteration); 0 = plain EGM. */
  howardSweeps?: number;
}

const MIN_CONSUMPTION = 1e-12;

export function utility(c: number, gamma: number): number {
  return gamma === 1 ? Math.log(c) : Math.pow(c, 1 - gamma) / (1 - gamma);
}

/** Reusable scratch buffers so iterations allocate nothing. */
interface Work {
  mu: Float64Array; // c^-gamma for each (j, z, a)
  phi: Float64Array; // logsum values by (z, a)
  mucEps: Float64Array; // sum_j pi_j u'(c_j)/p_j by (z, a)
  emuc: Float64Array; // beta R lambda E[mucEps(a', z') | z] by (z, a')
  emucInv: Float64Array; // emuc^(-1/gamma)
  logProb: Float64Array; // log pi_j for each (j, z, a)
  ev: Float64Array; // beta E[phi(a', z') | z] by (z, a')
  aTilde: Float64Array; // endogenous grid for one (j, z)
  util: Float64Array; // u(c) for each (j, z, a)
  lo: Int32Array; // grid bracket of a' for each (j, z, a)
  t: Float64Array; // interpolation weight of the upper bracket point
  reward: Float64Array; // sum_j pi_j (u_j + psi_j - sigma log pi_j) by (z, a)
  phiNext: Float64Array;
}

function initialGuess(params: HouseholdParams, prices: HouseholdPrices, c: Float64Array, v: Float64Array): void {
  const { agrid, chain, gamma, beta } = params;
  const nA = agrid.length;
  const nZ = chain.n;
  const nJ = prices.prices.length;
  const lambda = prices.incomeScale ?? 1;
  for (let j = 0; j < nJ; j++) {
    for (let z = 0; z < nZ; z++) {
      for (let a = 0; a < nA; a++) {
        // Spend income net of keeping assets constant: a safe, positive starting point.
        const cash = lambda * ((prices.R - 1) * agrid[a] + prices.wage * chain.values[z]) + prices.rebate;
        const cc = Math.max(cash, 0.1 * lambda * prices.wage * chain.values[z]) / prices.prices[j];
        const k = (j * nZ + z) * nA + a;
        c[k] = cc;
        v[k] = utility(cc, gamma) / (1 - beta);
      }
    }
  }
}

/** Choice probabilities, logsum values and expected marginal utility over choices, for every (z, a). */
function choiceStep(params: HouseholdParams, prices: Float64Array, v: Float64Array, mu: Float64Array, prob: Float64Array, w: Work, nA: number, nZ: number, nJ: number): void {
  const { sigmaEps: sigma, home, quality } = params;
  const nS = nZ * nA;
  for (let z = 0; z < nZ; z++) {
    const psi = quality[z];
    for (let a = 0; a < nA; a++) {
      const s = z * nA + a;
      let vmax = -Infinity;
      for (let j = 0; j < nJ; j++) {
        const x = v[j * nS + s] + (j === home ? psi : 0);
        if (x > vmax) vmax = x;
      }
      let sum = 0;
      for (let j = 0; j < nJ; j++) {
        const x = (v[j * nS + s] + (j === home ? psi : 0) - vmax) / sigma;
        const e = Math.exp(x);
        prob[j * nS + s] = e;
        w.logProb[j * nS + s] = x;
        sum += e;
      }
      const inv = 1 / sum;
      const logSum = Math.log(sum);
      let muc = 0;
      for (let j = 0; j < nJ; j++) {
        const k = j * nS + s;
        prob[k] *= inv;
        w.logProb[k] -= logSum;
        muc += (prob[k] * mu[k]) / prices[j];
      }
      w.phi[s] = vmax + sigma * logSum;
      w.mucEps[s] = muc;
    }
  }
}

/**
 * Expectations over tomorrow's efficiency: emuc = beta R lambda P mucEps, ev = beta P phi (`scale` = R lambda),
 * and emucInv = emuc^(-1/gamma). `next` holds tomorrow's mucEps and phi (the same object as `w` in the
 * stationary iteration; the date-(t+1) slice on a transition path).
 */
export function expectationStep(
  params: HouseholdParams,
  scale: number,
  next: { mucEps: Float64Array; phi: Float64Array },
  w: { emuc: Float64Array; ev: Float64Array; emucInv: Float64Array },
  nA: number,
  nZ: number,
): void {
  const P = params.chain.P;
  const beta = params.beta;
  w.emuc.fill(0);
  w.ev.fill(0);
  for (let z = 0; z < nZ; z++) {
    for (let zp = 0; zp < nZ; zp++) {
      const pr = P[z * nZ + zp];
      if (pr === 0) continue;
      const dst = z * nA;
      const src = zp * nA;
      for (let a = 0; a < nA; a++) {
        w.emuc[dst + a] += pr * next.mucEps[src + a];
        w.ev[dst + a] += pr * next.phi[src + a];
      }
    }
  }
  const invGamma = -1 / params.gamma;
  for (let k = 0; k < nZ * nA; k++) {
    w.emuc[k] *= beta * scale;
    w.ev[k] *= beta;
    // (u')^-1 of expected marginal utility, shared by every variety: c~_j = p_j^(-1/gamma) * this.
    w.emucInv[k] = Math.exp(invGamma * Math.log(w.emuc[k]));
  }
}

/**
 * One EGM + Bellman update for every (j, z): writes new policies, consumption, c^-gamma and values.
 * Returns the sup-norm change in consumption and in (1 - beta) * value.
 */
function egmStep(params: HouseholdParams, prices: HouseholdPrices, c: Float64Array, v: Float64Array, g: Float64Array, w: Work, nA: number, nZ: number, nJ: number): number {
  const { agrid, chain, gamma, beta } = params;
  const { R, wage, rebate } = prices;
  const lambda = prices.incomeScale ?? 1;
  const invGamma = -1 / gamma;
  const aMin = agrid[0];
  const aMax = agrid[nA - 1];
  const isLog = gamma === 1;
  const oneMinusGamma = 1 - gamma;
  const invRLambda = 1 / (R * lambda);
  // Typed arrays in locals: measurably faster than property loads inside the hot loops.
  const aTilde = w.aTilde;
  const emucInv = w.emucInv;
  const ev = w.ev;
  const mu = w.mu;
  const util = w.util;
  const loArr = w.lo;
  const tArr = w.t;
  let change = 0;
  for (let j = 0; j < nJ; j++) {
    const pj = prices.prices[j];
    const invPj = 1 / pj;
    const pjScale = pj * Math.exp(invGamma * Math.log(pj)); // p_j * p_j^(-1/gamma)
    for (let z = 0; z < nZ; z++) {
      const base = z * nA;
      const labour = lambda * wage * chain.values[z] + rebate;
      // Endogenous grid: the a today at which a' = agrid[k] is optimal, from spending p_j c~_j with
      // c~_j = (p_j * emuc)^(-1/gamma) (Euler equation, §C.3).
      let prev = -Infinity;
      for (let k = 0; k < nA; k++) {
        let at = (pjScale * emucInv[base + k] + agrid[k] - labour) * invRLambda;
        if (at < prev) at = prev; // guard against a non-monotone endogenous grid
        aTilde[k] = at;
        prev = at;
      }
      const off = (j * nZ + z) * nA;
      const first = aTilde[0];
      const last = aTilde[nA - 1];
      let k = 0;
      let kv = 0; // bracket of a' on the asset grid, walked forward since a' rises with a
      for (let a = 0; a < nA; a++) {
        const x = agrid[a];
        let ap: number;
        if (x <= first) ap = aMin; // borrowing constraint binds
        else if (x >= last) ap = aMax; // top of the grid (flat extrapolation, as the source)
        else {
          while (k < nA - 2 && aTilde[k + 1] <= x) k++;
          const lo = aTilde[k];
          const hi = aTilde[k + 1];
          const t = hi > lo ? (x - lo) / (hi - lo) : 0;
          ap = agrid[k] + t * (agrid[k + 1] - agrid[k]);
        }
        const idx = off + a;
        let cc = (lambda * R * x + labour - ap) * invPj;
        if (!(cc > MIN_CONSUMPTION)) {
          cc = MIN_CONSUMPTION;
          ap = Math.max(aMin, lambda * R * x + labour - pj * cc);
        }
        const logc = Math.log(cc);
        const m = Math.exp(-gamma * logc);
        const u = isLog ? logc : (cc * m) / oneMinusGamma;
        if (ap < agrid[kv]) kv = 0;
        while (kv < nA - 2 && agrid[kv + 1] <= ap) kv++;
        const tv = Math.min(1, (ap - agrid[kv]) / (agrid[kv + 1] - agrid[kv]));
        util[idx] = u;
        loArr[idx] = kv;
        tArr[idx] = tv;
        const vNew = u + ev[base + kv] * (1 - tv) + ev[base + kv + 1] * tv;
        const dc = Math.abs(cc - c[idx]);
        const dv = Math.abs(vNew - v[idx]) * (1 - beta);
        if (dc > change) change = dc;
        if (dv > change) change = dv;
        c[idx] = cc;
        mu[idx] = m;
        v[idx] = vNew;
        g[idx] = ap;
      }
    }
  }
  return change;
}

/**
 * Howard improvement (modified policy iteration): with policies and choice probabilities held fixed,
 * the logsum value solves the linear equation phi = r + beta * T phi, where
 * r = sum_j pi_j (u_j + psi_j - sigma log pi_j) (the logsum identity) and T moves (a, z) to
 * (g_j(a, z), z') by the interpolation weights. A few cheap sweeps here save many full EGM steps.
 * Afterwards the choice-specific values are rebuilt as v_j = u_j + beta E[phi(g_j, z')].
 */
function howardSweeps(params: HouseholdParams, prob: Float64Array, v: Float64Array, w: Work, sweeps: number, nA: number, nZ: number, nJ: number): void {
  const { sigmaEps: sigma, home, quality, beta } = params;
  const nS = nZ * nA;
  w.reward.fill(0);
  for (let j = 0; j < nJ; j++) {
    for (let z = 0; z < nZ; z++) {
      const psi = j === home ? quality[z] : 0;
      for (let a = 0; a < nA; a++) {
        const s = z * nA + a;
        const k = j * nS + s;
        const pr = prob[k];
        if (pr > 0) w.reward[s] += pr * (w.util[k] + psi - sigma * w.logProb[k]);
      }
    }
  }
  for (let sweep = 0; sweep <= sweeps; sweep++) {
    expectationOfPhi(params.chain.P, beta, w, nA, nZ);
    if (sweep === sweeps) break;
    const next = w.phiNext;
    const ev = w.ev;
    const loArr = w.lo;
    const tArr = w.t;
    next.set(w.reward);
    for (let j = 0; j < nJ; j++) {
      for (let z = 0; z < nZ; z++) {
        const base = z * nA;
        const off = (j * nZ + z) * nA;
        for (let a = 0; a < nA; a++) {
          const k = off + a;
          const lo = base + loArr[k];
          const t = tArr[k];
          next[base + a] += prob[k] * (ev[lo] + t * (ev[lo + 1] - ev[lo]));
        }
      }
    }
    w.phi.set(w.phiNext);
  }
  for (let j = 0; j < nJ; j++) {
    for (let z = 0; z < nZ; z++) {
      const base = z * nA;
      const off = (j * nZ + z) * nA;
      for (let a = 0; a < nA; a++) {
        const k = off + a;
        const lo = w.lo[k];
        const t = w.t[k];
        v[k] = w.util[k] + w.ev[base + lo] * (1 - t) + w.ev[base + lo + 1] * t;
      }
    }
  }
}

/** ev = beta * P phi (expected logsum value by today's efficiency and tomorrow's assets). */
function expectationOfPhi(P: Float64Array, beta: number, w: Work, nA: number, nZ: number): void {
  w.ev.fill(0);
  for (let z = 0; z < nZ; z++) {
    for (let zp = 0; zp < nZ; zp++) {
      const pr = beta * P[z * nZ + zp];
      if (pr === 0) continue;
      const dst = z * nA;
      const src = zp * nA;
      for (let a = 0; a < nA; a++) w.ev[dst + a] += pr * w.phi[src + a];
    }
  }
}

/** Linear interpolation of values[base + 0..n-1] (on grid) at x, clamped to the grid. */
export function interpolate(grid: Float64Array, values: Float64Array, base: number, x: number): number {
  const n = grid.length;
  if (x <= grid[0]) return values[base];
  if (x >= grid[n - 1]) return values[base + n - 1];
  const k = bracket(grid, x);
  const t = (x - grid[k]) / (grid[k + 1] - grid[k]);
  return values[base + k] * (1 - t) + values[base + k + 1] * t;
}

/** Largest k with grid[k] <= x (x strictly inside the grid), k <= n - 2. */
export function bracket(grid: Float64Array, x: number): number {
  let lo = 0;
  let hi = grid.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid[mid] <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Solves the stationary household problem at fixed prices (MODELS.md §C.3). */
export function solveHousehold(params: HouseholdParams, prices: HouseholdPrices, opts: SolveOptions = {}): HouseholdSolution {
  validate(params, prices);
  const tol = opts.tol ?? 1e-9;
  const maxIterations = opts.maxIterations ?? 5000;
  const sweeps = opts.howardSweeps ?? 3;
  const nA = params.agrid.length;
  const nZ = params.chain.n;
  const nJ = prices.prices.length;
  const size = nJ * nZ * nA;
  const c = new Float64Array(size);
  const v = new Float64Array(size);
  const g = new Float64Array(size);
  const prob = new Float64Array(size);
  const w: Work = {
    mu: new Float64Array(size),
    phi: new Float64Array(nZ * nA),
    mucEps: new Float64Array(nZ * nA),
    emuc: new Float64Array(nZ * nA),
    emucInv: new Float64Array(nZ * nA),
    logProb: new Float64Array(size),
    ev: new Float64Array(nZ * nA),
    aTilde: new Float64Array(nA),
    util: new Float64Array(size),
    lo: new Int32Array(size),
    t: new Float64Array(size),
    reward: new Float64Array(nZ * nA),
    phiNext: new Float64Array(nZ * nA),
  };
  if (opts.guess && opts.guess.consumption.length === size) {
    c.set(opts.guess.consumption);
    v.set(opts.guess.choiceValue);
  } else initialGuess(params, prices, c, v);
  for (let k = 0; k < size; k++) w.mu[k] = Math.pow(c[k], -params.gamma);
  const scale = prices.R * (prices.incomeScale ?? 1);
  let change = Infinity;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    choiceStep(params, prices.prices, v, w.mu, prob, w, nA, nZ, nJ);
    expectationStep(params, scale, w, w, nA, nZ);
    change = egmStep(params, prices, c, v, g, w, nA, nZ, nJ);
    if (!Number.isFinite(change)) break;
    if (change < tol) break;
    // Cheap policy-evaluation sweeps with this iteration's choice probabilities (same fixed point).
    if (sweeps > 0 && change < 1e-2) howardSweeps(params, prob, v, w, sweeps, nA, nZ, nJ);
  }
  // Probabilities and logsum consistent with the final values.
  choiceStep(params, prices.prices, v, w.mu, prob, w, nA, nZ, nJ);
  return { nA, nZ, nJ, assetPolicy: g, consumption: c, choiceValue: v, choiceProb: prob, value: w.phi.slice(), iterations, residual: change };
}

function validate(params: HouseholdParams, prices: HouseholdPrices): void {
  const bad = (what: string) => {
    throw new Error(`solveHousehold: ${what}`);
  };
  if (!(params.sigmaEps > 0)) bad(`sigmaEps must be > 0, got ${params.sigmaEps}`);
  if (!(params.gamma > 0)) bad(`gamma must be > 0, got ${params.gamma}`);
  if (!(params.beta > 0 && params.beta < 1)) bad(`beta must be in (0, 1), got ${params.beta}`);
  if (!(prices.R > 0) || !(prices.wage > 0)) bad(`R and wage must be positive, got R=${prices.R}, wage=${prices.wage}`);
  for (const p of prices.prices) if (!(p > 0)) bad(`prices must be positive, got ${p}`);
  if (params.quality.length !== params.chain.n) bad('quality must have one entry per efficiency state');
}
