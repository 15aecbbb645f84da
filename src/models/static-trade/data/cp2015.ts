// Loader for `cp2015-nafta` (Caliendo–Parro 2015, MODELS.md §E.3a): 31 regions × 40 sectors.
// Trade values are net of tariffs (buyer spending = value · (1 + tariff)); input shares come from the
// tariff-inclusive intermediate-consumption table and value added, γ^{k,j}_n = IC(k→j, n) / (VA + Σ_k IC).
// Scale elasticities are zero (CP has none). The shipped scenario `nafta` moves tariffs and iceberg
// costs from the baseline scenario (tariff_bln, d_bln) to the counterfactual one (tariff_cfl, d_cfl).
import { join } from 'node:path';
import { UsageError } from '../../../io/errors.ts';
import { readCsv, column, type CsvTable } from './csv.ts';
import { type TradeData, validateTradeData } from './types.ts';
import { BilateralFiller } from './fill.ts';
import { reconcileInputShares } from './reconcile.ts';

export function loadCp2015(dir: string): TradeData {
  const thetaTable = readCsv(join(dir, 'cp2015_theta.csv'), ['sector', 'value']);
  const sectors = thetaTable.rows.map((_, r) => column(thetaTable, 'sector').text(r));
  if (new Set(sectors).size !== sectors.length) throw new UsageError(`${thetaTable.file}: duplicate sector names`);
  const J = sectors.length;
  const theta = Float64Array.from(sectors, (_, r) => column(thetaTable, 'value').num(r));

  const trade = readCsv(join(dir, 'cp2015_trade.csv'), ['sector', 'exporter', 'importer', 'value', 'tariff', 'tariff_bln', 'tariff_cfl', 'd_bln', 'd_cfl']);
  const ex = column(trade, 'exporter');
  const countries = [...new Set(trade.rows.map((_, r) => ex.text(r)))].sort();
  const N = countries.length;
  const filler = new BilateralFiller(trade, countries, J, 'exporter', 'importer', 'sector', sectors);
  const value = filler.fill('value');
  const tariff = filler.fill('tariff');
  const tariffBln = filler.fill('tariff_bln');
  const tariffCfl = filler.fill('tariff_cfl');
  const dBln = filler.fill('d_bln');
  const dCfl = filler.fill('d_cfl');
  for (const [arr, name] of [[dBln, 'd_bln'], [dCfl, 'd_cfl']] as const) {
    if (arr.some((x) => !(x > 0))) throw new UsageError(`${trade.file}: column "${name}" must be positive`);
  }

  const va = countrySector(readCsv(join(dir, 'cp2015_value_added.csv'), ['sector', 'region', 'value']), countries, sectors);
  const icTable = readCsv(join(dir, 'cp2015_intermediate_consumption.csv'), ['input', 'sector', 'region', 'value']);
  const ic = new Float64Array(N * J * J).fill(NaN);
  const [inp, sec, reg, val] = ['input', 'sector', 'region', 'value'].map((c) => column(icTable, c));
  for (let r = 0; r < icTable.rows.length; r++) {
    const k = lookup(icTable, r, sectors, inp.text(r), 'sector');
    const j = lookup(icTable, r, sectors, sec.text(r), 'sector');
    const i = lookup(icTable, r, countries, reg.text(r), 'region');
    // One entry is negative (Canada, Other → Basic metals, −9.5 million): clipped to zero.
    ic[(i * J + k) * J + j] = Math.max(0, val.num(r));
  }
  if (ic.some((x) => Number.isNaN(x))) throw new UsageError(`${icTable.file}: missing (input, sector, region) rows`);

  const vaShare = new Float64Array(N * J);
  const ioShare = new Float64Array(N * J * J);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < J; j++) {
      let cost = va[i * J + j];
      for (let k = 0; k < J; k++) cost += ic[(i * J + k) * J + j];
      if (cost <= 0) {
        vaShare[i * J + j] = 1; // a sector with no costs produces nothing; its shares never matter
        continue;
      }
      vaShare[i * J + j] = va[i * J + j] / cost;
      for (let k = 0; k < J; k++) ioShare[(i * J + k) * J + j] = ic[(i * J + k) * J + j] / cost;
    }
  }
  const tradable = sectors.map((_, j) => {
    for (let i = 0; i < N; i++) for (let n = 0; n < N; n++) if (i !== n && value[(i * N + n) * J + j] > 0) return true;
    return false;
  });
  const data: TradeData = {
    name: 'cp2015-nafta',
    countries,
    sectors,
    theta,
    psi: new Float64Array(J),
    tradable,
    spending: value.map((v, k) => v * (1 + tariff[k])),
    tariff,
    exportTax: new Float64Array(N * N * J),
    subsidy: new Float64Array(N * J),
    vaShare,
    ioShare,
    scenarios: {
      nafta: {
        tariff: tariffCfl,
        icebergChange: dCfl,
        reference: { tariff: tariffBln, icebergChange: dBln },
        description: 'NAFTA: baseline-scenario tariffs and trade costs → counterfactual-scenario ones',
      },
    },
  };
  validateTradeData(data);
  return reconcileInputShares(data).data;
}

function lookup(t: CsvTable, r: number, names: readonly string[], name: string, what: string): number {
  const k = names.indexOf(name);
  if (k < 0) throw new UsageError(`${t.file}: line ${t.lines[r]}: unknown ${what} "${name}"`);
  return k;
}

function countrySector(t: CsvTable, countries: string[], sectors: string[]): Float64Array {
  const J = sectors.length;
  const out = new Float64Array(countries.length * J).fill(NaN);
  const [sec, reg, val] = ['sector', 'region', 'value'].map((c) => column(t, c));
  for (let r = 0; r < t.rows.length; r++) {
    const v = val.num(r);
    if (v < 0) throw new UsageError(`${t.file}: line ${t.lines[r]}: negative value added`);
    out[lookup(t, r, countries, reg.text(r), 'region') * J + lookup(t, r, sectors, sec.text(r), 'sector')] = v;
  }
  if (out.some((x) => Number.isNaN(x))) throw new UsageError(`${t.file}: missing (sector, region) rows`);
  return out;
}
