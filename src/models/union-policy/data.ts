// Calibration data of the union-policy model (MODELS.md §E.1–E.2) in levels at the data year.
// Index conventions of this model (chosen so that every bilateral operation is a per-sector
// matrix–vector product over locations):
//   location×sector  [n, r]     at n * S + r
//   bilateral        [r, m, n]  at (r * N + m) * N + n   (sector r, origin m, destination n)
//   input mix χ^{sr}_n [n, s, r] at (n * S + s) * S + r  (share of input s in sector r's intermediates)
// Locations 0..N−2 are the union's regions, location N−1 is the rest of the world (RoW).
import { UsageError } from '../../io/errors.ts';

export interface UnionData {
  name: string;
  /** Region names, the last one is the rest of the world. */
  locations: string[];
  sectors: string[];
  /** Elasticity of substitution across origins η^r (> 1). */
  eta: Float64Array;
  /** Output-based external-economies-of-scale elasticity φ^r (0 ≤ φ < 1, φη < 1). */
  phi: Float64Array;
  /** Buyer spending (tariff-inclusive) of destination n on sector-r goods of origin m, [r, m, n]. */
  flows: Float64Array;
  /** Data-year common external tariff of the union on RoW goods, by sector. */
  externalTariff: Float64Array;
  /** Tariff of the rest of the world on union goods, by sector (exogenous, never a policy). */
  rowTariff: Float64Array;
  /** Data-year net production tax τ̃^r_n (> 0 tax, < 0 subsidy) as a share of costs, [n, r]. */
  netTax: Float64Array;
  /** Intermediate share of costs γ^r_n, [n, r]. */
  inputShare: Float64Array;
  /** Input mix χ^{sr}_n, [n, s, r]; Σ_s χ^{sr}_n = 1 where γ^r_n > 0. */
  inputMix: Float64Array;
  /** Labour share of value added ϑ_n, [n]. */
  laborShare: Float64Array;
  /** Government final spending P^s_n G^s_n at data-year prices, [n, s]. */
  publicSpending: Float64Array;
  /** GNI-contribution shares ω_n of the union tax, union regions only (sum 1). */
  gniShare: Float64Array;
  /** Shares of the other union spending E paid out to each region's households (sum 1) [RECON]. */
  otherSpendingShare: Float64Array;
  /** Other union spending E (numeraire units). */
  otherUnionSpending: number;
  /** Welfare weights ω̄_j of the union objective (sum 1); default: regional income shares. */
  welfareWeights?: Float64Array;
}

export const unionCount = (d: UnionData): number => d.locations.length - 1;

/** Structural checks; messages name the dataset, the field and what is allowed. */
export function validateUnionData(d: UnionData): void {
  const N = d.locations.length;
  const S = d.sectors.length;
  const U = N - 1;
  const where = d.name;
  if (N < 2 || S < 1) throw new UsageError(`${where}: needs at least one union region, the rest of the world and one sector`);
  const expect = (arr: Float64Array, len: number, what: string) => {
    if (arr.length !== len) throw new UsageError(`${where}: ${what} has ${arr.length} entries, expected ${len}`);
    for (let k = 0; k < len; k++) if (!Number.isFinite(arr[k])) throw new UsageError(`${where}: ${what} entry ${k} is not finite`);
  };
  expect(d.eta, S, 'eta');
  expect(d.phi, S, 'phi');
  expect(d.flows, S * N * N, 'flows');
  expect(d.externalTariff, S, 'externalTariff');
  expect(d.rowTariff, S, 'rowTariff');
  expect(d.netTax, N * S, 'netTax');
  expect(d.inputShare, N * S, 'inputShare');
  expect(d.inputMix, N * S * S, 'inputMix');
  expect(d.laborShare, N, 'laborShare');
  expect(d.publicSpending, N * S, 'publicSpending');
  expect(d.gniShare, U, 'gniShare');
  expect(d.otherSpendingShare, U, 'otherSpendingShare');
  if (d.welfareWeights) expect(d.welfareWeights, U, 'welfareWeights');
  for (let r = 0; r < S; r++) {
    if (!(d.eta[r] > 1)) throw new UsageError(`${where}: sector ${d.sectors[r]}: eta must be > 1, got ${d.eta[r]}`);
    if (!(d.phi[r] >= 0 && d.phi[r] * d.eta[r] < 1)) {
      throw new UsageError(`${where}: sector ${d.sectors[r]}: need 0 <= phi and phi*eta < 1 (uniqueness condition), got phi=${d.phi[r]}, eta=${d.eta[r]}`);
    }
    if (!(d.externalTariff[r] > -1) || !(d.rowTariff[r] > -1)) throw new UsageError(`${where}: sector ${d.sectors[r]}: tariffs must be > -1`);
  }
  if (d.flows.some((v) => v < 0)) throw new UsageError(`${where}: negative trade flow`);
  if (d.publicSpending.some((v) => v < 0)) throw new UsageError(`${where}: negative public spending`);
  for (let n = 0; n < N; n++) {
    if (!(d.laborShare[n] >= 0 && d.laborShare[n] <= 1)) throw new UsageError(`${where}: ${d.locations[n]}: labour share must be in [0, 1]`);
    for (let r = 0; r < S; r++) {
      const g = d.inputShare[n * S + r];
      if (!(g >= 0 && g < 1)) throw new UsageError(`${where}: ${d.locations[n]} sector ${d.sectors[r]}: intermediate share must be in [0, 1)`);
      if (!(d.netTax[n * S + r] > -1)) throw new UsageError(`${where}: ${d.locations[n]} sector ${d.sectors[r]}: net tax must be > -1`);
      let mix = 0;
      for (let s = 0; s < S; s++) {
        const c = d.inputMix[(n * S + s) * S + r];
        if (c < 0) throw new UsageError(`${where}: ${d.locations[n]}: negative input-mix share`);
        mix += c;
      }
      if (g > 0 && Math.abs(mix - 1) > 1e-8) {
        throw new UsageError(`${where}: ${d.locations[n]} sector ${d.sectors[r]}: input-mix shares sum to ${mix}, must be 1`);
      }
    }
  }
  const sumTo1 = (a: Float64Array, what: string) => {
    const s = a.reduce((x, y) => x + y, 0);
    if (Math.abs(s - 1) > 1e-8 || a.some((v) => v < 0)) throw new UsageError(`${where}: ${what} must be non-negative and sum to 1 (sum ${s})`);
  };
  sumTo1(d.gniShare, 'gniShare');
  sumTo1(d.otherSpendingShare, 'otherSpendingShare');
  if (d.welfareWeights) sumTo1(d.welfareWeights, 'welfareWeights');
}
