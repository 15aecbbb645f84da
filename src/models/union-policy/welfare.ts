// Union social welfare (MODELS.md §E.4): the weighted power mean of regional welfare changes with
// inequality aversion ε,
//   Ŵ_EU = (Σ_j ω̄_j Ŵ_j^{1−ε})^{1/(1−ε)},   ∂Ŵ_EU/∂Ŵ_j = ω̄_j (Ŵ_j/Ŵ_EU)^{−ε},
// with the limits ε = 0 arithmetic, ε = 1 geometric (taken exactly), ε → ∞ min (E1).

export function unionWelfare(W: ArrayLike<number>, weights: ArrayLike<number>, epsilon: number): number {
  const n = weights.length;
  if (epsilon === Infinity) {
    let m = Infinity;
    for (let j = 0; j < n; j++) if (weights[j] > 0) m = Math.min(m, W[j]);
    return m;
  }
  if (Math.abs(epsilon - 1) < 1e-12) {
    let s = 0;
    for (let j = 0; j < n; j++) s += weights[j] * Math.log(W[j]);
    return Math.exp(s);
  }
  // Factor out the smallest value so large ε does not overflow: M = W_min (Σ ω (W/W_min)^{1−ε})^{1/(1−ε)}.
  let wMin = Infinity;
  for (let j = 0; j < n; j++) if (weights[j] > 0) wMin = Math.min(wMin, W[j]);
  let s = 0;
  for (let j = 0; j < n; j++) if (weights[j] > 0) s += weights[j] * (W[j] / wMin) ** (1 - epsilon);
  return wMin * s ** (1 / (1 - epsilon));
}

/** ∂Ŵ_EU/∂Ŵ_j (finite ε). */
export function unionWelfareGradient(W: ArrayLike<number>, weights: ArrayLike<number>, epsilon: number): Float64Array {
  const M = unionWelfare(W, weights, epsilon);
  return Float64Array.from({ length: weights.length }, (_, j) => weights[j] * (W[j] / M) ** -epsilon);
}
