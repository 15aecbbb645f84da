// Country aggregates of MODELS.md §C.4 from a household solution and its stationary distribution,
// per household (multiply by L_i for country totals).
import type { HouseholdSolution } from './household-egm.ts';

export interface CountryAggregates {
  /** Efficiency units per household, integral of z. */
  efficiency: number;
  /** Assets held entering the period, integral of a. */
  assets: number;
  /** Assets carried out, sum_j integral of pi_j g_j. */
  assetsNext: number;
  /** Spending on each variety at consumer prices, integral of pi_j p_j c_j (M_ij per household). */
  spending: Float64Array;
  /** Total consumption spending. */
  totalSpending: number;
}

export function aggregateCountry(hh: HouseholdSolution, mass: Float64Array, agrid: Float64Array, zValues: Float64Array, prices: Float64Array): CountryAggregates {
  const { nA, nZ, nJ } = hh;
  const nS = nA * nZ;
  let efficiency = 0;
  let assets = 0;
  for (let z = 0; z < nZ; z++) {
    for (let a = 0; a < nA; a++) {
      const m = mass[z * nA + a];
      efficiency += m * zValues[z];
      assets += m * agrid[a];
    }
  }
  const spending = new Float64Array(nJ);
  let assetsNext = 0;
  for (let j = 0; j < nJ; j++) {
    let sp = 0;
    const off = j * nS;
    for (let s = 0; s < nS; s++) {
      const w = mass[s] * hh.choiceProb[off + s];
      sp += w * hh.consumption[off + s];
      assetsNext += w * hh.assetPolicy[off + s];
    }
    spending[j] = sp * prices[j];
  }
  let totalSpending = 0;
  for (let j = 0; j < nJ; j++) totalSpending += spending[j];
  return { efficiency, assets, assetsNext, spending, totalSpending };
}
