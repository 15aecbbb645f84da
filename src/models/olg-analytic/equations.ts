// Prices, budgets and Euler residuals of the analytic OLG model on batched tensors (MODELS.md §A.1, §A.4).
// State row: [z, k^2, ..., k^A] (k^1 = 0: the young are born without capital).
import { tf } from '../../tensor/backend.ts';
import type { OlgAnalyticParams } from './params.ts';

export interface Economy {
  params: OlgAnalyticParams;
  delta: number[];
  eta: number[];
}

export interface Prices {
  capital: tf.Tensor2D; // K, [batch, 1]
  r: tf.Tensor2D; // gross return, [batch, 1]
  w: tf.Tensor2D; // wage, [batch, 1]
  /** Cash-on-hand by age, [batch, A]: w for age 1, r k^s afterwards (§A.1 budget). */
  income: tf.Tensor2D;
}

/** Per-state value of a shock-indexed table, via one-hot (gather has no gradient on wasm). */
export function shockValue(states: tf.Tensor2D, table: number[]): tf.Tensor2D {
  const z = tf.cast(tf.squeeze(tf.slice(states, [0, 0], [-1, 1]), [1]), 'int32') as tf.Tensor1D;
  return tf.matMul(tf.cast(tf.oneHot(z, table.length), 'float32') as tf.Tensor2D, tf.tensor2d(table, [table.length, 1]));
}

/** Firm prices with L = 1: r = alpha eta K^(alpha-1) + 1 - delta, w = (1-alpha) eta K^alpha (§A.1). */
export function prices(economy: Economy, states: tf.Tensor2D): Prices {
  const { alpha } = economy.params;
  const capitalByAge = tf.slice(states, [0, 1], [-1, -1]) as tf.Tensor2D;
  const capital = tf.sum(capitalByAge, 1, true) as tf.Tensor2D;
  const eta = shockValue(states, economy.eta);
  const delta = shockValue(states, economy.delta);
  const r = tf.add(tf.mul(tf.mul(alpha, eta), tf.pow(capital, alpha - 1)), tf.sub(1, delta)) as tf.Tensor2D;
  const w = tf.mul(tf.mul(1 - alpha, eta), tf.pow(capital, alpha)) as tf.Tensor2D;
  const income = tf.concat([w, tf.mul(r, capitalByAge)], 1) as tf.Tensor2D;
  return { capital, r, w, income };
}

/** Savings of ages 1..A-1 in levels, from the decoded network output (share of cash-on-hand or level). */
export function savingsLevels(economy: Economy, decoded: tf.Tensor2D, income: tf.Tensor2D): tf.Tensor2D {
  if (economy.params.savingsDecoding === 'level') return decoded;
  const workingIncome = tf.slice(income, [0, 0], [-1, economy.params.generations - 1]);
  return tf.mul(decoded, workingIncome) as tf.Tensor2D;
}

/** Consumption by age [batch, A]: c^s = inc^s - a^s, with a^A = 0. */
export function consumption(income: tf.Tensor2D, savings: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(income, tf.pad(savings, [[0, 0], [0, 1]])) as tf.Tensor2D;
}

/** Smallest consumption used inside marginal utility, as in the reference code (§A.4). */
export const CONSUMPTION_FLOOR = 1e-5;
