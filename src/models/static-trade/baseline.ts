// The baseline of the hat-algebra system, built from data so that the data's own policy reproduces
// the data exactly (MODELS.md §D.5 D1): X^j_n = Σ_i X^j_{in}, R^j_{in} = X^j_{in}/wedge,
// w_iL^j_i = γ^j_i R^j_i, Y_i from the expenditure identity, D_i = Y_i − w_iL_i − revenue_i,
// α^j_i set residually = (X^j_i − Σ_k γ^{j,k}_i R^k_i)/Y_i.
import { UsageError } from '../../io/errors.ts';
import type { TradeData } from './data/types.ts';

export interface Baseline {
  data: TradeData;
  N: number;
  J: number;
  /** λ^j_{in}: share of origin i in destination n's sector-j spending, [i, n, j]. */
  lambda: Float64Array;
  /** Data-year wedge (1−s)(1+e)(1+t), [i, n, j]. */
  wedge: Float64Array;
  /** Sector spending X^j_n, [n, j]; labour income w_iL^j_i and w_iL_i; employment shares ℓ^j_i. */
  absorption: Float64Array;
  laborIncomeSector: Float64Array;
  laborIncome: Float64Array;
  laborShare: Float64Array;
  /** Income Y_i, deficit D_i (as implied by the flows), final-demand shares α^j_i. */
  income: Float64Array;
  deficit: Float64Array;
  alpha: Float64Array;
  /** Scale of the X' unknowns (baseline X^j_n, floored for empty sectors). */
  absorptionScale: Float64Array;
}

export type ImbalanceTreatment = 'fixed-deficits' | 'balanced-baseline';

export function buildBaseline(data: TradeData): Baseline {
  const N = data.countries.length;
  const J = data.sectors.length;
  const { spending, tariff, exportTax, subsidy, vaShare, ioShare } = data;
  const wedge = new Float64Array(N * N * J);
  const absorption = new Float64Array(N * J);
  const sales = new Float64Array(N * J);
  const revenue = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < J; j++) {
        const k = (i * N + n) * J + j;
        const s = subsidy[i * J + j];
        wedge[k] = (1 - s) * (1 + exportTax[k]) * (1 + tariff[k]);
        const R = spending[k] / wedge[k];
        absorption[n * J + j] += spending[k];
        sales[i * J + j] += R;
        // MODELS.md §D.1 income: exporter i collects −s + e(1−s), importer n collects t(1−s)(1+e), per unit of R.
        revenue[i] += (-s + exportTax[k] * (1 - s)) * R;
        revenue[n] += tariff[k] * (1 - s) * (1 + exportTax[k]) * R;
      }
    }
  }
  const lambda = new Float64Array(N * N * J);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < J; j++) {
      const X = absorption[n * J + j];
      if (X > 0) for (let i = 0; i < N; i++) lambda[(i * N + n) * J + j] = spending[(i * N + n) * J + j] / X;
      else lambda[(n * N + n) * J + j] = 1; // nothing bought: treat the (irrelevant) price index as domestic
    }
  }
  const laborIncomeSector = new Float64Array(N * J);
  const laborIncome = new Float64Array(N);
  const income = new Float64Array(N);
  const alpha = new Float64Array(N * J);
  const deficit = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let spent = 0;
    let intermediate = 0;
    for (let j = 0; j < J; j++) {
      laborIncomeSector[i * J + j] = vaShare[i * J + j] * sales[i * J + j];
      laborIncome[i] += laborIncomeSector[i * J + j];
      spent += absorption[i * J + j];
      intermediate += (1 - vaShare[i * J + j]) * sales[i * J + j];
    }
    income[i] = spent - intermediate;
    if (!(income[i] > 0)) throw new UsageError(`${data.name}: ${data.countries[i]} has non-positive final demand`);
    deficit[i] = income[i] - laborIncome[i] - revenue[i];
    for (let j = 0; j < J; j++) {
      let used = 0;
      for (let k = 0; k < J; k++) used += ioShare[(i * J + j) * J + k] * sales[i * J + k];
      alpha[i * J + j] = (absorption[i * J + j] - used) / income[i];
    }
  }
  const laborShare = laborIncomeSector.map((v, k) => (laborIncome[Math.floor(k / J)] > 0 ? v / laborIncome[Math.floor(k / J)] : 0));
  const absorptionScale = absorption.map((x, k) => Math.max(x, 1e-9 * income[Math.floor(k / J)]));
  return {
    data, N, J, lambda, wedge, absorption, laborIncomeSector, laborIncome, laborShare, income, deficit, alpha, absorptionScale,
  };
}

/** Most negative residual final-demand share, to report data inconsistencies (α < 0). */
export function minAlpha(b: Baseline): { value: number; country: string; sector: string } {
  let at = 0;
  for (let k = 1; k < b.alpha.length; k++) if (b.alpha[k] < b.alpha[at]) at = k;
  return { value: b.alpha[at], country: b.data.countries[Math.floor(at / b.J)], sector: b.data.sectors[at % b.J] };
}
