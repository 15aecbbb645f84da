// A real-data configuration of the union model (MODELS.md §E; the slides' RHOMOLO regional MRIO is not
// public): the union is a set of countries of the WIOD 2014 data of Lashkaripour–Lugovskyy (2023),
// by default the 28 EU members of 2014; every other country is aggregated into the rest of the world.
// Loaded through the static engine's `ll2023-wiod2014` loader. What the data do not have is filled as
// follows, each a [RECON] choice stated in the report:
//   - no input-output links (LL2023's model has none): γ = 0;
//   - η^r = σ^r = θ^r + 1 and φ^r = μ^r/(1+μ^r) (MODELS.md §E.1: ψ = φ/(1−φ) = μ);
//   - no capital/labour split: ϑ = laborShare (inert here: with one value-added bundle per region and
//     both factors immobile across regions, ŵ = ρ̂ in every equilibrium);
//   - no government column: public spending is `publicShare` of each sector's spending by final users;
//   - data-year tariffs: the union's tariff on RoW goods and RoW's tariff on union goods are the
//     import-weighted means by sector; intra-RoW tariffs are folded into RoW's domestic flows;
//   - GNI-contribution shares ∝ value added; other union spending E = otherSpendingShare × union value added.
import { UsageError } from '../../io/errors.ts';
import { loadLl2023, type Ll2023Flows, type Ll2023Elasticities } from '../static-trade/data/ll2023.ts';
import type { UnionData } from './data.ts';

export const EU28_2014 = [
  'AUT', 'BEL', 'BGR', 'CYP', 'CZE', 'DEU', 'DNK', 'ESP', 'EST', 'FIN', 'FRA', 'GBR', 'GRC', 'HRV',
  'HUN', 'IRL', 'ITA', 'LTU', 'LUX', 'LVA', 'MLT', 'NLD', 'POL', 'PRT', 'ROU', 'SVK', 'SVN', 'SWE',
];

export interface WiodUnionOptions {
  dir: string;
  union: string[];
  flows: Ll2023Flows;
  elasticities: Ll2023Elasticities;
  publicShare: number;
  laborShare: number;
  otherSpendingShare: number;
}

export function loadWiodUnion(o: WiodUnionOptions): UnionData {
  const td = loadLl2023(o.dir, o.flows, o.elasticities);
  const C = td.countries.length;
  const S = td.sectors.length;
  for (const c of o.union) if (!td.countries.includes(c)) throw new UsageError(`${td.name}: union member "${c}" is not in the data (countries: ${td.countries.join(' ')})`);
  if (new Set(o.union).size !== o.union.length) throw new UsageError(`${td.name}: duplicate union members`);
  if (o.union.length === C) throw new UsageError(`${td.name}: the rest of the world would be empty`);
  const U = o.union.length;
  const N = U + 1;
  const loc = Int32Array.from(td.countries, (c) => (o.union.includes(c) ? o.union.indexOf(c) : U));
  const flows = new Float64Array(S * N * N);
  const extNum = new Float64Array(S);
  const extDen = new Float64Array(S);
  const rowNum = new Float64Array(S);
  const rowDen = new Float64Array(S);
  for (let i = 0; i < C; i++) {
    for (let n = 0; n < C; n++) {
      for (let j = 0; j < S; j++) {
        const k = (i * C + n) * S + j;
        const z = td.spending[k];
        const m = loc[i];
        const d = loc[n];
        flows[(j * N + m) * N + d] += z;
        const producer = z / (1 + td.tariff[k]);
        if (m === U && d < U) (extNum[j] += td.tariff[k] * producer), (extDen[j] += producer);
        if (m < U && d === U) (rowNum[j] += td.tariff[k] * producer), (rowDen[j] += producer);
      }
    }
  }
  const externalTariff = extNum.map((v, j) => (extDen[j] > 0 ? v / extDen[j] : 0));
  const rowTariff = rowNum.map((v, j) => (rowDen[j] > 0 ? v / rowDen[j] : 0));
  const publicSpending = new Float64Array(N * S);
  for (let r = 0; r < S; r++) for (let n = 0; n < N; n++) for (let m = 0; m < N; m++) publicSpending[n * S + r] += o.publicShare * flows[(r * N + m) * N + n];
  // Value added = output value (no intermediates, no taxes).
  const va = new Float64Array(U);
  for (let r = 0; r < S; r++) {
    for (let m = 0; m < U; m++) {
      for (let n = 0; n < N; n++) {
        const z = flows[(r * N + m) * N + n];
        va[m] += n === U ? z / (1 + rowTariff[r]) : z;
      }
    }
  }
  const vaTotal = va.reduce((a, b) => a + b, 0);
  const gniShare = va.map((v) => v / vaTotal);
  return {
    name: `${td.name}, union of ${U}`,
    locations: [...o.union, 'RoW'],
    sectors: td.sectors,
    eta: td.theta.map((t) => t + 1),
    phi: td.psi.map((p) => p / (1 + p)),
    flows,
    externalTariff,
    rowTariff,
    netTax: new Float64Array(N * S),
    inputShare: new Float64Array(N * S),
    inputMix: new Float64Array(N * S * S),
    laborShare: new Float64Array(N).fill(o.laborShare),
    publicSpending,
    gniShare,
    otherSpendingShare: Float64Array.from(gniShare),
    otherUnionSpending: o.otherSpendingShare * vaTotal,
  };
}
