// The fused dense kernel (src/tensor/dense.ts) against the unfused layer it replaces (matMul + add
// + activation with tfjs autodiff): the same gradients and the same engine training step to
// float32 rounding, for relu (applied inside the kernel) and silu (applied after it) networks, in
// the DEQN engine (forward at states and successor states, so gradients also flow through the
// first layer's input), and no tensors left behind.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { tf, initBackend, DISABLE_ENV } from '../../src/tensor/backend.ts';
import { loadRunConfig } from '../../src/io/run-config.ts';
import { DYNAMIC_MODELS } from '../../src/models/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp, type Activation } from '../../src/deqn/network.ts';
import { Trainer } from '../../src/deqn/trainer.ts';
import { evaluateResiduals, networkPolicy, residualLoss } from '../../src/deqn/residuals.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

afterEach(() => {
  delete process.env[DISABLE_ENV];
});

function setFused(on: boolean) {
  if (on) delete process.env[DISABLE_ENV];
  else process.env[DISABLE_ENV] = 'fused-dense';
}

/** Largest absolute difference relative to the largest reference entry. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function engineSetup(activation: Activation) {
  const config = loadRunConfig('models/olg-analytic.json');
  const model = DYNAMIC_MODELS[config.model].create(config.params);
  const rng = Rng.fromSeed(11);
  const net = new Mlp({ inputDim: model.featureDim, outputs: model.outputs, hidden: [96, 80], activation }, rng);
  const batchSize = 256;
  const trainer = new Trainer(model, net, { ...config.training, paths: batchSize }, 11, rng);
  trainer.burnIn();
  const batch = tf.tensor2d(trainer.simulator.states.subarray(0, batchSize * model.stateDim), [batchSize, model.stateDim]);
  return { model, net, trainer, batch, config };
}

describe('fused dense layer', () => {
  for (const activation of ['relu', 'silu'] as const) {
    it(`${activation}: DEQN loss gradients match the unfused layer (1e-5 of scale)`, () => {
      const { model, net, trainer, batch, config } = engineSetup(activation);
      const gradients = (fused: boolean) => {
        setFused(fused);
        return tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const { residuals } = evaluateResiduals(model, networkPolicy(model, net), batch);
            return residualLoss(residuals, config.training.lossWeights);
          }, net.variables);
          return net.variables.map((v) => grads[v.name].dataSync().slice());
        });
      };
      const unfused = gradients(false);
      const fused = gradients(true);
      unfused.forEach((g, i) => expect(maxRelDiff(fused[i], g)).toBeLessThan(1e-5));
      batch.dispose();
      trainer.adam.dispose();
      net.dispose();
    });

    it(`${activation}: one engine training step gives the same weights and statistics (1e-6 of scale)`, () => {
      const runs = [false, true].map((fused) => {
        setFused(fused);
        const { net, trainer, batch } = engineSetup(activation);
        const before = tf.memory().numTensors;
        const stats = trainer.trainStep(batch, 1e-3);
        const leaked = tf.memory().numTensors - before;
        const weights = net.weightValues().map((w) => w.slice());
        batch.dispose();
        trainer.adam.dispose();
        net.dispose();
        return { stats, weights, leaked };
      });
      const [unfused, fused] = runs;
      expect(fused.leaked).toBe(0);
      expect(maxRelDiff(fused.stats, unfused.stats)).toBeLessThan(1e-5);
      unfused.weights.forEach((w, i) => expect(maxRelDiff(fused.weights[i], w)).toBeLessThan(1e-6));
    });
  }

  it('plain relu MLP with squared-error loss: gradients match and repeated steps leak nothing', () => {
    const rng = Rng.fromSeed(3);
    const net = new Mlp({ inputDim: 37, hidden: [64, 64, 64], activation: 'relu', outputs: [{ name: 'y', size: 13, decode: 'linear' }] }, rng);
    const x = tf.randomNormal([300, 37], 0, 1, 'float32', 1) as tf.Tensor2D;
    const y = tf.randomNormal([300, 13], 0, 1, 'float32', 2) as tf.Tensor2D;
    const gradients = (fused: boolean) => {
      setFused(fused);
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.raw(x), y))) as tf.Scalar, net.variables);
        return { loss: value.dataSync()[0], grads: net.variables.map((v) => grads[v.name].dataSync().slice()) };
      });
    };
    const unfused = gradients(false);
    const fused = gradients(true);
    expect(Math.abs(fused.loss - unfused.loss) / unfused.loss).toBeLessThan(1e-6);
    unfused.grads.forEach((g, i) => expect(maxRelDiff(fused.grads[i], g)).toBeLessThan(1e-5));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) gradients(true);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    y.dispose();
    net.dispose();
  });
});
