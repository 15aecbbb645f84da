// Population bands (deciles, quintiles) of a mass-weighted distribution over household states,
// shared by the reference solver's transition welfare and the DEQN's welfare tables.

/** Mass-weighted means of `values` (NaN skipped) in `bands` equal-population bands of `key`. */
export function bandMeans(key: ArrayLike<number>, mass: ArrayLike<number>, values: ArrayLike<number>, bands: number): number[] {
  const order = Array.from({ length: key.length }, (_, s) => s).sort((x, y) => key[x] - key[y] || x - y);
  let total = 0;
  for (let s = 0; s < mass.length; s++) total += mass[s];
  const sums = new Float64Array(bands);
  const weights = new Float64Array(bands);
  let cum = 0;
  for (const s of order) {
    let m = mass[s] / total;
    while (m > 1e-15) {
      const band = Math.min(bands - 1, Math.floor(cum * bands + 1e-12));
      const take = band === bands - 1 ? m : Math.min(m, (band + 1) / bands - cum);
      if (Number.isFinite(values[s])) {
        sums[band] += take * values[s];
        weights[band] += take;
      }
      cum += take;
      m -= take;
    }
  }
  return Array.from(sums, (v, b) => (weights[b] > 0 ? v / weights[b] : NaN));
}
