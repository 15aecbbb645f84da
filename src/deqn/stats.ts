// Error statistics of residuals (DEQN Table 3 style): mean, max and percentiles of |e| per family.
export const PERCENTILES = [0.1, 10, 50, 90, 99.9] as const;

export interface ErrorStats {
  mean: number;
  max: number;
  'p0.1': number;
  p10: number;
  p50: number;
  p90: number;
  'p99.9': number;
}

/** Percentile by linear interpolation between order statistics (numpy's default). */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Statistics of |values|. NaN entries count as infinitely large errors, never as small ones. */
export function errorStats(values: ArrayLike<number>): ErrorStats {
  const abs = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    abs[i] = Number.isNaN(v) ? Infinity : v;
    sum += abs[i];
  }
  abs.sort();
  return {
    mean: values.length ? sum / values.length : NaN,
    max: values.length ? abs[abs.length - 1] : NaN,
    'p0.1': percentile(abs, 0.1),
    p10: percentile(abs, 10),
    p50: percentile(abs, 50),
    p90: percentile(abs, 90),
    'p99.9': percentile(abs, 99.9),
  };
}
