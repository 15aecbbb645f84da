// Market clearing over the simulated panel (MODELS.md §C.4): every lane's households are evaluated
// at the prices the price network gives the lane's policy, the lane's goods, bond and
// government-budget residuals are built from panel means, and a Walrasian price step turns them
// into the price network's regression target.
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import { PRICE_SCALE, type World } from './world.ts';
import { featuresOf, inputsOf, type Layout } from './layout.ts';
import { householdBlock, type Constants } from './household.ts';
import { decodePriceRows, deliveredPriceRows, own, tariffRows, type PolicyMatrices } from './prices.ts';

export interface MarketEvaluation {
  /** Per lane: goods markets 2..M, bond market(s), government budgets, each over world labour income [K, n]. */
  residuals: tf.Tensor2D;
  /** Every goods market (excess supply over world income) [K, M] and world labour income [K, 1]. */
  goods: tf.Tensor2D;
  worldIncome: tf.Tensor2D;
  /** Imports M_ij per lane [K, M*M] (buyer-major). */
  imports: tf.Tensor2D;
}

/** Number of market residuals per lane. */
export function marketCount(world: World): number {
  return world.M - 1 + world.nR + world.M;
}

/**
 * `rows` are households of K lanes; `laneOf[r]` in 0..K-1 names each row's lane and `laneRows`
 * holds one row of every lane (its policy columns are read). Differentiable in the price network.
 */
export function evaluateMarkets(world: World, lay: Layout, k: Constants, m: PolicyMatrices, net: Mlp, rows: tf.Tensor2D, laneOf: Int32Array, laneRows: tf.Tensor2D): MarketEvaluation {
  const { M, nR } = world;
  const K = laneRows.shape[0];
  const L = world.economy.labor;
  const laneInp = inputsOf(world, lay, laneRows);
  const lanePrices = decodePriceRows(world, net.towerOutput('prices', featuresOf(world, laneInp)));
  const laneHot = tf.oneHot(tf.tensor1d(laneOf, 'int32'), K).toFloat() as tf.Tensor2D;
  const inp = inputsOf(world, lay, rows);
  const wages = tf.matMul(laneHot, lanePrices.wages) as tf.Tensor2D;
  const p = deliveredPriceRows(world, m, inp.x, inp.countryHot, wages);
  const priced = {
    ...inp,
    R: own(inp.countryHot, tf.matMul(laneHot, lanePrices.R) as tf.Tensor2D),
    w: own(inp.countryHot, wages),
    T: own(inp.countryHot, tf.matMul(laneHot, lanePrices.rebates) as tf.Tensor2D),
    p,
  };
  const hh = householdBlock(world, k, priced, householdPolicy(world, k.baseline, net, priced));
  const spending = tf.mul(hh.pi, tf.mul(p, hh.c));
  const savings = tf.sum(tf.mul(hh.pi, hh.aNext), 1, true);
  // Means by (lane, country) via a one-hot group matrix (gather has no gradient on wasm).
  const country = tf.tidy(() => tf.slice(rows, [0, lay.country], [-1, 1]).dataSync());
  const groupIndex = Int32Array.from(laneOf, (lane, r) => lane * M + country[r]);
  const groups = tf.oneHot(tf.tensor1d(groupIndex, 'int32'), K * M).toFloat() as tf.Tensor2D;
  const counts = tf.maximum(tf.sum(groups, 0, true), 1);
  const means = (q: tf.Tensor2D) => tf.div(tf.matMul(groups, q, true, false), tf.transpose(counts)) as tf.Tensor2D; // [K*M, k]
  const Lcol = tf.tile(tf.tensor2d(Array.from(L), [M, 1]), [K, 1]);
  const spend = tf.reshape(tf.mul(means(spending as tf.Tensor2D), Lcol), [K, M, M]); // imports M_ij per lane
  const assetsOut = tf.reshape(tf.mul(means(savings as tf.Tensor2D), Lcol), [K, M]);
  const efficiency = tf.reshape(tf.mul(means(hh.z), Lcol), [K, M]);
  const laneHotCountries = tf.reshape(tf.tile(tf.eye(M), [K, 1]), [K * M, M]) as tf.Tensor2D;
  const laneX = tf.reshape(tf.tile(laneInp.x, [1, M]), [K * M, world.policyDim]) as tf.Tensor2D;
  const t = tf.reshape(tariffRows(world, m, laneX, laneHotCountries), [K, M, M]); // t_ij of buyer i
  const income = tf.mul(lanePrices.wages, efficiency); // w_i N_i [K, M]
  const worldIncome = tf.sum(income, 1, true);
  // Goods: w_i N_i - sum_k M_ki / (1 + t_ki): column sums over buyers k.
  const sales = tf.sum(tf.div(spend, tf.add(1, t)), 1); // [K, M] indexed by seller i
  const goods = tf.sub(income, sales);
  const revenue = tf.sum(tf.mul(tf.div(t, tf.add(1, t)), spend), 2); // [K, M] by buyer
  const government = tf.sub(tf.mul(lanePrices.rebates, tf.tensor2d([Array.from(L)])), revenue);
  const bonds = nR === 1 ? tf.sum(assetsOut, 1, true) : assetsOut;
  const residuals = tf.div(tf.concat([tf.slice(goods, [0, 1], [-1, M - 1]), bonds, government], 1), worldIncome) as tf.Tensor2D;
  return { residuals, goods: tf.div(goods, worldIncome) as tf.Tensor2D, worldIncome: worldIncome as tf.Tensor2D, imports: tf.reshape(spend, [K, M * M]) as tf.Tensor2D };
}

export interface TatonnementStep {
  /** Relative step sizes: log wage per unit of goods excess supply (over world income, or own income with wageUnits "own"), R per unit of bond excess. */
  wage: number;
  R: number;
  /** Share of the gap to the rebate that balances the budget closed per step (1 = all of it). */
  rebate: number;
  /**
   * "world": excess supply over world labour income (the two-country default). "own": over the
   * country's own labour income. Why: with 19 countries a small country's income is ~1e-4 of the
   * world's, so in world units a 100 % wage error moves its wage by ~1e-3 per step and it never
   * converges; in own units every country's step is its relative excess supply.
   */
  wageUnits?: 'world' | 'own';
  /** Clip of every raw output's change per step. */
  maxStep?: number;
}

export const DEFAULT_TATONNEMENT: TatonnementStep = { wage: 1, R: 0.03, rebate: 1 };

/**
 * Walrasian price adjustment in the price network's raw units (see PRICE_SCALE): lower the wage of a
 * country whose goods are in excess supply, lower R when households save more than they borrow,
 * set rebates to the tariff revenue. Returns the raw-output change per lane, [K * priceDim].
 */
export function tatonnement(world: World, goods: ArrayLike<number>, residuals: ArrayLike<number>, worldIncome: ArrayLike<number>, step: TatonnementStep, incomeShares?: ArrayLike<number>): Float64Array {
  const { M, nR, priceDim } = world;
  const K = worldIncome.length;
  const n = marketCount(world);
  const L = world.economy.labor;
  const out = new Float64Array(K * priceDim);
  const own = step.wageUnits === 'own';
  if (own && !incomeShares) throw new Error('tatonnement: wageUnits "own" needs every country\'s share of world labour income');
  const excess = (l: number, k: number) => (own ? goods[l * M + k] / incomeShares![l * M + k] : goods[l * M + k]);
  for (let l = 0; l < K; l++) {
    // Wages are relative to the last country's: move each log wage by its own excess supply minus the last's.
    for (let k = 0; k < M - 1; k++) out[l * priceDim + k] = (-step.wage * (excess(l, k) - excess(l, M - 1))) / PRICE_SCALE.logWage;
    for (let r = 0; r < nR; r++) out[l * priceDim + M - 1 + r] = (-step.R * residuals[l * n + M - 1 + r]) / PRICE_SCALE.R;
    for (let i = 0; i < M; i++) {
      const gap = (residuals[l * n + M - 1 + nR + i] * worldIncome[l]) / L[i]; // rebate paid minus revenue, per household
      out[l * priceDim + M - 1 + nR + i] = (-step.rebate * gap) / PRICE_SCALE.rebate;
    }
  }
  if (step.maxStep !== undefined) for (let k = 0; k < out.length; k++) out[k] = Math.max(-step.maxStep, Math.min(step.maxStep, out[k]));
  return out;
}
