// Starting point for a counterfactual equilibrium: the representative-agent logit/Armington response
// ("exact hat algebra") to new trade costs or tariffs, using the baseline import matrix of the
// heterogeneous-agent solution and elasticity 1/sigma_i. Cheap (no household problems) and usually
// much closer to the counterfactual than the baseline prices are.
import type { Economy } from './economy.ts';

/**
 * Wage changes w'/w: shares pi'_ki ∝ pi_ki ((1+t'_ki) d'_ki w'_i / ((1+t_ki) d_ki w_i))^(-theta_k),
 * spending scales with the buyer's wage, goods markets w'_i Y_i = sum_k pi'_ki E'_k / (1 + t'_ki);
 * normalised to mean wage one as the solver.
 */
export function predictWages(base: Economy, imports: Float64Array, wages: Float64Array, next: { tradeCosts: Float64Array; tariffs: Float64Array }): Float64Array {
  const M = base.countries.length;
  const spending = new Float64Array(M);
  for (let k = 0; k < M; k++) for (let i = 0; i < M; i++) spending[k] += imports[k * M + i];
  const income = new Float64Array(M);
  for (let k = 0; k < M; k++) for (let i = 0; i < M; i++) income[i] += imports[k * M + i] / (1 + base.tariffs[k * M + i]);
  let hat = new Float64Array(M).fill(1);
  const share = new Float64Array(M * M);
  for (let iter = 0; iter < 5000; iter++) {
    for (let k = 0; k < M; k++) {
      const theta = 1 / base.sigmaEps[k];
      let total = 0;
      for (let i = 0; i < M; i++) {
        const costHat = ((1 + next.tariffs[k * M + i]) * next.tradeCosts[k * M + i]) / ((1 + base.tariffs[k * M + i]) * base.tradeCosts[k * M + i]);
        const s = (imports[k * M + i] / spending[k]) * Math.pow(costHat * hat[i], -theta);
        share[k * M + i] = s;
        total += s;
      }
      for (let i = 0; i < M; i++) share[k * M + i] /= total;
    }
    const demand = new Float64Array(M);
    for (let k = 0; k < M; k++) for (let i = 0; i < M; i++) demand[i] += (share[k * M + i] * hat[k] * spending[k]) / (1 + next.tariffs[k * M + i]);
    const updated = Float64Array.from(hat, (h, i) => h * Math.pow(demand[i] / (h * income[i]), 0.25));
    let mean = 0;
    for (let i = 0; i < M; i++) mean += (updated[i] * wages[i]) / M;
    let change = 0;
    for (let i = 0; i < M; i++) {
      updated[i] /= mean;
      change = Math.max(change, Math.abs(updated[i] - hat[i]));
    }
    hat = updated;
    if (change < 1e-12) break;
  }
  return Float64Array.from(hat, (h, i) => h * wages[i]);
}
