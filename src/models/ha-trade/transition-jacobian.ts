// Sequence-space Jacobian of one country's household block around a stationary equilibrium by the
// fake-news algorithm (Auclert, Bardóczy, Rognlie & Straub 2021, Econometrica 89(5), §3): the response
// of aggregate outcome o at date t to news at date 0 that input q moves at date s, J[t][s], from
//   1. one backward pass per input from the steady state (shock at horizon s = date-0 policies),
//   2. expectation vectors E^k = Lambda^k y_o (forward-looking: expected outcome k periods ahead),
//   3. the fake-news matrix F[0][s] = dY_0^s, F[t][s] = E^{t-1} . dD_1^s, and J[t][s] = F[t][s] + J[t-1][s-1].
// Derivatives of the backward step are central finite differences (the step is smooth except at
// measure-zero kinks of the borrowing limit), as in the authors' toolkit.
import { assetTransition, advanceDistribution } from './distribution.ts';
import type { HouseholdParams } from './household-egm.ts';
import { backwardStep, emptySlice, stepWork, asHouseholdSolution, type DatedPrices, type PolicySlice } from './transition-household.ts';

export interface BlockJacobianInput {
  params: HouseholdParams;
  /** Dated prices as a function of the block's input vector theta. */
  pricesOf: (theta: Float64Array) => DatedPrices;
  /** Steady-state inputs. */
  thetaSS: Float64Array;
  ss: PolicySlice;
  mass: Float64Array;
  periods: number;
  /** Finite-difference step per input (default 1e-4). */
  step?: number;
}

/** J[q][o] is a periods x periods row-major matrix: outcome o (spending on each variety, then assets carried out). */
export type BlockJacobian = Float64Array[][];

export function outcomeCount(nJ: number): number {
  return nJ + 1;
}

/** Per-state outcome o of a slice: spending on variety o (o < nJ) or expected assets carried out. */
function outcomeVector(slice: PolicySlice, o: number): Float64Array {
  const nS = slice.nA * slice.nZ;
  return o < slice.nJ ? slice.spending.subarray(o * nS, (o + 1) * nS) : slice.assetsNext;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * y[k];
  return s;
}

/** Date-0 policies for news of a shock at each horizon s = 0..T-1 (a backward pass from the steady state). */
function newsPolicies(inp: BlockJacobianInput, theta: Float64Array): PolicySlice[] {
  const { params, ss, periods } = inp;
  const w = stepWork(ss.nA, ss.nZ, ss.nJ);
  const out: PolicySlice[] = [];
  let next = ss;
  const dpSS = inp.pricesOf(inp.thetaSS);
  for (let s = 0; s < periods; s++) {
    const slice = emptySlice(ss.nA, ss.nZ, ss.nJ);
    backwardStep(params, s === 0 ? inp.pricesOf(theta) : dpSS, next, slice, w);
    out.push(slice);
    next = slice;
  }
  return out;
}

/** E^k(s) = sum_s' Lambda(s, s') E^{k-1}(s'): the pull-back through the steady-state law of motion. */
function expectationVectors(inp: BlockJacobianInput, o: number): Float64Array[] {
  const { ss, params, periods } = inp;
  const { nA, nZ } = ss;
  const P = params.chain.P;
  const tr = assetTransition(asHouseholdSolution(ss), params.agrid);
  const out: Float64Array[] = [Float64Array.from(outcomeVector(ss, o))];
  const ep = new Float64Array(nA * nZ);
  for (let k = 1; k < periods - 1; k++) {
    const prev = out[k - 1];
    ep.fill(0);
    for (let z = 0; z < nZ; z++) for (let zp = 0; zp < nZ; zp++) {
      const pr = P[z * nZ + zp];
      if (pr === 0) continue;
      for (let a = 0; a < nA; a++) ep[z * nA + a] += pr * prev[zp * nA + a];
    }
    const cur = new Float64Array(nA * nZ);
    for (let s = 0; s < nA * nZ; s++) {
      const zBase = Math.floor(s / nA) * nA;
      let v = 0;
      for (let e = tr.start[s]; e < tr.start[s + 1]; e++) v += tr.weight[e] * ep[zBase + tr.target[e]];
      cur[s] = v;
    }
    out.push(cur);
  }
  return out;
}

export function blockJacobian(inp: BlockJacobianInput): BlockJacobian {
  const { ss, params, mass, periods: T } = inp;
  const h = inp.step ?? 1e-4;
  const nO = outcomeCount(ss.nJ);
  const nS = ss.nA * ss.nZ;
  const P = params.chain.P;
  const expectations = Array.from({ length: nO }, (_, o) => expectationVectors(inp, o));
  const scratch = new Float64Array(nS);
  const result: BlockJacobian = [];
  for (let q = 0; q < inp.thetaSS.length; q++) {
    const up = Float64Array.from(inp.thetaSS);
    const down = Float64Array.from(inp.thetaSS);
    up[q] += h;
    down[q] -= h;
    const plus = newsPolicies(inp, up);
    const minus = newsPolicies(inp, down);
    // dY_0^s and dD_1^s for each horizon s.
    const dY = Array.from({ length: nO }, () => new Float64Array(T));
    const dD: Float64Array[] = [];
    const dPlus = new Float64Array(nS);
    const dMinus = new Float64Array(nS);
    for (let s = 0; s < T; s++) {
      for (let o = 0; o < nO; o++) dY[o][s] = (dot(mass, outcomeVector(plus[s], o)) - dot(mass, outcomeVector(minus[s], o))) / (2 * h);
      advanceDistribution(assetTransition(asHouseholdSolution(plus[s]), params.agrid), P, mass, dPlus, scratch);
      advanceDistribution(assetTransition(asHouseholdSolution(minus[s]), params.agrid), P, mass, dMinus, scratch);
      dD.push(Float64Array.from(dPlus, (v, k) => (v - dMinus[k]) / (2 * h)));
    }
    const perOutcome: Float64Array[] = [];
    for (let o = 0; o < nO; o++) {
      const J = new Float64Array(T * T);
      for (let s = 0; s < T; s++) J[s] = dY[o][s];
      for (let t = 1; t < T; t++) {
        const E = expectations[o][t - 1];
        for (let s = 0; s < T; s++) J[t * T + s] = dot(E, dD[s]) + (s > 0 ? J[(t - 1) * T + s - 1] : 0);
      }
      perOutcome.push(J);
    }
    result.push(perOutcome);
  }
  return result;
}
