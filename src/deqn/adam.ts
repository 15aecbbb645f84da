// Adam with its state in plain variables, so checkpoints can store and restore it exactly and
// gradients can be clipped (or averaged across workers) before the update.
import { tf, optimisationEnabled } from '../tensor/backend.ts';
import { fusedAdamAvailable, fusedAdamUpdate } from '../tensor/wasm-adam.ts';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export class Adam {
  readonly settings: AdamSettings;
  /** Number of updates applied so far. */
  iterations = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(params: readonly tf.Variable[], settings: AdamSettings) {
    this.settings = settings;
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One update of `params` with `grads` (same order) at learning rate `lr`. */
  apply(params: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number): void {
    const { beta1, beta2, epsilon } = this.settings;
    this.iterations++;
    const t = this.iterations;
    // Bias correction folded into the step size, as in Kingma & Ba (2015), Algorithm 1 (final note).
    const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    // On wasm one SIMD pass per tensor, bit-identical to the element-wise update below (wasm-adam.ts).
    const fused = optimisationEnabled('fused-adam') && fusedAdamAvailable() && grads.every((g) => g.dtype === 'float32');
    tf.tidy(() => {
      params.forEach((p, i) => {
        const g = grads[i];
        if (fused) {
          const [p1, m1, v1] = fusedAdamUpdate(p, this.m[i], this.v[i], g, { beta1, beta2, epsilon, stepSize });
          this.m[i].assign(m1);
          this.v[i].assign(v1);
          p.assign(p1);
          return;
        }
        const m = tf.add(tf.mul(beta1, this.m[i]), tf.mul(1 - beta1, g));
        const v = tf.add(tf.mul(beta2, this.v[i]), tf.mul(1 - beta2, tf.square(g)));
        this.m[i].assign(m);
        this.v[i].assign(v);
        p.assign(tf.sub(p, tf.mul(stepSize, tf.div(m, tf.add(tf.sqrt(v), epsilon)))));
      });
    });
  }

  /** Moment estimates, [m..., v...], for checkpoints. */
  stateValues(): Float32Array[] {
    return [...this.m, ...this.v].map((x) => x.dataSync() as Float32Array);
  }

  setState(iterations: number, values: readonly Float32Array[]): void {
    const all = [...this.m, ...this.v];
    if (values.length !== all.length) throw new Error(`optimizer state: expected ${all.length} arrays, got ${values.length}`);
    this.iterations = iterations;
    all.forEach((x, i) => tf.tidy(() => x.assign(tf.tensor(values[i], x.shape))));
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
