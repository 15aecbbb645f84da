// The calibration data of the static multi-country, multi-sector model (MODELS.md §D.1–D.2),
// independent of the file format it came from. Index conventions (MODELS.md §0: origin first):
//   bilateral arrays  [i, n, j] at (i * N + n) * J + j   (i = origin/exporter, n = destination/importer)
//   country×sector    [i, j]    at i * J + j
//   input-output      [i, k, j] at (i * J + k) * J + j   (share of input k in sector j's costs in country i)
import { UsageError } from '../../../io/errors.ts';

export interface TradeData {
  name: string;
  countries: string[];
  sectors: string[];
  /** Trade elasticity θ_j and scale elasticity ψ_j per sector. */
  theta: Float64Array;
  psi: Float64Array;
  /** Sectors where tariffs and export taxes may be set (goods). */
  tradable: boolean[];
  /** Buyer spending X^j_{in} at the data's policy (tariff-inclusive), [i, n, j]. */
  spending: Float64Array;
  /** Data-year wedges: import tariff t^j_{in} (set by importer n), export tax e^j_{in}, production subsidy s^j_i. */
  tariff: Float64Array;
  exportTax: Float64Array;
  subsidy: Float64Array;
  /** Value-added share γ^j_i, [i, j]. */
  vaShare: Float64Array;
  /** Input shares γ^{k,j}_i, [i, k, j]; Σ_k γ^{k,j}_i = 1 − γ^j_i. */
  ioShare: Float64Array;
  /** Named policy changes shipped with the data (e.g. the 2018–19 US–China tariffs). */
  scenarios: Record<string, PolicyChange>;
}

/** Absolute new wedges (undefined = keep the data's), plus iceberg-cost changes τ̂. */
export interface PolicyChange {
  tariff?: Float64Array;
  exportTax?: Float64Array;
  subsidy?: Float64Array;
  icebergChange?: Float64Array;
  /** A reference scenario the change is compared against (welfare = Ŵ(this)/Ŵ(reference)). */
  reference?: PolicyChange;
  description?: string;
}

export const bilateralIndex = (N: number, J: number, i: number, n: number, j: number): number => (i * N + n) * J + j;

/** Structural checks every loader's output must pass; messages name the dataset and the problem. */
export function validateTradeData(d: TradeData): void {
  const N = d.countries.length;
  const J = d.sectors.length;
  const where = d.name;
  const expect = (arr: Float64Array, len: number, what: string) => {
    if (arr.length !== len) throw new UsageError(`${where}: ${what} has ${arr.length} entries, expected ${len}`);
    for (let k = 0; k < arr.length; k++) {
      if (!Number.isFinite(arr[k])) throw new UsageError(`${where}: ${what} entry ${k} is not finite`);
    }
  };
  if (N < 1 || J < 1) throw new UsageError(`${where}: needs at least one country and one sector`);
  if (new Set(d.countries).size !== N) throw new UsageError(`${where}: duplicate country names`);
  expect(d.theta, J, 'theta');
  expect(d.psi, J, 'psi');
  expect(d.spending, N * N * J, 'trade flows');
  expect(d.tariff, N * N * J, 'tariffs');
  expect(d.exportTax, N * N * J, 'export taxes');
  expect(d.subsidy, N * J, 'subsidies');
  expect(d.vaShare, N * J, 'value-added shares');
  expect(d.ioShare, N * J * J, 'input-output shares');
  for (let j = 0; j < J; j++) {
    if (!(d.theta[j] > 0)) throw new UsageError(`${where}: sector ${d.sectors[j]}: theta must be > 0, got ${d.theta[j]}`);
    if (!(d.psi[j] >= 0)) throw new UsageError(`${where}: sector ${d.sectors[j]}: psi must be >= 0, got ${d.psi[j]}`);
  }
  for (let k = 0; k < d.spending.length; k++) {
    if (d.spending[k] < 0) throw new UsageError(`${where}: negative trade flow at entry ${k}`);
    if (!(d.tariff[k] > -1)) throw new UsageError(`${where}: tariff ${d.tariff[k]} at entry ${k} must be > -1`);
  }
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < J; j++) {
      const va = d.vaShare[i * J + j];
      if (!(va > 0 && va <= 1)) {
        throw new UsageError(`${where}: ${d.countries[i]} sector ${d.sectors[j]}: value-added share ${va} not in (0, 1]`);
      }
      let io = 0;
      for (let k = 0; k < J; k++) {
        const g = d.ioShare[(i * J + k) * J + j];
        if (g < 0) throw new UsageError(`${where}: ${d.countries[i]}: negative input share`);
        io += g;
      }
      if (Math.abs(va + io - 1) > 1e-6) {
        throw new UsageError(
          `${where}: ${d.countries[i]} sector ${d.sectors[j]}: value-added share + input shares = ${va + io}, must be 1`,
        );
      }
      if (!(d.subsidy[i * J + j] < 1)) throw new UsageError(`${where}: subsidy must be < 1`);
    }
  }
}
