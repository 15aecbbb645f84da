// Prices, decoded choices, budgets and residual building blocks of the two-asset OLG benchmark on
// batched tensors (MODELS.md §B.1, §B.4). State row: [z, k^2..k^N, b^2..b^N] (k^1 = b^1 = 0, §B.3).
import { tf } from '../../tensor/backend.ts';
import type { Policy } from '../../deqn/model.ts';
import { collateralCoefficient, labourProfile, transitionMatrix, type OlgTwoAssetParams } from './params.ts';
import { lifeCyclePrior, type LifeCyclePrior } from './life-cycle-prior.ts';

/** Everything about the economy that does not change during training (float64 numbers). */
export interface TwoAssetEconomy {
  params: OlgTwoAssetParams;
  generations: number;
  kappa: number;
  labour: number[];
  /** Aggregate labour L = sum of the labour profile (57.776646 for N = 56). */
  totalLabour: number;
  transition: number[][];
  prior: LifeCyclePrior;
  /** Unit of the decoded savings and collateral outputs by age s = 1..N-1 (from the prior, floored). */
  savingsUnit: number[];
  /** Typical holding of one cohort, K_prior / N: the scale of the stock features and the guard. */
  stockUnit: number;
  /** Bias offsets of the lambda and mu outputs by age s = 1..N-1 (see priorMultiplierOffsets). */
  multiplierOffsets: { capital: number[]; bond: number[] };
}

/**
 * Where the prior's borrowing limit binds (the young), its shadow price nu_s = u'(c^s) -
 * beta r u'(c^(s+1)) > 0 is split as the two-asset Euler equations split it at p = 1/r and zeta = 0:
 * mu = nu / (kappa r), lambda = nu - mu. The offsets make an all-zero output decode to these
 * multipliers; elsewhere the offset is multiplierOffset (multipliers near zero). Reason: Adam moves
 * an output by about the learning rate per step, and softplus needs ~8 units to go from 1e-4 to
 * 0.4, so a binding multiplier that starts near zero takes thousands of steps to appear.
 */
function priorMultiplierOffsets(params: OlgTwoAssetParams, prior: LifeCyclePrior, kappa: number): { capital: number[]; bond: number[] } {
  const { beta, gamma, multiplierUnit, multiplierOffset } = params;
  const floor = Math.log1p(Math.exp(multiplierOffset)) * multiplierUnit;
  const inverse = (value: number) => (value > floor ? Math.log(Math.expm1(value / multiplierUnit)) : multiplierOffset);
  const capital: number[] = [];
  const bond: number[] = [];
  for (let s = 0; s + 1 < prior.consumption.length; s++) {
    const nu = Math.max(0, prior.consumption[s] ** -gamma - beta * prior.r * prior.consumption[s + 1] ** -gamma);
    const mu = nu / (kappa * prior.r);
    capital.push(inverse(nu - mu));
    bond.push(inverse(mu));
  }
  return { capital, bond };
}

export function twoAssetEconomy(params: OlgTwoAssetParams): TwoAssetEconomy {
  const N = params.generations;
  const labour = labourProfile(N);
  const prior = lifeCyclePrior(params);
  const stockUnit = prior.capital / N;
  const kappa = collateralCoefficient(params);
  return {
    params,
    generations: N,
    kappa,
    labour,
    totalLabour: labour.reduce((s, v) => s + v, 0),
    transition: transitionMatrix(params),
    prior,
    // Cohorts the prior has at the borrowing limit still get a unit of 5% of a typical holding.
    savingsUnit: prior.savings.map((a) => Math.max(a, 0.05 * stockUnit)),
    stockUnit,
    multiplierOffsets: priorMultiplierOffsets(params, prior, kappa),
  };
}

/** Per-state value of a shock-indexed table, via one-hot (gather has no gradient on wasm). */
export function shockValue(states: tf.Tensor2D, table: readonly number[]): tf.Tensor2D {
  return tf.matMul(shockOneHot(states, table.length), tf.tensor2d([...table], [table.length, 1]));
}

export function shockOneHot(states: tf.Tensor2D, shocks: number): tf.Tensor2D {
  const z = tf.cast(tf.squeeze(tf.slice(states, [0, 0], [-1, 1]), [1]), 'int32') as tf.Tensor1D;
  return tf.cast(tf.oneHot(z, shocks), 'float32') as tf.Tensor2D;
}

export interface StateView {
  /** Capital and bonds of ages 2..N as stored in the state, [batch, N-1] each. */
  capitalTail: tf.Tensor2D;
  bondTail: tf.Tensor2D;
  /** Capital by age k^1..k^N, [batch, N] (k^1 = 0). */
  capital: tf.Tensor2D;
  /** Bond holdings by age b^1..b^N, [batch, N] (b^1 = 0). */
  bonds: tf.Tensor2D;
  K: tf.Tensor2D;
  /** Output net of undepreciated capital, eta K^alpha L^(1-alpha), [batch, 1]. */
  Y: tf.Tensor2D;
  /** Gross return on capital alpha eta K^(alpha-1) L^(1-alpha) + 1 - delta. */
  r: tf.Tensor2D;
  w: tf.Tensor2D;
  /** Bond payoff min(kappa r, 1) (§B.1). */
  rho: tf.Tensor2D;
  eta: tf.Tensor2D;
  delta: tf.Tensor2D;
}

/** Firm prices and holdings at a batch of states (§B.1 firm; §B.3 state). */
export function stateView(economy: TwoAssetEconomy, states: tf.Tensor2D): StateView {
  const { alpha, eta: etaTable, delta: deltaTable } = economy.params;
  const N = economy.generations;
  const L = economy.totalLabour;
  const capitalTail = tf.slice(states, [0, 1], [-1, N - 1]) as tf.Tensor2D;
  const bondTail = tf.slice(states, [0, N], [-1, N - 1]) as tf.Tensor2D;
  const K = tf.maximum(tf.sum(capitalTail, 1, true), 1e-6) as tf.Tensor2D;
  const eta = shockValue(states, etaTable);
  const delta = shockValue(states, deltaTable);
  const Y = tf.mul(tf.mul(eta, tf.pow(K, alpha)), L ** (1 - alpha)) as tf.Tensor2D;
  // f_K = alpha Y / K and f_L = (1 - alpha) Y / L, so that w L + r K = Y + (1 - delta) K exactly (B4).
  const r = tf.add(tf.div(tf.mul(alpha, Y), K), tf.sub(1, delta)) as tf.Tensor2D;
  const w = tf.mul((1 - alpha) / L, Y) as tf.Tensor2D;
  const rho = tf.minimum(tf.mul(economy.kappa, r), 1) as tf.Tensor2D;
  return {
    capitalTail,
    bondTail,
    capital: tf.pad(capitalTail, [[0, 0], [1, 0]]) as tf.Tensor2D,
    bonds: tf.pad(bondTail, [[0, 0], [1, 0]]) as tf.Tensor2D,
    K,
    Y,
    r,
    w,
    rho,
    eta,
    delta,
  };
}

/** Choices of ages 1..N-1 in model units, decoded from the network's softplus outputs (§B.3). */
export interface Choices {
  /** Capital savings a^s >= 0. */
  savings: tf.Tensor2D;
  /** a^s + kappa d^s >= 0. */
  collateral: tf.Tensor2D;
  /** Bond purchases d^s = (collateral - a^s) / kappa (may be negative). */
  bondPurchases: tf.Tensor2D;
  /** Bond price p > 0, [batch, 1]. */
  price: tf.Tensor2D;
}

/** softplus(0) = ln 2: the unit divisions make an all-zero raw output decode to the prior. */
const LN2 = Math.log(2);

export function decodeChoices(economy: TwoAssetEconomy, policy: Policy): Choices {
  const unit = tf.tensor2d([economy.savingsUnit.map((u) => u / LN2)]);
  const savings = tf.mul(policy.savings, unit) as tf.Tensor2D;
  const collateral = tf.mul(policy.collateral, unit) as tf.Tensor2D;
  return {
    savings,
    collateral,
    bondPurchases: tf.div(tf.sub(collateral, savings), economy.kappa) as tf.Tensor2D,
    price: tf.div(policy.bondPrice, LN2) as tf.Tensor2D,
  };
}

/**
 * KKT multipliers lambda (capital) and mu (collateral) of ages 1..N-1, multiplierUnit x
 * softplus(output + offset by age). The multiplier groups are declared linear: their softplus
 * (with the bias offsets) is applied here. Only today's multipliers enter the residuals.
 */
export function decodeMultipliers(economy: TwoAssetEconomy, policy: Policy): { capital: tf.Tensor2D; bond: tf.Tensor2D } {
  const unit = economy.params.multiplierUnit;
  const multiplier = (raw: tf.Tensor2D, offsets: number[]) => tf.mul(tf.softplus(tf.add(raw, tf.tensor2d([offsets]))), unit) as tf.Tensor2D;
  return {
    capital: multiplier(policy.capitalMultiplier, economy.multiplierOffsets.capital),
    bond: multiplier(policy.bondMultiplier, economy.multiplierOffsets.bond),
  };
}

export interface Budget {
  /** Consumption by age, [batch, N]. */
  consumption: tf.Tensor2D;
  /** Delta^s = a^s - r k^s by age, [batch, N] (Delta^N = -r k^N: the liquidation is charged too). */
  adjustment: tf.Tensor2D;
}

/**
 * c^s = l^s w + r k^s + rho b^s - p d^s - a^s - (zeta/2) (Delta^s)^2 with a^N = d^N = 0 (§B.1, §B.4).
 */
export function budget(economy: TwoAssetEconomy, view: StateView, choices: Choices): Budget {
  const { zeta } = economy.params;
  const savingsAll = tf.pad(choices.savings, [[0, 0], [0, 1]]);
  const purchasesAll = tf.pad(choices.bondPurchases, [[0, 0], [0, 1]]);
  const returnOnCapital = tf.mul(view.r, view.capital);
  const adjustment = tf.sub(savingsAll, returnOnCapital) as tf.Tensor2D;
  const labourIncome = tf.mul(view.w, tf.tensor2d([economy.labour]));
  const resources = tf.add(tf.add(labourIncome, returnOnCapital), tf.mul(view.rho, view.bonds));
  const spending = tf.add(tf.add(tf.mul(choices.price, purchasesAll), savingsAll), tf.mul(zeta / 2, tf.square(adjustment)));
  return { consumption: tf.sub(resources, spending) as tf.Tensor2D, adjustment };
}

/** Fischer-Burmeister function a + b - sqrt(a^2 + b^2) in float64 (MODELS.md §0, B6). */
export function fischerBurmeister(a: number, b: number): number {
  return a + b - Math.sqrt(a * a + b * b);
}

/** Tensor Fischer-Burmeister; the 1e-12 inside the root keeps its gradient finite at (0, 0). */
export function fischerBurmeisterTensor(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(tf.add(a, b), tf.sqrt(tf.add(tf.add(tf.square(a), tf.square(b)), 1e-12))) as tf.Tensor2D;
}

/** Rows of a shock-major successor tensor [S*batch, k] regrouped by state: [batch, S*k]. */
export function byState(values: tf.Tensor2D, shocks: number, batch: number): tf.Tensor2D {
  const k = values.shape[1];
  return tf.reshape(tf.transpose(tf.reshape(values, [shocks, batch, k]), [1, 0, 2]), [batch, shocks * k]);
}
