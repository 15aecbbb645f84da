// Training-step throughput of the engine: ms per full training step (forward at states and all
// successor states, residual loss, backward, Adam), states per second and achieved GFLOP/s, beside
// the backend's plain matMul GFLOP/s measured in the same process.
import { batchSizeAt } from '../src/deqn/config.ts';
import { tf } from '../src/tensor/backend.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Mlp } from '../src/deqn/network.ts';
import { Adam } from '../src/deqn/adam.ts';
import { Trainer } from '../src/deqn/trainer.ts';
import { loadRunConfig } from '../src/io/run-config.ts';
import { DYNAMIC_MODELS } from '../src/models/registry.ts';

export interface ThroughputResult {
  case: string;
  msPerStep: number;
  statesPerSec: number;
  gflops: number;
  [extra: string]: number | string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median wall time and median CPU time (all threads of the process) of `steps` calls after
 * `warmup` calls, in ms. CPU time is the steadier figure on a machine shared with other jobs.
 */
function timeSteps(step: () => void, warmup: number, steps: number): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Multiply-adds of one dense forward pass per row. */
function macsPerRow(widths: number[]): number {
  let macs = 0;
  for (let l = 0; l + 1 < widths.length; l++) macs += widths[l] * widths[l + 1];
  return macs;
}

/** A DEQN model's full training step at the batch size of its config. */
export function modelStepThroughput(configFile: string, label: string, steps = 20, batchOverride?: number): ThroughputResult {
  const config = loadRunConfig(configFile);
  const model = DYNAMIC_MODELS[config.model].create(config.params);
  const rng = Rng.fromSeed(config.seed);
  const net = new Mlp({ inputDim: model.featureDim, outputs: model.outputs, ...config.network }, rng);
  const batchSize = batchOverride ?? batchSizeAt(config.training.batchSize, 1);
  const trainer = new Trainer(model, net, { ...config.training, paths: Math.max(batchSize, 1) }, config.seed, rng);
  trainer.burnIn();
  const batch = tf.tensor2d(trainer.simulator.states.subarray(0, batchSize * model.stateDim), [batchSize, model.stateDim]);
  const { wall: ms, cpu } = timeSteps(() => trainer.trainStep(batch, 1e-4), 3, steps);
  // Forward rows: the states and their successors for every shock; backward costs about twice the forward.
  const rows = batchSize * (1 + model.transition.length);
  const flops = 6 * rows * macsPerRow([model.featureDim, ...config.network.hidden, net.outputDim]);
  batch.dispose();
  trainer.adam.dispose();
  net.dispose();
  return { case: label, msPerStep: ms, statesPerSec: (1000 * batchSize) / ms, gflops: flops / (ms * 1e6), batch: batchSize, cpuMsPerStep: cpu, cpuGflops: flops / (cpu * 1e6) };
}

/** Plain MLP 236 -> 3x1000 -> 221 with a squared-error loss at batch 2048, trained by the engine's Adam. */
export function plainMlpThroughput(steps = 20): ThroughputResult {
  const rng = Rng.fromSeed(1);
  const widths = [236, 1000, 1000, 1000, 221];
  const batchSize = 2048;
  const net = new Mlp({ inputDim: 236, hidden: [1000, 1000, 1000], activation: 'relu', outputs: [{ name: 'y', size: 221, decode: 'linear' }] }, rng);
  const adam = new Adam(net.variables, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const x = tf.randomNormal([batchSize, 236], 0, 1, 'float32', 1) as tf.Tensor2D;
  const y = tf.randomNormal([batchSize, 221], 0, 1, 'float32', 2) as tf.Tensor2D;
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.raw(x), y))) as tf.Scalar, net.variables);
      adam.apply(net.variables, net.variables.map((v) => grads[v.name]), 1e-4);
    });
  const { wall: ms, cpu } = timeSteps(step, 2, steps);
  const flops = 6 * batchSize * macsPerRow(widths);
  x.dispose();
  y.dispose();
  adam.dispose();
  net.dispose();
  return { case: 'mlp-3x1000-b2048', msPerStep: ms, statesPerSec: (1000 * batchSize) / ms, gflops: flops / (ms * 1e6), batch: batchSize, cpuMsPerStep: cpu, cpuGflops: flops / (cpu * 1e6) };
}

/** The backend's plain 1024 x 1024 x 1024 matMul (median of 7 after warm-up), in wall and in CPU time. */
export function matMulProbe(): ThroughputResult {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const { wall: ms, cpu } = timeSteps(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, 1, 7);
  a.dispose();
  b.dispose();
  const flops = 2 * n ** 3;
  return { case: 'matmul-1024', msPerStep: ms, statesPerSec: NaN, gflops: flops / (ms * 1e6), cpuMsPerStep: cpu, cpuGflops: flops / (cpu * 1e6) };
}
