// Household problem with time-varying prices for the transition path (MODELS.md §C.3 with dated
// prices): one backward step of the discrete-choice endogenous-grid method maps tomorrow's expected
// marginal utility and logsum value into today's policies. Unlike the stationary solver it separates
// the return on the assets a household enters the period with (R_t, in today's budget) from the return
// on what it saves (R_{t+1}, in the Euler equation):
//   p_tj c + a' = R_t a + w_t z + T_t,   u'(c_j)/p_tj = beta R_{t+1} E_z' sum_j' pi_{t+1,j'} u'(c_{t+1,j'})/p_{t+1,j'}.
// Arrays follow household-egm.ts: (j * nZ + z) * nA + a by choice, z * nA + a by state.
import { utility, expectationStep, type HouseholdParams, type HouseholdSolution } from './household-egm.ts';

/** Prices one household faces at date t. */
export interface DatedPrices {
  /** Gross return on assets entering date t (fixed before the period: R_t). */
  Rcur: number;
  /** Gross return on assets carried into t + 1 (R_{t+1}). */
  Rnext: number;
  wage: number;
  rebate: number;
  /** Delivered prices p_tj of every variety. */
  prices: Float64Array;
}

/** Date-t household policies plus what the step at t - 1 needs (mucEps, phi). */
export interface PolicySlice {
  nA: number;
  nZ: number;
  nJ: number;
  assetPolicy: Float64Array;
  consumption: Float64Array;
  choiceProb: Float64Array;
  /** Logsum value V_t(a, z) by state (ex ante, before the taste shocks). */
  phi: Float64Array;
  /** sum_j pi_j u'(c_j) / p_j by state: the marginal value of a unit of money at date t over R_t. */
  mucEps: Float64Array;
  /** Spending on variety j, pi_j p_j c_j, by (j, state): per-state contribution to imports. */
  spending: Float64Array;
  /** Expected assets carried out, sum_j pi_j g_j, by state. */
  assetsNext: Float64Array;
}

export interface StepWork {
  emuc: Float64Array;
  emucInv: Float64Array;
  ev: Float64Array;
  aTilde: Float64Array;
  v: Float64Array;
}

const MIN_CONSUMPTION = 1e-12;

export function emptySlice(nA: number, nZ: number, nJ: number): PolicySlice {
  const size = nA * nZ * nJ;
  const nS = nA * nZ;
  return {
    nA,
    nZ,
    nJ,
    assetPolicy: new Float64Array(size),
    consumption: new Float64Array(size),
    choiceProb: new Float64Array(size),
    phi: new Float64Array(nS),
    mucEps: new Float64Array(nS),
    spending: new Float64Array(size),
    assetsNext: new Float64Array(nS),
  };
}

export function stepWork(nA: number, nZ: number, nJ: number): StepWork {
  const nS = nA * nZ;
  return { emuc: new Float64Array(nS), emucInv: new Float64Array(nS), ev: new Float64Array(nS), aTilde: new Float64Array(nA), v: new Float64Array(nS * nJ) };
}

/**
 * One backward step: `next` is the date-(t+1) slice (only its mucEps and phi are read), `out` receives
 * date t. EGM for each variety (§C.3 Euler equation), then choice probabilities and logsum values.
 */
export function backwardStep(params: HouseholdParams, dp: DatedPrices, next: PolicySlice, out: PolicySlice, w: StepWork): void {
  const { agrid, chain, gamma, sigmaEps: sigma, home, quality } = params;
  const nA = agrid.length;
  const nZ = chain.n;
  const nJ = dp.prices.length;
  const nS = nA * nZ;
  expectationStep(params, dp.Rnext, next, w, nA, nZ);
  const invGamma = -1 / gamma;
  const aMin = agrid[0];
  const aMax = agrid[nA - 1];
  const R = dp.Rcur;
  for (let j = 0; j < nJ; j++) {
    const pj = dp.prices[j];
    const pjScale = pj * Math.exp(invGamma * Math.log(pj));
    for (let z = 0; z < nZ; z++) {
      const base = z * nA;
      const labour = dp.wage * chain.values[z] + dp.rebate;
      let prev = -Infinity;
      for (let k = 0; k < nA; k++) {
        let at = (pjScale * w.emucInv[base + k] + agrid[k] - labour) / R;
        if (at < prev) at = prev;
        w.aTilde[k] = at;
        prev = at;
      }
      const first = w.aTilde[0];
      const last = w.aTilde[nA - 1];
      let k = 0;
      let kv = 0;
      const off = (j * nZ + z) * nA;
      for (let a = 0; a < nA; a++) {
        const x = agrid[a];
        let ap: number;
        if (x <= first) ap = aMin;
        else if (x >= last) ap = aMax;
        else {
          while (k < nA - 2 && w.aTilde[k + 1] <= x) k++;
          const lo = w.aTilde[k];
          const hi = w.aTilde[k + 1];
          const t = hi > lo ? (x - lo) / (hi - lo) : 0;
          ap = agrid[k] + t * (agrid[k + 1] - agrid[k]);
        }
        let cc = (R * x + labour - ap) / pj;
        if (!(cc > MIN_CONSUMPTION)) {
          cc = MIN_CONSUMPTION;
          ap = Math.max(aMin, R * x + labour - pj * cc);
        }
        if (ap < agrid[kv]) kv = 0;
        while (kv < nA - 2 && agrid[kv + 1] <= ap) kv++;
        const tv = Math.min(1, (ap - agrid[kv]) / (agrid[kv + 1] - agrid[kv]));
        const idx = off + a;
        out.consumption[idx] = cc;
        out.assetPolicy[idx] = ap;
        w.v[idx] = utility(cc, gamma) + w.ev[base + kv] * (1 - tv) + w.ev[base + kv + 1] * tv;
      }
    }
  }
  // Choice probabilities, logsum and the marginal value of money (same formulas as household-egm.ts).
  out.assetsNext.fill(0);
  for (let z = 0; z < nZ; z++) {
    const psi = quality[z];
    for (let a = 0; a < nA; a++) {
      const s = z * nA + a;
      let vmax = -Infinity;
      for (let j = 0; j < nJ; j++) vmax = Math.max(vmax, w.v[j * nS + s] + (j === home ? psi : 0));
      let sum = 0;
      for (let j = 0; j < nJ; j++) {
        const e = Math.exp((w.v[j * nS + s] + (j === home ? psi : 0) - vmax) / sigma);
        out.choiceProb[j * nS + s] = e;
        sum += e;
      }
      let muc = 0;
      let an = 0;
      for (let j = 0; j < nJ; j++) {
        const idx = j * nS + s;
        const pr = out.choiceProb[idx] / sum;
        out.choiceProb[idx] = pr;
        const c = out.consumption[idx];
        muc += (pr * Math.exp(-gamma * Math.log(c))) / dp.prices[j];
        out.spending[idx] = pr * dp.prices[j] * c;
        an += pr * out.assetPolicy[idx];
      }
      out.phi[s] = vmax + sigma * Math.log(sum);
      out.mucEps[s] = muc;
      out.assetsNext[s] = an;
    }
  }
}

/**
 * Stationary fixed point of `backwardStep` at constant prices (Rcur = Rnext = R), started from a
 * solution of the stationary solver: the transition's terminal and initial conditions must be exact
 * fixed points of the same step, or a zero policy change would not give a flat path.
 */
export function stationarySlice(params: HouseholdParams, dp: DatedPrices, start: HouseholdSolution, tol = 1e-13, maxIterations = 5000): { slice: PolicySlice; iterations: number; change: number } {
  const { nA, nZ, nJ } = start;
  const nS = nA * nZ;
  let cur = emptySlice(nA, nZ, nJ);
  cur.phi.set(start.value);
  for (let s = 0; s < nS; s++) {
    let muc = 0;
    for (let j = 0; j < nJ; j++) muc += (start.choiceProb[j * nS + s] * Math.pow(start.consumption[j * nS + s], -params.gamma)) / dp.prices[j];
    cur.mucEps[s] = muc;
  }
  cur.consumption.set(start.consumption);
  let nxt = emptySlice(nA, nZ, nJ);
  const w = stepWork(nA, nZ, nJ);
  let change = Infinity;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    backwardStep(params, dp, cur, nxt, w);
    change = 0;
    for (let k = 0; k < nxt.consumption.length; k++) change = Math.max(change, Math.abs(nxt.consumption[k] - cur.consumption[k]));
    for (let s = 0; s < nS; s++) change = Math.max(change, (1 - params.beta) * Math.abs(nxt.phi[s] - cur.phi[s]));
    [cur, nxt] = [nxt, cur];
    if (change < tol) break;
  }
  return { slice: cur, iterations, change };
}

/** The slice as the stationary solver's HouseholdSolution shape (for distribution.ts). */
export function asHouseholdSolution(slice: PolicySlice): HouseholdSolution {
  return {
    nA: slice.nA,
    nZ: slice.nZ,
    nJ: slice.nJ,
    assetPolicy: slice.assetPolicy,
    consumption: slice.consumption,
    choiceValue: new Float64Array(0),
    choiceProb: slice.choiceProb,
    value: slice.phi,
    iterations: 0,
    residual: 0,
  };
}
