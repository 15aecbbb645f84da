// Public API of the heterogeneous-agent trade reference solver (MODELS.md §C). Part 2 (deep
// equilibrium nets) validates against these functions.
import { buildEconomy, type EconomyOverrides, type HaTradeConfig } from './config.ts';
import { solveEconomy, type EquilibriumOptions, type EquilibriumSolution } from './equilibrium.ts';
import type { CountryState, Economy } from './economy.ts';

export { efficiencyChain, rouwenhorst, type EfficiencyChain, type MixtureSpec } from './markov.ts';
export { solveHousehold, type HouseholdParams, type HouseholdPrices, type HouseholdSolution } from './household-egm.ts';
export { stationaryDistribution, type StationaryDistribution } from './distribution.ts';
export { aggregateCountry, type CountryAggregates } from './aggregate.ts';
export { buildEconomy, loadConfig, parseConfig, haTradeConfigSchema, type HaTradeConfig } from './config.ts';
export { deliveredPrices, evaluateWorld, marketResiduals, type Economy, type CountryState, type WorldPrices } from './economy.ts';
export { solveEconomy, type EquilibriumSolution } from './equilibrium.ts';
export { tradeElasticity, aggregateTradeElasticities, type ElasticityResult } from './elasticity.ts';
export { bandMeans } from './bands.ts';
export { welfareChange, countryWelfare, welfareAgainstValues, type CountryWelfare, type WelfareReport } from './welfare.ts';
export { solveTransition, type TransitionPath, type TransitionOptions } from './transition.ts';

export interface SolveOverrides extends EconomyOverrides, Omit<EquilibriumOptions, 'initial'> {
  /** Directory CSV references in the config resolve against (default: current directory). */
  baseDir?: string;
  /** Starting point; defaults to the config's solver.initialWages / initialR. */
  initial?: EquilibriumOptions['initial'];
}

export interface HaTradeEquilibrium extends EquilibriumSolution {
  countries: string[];
  wages: Float64Array;
  /** One number under financial globalisation, one per country under financial autarky. */
  R: number | Float64Array;
  rebates: Float64Array;
  /** importShares[i * M + j]: share of buyer i's spending on variety j (rows sum to one). */
  importShares: Float64Array;
  /** Per-country household policies, choice probabilities, values and stationary distribution. */
  states: CountryState[];
}

/** Solves the stationary equilibrium described by `config` (MODELS.md §C.4). */
export function solveEquilibrium(config: HaTradeConfig, overrides: SolveOverrides = {}): HaTradeEquilibrium {
  const econ = buildEconomy(config, overrides.baseDir ?? '.', overrides);
  const initial = overrides.initial ?? { wages: config.solver.initialWages, R: config.solver.initialR };
  const sol = solveEconomy(econ, {
    tol: overrides.tol ?? config.solver.tolerance,
    maxIterations: overrides.maxIterations ?? config.solver.maxIterations,
    method: overrides.method ?? config.solver.method,
    fdStep: overrides.fdStep,
    fdWageLimit: overrides.fdWageLimit,
    log: overrides.log,
    initial,
  });
  return withSummary(econ, sol);
}

export function withSummary(econ: Economy, sol: EquilibriumSolution): HaTradeEquilibrium {
  const M = econ.countries.length;
  const importShares = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    let total = 0;
    for (let j = 0; j < M; j++) total += sol.residuals.imports[i * M + j];
    for (let j = 0; j < M; j++) importShares[i * M + j] = sol.residuals.imports[i * M + j] / total;
  }
  return {
    ...sol,
    countries: econ.countries,
    wages: sol.prices.wages,
    R: econ.closure === 'autarky' ? sol.prices.R : sol.prices.R[0],
    rebates: sol.prices.rebates,
    importShares,
  };
}
