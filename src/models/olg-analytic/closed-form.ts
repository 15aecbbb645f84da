// Exact solution of the analytic OLG model, MODELS.md §A.5, in float64 plain TypeScript.

/** Savings rates sigma_s = beta (1 - beta^(A-s)) / (1 - beta^(A-s+1)), s = 1..A-1 (log utility). */
export function savingsRates(generations: number, beta: number): number[] {
  const rates: number[] = [];
  for (let s = 1; s < generations; s++) rates.push((beta * (1 - beta ** (generations - s))) / (1 - beta ** (generations - s + 1)));
  return rates;
}

/**
 * Full depreciation: Phi, the unique positive root of
 * (1-alpha) sum_{m=2}^{A} alpha^(m-2) beta^(m-1) (1-beta^(A-m+1)) / ((1-beta^A) Phi^(m-1)) = 1,
 * so that K' = Phi eta K^alpha once capital shares have converged (§A.5).
 */
export function fullDepreciationPhi(generations: number, alpha: number, beta: number): number {
  const f = (phi: number) => {
    let sum = 0;
    for (let m = 2; m <= generations; m++) {
      sum += (alpha ** (m - 2) * beta ** (m - 1) * (1 - beta ** (generations - m + 1))) / ((1 - beta ** generations) * phi ** (m - 1));
    }
    return (1 - alpha) * sum - 1;
  };
  // f is decreasing in phi; bisection on a bracket that contains the root.
  let lo = 1e-6;
  let hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
