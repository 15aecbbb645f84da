// Residuals of a batch of panel rows for every variety at once (training) or for the variety each
// household chose (the engine's per-state evaluation): successors (a'_j, z') for every variety j and
// next efficiency state z' go through the network in one pass, and expectations are exact.
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import type { Policy } from '../../deqn/model.ts';
import type { World } from './world.ts';
import { inputsOf, withAssetsAndShock, type Layout } from './layout.ts';
import { choiceResiduals, householdBlock, type ChoiceResiduals, type Constants } from './household.ts';
import { chooseVariety } from './panel.ts';
import type { HaTradeDeqnParams } from './params.ts';

/** Household policy at state rows: the network, or (in tests) an independent solution. */
export type PolicyAt = (states: tf.Tensor2D) => Policy;

/**
 * Euler and Bellman residuals at the rows of `states`: of every variety ([B, M] each), or, with
 * `variety` (one index per row, e.g. drawn uniformly), of that variety only ([B, 1]) at half the
 * cost for two countries. Successors (a'_j, z') for every next shock go through the network in one
 * pass; the expectation over z' and the sum over tomorrow's choice are exact.
 */
export function choiceResidualsAt(world: World, lay: Layout, k: Constants, net: Mlp | PolicyAt, states: tf.Tensor2D, variety?: Int32Array): ChoiceResiduals {
  const { M, nZ } = world;
  const B = states.shape[0];
  const policyAt: PolicyAt = typeof net === 'function' ? net : (s) => householdPolicy(world, k.baseline, net, inputsOf(world, lay, s));
  const inp = inputsOf(world, lay, states);
  const hh = householdBlock(world, k, inp, policyAt(states));
  const mask = variety ? tf.oneHot(tf.tensor1d(variety, 'int32'), M).toFloat() : undefined;
  const pick = (t: tf.Tensor2D) => (mask ? (tf.sum(tf.mul(mask, t), 1, true) as tf.Tensor2D) : t);
  const aNext = pick(hh.aNext);
  const J = aNext.shape[1];
  // Successor blocks ordered (variety, next shock z'), each B rows.
  const blocks = J * nZ;
  const tiled = tf.tile(states, [blocks, 1]) as tf.Tensor2D;
  const aCol = tf.reshape(tf.tile(tf.expandDims(tf.transpose(aNext), 1), [1, nZ, 1]), [blocks * B, 1]) as tf.Tensor2D;
  const zCol = tf.tensor2d(Float32Array.from({ length: blocks * B }, (_, r) => Math.floor(r / B) % nZ), [blocks * B, 1]);
  const next = withAssetsAndShock(lay, tiled, aCol, zCol);
  const inpN = inputsOf(world, lay, next);
  const hhN = householdBlock(world, k, inpN, policyAt(next));
  const probs = tf.reshape(tf.transpose(tf.matMul(inp.zHot, k.P)), [1, nZ, B]); // P(z_b, z')
  const expect = (q: tf.Tensor2D) => tf.transpose(tf.sum(tf.mul(tf.reshape(q, [J, nZ, B]), probs), 1)) as tf.Tensor2D;
  const top = k.capAtGridTop ? { aWanted: pick(hh.aWanted), amax: hh.amax } : undefined;
  return choiceResiduals(world, inp.R, hh.phi, aNext, pick(hh.c), pick(inp.p), pick(hh.continuation), expect(hhN.mu), expect(hhN.V), inp.tfp, top, k.limitScale);
}

/** One-hot [B, M] of the variety each row's household picks with its uniform (no gradient). */
export function chosenMask(world: World, lay: Layout, states: tf.Tensor2D, pi: tf.Tensor2D): tf.Tensor2D {
  const M = world.M;
  const u = tf.tidy(() => tf.slice(states, [0, lay.u], [-1, 1]).dataSync());
  const p = tf.tidy(() => pi.dataSync());
  const mask = new Float32Array(u.length * M);
  for (let r = 0; r < u.length; r++) mask[r * M + chooseVariety(p, r * M, M, u[r])] = 1;
  return tf.tensor2d(mask, [u.length, M]);
}

/** Residuals of the chosen variety, from the engine's successors (one per next shock). */
export function chosenResiduals(world: World, lay: Layout, k: Constants, states: tf.Tensor2D, policy: Policy, nextStates: tf.Tensor2D, nextPolicy: Policy, expect: (v: tf.Tensor2D) => tf.Tensor2D): ChoiceResiduals {
  const inp = inputsOf(world, lay, states);
  const hh = householdBlock(world, k, inp, policy);
  const hhN = householdBlock(world, k, inputsOf(world, lay, nextStates), nextPolicy);
  const mask = chosenMask(world, lay, states, hh.pi);
  const pick = (t: tf.Tensor2D) => tf.sum(tf.mul(mask, t), 1, true) as tf.Tensor2D;
  const top = k.capAtGridTop ? { aWanted: pick(hh.aWanted), amax: hh.amax } : undefined;
  return choiceResiduals(world, inp.R, hh.phi, pick(hh.aNext), pick(hh.c), pick(inp.p), pick(hh.continuation), expect(hhN.mu), expect(hhN.V), inp.tfp, top, k.limitScale);
}

/**
 * Training loss of a batch of Euler (FB) residuals under params.eulerLoss: the mean square, or the
 * mean pseudo-Huber delta (sqrt(1 + (r/delta)^2) - 1), quadratic below delta and |r| - delta above
 * (gradient (r/delta) / sqrt(1 + (r/delta)^2): at most 1 in size per row, whatever the residual).
 */
export function eulerLossOf(euler: tf.Tensor, spec: HaTradeDeqnParams['eulerLoss']): tf.Scalar {
  if (spec.form === 'square') return tf.mean(tf.square(euler));
  const { delta } = spec;
  return tf.mean(tf.mul(delta, tf.sub(tf.sqrt(tf.add(1, tf.square(tf.div(euler, delta)))), 1))) as tf.Scalar;
}
