// The contract between the generic DEQN engine and an economic model (DESIGN.md "The one abstraction").
// The engine owns the network, simulation, loss and training; a model only says what a state is,
// how it moves, and which residuals an equilibrium drives to zero.
import type { tf } from '../tensor/backend.ts';
import type { Rng } from '../tensor/rng.ts';
import type { Mlp } from './network.ts';

/** How raw network outputs of a group become economic quantities. */
export type Decoding = 'linear' | 'softplus' | 'sigmoid' | 'exp';

export interface OutputGroup {
  readonly name: string;
  readonly size: number;
  /** softplus for quantities that must be positive (savings, multipliers, prices); sigmoid for shares. */
  readonly decode: Decoding;
}

/** Decoded network outputs by group name, each [batch, group size]. */
export type Policy = Readonly<Record<string, tf.Tensor2D>>;

/**
 * What the model's residual function sees. Successor states are stacked shock-major: row
 * `s * batch + b` is state `b` followed by shock `s`, so one forward pass evaluates them all.
 */
export interface ResidualContext {
  readonly states: tf.Tensor2D;
  readonly policy: Policy;
  readonly nextStates: tf.Tensor2D;
  readonly nextPolicy: Policy;
  readonly batch: number;
  /** Exact conditional expectation over next shocks: [S*batch, k] -> [batch, k]. */
  expect(values: tf.Tensor2D): tf.Tensor2D;
}

export interface DynamicModel<Family extends string = string> {
  readonly name: string;
  /** Width of a state row. Column 0 holds the index (0..S-1) of the discrete shock state. */
  readonly stateDim: number;
  /** Row-stochastic transition matrix of the discrete shock. */
  readonly transition: readonly (readonly number[])[];
  readonly featureDim: number;
  readonly outputs: readonly OutputGroup[];
  /** Residual families in a fixed order; each is reported and weighted separately. */
  readonly residualFamilies: readonly Family[];
  /** Network input for a batch of states: [batch, stateDim] -> [batch, featureDim]. */
  features(states: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional: the decoded policy at a batch of states when it is more than the network's decoded
   * outputs at `features` (e.g. the outputs correct a known solution, ha-trade-deqn/baseline.ts).
   * Absent: net.policy(features(states)).
   */
  policyAt?(net: Mlp, states: tf.Tensor2D): Policy;
  /** Starting states of `paths` simulation paths, row-major [paths, stateDim]. */
  initialStates(paths: number, rng: Rng): Float32Array;
  /**
   * Optional guard of the simulation, called after every simulated period with the new states
   * (row-major [paths, stateDim], changed in place): rows that left the region where the model is
   * meaningful are replaced by fresh starting states; returns how many. Untrained level-decoded
   * policies can send paths far outside the region the network has seen, and one exploding path
   * then poisons every later episode (MODELS.md §B.5).
   */
  guardStates?(states: Float32Array, rng: Rng): number;
  /** Successor of each state given its policy and the next shock index (float, [batch]). */
  nextStates(states: tf.Tensor2D, policy: Policy, nextShock: tf.Tensor1D): tf.Tensor2D;
  /** Residuals by family, each [batch, k]; scale-free (relative errors, shares) so float32 suffices. */
  residuals(ctx: ResidualContext): Record<Family, tf.Tensor2D>;
  /**
   * Optional: errors of the network's policy against a known exact solution at `states`, by name,
   * each [batch, k] (reported by `deqn evaluate` as policy error).
   */
  referenceErrors?(states: tf.Tensor2D, policy: Policy): Record<string, tf.Tensor2D>;
}
