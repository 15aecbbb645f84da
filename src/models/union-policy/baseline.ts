// Baseline objects of the union model's exact hat algebra, in levels, derived from data so that the
// data's own policy reproduces the data (MODELS.md §E.2–E.3 accounting; cf. §D.5 D1):
//   V^r_m = Σ_n Z^r_{mn}/(1+t^r_{mn})  gross output value at producer prices (incl. production tax),
//   C^r_m = V^r_m/(1+τ̃^r_m)             costs, of which γ are intermediates and 1−γ value added,
//   w_mL_m = ϑ_m Σ_r (1−γ^r_m) C^r_m,   ρ_mK_m = (1−ϑ_m) Σ_r (1−γ^r_m) C^r_m,
//   I_n = Σ_r X^r_n − Σ_r γ^r_n C^r_n − Σ_s P^s_nG^s_n   (household spending),
//   β^r_n = (X^r_n − Σ_s γ^s_nχ^{rs}_n C^s_n − P^r_nG^r_n)/I_n   (set residually),
//   T_n = Σ_r τ̃/(1+τ̃) V^r_n, R_n = Σ_r t^r/(1+t^r) Z^r_{RoW,n}, B_n = Σ_s P^s_nG^s_n − T_n,
//   T^U = Σ_U B_n + E − Σ_U R_n                                   (union budget, [RECON]),
//   F_n = I_n − w_nL_n − ρ_nK_n + ω_nT^U − e_nE                  (net foreign income, residual),
//   F_RoW = I_RoW − w L − ρ K − R^{RoW} + Σ_s P^sG^s_RoW          (RoW rebates its tariffs, funds its G).
// Σ_n F_n = 0 holds by construction (world spending = world income), which is Walras' law (E3).
import { UsageError } from '../../io/errors.ts';
import { type UnionData, validateUnionData } from './data.ts';

export interface UnionBaseline {
  data: UnionData;
  N: number;
  S: number;
  U: number;
  /** Origin shares π^r_{mn} of destination n's sector-r spending, [r, m, n]. */
  pi: Float64Array;
  /** Sector spending X^r_n and its positive floor used to scale the X' unknowns, [n, r]. */
  absorption: Float64Array;
  absorptionScale: Float64Array;
  /** Gross output value V^r_n, [n, r]. */
  output: Float64Array;
  /** Baseline union external tariff by sector, RoW's tariff by sector, net taxes [n, r]. */
  tariff: Float64Array;
  rowTariff: Float64Array;
  tax: Float64Array;
  laborIncome: Float64Array;
  capitalIncome: Float64Array;
  /** Household income I_n (private final spending). */
  income: Float64Array;
  beta: Float64Array;
  publicSpending: Float64Array;
  /** Private share ς_n = I_n/(I_n + Σ_s P^s_nG^s_n) and public mix δ^s_n (MODELS.md §E.4). */
  privateShare: Float64Array;
  publicMix: Float64Array;
  foreignIncome: Float64Array;
  unionTax: number;
  localTaxRevenue: Float64Array;
  tariffRevenue: Float64Array;
  localDeficit: Float64Array;
  rowTariffRevenue: number;
  /** Weights ω̄_j of the union objective over the union regions. */
  welfareWeights: Float64Array;
  /** Scale of the T^U unknown (mean household income). */
  unionTaxScale: number;
}

export function buildUnionBaseline(data: UnionData): UnionBaseline {
  validateUnionData(data);
  const N = data.locations.length;
  const S = data.sectors.length;
  const U = N - 1;
  const RoW = N - 1;
  const { flows, inputShare, inputMix, laborShare, publicSpending, netTax } = data;
  const absorption = new Float64Array(N * S);
  const output = new Float64Array(N * S);
  const tariffRevenue = new Float64Array(N);
  let rowTariffRevenue = 0;
  for (let r = 0; r < S; r++) {
    for (let m = 0; m < N; m++) {
      for (let n = 0; n < N; n++) {
        const z = flows[(r * N + m) * N + n];
        if (z === 0) continue;
        const t = m === RoW && n < U ? data.externalTariff[r] : m < U && n === RoW ? data.rowTariff[r] : 0;
        absorption[n * S + r] += z;
        output[m * S + r] += z / (1 + t);
        if (m === RoW && n < U) tariffRevenue[n] += (z * t) / (1 + t);
        if (m < U && n === RoW) rowTariffRevenue += (z * t) / (1 + t);
      }
    }
  }
  const pi = new Float64Array(S * N * N);
  for (let r = 0; r < S; r++) {
    for (let n = 0; n < N; n++) {
      const X = absorption[n * S + r];
      if (X > 0) for (let m = 0; m < N; m++) pi[(r * N + m) * N + n] = flows[(r * N + m) * N + n] / X;
      else pi[(r * N + n) * N + n] = 1; // nothing bought: the (irrelevant) price index is the local one
    }
  }
  const laborIncome = new Float64Array(N);
  const capitalIncome = new Float64Array(N);
  const income = new Float64Array(N);
  const beta = new Float64Array(N * S);
  const localTaxRevenue = new Float64Array(N);
  const privateShare = new Float64Array(N);
  const publicMix = new Float64Array(N * S);
  for (let n = 0; n < N; n++) {
    let va = 0;
    let spent = 0;
    let intermediate = 0;
    let pub = 0;
    for (let r = 0; r < S; r++) {
      const cost = output[n * S + r] / (1 + netTax[n * S + r]);
      va += (1 - inputShare[n * S + r]) * cost;
      intermediate += inputShare[n * S + r] * cost;
      spent += absorption[n * S + r];
      pub += publicSpending[n * S + r];
      localTaxRevenue[n] += (netTax[n * S + r] / (1 + netTax[n * S + r])) * output[n * S + r];
    }
    laborIncome[n] = laborShare[n] * va;
    capitalIncome[n] = (1 - laborShare[n]) * va;
    income[n] = spent - intermediate - pub;
    if (!(income[n] > 0)) throw new UsageError(`${data.name}: ${data.locations[n]} has non-positive household spending`);
    privateShare[n] = income[n] / (income[n] + pub);
    for (let r = 0; r < S; r++) {
      let used = 0;
      for (let s = 0; s < S; s++) used += inputShare[n * S + s] * inputMix[(n * S + r) * S + s] * (output[n * S + s] / (1 + netTax[n * S + s]));
      const b = (absorption[n * S + r] - used - publicSpending[n * S + r]) / income[n];
      if (b < -1e-9) {
        throw new UsageError(`${data.name}: ${data.locations[n]} sector ${data.sectors[r]}: intermediate and public demand exceed spending (budget share ${b.toExponential(3)})`);
      }
      beta[n * S + r] = Math.max(0, b);
      publicMix[n * S + r] = pub > 0 ? publicSpending[n * S + r] / pub : 0;
    }
  }
  const localDeficit = new Float64Array(N);
  let unionTax = data.otherUnionSpending;
  for (let n = 0; n < U; n++) {
    let pub = 0;
    for (let s = 0; s < S; s++) pub += publicSpending[n * S + s];
    localDeficit[n] = pub - localTaxRevenue[n];
    unionTax += localDeficit[n] - tariffRevenue[n];
  }
  const foreignIncome = new Float64Array(N);
  for (let n = 0; n < U; n++) {
    foreignIncome[n] = income[n] - laborIncome[n] - capitalIncome[n] + data.gniShare[n] * unionTax - data.otherSpendingShare[n] * data.otherUnionSpending;
  }
  let rowPublic = 0;
  for (let s = 0; s < S; s++) rowPublic += publicSpending[RoW * S + s];
  foreignIncome[RoW] = income[RoW] - laborIncome[RoW] - capitalIncome[RoW] - rowTariffRevenue + rowPublic;
  const welfareWeights = data.welfareWeights ? Float64Array.from(data.welfareWeights) : incomeWeights(income, publicSpending, U, S);
  const unionTaxScale = income.reduce((a, b) => a + b, 0) / N;
  return {
    data, N, S, U, pi, absorption,
    absorptionScale: absorption.map((x, k) => Math.max(x, 1e-9 * income[Math.floor(k / S)])),
    output,
    tariff: Float64Array.from(data.externalTariff),
    rowTariff: Float64Array.from(data.rowTariff),
    tax: Float64Array.from(netTax),
    laborIncome, capitalIncome, income, beta, publicSpending: Float64Array.from(publicSpending), privateShare, publicMix,
    foreignIncome, unionTax, localTaxRevenue, tariffRevenue, localDeficit, rowTariffRevenue, welfareWeights, unionTaxScale,
  };
}

/** Default welfare weights: each union region's share of union final spending (households + government). */
function incomeWeights(income: Float64Array, pub: Float64Array, U: number, S: number): Float64Array {
  const w = new Float64Array(U);
  for (let n = 0; n < U; n++) {
    w[n] = income[n];
    for (let s = 0; s < S; s++) w[n] += pub[n * S + s];
  }
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}
