// Market clearing over the simulated panel (MODELS.md §C.4), differentiable in the price network:
// every lane's households are re-evaluated at the prices the price network gives the lane's policy,
// and the lane's goods, bond and government-budget residuals are built from panel means.
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import type { World } from './world.ts';
import { featuresOf, inputsOf, type Layout } from './layout.ts';
import { householdBlock, type Constants } from './household.ts';
import { decodePriceRows, deliveredPriceRows, own, tariffRows, type PolicyMatrices } from './prices.ts';

export interface MarketEvaluation {
  /** Per lane: goods markets 2..M, bond market(s), government budgets, each over world labour income [K, n]. */
  residuals: tf.Tensor2D;
  /** Imports M_ij per lane [K, M*M] (buyer-major). */
  imports: tf.Tensor2D;
}

/** Number of market residuals per lane. */
export function marketCount(world: World): number {
  return world.M - 1 + world.nR + world.M;
}

/**
 * `rows` are households of K lanes; `laneOf[r]` in 0..K-1 names each row's lane and `laneRows`
 * holds one row of every lane (its policy columns are read). Gradients reach the price network
 * through the prices; the household network is evaluated at them as a fixed function of prices
 * when the caller differentiates only with respect to the price network's variables.
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
  const hh = householdBlock(world, k, priced, net.policy(featuresOf(world, priced), true));
  const spending = tf.mul(hh.pi, tf.mul(p, hh.c));
  const savings = tf.sum(tf.mul(hh.pi, hh.aNext), 1, true);
  // Means by (lane, country) via a one-hot group matrix (gather has no gradient on wasm).
  const groupIndex = tf.add(tf.mul(tf.tensor1d(laneOf, 'int32'), M), tf.cast(tf.squeeze(tf.slice(rows, [0, lay.country], [-1, 1]), [1]), 'int32'));
  const groups = tf.oneHot(groupIndex as tf.Tensor1D, K * M).toFloat() as tf.Tensor2D;
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
  return { residuals, imports: tf.reshape(spend, [K, M * M]) as tf.Tensor2D };
}
