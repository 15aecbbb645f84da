// Trade elasticities at fixed wages, returns and distribution (MODELS.md §C.6 Prop. 1):
// theta = d ln(M_F / M_ii) / d ln d for a set F of foreign varieties whose trade cost moves, by central
// finite differences of the household problem. Household-level decomposition by (a, z):
//   theta(a, z) = 1 + [intensive_F + extensive_F] - [intensive_home + extensive_home],
// intensive = d ln c, extensive = d ln pi, foreign terms weighted by spending shares within F.
// With F = {j} this is the bilateral theta_ij; with F = all foreign varieties it is the country's
// aggregate elasticity (the elasticity the ACR formula needs). Under log utility it is exactly -1/sigma.
import { solveHousehold, type HouseholdSolution } from './household-egm.ts';
import type { CountryState } from './economy.ts';

export interface ElasticityResult {
  /** Aggregate elasticity over the country's distribution. */
  theta: number;
  /** Expenditure-weighted margins (Prop. 1): foreign intensive/extensive, home intensive/extensive. */
  foreignIntensive: number;
  foreignExtensive: number;
  homeIntensive: number;
  homeExtensive: number;
  /** Household-level elasticity by state (index z * nA + a). */
  byState: Float64Array;
  extensiveByState: Float64Array;
  intensiveByState: Float64Array;
}

const STEP = 1e-3;

function solveAt(state: CountryState, foreign: readonly number[], logShift: number, tol: number): HouseholdSolution {
  const prices = Float64Array.from(state.prices.prices);
  for (const j of foreign) prices[j] *= Math.exp(logShift);
  return solveHousehold(state.params, { ...state.prices, prices }, { tol, guess: state.household });
}

/** Elasticity of foreign (set F) relative to home spending with respect to the trade cost of F. */
export function tradeElasticity(state: CountryState, foreign: readonly number[], tol = 1e-11): ElasticityResult {
  const home = state.params.home;
  const up = solveAt(state, foreign, STEP, tol);
  const down = solveAt(state, foreign, -STEP, tol);
  const base = state.household;
  const { nA, nZ } = base;
  const nS = nA * nZ;
  const mass = state.distribution.mass;
  const p = state.prices.prices;
  const byState = new Float64Array(nS);
  const extensiveByState = new Float64Array(nS);
  const intensiveByState = new Float64Array(nS);
  const d = (hh: HouseholdSolution, arr: 'choiceProb' | 'consumption', k: number) => Math.log(hh[arr][k]);
  let foreignSpend = 0;
  let homeSpend = 0;
  const acc = { fI: 0, fE: 0, hI: 0, hE: 0 };
  for (let s = 0; s < nS; s++) {
    let xF = 0;
    for (const j of foreign) xF += base.choiceProb[j * nS + s] * p[j] * base.consumption[j * nS + s];
    const xH = base.choiceProb[home * nS + s] * p[home] * base.consumption[home * nS + s];
    let fI = 0;
    let fE = 0;
    for (const j of foreign) {
      const k = j * nS + s;
      const w = (base.choiceProb[k] * p[j] * base.consumption[k]) / xF;
      fI += (w * (d(up, 'consumption', k) - d(down, 'consumption', k))) / (2 * STEP);
      fE += (w * (d(up, 'choiceProb', k) - d(down, 'choiceProb', k))) / (2 * STEP);
    }
    const kh = home * nS + s;
    const hI = (d(up, 'consumption', kh) - d(down, 'consumption', kh)) / (2 * STEP);
    const hE = (d(up, 'choiceProb', kh) - d(down, 'choiceProb', kh)) / (2 * STEP);
    byState[s] = 1 + fI + fE - hI - hE;
    extensiveByState[s] = fE - hE;
    intensiveByState[s] = 1 + fI - hI;
    const m = mass[s];
    acc.fI += m * xF * fI;
    acc.fE += m * xF * fE;
    acc.hI += m * xH * hI;
    acc.hE += m * xH * hE;
    foreignSpend += m * xF;
    homeSpend += m * xH;
  }
  const foreignIntensive = acc.fI / foreignSpend;
  const foreignExtensive = acc.fE / foreignSpend;
  const homeIntensive = acc.hI / homeSpend;
  const homeExtensive = acc.hE / homeSpend;
  return {
    theta: 1 + foreignIntensive + foreignExtensive - homeIntensive - homeExtensive,
    foreignIntensive,
    foreignExtensive,
    homeIntensive,
    homeExtensive,
    byState,
    extensiveByState,
    intensiveByState,
  };
}

export function foreignVarieties(M: number, home: number): number[] {
  return Array.from({ length: M }, (_, j) => j).filter((j) => j !== home);
}

/** Country elasticities (all foreign costs) and their import-weighted world average. */
export function aggregateTradeElasticities(states: CountryState[], imports: Float64Array): { byCountry: ElasticityResult[]; world: number } {
  const M = states.length;
  const byCountry = states.map((st, i) => tradeElasticity(st, foreignVarieties(M, i)));
  let num = 0;
  let den = 0;
  for (let i = 0; i < M; i++) {
    let mF = 0;
    for (let j = 0; j < M; j++) if (j !== i) mF += imports[i * M + j];
    num += mF * byCountry[i].theta;
    den += mF;
  }
  return { byCountry, world: num / den };
}
