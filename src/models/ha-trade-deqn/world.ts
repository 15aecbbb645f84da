// The economy as the DEQN sees it (MODELS.md §C.1-C.2): countries, efficiency chain, borrowing
// limits, the policy vector (input tariffs and a trade-cost scale) and the map from policy and
// prices to each household's delivered prices. Index order follows Waugh (§C): [i * M + j] is buyer i,
// variety j.
import { buildEconomy, type HaTradeConfig } from '../ha-trade/config.ts';
import type { Economy } from '../ha-trade/economy.ts';
import type { HaTradeDeqnParams } from './params.ts';

export interface World {
  economy: Economy;
  config: HaTradeConfig;
  M: number;
  nZ: number;
  countries: string[];
  /** Borrowing limit phi_i (a' >= -phi_i) and top of the reference asset grid by country. */
  phi: Float64Array;
  amax: Float64Array;
  /** Input tariff pairs [importer, exporter] and the policy box. */
  pairs: [number, number][];
  policyDim: number;
  lower: Float64Array;
  upper: Float64Array;
  /** Number of gross returns: 1 (financial globalisation) or M (autarky). */
  nR: number;
  /** Size of the price network's output: M-1 log relative wages, nR returns, M rebates. */
  priceDim: number;
  /**
   * Centre of the price network's outputs (raw output 0): log wages relative to the last country's
   * and gross returns from the economy config's solver start (solver.initialWages, solver.initialR;
   * unit wages and R = 1.01 when absent). Why: with 19 Eaton-Kortum countries wages span three orders
   * of magnitude (BEL 0.0099 to DEU 10.5 at mean one), so a network centred on equal wages starts
   * hundreds of percent off and its small countries' Walrasian steps are too weak to get there.
   */
  logWage0: Float64Array;
  R0: Float64Array;
}

export function buildWorld(config: HaTradeConfig, policy: HaTradeDeqnParams['policy']): World {
  const economy = buildEconomy(config, '.');
  const M = economy.countries.length;
  const countries = economy.countries;
  const pairs: [number, number][] = policy.tariffs
    ? policy.tariffs.map((p) => [countries.indexOf(p.importer), countries.indexOf(p.exporter)])
    : countries.flatMap((_, i) => countries.flatMap((__, j) => (i === j ? [] : [[i, j] as [number, number]])));
  const policyDim = pairs.length + 1;
  const lower = new Float64Array(policyDim);
  const upper = new Float64Array(policyDim);
  pairs.forEach((_, k) => ([lower[k], upper[k]] = policy.tariffRange));
  [lower[policyDim - 1], upper[policyDim - 1]] = policy.tradeCostScale;
  const nR = economy.closure === 'autarky' ? M : 1;
  const w0 = config.solver.initialWages;
  const r0 = config.solver.initialR;
  const logWage0 = Float64Array.from({ length: M }, (_, i) => (w0 ? Math.log(w0[i] / w0[M - 1]) : 0));
  const R0 = Float64Array.from({ length: M }, (_, i) => (r0 === undefined ? PRICE_SCALE.R0 : typeof r0 === 'number' ? r0 : r0[i]));
  return {
    economy,
    config,
    M,
    nZ: economy.chain.n,
    countries,
    phi: Float64Array.from(economy.agrids, (g) => -g[0]),
    amax: Float64Array.from(economy.agrids, (g) => g[g.length - 1]),
    pairs,
    policyDim,
    lower,
    upper,
    nR,
    priceDim: M - 1 + nR + M,
    logWage0,
    R0,
  };
}

/** Tariff matrix t[i * M + j] at policy x (the config's tariffs outside the input pairs). */
export function tariffsAt(world: World, x: ArrayLike<number>): Float64Array {
  const t = Float64Array.from(world.economy.tariffs);
  world.pairs.forEach(([i, j], k) => (t[i * world.M + j] = x[k]));
  return t;
}

/** Trade costs d'_ij = kappa d_ij for i != j (kappa = last policy coordinate). */
export function tradeCostsAt(world: World, x: ArrayLike<number>): Float64Array {
  const M = world.M;
  const kappa = x[world.policyDim - 1];
  return Float64Array.from(world.economy.tradeCosts, (d, k) => (Math.floor(k / M) === k % M ? d : d * kappa));
}

/** The part-1 Economy at policy x (for the reference solver). */
export function economyAt(world: World, x: ArrayLike<number>): Economy {
  return { ...world.economy, tariffs: tariffsAt(world, x), tradeCosts: tradeCostsAt(world, x) };
}

/** The status-quo policy: the config's tariffs on the input pairs, trade-cost scale 1. */
export function baselinePolicy(world: World): Float64Array {
  const x = new Float64Array(world.policyDim);
  world.pairs.forEach(([i, j], k) => (x[k] = world.economy.tariffs[i * world.M + j]));
  x[world.policyDim - 1] = 1;
  return x;
}

/** The status-quo policy with every input tariff at `tariff` (the 19-country benches' uniform point). */
export function uniformTariffPolicy(world: World, tariff: number): Float64Array {
  return Float64Array.from(baselinePolicy(world), (v, k) => (k < world.pairs.length ? tariff : v));
}

export interface Prices {
  wages: Float64Array;
  /** Gross return by country. */
  R: Float64Array;
  rebates: Float64Array;
}

/** Scales that make the price network's raw outputs O(1) around the world's centre (logWage0, R0; R0 here is the default centre). */
export const PRICE_SCALE = { logWage: 0.1, R: 0.01, rebate: 0.02, R0: 1.01 };

/** Decodes one raw price-network row (float64, for reporting). */
export function decodePrices(world: World, raw: ArrayLike<number>): Prices {
  const { M, nR } = world;
  const logw = Array.from({ length: M }, (_, k) => (k < M - 1 ? world.logWage0[k] + PRICE_SCALE.logWage * raw[k] : 0));
  const e = logw.map(Math.exp);
  const mean = e.reduce((s, v) => s + v, 0) / M;
  const wages = Float64Array.from(e, (v) => v / mean);
  const R = Float64Array.from({ length: M }, (_, i) => world.R0[i] + PRICE_SCALE.R * raw[M - 1 + (nR === 1 ? 0 : i)]);
  const rebates = Float64Array.from({ length: M }, (_, i) => PRICE_SCALE.rebate * raw[M - 1 + nR + i]);
  return { wages, R, rebates };
}

/** Delivered prices p_ij = (1 + t_ij) d_ij w_j / A_j (§C.1), row-major [i * M + j]. */
export function deliveredPrices(world: World, x: ArrayLike<number>, wages: ArrayLike<number>): Float64Array {
  const M = world.M;
  const t = tariffsAt(world, x);
  const d = tradeCostsAt(world, x);
  return Float64Array.from({ length: M * M }, (_, k) => (1 + t[k]) * d[k] * (wages[k % M] / world.economy.tfp[k % M]));
}
