// The analytic OLG model (MODELS.md §A) as a DynamicModel for the DEQN engine.
import { tf } from '../../tensor/backend.ts';
import type { Rng } from '../../tensor/rng.ts';
import type { DynamicModel, Policy, ResidualContext } from '../../deqn/model.ts';
import { OlgAnalyticParamsSchema, shockProcess, type OlgAnalyticParams } from './params.ts';
import { CONSUMPTION_FLOOR, consumption, prices, savingsLevels, type Economy } from './equations.ts';
import { savingsRates } from './closed-form.ts';

export { OlgAnalyticParamsSchema as paramsSchema };

export type OlgAnalyticFamily = 'euler' | 'feasibility';

export function createOlgAnalytic(params: OlgAnalyticParams): DynamicModel<OlgAnalyticFamily> & { economy: Economy } {
  const { delta, eta, transition } = shockProcess(params.variant);
  const economy: Economy = { params, delta, eta };
  const A = params.generations;
  const shocks = transition.length;
  const families: OlgAnalyticFamily[] = params.savingsDecoding === 'level' ? ['euler', 'feasibility'] : ['euler'];

  const savingsOf = (states: tf.Tensor2D, policy: Policy) => {
    const p = prices(economy, states);
    return { p, savings: savingsLevels(economy, policy.savings, p.income) };
  };

  return {
    name: 'olg-analytic',
    economy,
    stateDim: A,
    transition,
    featureDim: shocks + (A - 1) + 3,
    outputs: [{ name: 'savings', size: A - 1, decode: params.savingsDecoding === 'share' ? 'sigmoid' : 'softplus' }],
    residualFamilies: families,

    // Inputs: one-hot shock, capital by age, and the prices it implies (a subset of the code's augmented state, §A.3).
    features(states) {
      const z = tf.cast(tf.squeeze(tf.slice(states, [0, 0], [-1, 1]), [1]), 'int32') as tf.Tensor1D;
      const { capital, r, w } = prices(economy, states);
      return tf.concat([tf.cast(tf.oneHot(z, shocks), 'float32'), tf.slice(states, [0, 1], [-1, -1]), capital, r, w], 1) as tf.Tensor2D;
    },

    initialStates(paths: number, rng: Rng) {
      const out = new Float32Array(paths * A);
      const [lo, hi] = params.initialCapital;
      for (let p = 0; p < paths; p++) {
        out[p * A] = Math.floor(rng.uniform() * shocks);
        for (let s = 1; s < A; s++) out[p * A + s] = lo + (hi - lo) * rng.uniform();
      }
      return out;
    },

    // x+ = (z', 0 -> dropped, a^1, ..., a^(A-1)): this period's savings are next period's capital (§A.4).
    nextStates(states, policy, nextShock) {
      const { savings } = savingsOf(states, policy);
      return tf.concat([tf.reshape(nextShock, [-1, 1]), savings], 1) as tf.Tensor2D;
    },

    // e_s = (beta E[r' u'(c'^(s+1))])^(-1/gamma) / c^s - 1, s = 1..A-1 (§A.4).
    residuals(ctx: ResidualContext) {
      const { beta, gamma } = params;
      const today = savingsOf(ctx.states, ctx.policy);
      const next = savingsOf(ctx.nextStates, ctx.nextPolicy);
      const c = consumption(today.p.income, today.savings);
      const cNext = consumption(next.p.income, next.savings);
      const marginalNext = tf.mul(next.p.r, tf.pow(tf.maximum(tf.slice(cNext, [0, 1], [-1, -1]), CONSUMPTION_FLOOR), -gamma));
      const rhs = tf.mul(beta, ctx.expect(marginalNext as tf.Tensor2D));
      const cWorking = tf.maximum(tf.slice(c, [0, 0], [-1, A - 1]), CONSUMPTION_FLOOR);
      const euler = tf.sub(tf.div(tf.pow(rhs, -1 / gamma), cWorking), 1) as tf.Tensor2D;
      if (params.savingsDecoding === 'share') return { euler } as Record<OlgAnalyticFamily, tf.Tensor2D>;
      // Level decoding can make consumption negative: penalise it today and at every successor (§A.4).
      const negative = (x: tf.Tensor2D) => tf.div(tf.relu(tf.neg(x)), CONSUMPTION_FLOOR) as tf.Tensor2D;
      const cNextByState = tf.reshape(tf.transpose(tf.reshape(cNext, [shocks, ctx.batch, A]), [1, 0, 2]), [ctx.batch, shocks * A]);
      const feasibility = tf.concat([negative(c), negative(cNextByState as tf.Tensor2D)], 1) as tf.Tensor2D;
      return { euler, feasibility };
    },

    referenceErrors: params.gamma === 1 ? (states, policy) => ({ savings: closedFormRelativeError(economy, states, policy) }) : undefined,
  };
}

/** Relative error of the network's savings against a^s = sigma_s inc^s (§A.5), [batch, A-1]. */
function closedFormRelativeError(economy: Economy, states: tf.Tensor2D, policy: Policy): tf.Tensor2D {
  const exact = closedFormPolicy(economy)(states).savings;
  return tf.sub(tf.div(policy.savings, exact), 1) as tf.Tensor2D;
}

/** The exact policy in the network's decoded units (a constant share, or the level). */
export function closedFormPolicy(economy: Economy) {
  const { generations, beta } = economy.params;
  const rates = tf.tensor2d([savingsRates(generations, beta)]);
  return (states: tf.Tensor2D): Policy => {
    const share = tf.tile(rates, [states.shape[0], 1]) as tf.Tensor2D;
    if (economy.params.savingsDecoding === 'share') return { savings: share };
    const income = prices(economy, states).income;
    return { savings: tf.mul(share, tf.slice(income, [0, 0], [-1, generations - 1])) as tf.Tensor2D };
  };
}
