// Loader for `ll2023-wiod2014` (Lashkaripour–Lugovskyy 2023): 44 countries × 16 industries, WIOD 2014,
// no input-output links (γ^j_i = 1, as in their model). Industries 1–15 are tradable goods with tariffs,
// 16 is services. Flows are buyer spending (tariff-inclusive): read that way the balanced flows give
// deficits below 2e-7 of income, read as producer values they would not (|D/Y| up to 0.8 %).
import { join } from 'node:path';
import { readCsv, column } from './csv.ts';
import { type TradeData, validateTradeData } from './types.ts';
import { BilateralFiller, sectorIndexOf } from './fill.ts';

export type Ll2023Flows = 'raw' | 'balanced-restricted-entry' | 'balanced-free-entry';
export type Ll2023Elasticities = 'code' | 'table3';

const FLOW_COLUMN: Record<Ll2023Flows, string> = {
  raw: 'X_raw_usd_mn',
  'balanced-restricted-entry': 'X_balanced_restricted_entry',
  'balanced-free-entry': 'X_balanced_free_entry',
};

export function loadLl2023(dir: string, flows: Ll2023Flows = 'balanced-free-entry', elasticities: Ll2023Elasticities = 'code'): TradeData {
  const params = readCsv(join(dir, 'll2023_sector_params.csv'), [
    'sector',
    'name',
    'trade_elasticity_used_in_code(sigma-1)',
    'mu_scale_elasticity_used_in_code',
    'table3_pub_sigma_minus_1',
    'table3_pub_mu',
  ]);
  const J = params.rows.length;
  const sectors = new Array<string>(J);
  const theta = new Float64Array(J);
  const psi = new Float64Array(J);
  const tradable = new Array<boolean>(J).fill(true);
  for (let r = 0; r < J; r++) {
    const j = sectorIndexOf(params, 'sector', r, J);
    sectors[j] = column(params, 'name').text(r);
    const pubTheta = column(params, 'table3_pub_sigma_minus_1').text(r);
    // Services have no Table 3 entry: they keep the code's values and carry no tariffs.
    const usePublished = elasticities === 'table3' && pubTheta !== '';
    theta[j] = column(params, usePublished ? 'table3_pub_sigma_minus_1' : 'trade_elasticity_used_in_code(sigma-1)').num(r);
    psi[j] = column(params, usePublished ? 'table3_pub_mu' : 'mu_scale_elasticity_used_in_code').num(r);
    if (pubTheta === '') tradable[j] = false;
  }
  const t = readCsv(join(dir, 'll2023_wiod2014_44x44x16_flows_tariffs.csv'), [
    'origin',
    'destination',
    'sector',
    FLOW_COLUMN[flows],
    'tariff_applied',
  ]);
  const o = column(t, 'origin');
  const countries = [...new Set(t.rows.map((_, r) => o.text(r)))].sort();
  const N = countries.length;
  const filler = new BilateralFiller(t, countries, J, 'origin', 'destination', 'sector');
  const value = filler.fill(FLOW_COLUMN[flows]);
  const tariff = filler.fill('tariff_applied');
  const data: TradeData = {
    name: `ll2023-wiod2014 (${flows}, ${elasticities} elasticities)`,
    countries,
    sectors,
    theta,
    psi,
    tradable,
    spending: value,
    tariff,
    exportTax: new Float64Array(N * N * J),
    subsidy: new Float64Array(N * J),
    vaShare: new Float64Array(N * J).fill(1),
    ioShare: new Float64Array(N * J * J),
    scenarios: {},
  };
  // The data carry small tariffs on services (sector 16) for a few pairs: kept as data-year wedges, but
  // services are not policy instruments here.
  validateTradeData(data);
  return data;
}
