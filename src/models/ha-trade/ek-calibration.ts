// The 2022 (seed-slide) calibration on the Eaton-Kortum 19-country data: trade costs and exporter
// "source effects" S_j come from the EK gravity re-estimation with trade elasticity theta = 4 (the files
// reproduce the fitted shares exactly: ln(pi_ij / pi_ii) = S_j - S_i - 4 ln d_ij). In the Armington
// model with logit elasticity theta, S_j = -theta ln(w_j / A_j) + const, so given wages A_j = w_j e^{S_j/theta}.
// Wages are those of the log-utility representative-agent equilibrium (balanced trade) at the
// fitted shares, so the RA model reproduces the EK fitted trade shares exactly (MODELS.md §C.6 RA benchmark).

export interface ArmingtonCalibration {
  wages: Float64Array;
  tfp: Float64Array;
  /** Import shares pi_ij implied by S and d (rows = importer). */
  shares: Float64Array;
}

/** Import shares pi_ij = e^{S_j} d_ij^{-theta} / sum_k e^{S_k} d_ik^{-theta}. */
export function sharesFromSourceEffects(S: ArrayLike<number>, d: Float64Array, theta: number): Float64Array {
  const M = S.length;
  const pi = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    let total = 0;
    for (let j = 0; j < M; j++) total += (pi[i * M + j] = Math.exp(S[j] - theta * Math.log(d[i * M + j])));
    for (let j = 0; j < M; j++) pi[i * M + j] /= total;
  }
  return pi;
}

/** Balanced-trade wages w_j L_j = sum_i pi_ij w_i L_i (mean wage 1) at fixed shares, by power iteration. */
export function balancedTradeWages(pi: Float64Array, L: ArrayLike<number>): Float64Array {
  const M = L.length;
  let income = Float64Array.from(L, () => 1 / M);
  for (let iter = 0; iter < 1_000_000; iter++) {
    const next = new Float64Array(M);
    for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) next[j] += pi[i * M + j] * income[i];
    let change = 0;
    for (let j = 0; j < M; j++) change = Math.max(change, Math.abs(next[j] - income[j]));
    income = next;
    if (change < 1e-16) break;
  }
  const wages = Float64Array.from(income, (y, j) => y / L[j]);
  const mean = wages.reduce((s, w) => s + w, 0) / M;
  return wages.map((w) => w / mean);
}

/** TFP consistent with the source effects and the RA equilibrium wages, normalised so that A_ref = 1. */
export function calibrateFromSourceEffects(S: ArrayLike<number>, d: Float64Array, L: ArrayLike<number>, theta: number, reference: number): ArmingtonCalibration {
  const shares = sharesFromSourceEffects(S, d, theta);
  const wages = balancedTradeWages(shares, L);
  const raw = Float64Array.from(wages, (w, j) => w * Math.exp(S[j] / theta));
  const tfp = raw.map((a) => a / raw[reference]);
  // Rescaling every A by one factor leaves relative prices, and so shares and relative wages, unchanged.
  return { wages, tfp, shares };
}
