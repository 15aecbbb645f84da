// Residuals of a batch of states with exact expectations over the discrete shock: the successor
// states for every next shock are stacked and pushed through the network in one forward pass.
import { tf } from '../tensor/backend.ts';
import type { DynamicModel, Policy, ResidualContext } from './model.ts';
import type { Mlp } from './network.ts';

/** Maps a batch of states to decoded policies: the network, or an exact solution in tests. */
export type PolicyFunction = (states: tf.Tensor2D) => Policy;

export function networkPolicy(model: DynamicModel, net: Mlp): PolicyFunction {
  return model.policyAt ? (states) => model.policyAt!(net, states) : (states) => net.policy(model.features(states));
}

export interface ResidualEvaluation<F extends string = string> {
  policy: Policy;
  residuals: Record<F, tf.Tensor2D>;
}

/** Transition probabilities of each state's shock row: [batch, S] (via one-hot, which has gradients on wasm). */
function transitionRows(model: DynamicModel, states: tf.Tensor2D): tf.Tensor2D {
  const shocks = model.transition.length;
  const shockIndex = tf.cast(tf.squeeze(tf.slice(states, [0, 0], [-1, 1]), [1]), 'int32') as tf.Tensor1D;
  const oneHot = tf.cast(tf.oneHot(shockIndex, shocks), 'float32') as tf.Tensor2D;
  return tf.matMul(oneHot, tf.tensor2d(model.transition.map((r) => [...r])));
}

export function evaluateResiduals<F extends string>(
  model: DynamicModel<F>,
  policyOf: PolicyFunction,
  states: tf.Tensor2D,
): ResidualEvaluation<F> {
  const batch = states.shape[0];
  const shocks = model.transition.length;
  const policy = policyOf(states);

  // Successors for every next shock in one batch, shock-major: row s*batch + b.
  const repeatedStates = tf.tile(states, [shocks, 1]) as tf.Tensor2D;
  const repeatedPolicy: Record<string, tf.Tensor2D> = {};
  for (const [k, v] of Object.entries(policy)) repeatedPolicy[k] = tf.tile(v, [shocks, 1]) as tf.Tensor2D;
  const nextShock = tf.tensor1d(Array.from({ length: shocks * batch }, (_, i) => Math.floor(i / batch)));
  const nextStates = model.nextStates(repeatedStates, repeatedPolicy, nextShock);
  const nextPolicy = policyOf(nextStates);

  // probs[b, s] laid out shock-major as a column [S*batch, 1] so expectation = sum over s blocks.
  const probs = tf.reshape(tf.transpose(transitionRows(model, states)), [shocks * batch, 1]);
  const expect = (values: tf.Tensor2D): tf.Tensor2D => {
    const k = values.shape[1];
    return tf.sum(tf.reshape(tf.mul(values, probs), [shocks, batch, k]), 0) as tf.Tensor2D;
  };

  const ctx: ResidualContext = { states, policy, nextStates, nextPolicy, batch, expect };
  return { policy, residuals: model.residuals(ctx) };
}

/** Family weights default to 1; the loss is the weighted sum of each family's mean squared residual. */
export function residualLoss<F extends string>(
  residuals: Record<F, tf.Tensor2D>,
  weights: Partial<Record<string, number>> = {},
): tf.Scalar {
  let loss: tf.Scalar = tf.scalar(0);
  for (const [family, e] of Object.entries(residuals) as [string, tf.Tensor2D][]) {
    loss = tf.add(loss, tf.mul(weights[family] ?? 1, tf.mean(tf.square(e)))) as tf.Scalar;
  }
  return loss;
}
