// Many parallel simulation paths under the current policy. Each episode continues from the last
// states of the previous one (Algorithm 1 of Deep Equilibrium Nets), so the training data follow
// the ergodic set of the economy as the policy improves.
import { tf } from '../tensor/backend.ts';
import type { Rng } from '../tensor/rng.ts';
import type { DynamicModel } from './model.ts';
import type { Mlp } from './network.ts';

export class Simulator {
  readonly model: DynamicModel;
  readonly paths: number;
  /** Current state of every path, row-major [paths, stateDim]. */
  states: Float32Array;
  private readonly cumulative: Float64Array[];

  constructor(model: DynamicModel, paths: number, rng: Rng, states?: Float32Array) {
    this.model = model;
    this.paths = paths;
    this.states = states ?? model.initialStates(paths, rng);
    if (this.states.length !== paths * model.stateDim) {
      throw new Error(`simulator: expected ${paths * model.stateDim} state values, got ${this.states.length}`);
    }
    this.cumulative = model.transition.map((row) => {
      const c = new Float64Array(row.length);
      row.reduce((acc, p, i) => (c[i] = acc + p), 0);
      return c;
    });
  }

  /** Next shock index of every path, drawn from its current shock's transition row. */
  private drawShocks(rng: Rng): Float32Array {
    const dim = this.model.stateDim;
    const next = new Float32Array(this.paths);
    for (let p = 0; p < this.paths; p++) next[p] = rng.categorical(this.cumulative[this.states[p * dim]]);
    return next;
  }

  /** Advances every path one period. */
  step(net: Mlp, rng: Rng): void {
    const shocks = this.drawShocks(rng);
    const dim = this.model.stateDim;
    this.states = tf.tidy(() => {
      const x = tf.tensor2d(this.states, [this.paths, dim]);
      const policy = this.model.policyAt ? this.model.policyAt(net, x) : net.policy(this.model.features(x));
      return this.model.nextStates(x, policy, tf.tensor1d(shocks)).dataSync() as Float32Array;
    });
    this.model.guardStates?.(this.states, rng);
  }

  /**
   * Simulates `periods` periods and returns the states visited (the state at the start of each
   * period), row-major [periods * paths, stateDim]. The final states carry over to the next call.
   */
  run(net: Mlp, periods: number, rng: Rng): Float32Array {
    const size = this.paths * this.model.stateDim;
    const visited = new Float32Array(periods * size);
    for (let t = 0; t < periods; t++) {
      visited.set(this.states, t * size);
      this.step(net, rng);
    }
    return visited;
  }
}
