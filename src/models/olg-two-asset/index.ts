// The 56-generation two-asset OLG benchmark of Deep Equilibrium Nets (MODELS.md §B) as a
// DynamicModel: illiquid capital with a quadratic adjustment cost, a defaultable one-period bond in
// zero net supply with a collateral constraint, four aggregate shocks.
import { tf } from '../../tensor/backend.ts';
import type { Rng } from '../../tensor/rng.ts';
import type { DynamicModel, Policy, ResidualContext } from '../../deqn/model.ts';
import { OlgTwoAssetParamsSchema, stationaryDistribution, type OlgTwoAssetParams } from './params.ts';
import {
  budget,
  byState,
  decodeChoices,
  decodeMultipliers,
  fischerBurmeisterTensor,
  shockOneHot,
  stateView,
  twoAssetEconomy,
  type Budget,
  type Choices,
  type StateView,
  type TwoAssetEconomy,
} from './equations.ts';

export { OlgTwoAssetParamsSchema as paramsSchema };

export const OLG_TWO_ASSET_FAMILIES = [
  'capitalEuler',
  'bondEuler',
  'kktCapital',
  'kktBond',
  'marketClearing',
  'marketClearingNext',
  'marketClearingOverY',
  'penalties',
] as const;
export type OlgTwoAssetFamily = (typeof OLG_TWO_ASSET_FAMILIES)[number];

export type OlgTwoAssetModel = DynamicModel<OlgTwoAssetFamily> & {
  economy: TwoAssetEconomy;
  /** Simulated paths restarted by the guard so far (in this process). */
  guardResets(): number;
};

/** Smallest value allowed inside the Euler brackets before the power -1/gamma. */
const BRACKET_FLOOR = 1e-8;

export function createOlgTwoAsset(params: OlgTwoAssetParams): OlgTwoAssetModel {
  const economy = twoAssetEconomy(params);
  const N = economy.generations;
  const shocks = economy.transition.length;
  const stationary = stationaryDistribution(economy.transition);
  const stationaryCumulative = stationary.map((_, i) => stationary.slice(0, i + 1).reduce((s, p) => s + p, 0));
  const stateDim = 1 + 2 * (N - 1);
  let resets = 0;

  const economyAt = (states: tf.Tensor2D, policy: Policy) => {
    const view = stateView(economy, states);
    const choices = decodeChoices(economy, policy);
    return { view, choices, ...budget(economy, view, choices) };
  };

  /** A fresh state near the prior steady state: z from the stationary distribution, noisy holdings. */
  const drawState = (out: Float32Array, offset: number, rng: Rng) => {
    const noise = params.initialNoise;
    out[offset] = rng.categorical(stationaryCumulative);
    let bondSum = 0;
    for (let s = 1; s < N; s++) {
      const k = economy.prior.savings[s - 1] * (1 + noise * (2 * rng.uniform() - 1));
      out[offset + s] = k;
      const b = noise * economy.savingsUnit[s - 1] * (2 * rng.uniform() - 1);
      out[offset + N - 1 + s] = b;
      bondSum += b;
    }
    // Zero net supply: remove the mean, then respect the collateral limit k + kappa b >= 0.
    for (let s = 1; s < N; s++) {
      const b = out[offset + N - 1 + s] - bondSum / (N - 1);
      out[offset + N - 1 + s] = Math.max(b, -out[offset + s] / economy.kappa);
    }
  };

  const plausible = (states: Float32Array, offset: number) => {
    const [lo, hi] = params.guardBand;
    let K = 0;
    for (let s = 1; s < N; s++) {
      const k = states[offset + s];
      const b = states[offset + N - 1 + s];
      if (!Number.isFinite(k) || !Number.isFinite(b) || Math.abs(b) > hi * economy.stockUnit) return false;
      K += k;
    }
    return K >= lo * economy.prior.capital && K <= hi * economy.prior.capital;
  };

  return {
    name: 'olg-two-asset',
    economy,
    stateDim,
    transition: economy.transition,
    featureDim: shocks + 3 + 3 * (N - 1),
    outputs: [
      { name: 'savings', size: N - 1, decode: 'softplus' },
      // Multipliers: softplus with a bias offset, applied in decodeChoices (the engine's output
      // biases start at zero), so they are declared linear here.
      { name: 'capitalMultiplier', size: N - 1, decode: 'linear' },
      { name: 'collateral', size: N - 1, decode: 'softplus' },
      { name: 'bondMultiplier', size: N - 1, decode: 'linear' },
      { name: 'bondPrice', size: 1, decode: 'softplus' },
    ],
    residualFamilies: OLG_TWO_ASSET_FAMILIES,
    guardResets: () => resets,

    // Inputs: one-hot shock, K, r, w, capital and bonds by age, cash-on-hand by age, in units of the
    // prior (a compact version of the code's 236 augmented inputs, §B.3).
    features(states) {
      const v = stateView(economy, states);
      const unit = 1 / economy.stockUnit;
      // Cash-on-hand l^s w + r k^s + rho b^s of ages 2..N (age 1's is l^1 w, carried by w).
      const labourOld = tf.tensor2d([economy.labour.slice(1)]);
      const cash = tf.add(tf.add(tf.mul(v.w, labourOld), tf.mul(v.r, v.capitalTail)), tf.mul(v.rho, v.bondTail));
      return tf.concat(
        [
          shockOneHot(states, shocks),
          tf.div(v.K, economy.prior.capital),
          tf.mul(tf.sub(v.r, 1), 10),
          tf.div(v.w, economy.prior.w),
          tf.mul(v.capitalTail, unit),
          tf.mul(v.bondTail, unit),
          tf.mul(cash, unit),
        ],
        1,
      ) as tf.Tensor2D;
    },

    initialStates(paths: number, rng: Rng) {
      const out = new Float32Array(paths * stateDim);
      for (let p = 0; p < paths; p++) drawState(out, p * stateDim, rng);
      return out;
    },

    guardStates(states: Float32Array, rng: Rng) {
      let replaced = 0;
      for (let offset = 0; offset < states.length; offset += stateDim) {
        if (plausible(states, offset)) continue;
        drawState(states, offset, rng);
        replaced++;
      }
      resets += replaced;
      return replaced;
    },

    // x+ = [z', a^1..a^(N-1), d^1..d^(N-1)] (§B.4, imposed exactly).
    nextStates(states, policy, nextShock) {
      const choices = decodeChoices(economy, policy);
      return tf.concat([tf.reshape(nextShock, [-1, 1]), choices.savings, choices.bondPurchases], 1) as tf.Tensor2D;
    },

    residuals(ctx: ResidualContext) {
      return twoAssetResiduals(economy, ctx, economyAt(ctx.states, ctx.policy), economyAt(ctx.nextStates, ctx.nextPolicy), shocks);
    },
  };
}

interface EconomyAt extends Budget {
  view: StateView;
  choices: Choices;
}

/** The residual families of §B.4 at a batch of states, given today's and the successors' economies. */
function twoAssetResiduals(
  economy: TwoAssetEconomy,
  ctx: ResidualContext,
  today: EconomyAt,
  next: EconomyAt,
  shocks: number,
): Record<OlgTwoAssetFamily, tf.Tensor2D> {
  const { beta, gamma, zeta, consumptionFloor: floor, kkt, kktScaling } = economy.params;
  const N = economy.generations;
  const working = (x: tf.Tensor2D) => tf.slice(x, [0, 0], [-1, N - 1]) as tf.Tensor2D;
  const older = (x: tf.Tensor2D) => tf.slice(x, [0, 1], [-1, N - 1]) as tf.Tensor2D;
  const marginalUtility = (c: tf.Tensor2D) => tf.pow(tf.maximum(c, floor), -gamma) as tf.Tensor2D;
  const { savings: a, collateral, price } = today.choices;
  const { capital: lambda, bond: mu } = decodeMultipliers(economy, ctx.policy);
  const c = working(today.consumption);
  const cFloored = tf.maximum(c, floor);

  // Next-period marginal utility of cohort s+1 in every successor, [S*batch, N-1].
  const muNext = marginalUtility(older(next.consumption));
  // Capital: r' (1 + zeta Delta'^(s+1)) u'(c'^(s+1)); bond: rho' u'(c'^(s+1)) (§B.4 items 1-2).
  const capitalReturn = ctx.expect(tf.mul(tf.mul(next.view.r, tf.add(1, tf.mul(zeta, older(next.adjustment)))), muNext) as tf.Tensor2D);
  const bondReturn = ctx.expect(tf.mul(next.view.rho, muNext) as tf.Tensor2D);

  const relativeError = (bracket: tf.Tensor) => tf.sub(tf.div(tf.pow(tf.maximum(bracket, BRACKET_FLOOR), -1 / gamma), cFloored), 1) as tf.Tensor2D;
  // A cohort selling much capital can make 1 + zeta Delta <= 0; its bracket is then floored.
  const capitalCost = tf.maximum(tf.add(1, tf.mul(zeta, working(today.adjustment))), BRACKET_FLOOR);
  const capitalEuler = relativeError(tf.div(tf.add(tf.add(tf.mul(beta, capitalReturn), lambda), mu), capitalCost));
  const bondEuler = relativeError(tf.div(tf.add(tf.mul(beta, bondReturn), tf.mul(economy.kappa, mu)), price));

  // Complementarity (§B.4 items 3-4), optionally with multipliers in units of u'(c).
  const scale = (m: tf.Tensor2D) => (kktScaling === 'marginal-utility' ? (tf.div(m, marginalUtility(c)) as tf.Tensor2D) : m);
  const complementarity = (gap: tf.Tensor2D, multiplier: tf.Tensor2D) =>
    kkt === 'product' ? (tf.mul(gap, scale(multiplier)) as tf.Tensor2D) : fischerBurmeisterTensor(gap, scale(multiplier));

  // Bond market clearing sum_s d^s at the state and at its successors (§B.4 item 5).
  const marketClearing = tf.sum(today.choices.bondPurchases, 1, true) as tf.Tensor2D;
  const marketClearingNext = byState(tf.sum(next.choices.bondPurchases, 1, true) as tf.Tensor2D, shocks, ctx.batch);

  // Negative consumption today and in every successor, in units of the floor (code: weight 1/epsilon).
  const negative = (x: tf.Tensor2D) => tf.div(tf.relu(tf.neg(x)), floor) as tf.Tensor2D;
  const penalties = tf.concat([negative(today.consumption), byState(negative(next.consumption), shocks, ctx.batch)], 1) as tf.Tensor2D;

  return {
    capitalEuler,
    bondEuler,
    kktCapital: complementarity(a, lambda),
    kktBond: complementarity(collateral, mu),
    marketClearing,
    marketClearingNext,
    marketClearingOverY: tf.div(marketClearing, today.view.Y) as tf.Tensor2D,
    penalties,
  };
}

/** Feature and choice helpers for tests and benchmarks. */
export { twoAssetEconomy, stateView, decodeChoices, budget } from './equations.ts';
