// A counterfactual from a trained checkpoint: the status quo and a policy given by --set
// assignments (tariff.<importer>.<exporter>=rate, tradeCostScale=factor) inside the box the networks
// were trained on; prices, import shares, and consumption-equivalent welfare by household group.
// Field names follow part 1's `deqn solve --json` and `deqn welfare --json` so results compare directly.
import { UsageError } from '../../io/errors.ts';
import type { Mlp } from '../../deqn/network.ts';
import { baselinePolicy, type World } from './world.ts';
import type { NetworkEquilibrium } from './solution.ts';
import { clearMarkets } from './clearing.ts';
import { networkWelfare, tauInterpolant, type CountryWelfare } from './welfare.ts';
import type { HaTradeDeqn } from './index.ts';

/** Policy coordinate names: tariff.<importer>.<exporter> for each input pair, then tradeCostScale. */
export function policyNames(world: World): string[] {
  return [...world.pairs.map(([i, j]) => `tariff.${world.countries[i]}.${world.countries[j]}`), 'tradeCostScale'];
}

/** The status quo with `--set NAME=VALUE` assignments applied; every value must lie in the trained box. */
export function policyFromSets(world: World, sets: readonly string[], where = '--set'): Float64Array {
  const names = policyNames(world);
  const x = baselinePolicy(world);
  for (const assignment of sets) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`${where} ${assignment}: expected NAME=VALUE, e.g. tariff.${world.countries[0]}.${world.countries[1]}=0.25`);
    const name = assignment.slice(0, eq).trim();
    const value = Number(assignment.slice(eq + 1));
    const k = names.indexOf(name);
    if (k < 0) {
      const tariff = /^tariff\.([^.]+)\.([^.]+)$/.exec(name);
      const unknown = tariff && ![tariff[1], tariff[2]].every((c) => world.countries.includes(c));
      throw new UsageError(
        `${where} ${assignment}: ${unknown ? `unknown country in "${name}" (countries: ${world.countries.join(', ')})` : `"${name}" is not an input of this checkpoint`}; allowed: ${names.join(', ')}`,
      );
    }
    if (!Number.isFinite(value)) throw new UsageError(`${where} ${assignment}: value must be a number`);
    if (value < world.lower[k] - 1e-12 || value > world.upper[k] + 1e-12) {
      throw new UsageError(`${where} ${assignment}: ${name} must lie in [${world.lower[k]}, ${world.upper[k]}], the box the networks were trained on`);
    }
    x[k] = value;
  }
  return x;
}

export interface CounterfactualResult {
  names: string[];
  baseline: NetworkEquilibrium;
  counterfactual: NetworkEquilibrium;
  welfare: CountryWelfare[];
  acrElasticity: number;
  seconds: number;
}

/**
 * Asset grid points of the stationary distributions a checkpoint's equilibrium is read on. Welfare
 * changes move by 1-4 % of their size between 100 and 800 points (the distribution's discretisation,
 * for the reference solver and the networks alike), by < 0.5 % between 400 and 800.
 */
export const DEFAULT_GRID_POINTS = 400;

export function runCounterfactual(model: HaTradeDeqn, net: Mlp, x: Float64Array, gridPoints = DEFAULT_GRID_POINTS): CounterfactualResult {
  const started = performance.now();
  const { world } = model;
  // The trained households' equilibria: their markets cleared, from the price network's prices (clearing.ts).
  const baseline = clearMarkets(model, net, baselinePolicy(world), { points: gridPoints });
  const counterfactual = clearMarkets(model, net, x, { points: gridPoints, initialMass: baseline.mass });
  const welfare = networkWelfare(model, net, baseline, counterfactual, tauInterpolant(model, net, baseline, [0.95, 1.05], 5));
  const acrElasticity = world.config.analysis.acrElasticity ?? 1 / world.config.preferences.sigmaEps;
  return { names: policyNames(world), baseline, counterfactual, welfare, acrElasticity, seconds: (performance.now() - started) / 1000 };
}

/** The JSON summary: `deqn solve --json` fields at the counterfactual, `deqn welfare --json` fields, and more. */
export function counterfactualSummary(model: HaTradeDeqn, checkpoint: string, r: CounterfactualResult) {
  const { world } = model;
  const { countries, M } = world;
  const byCountry = <T>(f: (i: number) => T) => Object.fromEntries(countries.map((c, i) => [c, f(i)]));
  const eqFields = (e: NetworkEquilibrium) => ({
    R: world.nR === 1 ? e.prices.R[0] : byCountry((i) => e.prices.R[i]),
    wages: byCountry((i) => e.prices.wages[i]),
    rebates: byCountry((i) => e.prices.rebates[i]),
    importShares: byCountry((i) => byCountry((j) => e.importShares[i * M + j])),
    netForeignAssetsToIncome: byCountry((i) => e.assetsNext[i] / (e.prices.wages[i] * e.efficiency[i])),
  });
  const cf = eqFields(r.counterfactual);
  return {
    checkpoint,
    closure: world.economy.closure,
    policy: Object.fromEntries(r.names.map((n, k) => [n, r.counterfactual.policy[k]])),
    experiment: r.names.filter((_, k) => r.counterfactual.policy[k] !== r.baseline.policy[k]).map((n) => `${n}=${r.counterfactual.policy[r.names.indexOf(n)]}`).join(', ') || 'status quo',
    ...cf,
    baseline: { policy: Object.fromEntries(r.names.map((n, k) => [n, r.baseline.policy[k]])), ...eqFields(r.baseline) },
    marketResiduals: { goods: Array.from(r.counterfactual.goods), bonds: Array.from(r.counterfactual.bonds), government: Array.from(r.counterfactual.government) },
    welfare: byCountry((i) => r.welfare[i].averageGain),
    utilitarianWelfare: byCountry((i) => r.welfare[i].utilitarianGain),
    unresolvedPercent: byCountry((i) => r.welfare[i].unresolvedPercent),
    gainers: byCountry((i) => r.welfare[i].gainersPercent),
    acr: byCountry((i) => r.welfare[i].acr),
    poorestQuintile: byCountry((i) => r.welfare[i].bottomQuintileGain),
    richestQuintile: byCountry((i) => r.welfare[i].topQuintileGain),
    welfareByWealthDecile: byCountry((i) => r.welfare[i].byWealthDecile),
    welfareByIncomeDecile: byCountry((i) => r.welfare[i].byIncomeDecile),
    acrElasticity: r.acrElasticity,
    seconds: r.seconds,
  };
}
