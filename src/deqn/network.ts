// A multilayer perceptron on raw tf.Variables: configurable widths and activations, per-group output
// decoding. Weights are drawn from the run's seeded Rng, so initialisation is reproducible.
import { tf } from '../tensor/backend.ts';
import type { Rng } from '../tensor/rng.ts';
import type { OutputGroup, Policy, Decoding } from './model.ts';

export const ACTIVATIONS = ['relu', 'tanh', 'silu', 'elu', 'softplus', 'sigmoid'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface NetworkSpec {
  inputDim: number;
  hidden: readonly number[];
  activation: Activation;
  outputs: readonly OutputGroup[];
  /**
   * "zeros" starts the output layer at zero, so the initial policy is the same at every state and
   * training first fits the level, then the state dependence (much faster when the solution is
   * nearly constant in the inputs, as savings rates are).
   */
  outputInit?: 'glorot' | 'zeros';
}

function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      return tf.softplus(x);
    case 'sigmoid':
      return tf.sigmoid(x);
  }
}

export function decodeOutput(raw: tf.Tensor2D, decode: Decoding): tf.Tensor2D {
  switch (decode) {
    case 'linear':
      return raw;
    case 'softplus':
      return tf.softplus(raw);
    case 'sigmoid':
      return tf.sigmoid(raw);
    case 'exp':
      return tf.exp(raw);
  }
}

export class Mlp {
  readonly spec: NetworkSpec;
  readonly variables: tf.Variable[];
  /** Layer names of the variables (dense0/kernel, dense0/bias, ...), for checkpoints. tfjs variable
   * names must be unique per process, so the variables themselves get generated names. */
  readonly names: string[];
  readonly outputDim: number;

  constructor(spec: NetworkSpec, rng: Rng) {
    this.spec = spec;
    this.outputDim = spec.outputs.reduce((n, g) => n + g.size, 0);
    const widths = [spec.inputDim, ...spec.hidden, this.outputDim];
    this.variables = [];
    this.names = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const [fanIn, fanOut] = [widths[l], widths[l + 1]];
      // He-uniform for ReLU-like layers, Glorot-uniform otherwise; the output layer is Glorot.
      const heLike = l + 2 < widths.length && ['relu', 'elu', 'silu'].includes(spec.activation);
      const limit = heLike ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      const isOutput = l + 2 === widths.length;
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * limit;
      if (isOutput && spec.outputInit === 'zeros') w.fill(0);
      this.variables.push(tf.variable(tf.tensor2d(w, [fanIn, fanOut])), tf.variable(tf.zeros([fanOut])));
      this.names.push(`dense${l}/kernel`, `dense${l}/bias`);
    }
  }

  /** Raw (undecoded) outputs [batch, outputDim]. */
  raw(features: tf.Tensor2D): tf.Tensor2D {
    let h = features;
    const layers = this.variables.length / 2;
    for (let l = 0; l < layers; l++) {
      h = tf.add(tf.matMul(h, this.variables[2 * l] as tf.Tensor2D), this.variables[2 * l + 1]) as tf.Tensor2D;
      if (l + 1 < layers) h = activate(h, this.spec.activation);
    }
    return h;
  }

  /** Decoded outputs by group. */
  policy(features: tf.Tensor2D): Policy {
    const raw = this.raw(features);
    const out: Record<string, tf.Tensor2D> = {};
    let offset = 0;
    // slice, not split: split's gradient fails for a single group in tfjs 4.22.
    for (const g of this.spec.outputs) {
      const part = this.spec.outputs.length === 1 ? raw : (tf.slice(raw, [0, offset], [-1, g.size]) as tf.Tensor2D);
      out[g.name] = decodeOutput(part, g.decode);
      offset += g.size;
    }
    return out;
  }

  /** Weight values in variable order (for checkpoints and comparisons). */
  weightValues(): Float32Array[] {
    return this.variables.map((v) => v.dataSync() as Float32Array);
  }

  setWeightValues(values: readonly Float32Array[]): void {
    if (values.length !== this.variables.length) throw new Error(`expected ${this.variables.length} weight arrays, got ${values.length}`);
    this.variables.forEach((v, i) => {
      if (values[i].length !== v.size) throw new Error(`weight ${this.names[i]}: expected ${v.size} values, got ${values[i].length}`);
      tf.tidy(() => v.assign(tf.tensor(values[i], v.shape)));
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
