// Output files of `deqn solve` and `deqn welfare`: Markdown tables, Arrow/CSV tables of policies,
// the stationary distribution and household welfare, and SVG plots.
import { join } from 'node:path';
import { writeFileAtomic, writeTable, toMarkdown, formatNumber } from '../../io/tables.ts';
import type { HaTradeEquilibrium } from './index.ts';
import type { ElasticityResult } from './elasticity.ts';
import type { CountryWelfare } from './welfare.ts';
import { lineChart } from './svg.ts';

export interface SolveSummary {
  config: string;
  closure: string;
  R: number | Record<string, number>;
  wages: Record<string, number>;
  rebates: Record<string, number>;
  importShares: Record<string, Record<string, number>>;
  aggregateTradeElasticity: number;
  tradeElasticityByCountry: Record<string, number>;
  netForeignAssetsToIncome: Record<string, number>;
  residualNorm: number;
  iterations: number;
  worldEvaluations: number;
  seconds: number;
}

export function solveSummary(name: string, eq: HaTradeEquilibrium, elasticities: ElasticityResult[], world: number): SolveSummary {
  const { countries } = eq;
  const M = countries.length;
  const byCountry = <T>(f: (i: number) => T) => Object.fromEntries(countries.map((c, i) => [c, f(i)]));
  return {
    config: name,
    closure: eq.economy.closure,
    R: typeof eq.R === 'number' ? eq.R : byCountry((i) => (eq.R as Float64Array)[i]),
    wages: byCountry((i) => eq.wages[i]),
    rebates: byCountry((i) => eq.rebates[i]),
    importShares: byCountry((i) => byCountry((j) => eq.importShares[i * M + j])),
    aggregateTradeElasticity: world,
    tradeElasticityByCountry: byCountry((i) => elasticities[i].theta),
    netForeignAssetsToIncome: byCountry((i) => eq.residuals.bonds[i] / (eq.wages[i] * eq.economy.labor[i] * eq.states[i].aggregates.efficiency)),
    residualNorm: eq.residualNorm,
    iterations: eq.iterations,
    worldEvaluations: eq.worldEvaluations,
    seconds: eq.seconds,
  };
}

export function equilibriumMarkdown(s: SolveSummary, eq: HaTradeEquilibrium, elasticities: ElasticityResult[]): string {
  const { countries } = eq;
  const M = countries.length;
  const R = typeof s.R === 'number' ? s.R : null;
  const header = `# ${s.config}: stationary equilibrium\n\nClosure: financial ${s.closure}. ${R !== null ? `World R = ${formatNumber(R, 7)}. ` : ''}Residual norm ${s.residualNorm.toExponential(2)} after ${s.iterations} iterations (${s.worldEvaluations} world evaluations, ${s.seconds.toFixed(1)} s). Aggregate trade elasticity (import-weighted, fixed w, R, distribution) ${formatNumber(s.aggregateTradeElasticity, 5)}.\n\n`;
  const table = toMarkdown(
    {
      country: countries,
      wage: countries.map((c) => s.wages[c]),
      ...(R === null ? { R: countries.map((c) => (s.R as Record<string, number>)[c]) } : {}),
      'home share': countries.map((_, i) => eq.importShares[i * M + i]),
      'NFA / income': countries.map((c) => s.netForeignAssetsToIncome[c]),
      rebate: countries.map((c) => s.rebates[c]),
      'trade elasticity': elasticities.map((e) => e.theta),
      'extensive (F - H)': elasticities.map((e) => e.foreignExtensive - e.homeExtensive),
      'intensive (1 + F - H)': elasticities.map((e) => 1 + e.foreignIntensive - e.homeIntensive),
    },
    { digits: 5 },
  );
  return header + table;
}

/** Arrow + CSV tables of policies and the stationary distribution. */
export function writeEquilibriumTables(dir: string, eq: HaTradeEquilibrium): string[] {
  const written: string[] = [];
  const country: string[] = [];
  const zIndex: number[] = [];
  const zLevel: number[] = [];
  const assets: number[] = [];
  const mass: number[] = [];
  const value: number[] = [];
  const expectedNextAssets: number[] = [];
  const expectedSpending: number[] = [];
  const homeProbability: number[] = [];
  eq.states.forEach((st, i) => {
    const hh = st.household;
    const nS = hh.nA * hh.nZ;
    for (let z = 0; z < hh.nZ; z++) {
      for (let a = 0; a < hh.nA; a++) {
        const s = z * hh.nA + a;
        let ea = 0;
        let es = 0;
        for (let j = 0; j < hh.nJ; j++) {
          const k = j * nS + s;
          ea += hh.choiceProb[k] * hh.assetPolicy[k];
          es += hh.choiceProb[k] * st.prices.prices[j] * hh.consumption[k];
        }
        country.push(eq.countries[i]);
        zIndex.push(z);
        zLevel.push(st.params.chain.values[z]);
        assets.push(st.params.agrid[a]);
        mass.push(st.distribution.mass[s]);
        value.push(hh.value[s]);
        expectedNextAssets.push(ea);
        expectedSpending.push(es);
        homeProbability.push(hh.choiceProb[i * nS + s]);
      }
    }
  });
  written.push(...writeTable(join(dir, 'policies'), { country, z_index: zIndex, z: zLevel, a: assets, value, expected_a_next: expectedNextAssets, expected_spending: expectedSpending, home_probability: homeProbability }));
  written.push(...writeTable(join(dir, 'stationary-distribution'), { country, z_index: zIndex, z: zLevel, a: assets, mass }));
  if (eq.countries.length <= 4) written.push(...writeTable(join(dir, 'policies-by-choice'), choiceTable(eq)));
  return written;
}

function choiceTable(eq: HaTradeEquilibrium) {
  const cols = { country: [] as string[], variety: [] as string[], z_index: [] as number[], a: [] as number[], a_next: [] as number[], consumption: [] as number[], probability: [] as number[], choice_value: [] as number[] };
  eq.states.forEach((st, i) => {
    const hh = st.household;
    for (let j = 0; j < hh.nJ; j++) {
      for (let z = 0; z < hh.nZ; z++) {
        for (let a = 0; a < hh.nA; a++) {
          const k = (j * hh.nZ + z) * hh.nA + a;
          cols.country.push(eq.countries[i]);
          cols.variety.push(eq.countries[j]);
          cols.z_index.push(z);
          cols.a.push(st.params.agrid[a]);
          cols.a_next.push(hh.assetPolicy[k]);
          cols.consumption.push(hh.consumption[k]);
          cols.probability.push(hh.choiceProb[k]);
          cols.choice_value.push(hh.choiceValue[k]);
        }
      }
    }
  });
  return cols;
}

/** Bilateral elasticities theta_ij of one importer with their Prop. 1 decomposition (Markdown). */
export function bilateralMarkdown(eq: HaTradeEquilibrium, importer: number, rows: { partner: number; result: ElasticityResult }[]): string {
  const M = eq.countries.length;
  return (
    `# ${eq.countries[importer]}: bilateral trade elasticities (MODELS.md §C.6 Prop. 1)\n\n` +
    'theta_ij = d ln(M_ij / M_ii) / d ln d_ij at fixed wages, R and distribution = 1 + (intensive + extensive of ij) - (intensive + extensive of ii w.r.t. d_ij), expenditure-weighted.\n\n' +
    toMarkdown(
      {
        partner: rows.map((r) => eq.countries[r.partner]),
        'import share': rows.map((r) => eq.importShares[importer * M + r.partner]),
        theta_ij: rows.map((r) => r.result.theta),
        'intensive ij': rows.map((r) => r.result.foreignIntensive),
        'extensive ij': rows.map((r) => r.result.foreignExtensive),
        'intensive ii,j': rows.map((r) => r.result.homeIntensive),
        'extensive ii,j': rows.map((r) => r.result.homeExtensive),
      },
      { digits: 5 },
    )
  );
}

/** Household-level elasticity (all foreign costs) and its margins by state, for every country. */
export function writeElasticityTable(dir: string, eq: HaTradeEquilibrium, elasticities: ElasticityResult[]): string[] {
  const cols = { country: [] as string[], z_index: [] as number[], z: [] as number[], a: [] as number[], mass: [] as number[], theta: [] as number[], extensive: [] as number[], intensive: [] as number[] };
  eq.states.forEach((st, i) => {
    const nA = st.params.agrid.length;
    elasticities[i].byState.forEach((t, s) => {
      const z = Math.floor(s / nA);
      cols.country.push(eq.countries[i]);
      cols.z_index.push(z);
      cols.z.push(st.params.chain.values[z]);
      cols.a.push(st.params.agrid[s % nA]);
      cols.mass.push(st.distribution.mass[s]);
      cols.theta.push(t);
      cols.extensive.push(elasticities[i].extensiveByState[s]);
      cols.intensive.push(elasticities[i].intensiveByState[s]);
    });
  });
  return writeTable(join(dir, 'trade-elasticity-by-state'), cols);
}

/** SVG plots: expected savings policy by efficiency state, and the trade elasticity by wealth. */
export function writeEquilibriumPlots(dir: string, eq: HaTradeEquilibrium, focus: number, elasticity: ElasticityResult): string[] {
  const st = eq.states[focus];
  const hh = st.household;
  const { agrid, chain } = st.params;
  const nS = hh.nA * hh.nZ;
  const series: { name: string; x: ArrayLike<number>; y: ArrayLike<number> }[] = Array.from({ length: hh.nZ }, (_, z) => ({
    name: `z = ${chain.values[z].toFixed(3)}`,
    x: agrid,
    y: Float64Array.from(agrid, (_, a) => {
      let ea = 0;
      for (let j = 0; j < hh.nJ; j++) ea += hh.choiceProb[j * nS + z * hh.nA + a] * hh.assetPolicy[j * nS + z * hh.nA + a];
      return ea;
    }),
  }));
  series.push({ name: "45-degree line", x: agrid, y: Float64Array.from(agrid) });
  const name = eq.countries[focus];
  const files = [join(dir, `policy-${name}.svg`), join(dir, `trade-elasticity-by-wealth-${name}.svg`)];
  writeFileAtomic(files[0], lineChart({ title: `${name}: expected a'(a, z) = sum_j pi_j g_j by efficiency state`, xLabel: 'assets a', yLabel: "a'", series }));
  const byWealth = (arr: Float64Array) =>
    Float64Array.from(agrid, (_, a) => {
      let num = 0;
      let den = 0;
      for (let z = 0; z < hh.nZ; z++) {
        const m = st.distribution.mass[z * hh.nA + a] + 1e-300;
        num += m * arr[z * hh.nA + a];
        den += m;
      }
      return num / den;
    });
  writeFileAtomic(
    files[1],
    lineChart({
      title: `${name}: household trade elasticity by wealth (all foreign costs, fixed prices)`,
      xLabel: 'assets a',
      yLabel: 'd ln(M_F / M_H) / d ln d',
      series: [
        { name: 'total', x: agrid, y: byWealth(elasticity.byState) },
        { name: 'extensive margin', x: agrid, y: byWealth(elasticity.extensiveByState) },
        { name: 'intensive margin', x: agrid, y: byWealth(elasticity.intensiveByState) },
      ],
    }),
  );
  return files;
}

export function welfareMarkdown(title: string, rows: CountryWelfare[], acrElasticity: number): string {
  return (
    `# ${title}\n\nGains in percent, averaged over the initial stationary distribution. HA (wealth) = the §C.5 measure, the permanent scaling of period wealth R a + w z at old prices ` +
    `(households with non-positive period wealth excluded, share in "undefined"); HA (consumption) = permanent % consumption at the old allocation (every household); ` +
    `gainers = % of households with V' > V; quintiles by cash on hand (wealth measure); RA (ACR) = 100((pi'_ii/pi_ii)^(-1/${formatNumber(acrElasticity)}) - 1) from the model's home shares.\n\n` +
    toMarkdown(
      {
        country: rows.map((r) => r.country),
        'HA wealth (%)': rows.map((r) => r.averageGain),
        'HA consumption (%)': rows.map((r) => r.averageConsumptionGain),
        'gainers (%)': rows.map((r) => r.gainersPercent),
        'undefined (%)': rows.map((r) => r.undefinedPercent),
        'poorest 20% wealth (%)': rows.map((r) => r.bottomQuintileGain),
        'richest 20% wealth (%)': rows.map((r) => r.topQuintileGain),
        'poorest 20% consumption (%)': rows.map((r) => r.bottomQuintileConsumptionGain),
        'richest 20% consumption (%)': rows.map((r) => r.topQuintileConsumptionGain),
        'RA ACR (%)': rows.map((r) => r.acr),
      },
      { digits: 4 },
    )
  );
}

export function writeWelfareTable(dir: string, rows: CountryWelfare[], eq: HaTradeEquilibrium): string[] {
  const cols = { country: [] as string[], z_index: [] as number[], z: [] as number[], a: [] as number[], mass: [] as number[], wealth_equivalent_percent: [] as number[], consumption_equivalent_percent: [] as number[] };
  rows.forEach((r) => {
    const i = eq.countries.indexOf(r.country);
    const st = eq.states[i];
    const nA = st.params.agrid.length;
    r.ceByState.forEach((g, s) => {
      const z = Math.floor(s / nA);
      cols.country.push(r.country);
      cols.z_index.push(z);
      cols.z.push(st.params.chain.values[z]);
      cols.a.push(st.params.agrid[s % nA]);
      cols.mass.push(r.mass[s]);
      cols.wealth_equivalent_percent.push(g);
      cols.consumption_equivalent_percent.push(r.consumptionCeByState[s]);
    });
  });
  return writeTable(join(dir, 'household-welfare'), cols);
}
