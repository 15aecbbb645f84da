// Loader for `dlopt-7x44-2017` (MODELS.md §D.2): 7 economies × 44 sectors, 2017, sectors 1–22 goods.
// Flows are read as values at producer prices (net of tariffs), so buyer spending = value · (1 + t);
// see models/data/dlopt-7x44-2017/PROVENANCE.md for this reading and for the residual α.
import { join } from 'node:path';
import { UsageError } from '../../../io/errors.ts';
import { readCsv, column } from './csv.ts';
import { type TradeData, type PolicyChange, validateTradeData } from './types.ts';
import { BilateralFiller, sectorIndexOf } from './fill.ts';
import { reconcileInputShares } from './reconcile.ts';

const GOODS_SECTORS = 22;

export function loadDlopt(dir: string): TradeData {
  const flows = readCsv(join(dir, 'TradeFlow2017.csv'), ['iso_o', 'iso_d', 'indcode', 'tradevalue']);
  const fo = column(flows, 'iso_o');
  const countries = [...new Set(flows.rows.map((_, r) => fo.text(r)))].sort();
  const elast = readCsv(join(dir, 'cal_elasticities.csv'), ['industry', '\\theta', '\\psi']);
  const J = elast.rows.length;
  const sectors = elast.rows.map((_, r) => String(column(elast, 'industry').num(r)));
  const N = countries.length;
  const theta = new Float64Array(J);
  const psi = new Float64Array(J);
  const seen = new Set<number>();
  for (let r = 0; r < J; r++) {
    const j = sectorIndexOf(elast, 'industry', r, J);
    if (seen.has(j)) throw new UsageError(`${elast.file}: line ${elast.lines[r]}: sector ${j + 1} listed twice`);
    seen.add(j);
    theta[j] = column(elast, '\\theta').num(r);
    psi[j] = column(elast, '\\psi').num(r);
  }

  const value = new BilateralFiller(flows, countries, J, 'iso_o', 'iso_d', 'indcode').fill('tradevalue');
  const tariffs = readCsv(join(dir, 'tariff_prewar2017.csv'), ['iso_o', 'iso_d', 'indcode', 'AHS_simple']);
  const tariff = new BilateralFiller(tariffs, countries, J, 'iso_o', 'iso_d', 'indcode').fill('AHS_simple');
  const spending = value.map((v, k) => v * (1 + tariff[k]));

  const va = readCsv(join(dir, 'vashare.csv'), ['iso_o', 'indcode', 'vashare']);
  const vaShare = fillCountrySector(va, countries, J, 'vashare');
  const io = readCsv(join(dir, 'IOshare.csv'), ['iso_o', 'input_ind', 'output_ind', 'valueshare']);
  const ioShare = fillInputOutput(io, countries, J, vaShare);

  const tradable = Array.from({ length: J }, (_, j) => j < GOODS_SECTORS);
  const data: TradeData = {
    name: 'dlopt-7x44-2017',
    countries,
    sectors,
    theta,
    psi,
    tradable,
    spending,
    tariff,
    exportTax: new Float64Array(N * N * J),
    subsidy: new Float64Array(N * J),
    vaShare,
    ioShare,
    scenarios: {},
  };
  validateTradeData(data);
  data.scenarios['us-china-2018'] = usChinaScenario(dir, data);
  // 20 of 308 (country, sector) pairs need less input use than the IO table says (see reconcile.ts).
  return reconcileInputShares(data).data;
}

function fillCountrySector(t: ReturnType<typeof readCsv>, countries: string[], J: number, valueCol: string): Float64Array {
  const out = new Float64Array(countries.length * J).fill(NaN);
  const c = column(t, 'iso_o');
  const v = column(t, valueCol);
  for (let r = 0; r < t.rows.length; r++) {
    const i = countries.indexOf(c.text(r));
    if (i < 0) throw new UsageError(`${t.file}: line ${t.lines[r]}: unknown country "${c.text(r)}"`);
    out[i * J + sectorIndexOf(t, 'indcode', r, J)] = v.num(r);
  }
  const missing = out.findIndex((x) => Number.isNaN(x));
  if (missing >= 0) {
    throw new UsageError(`${t.file}: no row for ${countries[Math.floor(missing / J)]} sector ${(missing % J) + 1}`);
  }
  return out;
}

/** IOshare.csv holds γ^{k,j}_i / (1 − γ^j_i) (shares within intermediate costs, summing to 1 over k). */
function fillInputOutput(t: ReturnType<typeof readCsv>, countries: string[], J: number, vaShare: Float64Array): Float64Array {
  const N = countries.length;
  const out = new Float64Array(N * J * J).fill(NaN);
  const c = column(t, 'iso_o');
  const v = column(t, 'valueshare');
  for (let r = 0; r < t.rows.length; r++) {
    const i = countries.indexOf(c.text(r));
    if (i < 0) throw new UsageError(`${t.file}: line ${t.lines[r]}: unknown country "${c.text(r)}"`);
    const k = sectorIndexOf(t, 'input_ind', r, J);
    const j = sectorIndexOf(t, 'output_ind', r, J);
    out[(i * J + k) * J + j] = v.num(r);
  }
  if (out.some((x) => Number.isNaN(x))) throw new UsageError(`${t.file}: missing (country, input, output) rows`);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < J; j++) {
      let sum = 0;
      for (let k = 0; k < J; k++) sum += out[(i * J + k) * J + j];
      if (Math.abs(sum - 1) > 1e-4) {
        throw new UsageError(`${t.file}: input shares of ${countries[i]} sector ${j + 1} sum to ${sum}, expected 1`);
      }
      // Renormalise the rounding residue, then scale by the intermediate share 1 − γ^j_i.
      for (let k = 0; k < J; k++) out[(i * J + k) * J + j] *= (1 - vaShare[i * J + j]) / sum;
    }
  }
  return out;
}

/** 2018–19: the US raises tariffs on Chinese goods by tariff_Trump, China on US goods by tariff_China. */
function usChinaScenario(dir: string, d: TradeData): PolicyChange {
  const N = d.countries.length;
  const J = d.sectors.length;
  const usa = d.countries.indexOf('USA');
  const chn = d.countries.indexOf('CHN');
  if (usa < 0 || chn < 0) throw new UsageError(`${dir}: the US–China scenario needs countries USA and CHN`);
  const tariff = Float64Array.from(d.tariff);
  const add = (file: string, col: string, exporter: number, importer: number) => {
    const t = readCsv(join(dir, file), ['indcode', col]);
    const v = column(t, col);
    for (let r = 0; r < t.rows.length; r++) {
      const j = sectorIndexOf(t, 'indcode', r, J);
      if (!d.tradable[j]) throw new UsageError(`${t.file}: line ${t.lines[r]}: sector ${j + 1} is not a goods sector`);
      tariff[(exporter * N + importer) * J + j] += v.num(r);
    }
  };
  add('tariff_Trump.csv', 'trump_tariff_wave5', chn, usa);
  add('tariff_China.csv', 'China_tariff_wave5', usa, chn);
  return { tariff, description: 'US tariffs on China (wave 5) and China’s retaliation, added to 2017 tariffs' };
}
