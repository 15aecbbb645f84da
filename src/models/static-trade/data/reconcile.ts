// Making input shares consistent with trade flows. The residual final-demand share
// α^j_i = (X^j_i − Σ_k γ^{j,k}_i R^k_i)/Y_i (MODELS.md §D.5 D1) is negative where the input-output
// table asks for more of input j than country i buys in total (the IO table and the trade flows come
// from different sources). For those (i, j) we scale the use of input j down, in every using sector k,
// to exactly the amount bought (α^j_i = 0), and move the freed cost share to value added, so that
// γ^k_i + Σ_j γ^{j,k}_i = 1 still holds. Returns the data unchanged when nothing is negative.
import type { TradeData } from './types.ts';

export interface ReconcileReport {
  adjustedPairs: number;
  /** Σ of the negative α removed (in shares of income), for the provenance note. */
  removedAlpha: number;
}

export function reconcileInputShares(d: TradeData): { data: TradeData; report: ReconcileReport } {
  const N = d.countries.length;
  const J = d.sectors.length;
  const ioShare = Float64Array.from(d.ioShare);
  const vaShare = Float64Array.from(d.vaShare);
  const absorption = new Float64Array(N * J);
  const sales = new Float64Array(N * J);
  for (let i = 0; i < N; i++) {
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < J; j++) {
        const k = (i * N + n) * J + j;
        const wedge = (1 - d.subsidy[i * J + j]) * (1 + d.exportTax[k]) * (1 + d.tariff[k]);
        absorption[n * J + j] += d.spending[k];
        sales[i * J + j] += d.spending[k] / wedge;
      }
    }
  }
  let adjustedPairs = 0;
  let removed = 0;
  for (let i = 0; i < N; i++) {
    let income = 0;
    for (let j = 0; j < J; j++) income += absorption[i * J + j] - (1 - d.vaShare[i * J + j]) * sales[i * J + j];
    for (let j = 0; j < J; j++) {
      let used = 0;
      for (let k = 0; k < J; k++) used += ioShare[(i * J + j) * J + k] * sales[i * J + k];
      const bought = absorption[i * J + j];
      if (used <= bought) continue;
      adjustedPairs++;
      removed += (used - bought) / income;
      const f = used > 0 ? bought / used : 0;
      for (let k = 0; k < J; k++) {
        const g = ioShare[(i * J + j) * J + k];
        ioShare[(i * J + j) * J + k] = g * f;
        vaShare[i * J + k] += g * (1 - f);
      }
    }
  }
  if (adjustedPairs === 0) return { data: d, report: { adjustedPairs, removedAlpha: 0 } };
  return { data: { ...d, ioShare, vaShare }, report: { adjustedPairs, removedAlpha: removed } };
}
