// A multilayer perceptron on raw tf.Variables: configurable widths and activations, per-group output
// decoding. Weights are drawn from the run's seeded Rng, so initialisation is reproducible.
import { tf, optimisationEnabled } from '../tensor/backend.ts';
import { dense } from '../tensor/dense.ts';
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

/**
 * An output group computed by its own small network from a few feature columns only, e.g. a price
 * network of policy parameters beside a household-policy network. With `exclusive`, those columns
 * feed only this tower, not the main network (policy that reaches households only through prices).
 */
export interface TowerSpec {
  readonly inputs: readonly number[];
  readonly hidden: readonly number[];
  readonly exclusive?: boolean;
  /** Activation of the tower's hidden layers (default: the network's). */
  readonly activation?: Activation;
}

export interface TowerOutputGroup extends OutputGroup {
  readonly tower: TowerSpec;
}

export function isTowerGroup(g: OutputGroup): g is TowerOutputGroup {
  return (g as Partial<TowerOutputGroup>).tower !== undefined;
}

/** Constant 0/1 matrix [inputDim, columns.length] selecting feature columns (matMul keeps gradients on wasm). */
function selector(inputDim: number, columns: readonly number[]): tf.Tensor2D {
  const m = new Float32Array(inputDim * columns.length);
  columns.forEach((c, k) => (m[c * columns.length + k] = 1));
  return tf.tensor2d(m, [inputDim, columns.length]);
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

  /** Variables of the main network (the first ones); tower variables follow in group order. */
  private readonly trunkVariableCount: number;
  /** Feature columns of the main network, when towers take some exclusively. */
  private readonly trunkColumns?: number[];
  private readonly towers: { group: number; first: number; count: number; activation: Activation }[] = [];
  private readonly selectors = new Map<string, tf.Tensor2D>();

  constructor(spec: NetworkSpec, rng: Rng) {
    this.spec = spec;
    this.outputDim = spec.outputs.reduce((n, g) => n + g.size, 0);
    this.variables = [];
    this.names = [];
    const exclusive = new Set(spec.outputs.flatMap((g) => (isTowerGroup(g) && g.tower.exclusive ? [...g.tower.inputs] : [])));
    if (exclusive.size > 0) this.trunkColumns = Array.from({ length: spec.inputDim }, (_, c) => c).filter((c) => !exclusive.has(c));
    const trunkOut = spec.outputs.reduce((n, g) => n + (isTowerGroup(g) ? 0 : g.size), 0);
    this.addLayers([this.trunkColumns?.length ?? spec.inputDim, ...spec.hidden, trunkOut], 'dense', rng);
    this.trunkVariableCount = this.variables.length;
    spec.outputs.forEach((g, index) => {
      if (!isTowerGroup(g)) return;
      const first = this.variables.length;
      const activation = g.tower.activation ?? spec.activation;
      this.addLayers([g.tower.inputs.length, ...g.tower.hidden, g.size], `tower-${g.name}/dense`, rng, activation);
      this.towers.push({ group: index, first, count: this.variables.length - first, activation });
    });
  }

  private addLayers(widths: number[], prefix: string, rng: Rng, activation: Activation = this.spec.activation): void {
    const spec = this.spec;
    for (let l = 0; l + 1 < widths.length; l++) {
      const [fanIn, fanOut] = [widths[l], widths[l + 1]];
      // He-uniform for ReLU-like layers, Glorot-uniform otherwise; the output layer is Glorot.
      const heLike = l + 2 < widths.length && ['relu', 'elu', 'silu'].includes(activation);
      const limit = heLike ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      const isOutput = l + 2 === widths.length;
      const w = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * limit;
      if (isOutput && spec.outputInit === 'zeros') w.fill(0);
      this.variables.push(tf.variable(tf.tensor2d(w, [fanIn, fanOut])), tf.variable(tf.zeros([fanOut])));
      this.names.push(`${prefix}${l}/kernel`, `${prefix}${l}/bias`);
    }
  }

  /** The main network's variables (everything but the towers'). */
  /** Zeroes the main network's output layer (kernel and bias; towers untouched): outputs at their zero point. */
  zeroTrunkOutput(): void {
    for (const v of this.variables.slice(this.trunkVariableCount - 2, this.trunkVariableCount)) v.assign(tf.zerosLike(v));
  }

  get trunkVariables(): tf.Variable[] {
    return this.variables.slice(0, this.trunkVariableCount);
  }

  /** The variables of the tower computing output group `name`. */
  towerVariables(name: string): tf.Variable[] {
    const t = this.towers.find((x) => this.spec.outputs[x.group].name === name);
    if (!t) throw new Error(`no tower computes output group "${name}"`);
    return this.variables.slice(t.first, t.first + t.count);
  }

  private select(features: tf.Tensor2D, columns: readonly number[]): tf.Tensor2D {
    const key = columns.join(',');
    let m = this.selectors.get(key);
    if (!m) {
      m = tf.keep(selector(this.spec.inputDim, columns));
      this.selectors.set(key, m);
    }
    return tf.matMul(features, m);
  }

  private dense(input: tf.Tensor2D, first: number, count: number, activation: Activation = this.spec.activation): tf.Tensor2D {
    let h = input;
    const layers = count / 2;
    const fused = optimisationEnabled('fused-dense');
    for (let l = 0; l < layers; l++) {
      const [kernel, bias] = [this.variables[first + 2 * l] as tf.Tensor2D, this.variables[first + 2 * l + 1] as tf.Tensor1D];
      const hidden = l + 1 < layers;
      if (fused) {
        // One kernel per layer (src/tensor/dense.ts); relu is applied inside it, others after it.
        const inKernel = hidden && activation === 'relu';
        h = dense(h, kernel, bias, inKernel ? 'relu' : 'linear');
        if (hidden && !inKernel) h = activate(h, activation);
      } else {
        h = tf.add(tf.matMul(h, kernel), bias) as tf.Tensor2D;
        if (hidden) h = activate(h, activation);
      }
    }
    return h;
  }

  /**
   * Units of each hidden layer of the main network whose pre-activation is <= 0 at every row of
   * `features`. With ReLU these units are dead: their gradient is zero, they never recover, and a
   * layer with all its units dead makes the output the same at every state (training then stalls
   * at the error of a constant policy while the loss still creeps down through the output bias).
   */
  inactiveUnits(features: tf.Tensor2D): number[] {
    return tf.tidy(() => {
      const counts: number[] = [];
      let h = this.trunkColumns ? this.select(features, this.trunkColumns) : features;
      const hiddenLayers = this.trunkVariableCount / 2 - 1;
      for (let l = 0; l < hiddenLayers; l++) {
        const pre = tf.add(tf.matMul(h, this.variables[2 * l] as tf.Tensor2D), this.variables[2 * l + 1]) as tf.Tensor2D;
        counts.push(tf.sum(tf.cast(tf.lessEqual(tf.max(pre, 0), 0), 'int32')).arraySync() as number);
        h = activate(pre, this.spec.activation);
      }
      return counts;
    });
  }

  /** Raw (undecoded) outputs [batch, outputDim]; with `trunkOnly`, just the main network's groups (towers skipped). */
  raw(features: tf.Tensor2D, trunkOnly = false): tf.Tensor2D {
    const trunkInput = this.trunkColumns ? this.select(features, this.trunkColumns) : features;
    const trunk = this.dense(trunkInput, 0, this.trunkVariableCount);
    if (this.towers.length === 0 || trunkOnly) return trunk;
    // Reassemble the groups in declaration order: trunk groups are consecutive in the trunk output.
    const parts: tf.Tensor2D[] = [];
    let offset = 0;
    this.spec.outputs.forEach((g, index) => {
      const tower = this.towers.find((t) => t.group === index);
      if (tower) parts.push(this.dense(this.select(features, (g as TowerOutputGroup).tower.inputs), tower.first, tower.count, tower.activation));
      else {
        parts.push(tf.slice(trunk, [0, offset], [-1, g.size]) as tf.Tensor2D);
        offset += g.size;
      }
    });
    return tf.concat(parts, 1) as tf.Tensor2D;
  }

  /** Decoded output of one tower group from the features (the rest of the network is not evaluated). */
  towerOutput(name: string, features: tf.Tensor2D): tf.Tensor2D {
    const t = this.towers.find((x) => this.spec.outputs[x.group].name === name);
    if (!t) throw new Error(`no tower computes output group "${name}"`);
    const g = this.spec.outputs[t.group] as TowerOutputGroup;
    return decodeOutput(this.dense(this.select(features, g.tower.inputs), t.first, t.count, t.activation), g.decode);
  }

  /**
   * Decoded outputs by group. With `trunkOnly`, tower groups are not computed (households of a
   * panel need their own policy, not the price network's output at every row).
   */
  policy(features: tf.Tensor2D, trunkOnly = false): Policy {
    const raw = this.raw(features, trunkOnly);
    const out: Record<string, tf.Tensor2D> = {};
    let offset = 0;
    const groups = trunkOnly ? this.spec.outputs.filter((g) => !isTowerGroup(g)) : this.spec.outputs;
    // slice, not split: split's gradient fails for a single group in tfjs 4.22.
    for (const g of groups) {
      const part = groups.length === 1 ? raw : (tf.slice(raw, [0, offset], [-1, g.size]) as tf.Tensor2D);
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
    for (const m of this.selectors.values()) m.dispose();
    this.selectors.clear();
  }
}
