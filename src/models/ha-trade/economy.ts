// The world economy of MODELS.md §C.1-C.4 in solver form: per-country household parameters, delivered
// prices and one evaluation of every country's household problem, distribution and aggregates at given
// wages, returns and rebates. Index order follows Waugh (§C): row i = buyer/importer, column j = supplier.
import type { EfficiencyChain } from './markov.ts';
import { solveHousehold, type HouseholdParams, type HouseholdPrices, type HouseholdSolution } from './household-egm.ts';
import { stationaryDistribution, type StationaryDistribution } from './distribution.ts';
import { aggregateCountry, type CountryAggregates } from './aggregate.ts';

export type Closure = 'globalisation' | 'autarky';

export interface Economy {
  countries: string[];
  labor: Float64Array;
  tfp: Float64Array;
  /** d[i * M + j]: iceberg cost for buyer i of variety j (d_ii = 1). */
  tradeCosts: Float64Array;
  /** t[i * M + j]: ad-valorem tariff importer i levies on variety j (t_ii = 0). */
  tariffs: Float64Array;
  gamma: number;
  beta: number;
  chain: EfficiencyChain;
  /** Per-country asset grid, taste dispersion and quality shifter by efficiency state. */
  agrids: Float64Array[];
  sigmaEps: Float64Array;
  /** The config's sigma_eps before country scaling (1/sigma is the log-utility trade elasticity). */
  sigmaEpsBase: number;
  quality: Float64Array[];
  closure: Closure;
  householdTol: number;
  distributionTol: number;
}

export interface WorldPrices {
  wages: Float64Array;
  /** Gross return by country (all equal under financial globalisation). */
  R: Float64Array;
  /** Lump-sum tariff rebate per household. */
  rebates: Float64Array;
}

export interface CountryState {
  params: HouseholdParams;
  prices: HouseholdPrices;
  household: HouseholdSolution;
  distribution: StationaryDistribution;
  /** Per household; multiply by labor for totals. */
  aggregates: CountryAggregates;
}

export function countryCount(econ: Economy): number {
  return econ.countries.length;
}

/** Delivered prices p_ij = (1 + t_ij) d_ij w_j / A_j seen by buyer i (§C.1). */
export function deliveredPrices(econ: Economy, wages: Float64Array, buyer: number): Float64Array {
  const M = countryCount(econ);
  const p = new Float64Array(M);
  for (let j = 0; j < M; j++) p[j] = (1 + econ.tariffs[buyer * M + j]) * econ.tradeCosts[buyer * M + j] * (wages[j] / econ.tfp[j]);
  return p;
}

export function householdParamsFor(econ: Economy, i: number): HouseholdParams {
  return { gamma: econ.gamma, beta: econ.beta, sigmaEps: econ.sigmaEps[i], agrid: econ.agrids[i], chain: econ.chain, home: i, quality: econ.quality[i] };
}

/** Solves one country's household problem and stationary distribution, warm-started when possible. */
export interface Tolerances {
  household: number;
  distribution: number;
}

export function evaluateCountry(econ: Economy, world: WorldPrices, i: number, warm?: CountryState, tol?: Tolerances): CountryState {
  const householdTol = tol?.household ?? econ.householdTol;
  const distributionTol = tol?.distribution ?? econ.distributionTol;
  const params = householdParamsFor(econ, i);
  const prices: HouseholdPrices = { R: world.R[i], wage: world.wages[i], rebate: world.rebates[i], prices: deliveredPrices(econ, world.wages, i) };
  const household = solveHousehold(params, prices, { tol: householdTol, guess: warm?.household });
  if (!(household.residual < householdTol)) {
    throw new Error(`household problem of ${econ.countries[i]} did not converge (change ${household.residual} after ${household.iterations} iterations) at R=${prices.R}, wage=${prices.wage}`);
  }
  const distribution = stationaryDistribution(household, params.agrid, econ.chain.P, econ.chain.ergodic, { tol: distributionTol, guess: warm?.distribution.mass });
  const aggregates = aggregateCountry(household, distribution.mass, params.agrid, econ.chain.values, prices.prices);
  return { params, prices, household, distribution, aggregates };
}

export function evaluateWorld(econ: Economy, world: WorldPrices, warm?: CountryState[], tol?: Tolerances): CountryState[] {
  return econ.countries.map((_, i) => evaluateCountry(econ, world, i, warm?.[i], tol));
}

export interface MarketResiduals {
  /** Producer revenue minus sales net of tariffs: w_i N_i - sum_k M_ki / (1 + t_ki) (§C.4 item 1). */
  goods: Float64Array;
  /** Net assets carried out L_i A'_i (§C.4 item 2). */
  bonds: Float64Array;
  /** Rebates paid minus tariff revenue: L_i T_i - sum_j t_ij/(1+t_ij) M_ij (§C.4 item 3). */
  government: Float64Array;
  /** Total imports M_ij = L_i * spending (buyer i, variety j). */
  imports: Float64Array;
  /** World labour income, the scale residuals are reported in. */
  worldIncome: number;
}

export function marketResiduals(econ: Economy, world: WorldPrices, states: CountryState[]): MarketResiduals {
  const M = countryCount(econ);
  const imports = new Float64Array(M * M);
  const goods = new Float64Array(M);
  const bonds = new Float64Array(M);
  const government = new Float64Array(M);
  let worldIncome = 0;
  for (let i = 0; i < M; i++) {
    const agg = states[i].aggregates;
    for (let j = 0; j < M; j++) imports[i * M + j] = econ.labor[i] * agg.spending[j];
    const income = world.wages[i] * econ.labor[i] * agg.efficiency;
    goods[i] = income;
    worldIncome += income;
    bonds[i] = econ.labor[i] * agg.assetsNext;
  }
  for (let k = 0; k < M; k++) {
    for (let i = 0; i < M; i++) {
      const t = econ.tariffs[k * M + i];
      goods[i] -= imports[k * M + i] / (1 + t);
      government[k] -= (t / (1 + t)) * imports[k * M + i];
    }
    government[k] += econ.labor[k] * world.rebates[k];
  }
  return { goods, bonds, government, imports, worldIncome };
}

export function hasTariffs(econ: Economy): boolean {
  return econ.tariffs.some((t) => t !== 0);
}
