// The threaded wasm backend (src/tensor/wasm-threads.ts) must give the same training step as the
// stock single-threaded one, and the optimised kernels (SIMD matrix product with fused
// multiply-adds) the same step as the stock kernels to float32 rounding. The thread count is fixed when a process creates its backend, so each
// count runs in its own child process: one full engine step (forward at states and successor
// states, residual loss, backward, clipping, Adam) on the analytic OLG model with a network wide
// enough that XNNPACK splits every product across threads.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseWasmThreads } from '../../src/tensor/wasm-threads.ts';

const STEP_SCRIPT = `
import { initBackend, tf } from './src/tensor/backend.ts';
import { loadRunConfig } from './src/io/run-config.ts';
import { DYNAMIC_MODELS } from './src/models/registry.ts';
import { Rng } from './src/tensor/rng.ts';
import { Mlp } from './src/deqn/network.ts';
import { Trainer } from './src/deqn/trainer.ts';
import { gemmHelperBlocks } from './src/tensor/wasm-gemm.ts';
const info = await initBackend('wasm');
// One large product starts the helper threads; give them a moment to load before the steps.
tf.tidy(() => tf.matMul(tf.ones([512, 512]), tf.ones([512, 512])).dataSync());
await new Promise((resolve) => setTimeout(resolve, 500));
const config = loadRunConfig('models/olg-analytic.json');
const model = DYNAMIC_MODELS[config.model].create(config.params);
const rng = Rng.fromSeed(7);
const net = new Mlp({ inputDim: model.featureDim, outputs: model.outputs, hidden: [384, 384], activation: 'silu' }, rng);
const batchSize = 512;
const trainer = new Trainer(model, net, { ...config.training, paths: batchSize }, 7, rng);
trainer.burnIn();
const batch = tf.tensor2d(trainer.simulator.states.subarray(0, batchSize * model.stateDim), [batchSize, model.stateDim]);
const before = tf.memory().numTensors;
const stats = Array.from(trainer.trainStep(batch, 1e-3));
const second = Array.from(trainer.trainStep(batch, 1e-3));
const weights = net.weightValues().map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64'));
process.stdout.write(JSON.stringify({ threads: info.wasmThreads, skipped: info.skipped, leaked: tf.memory().numTensors - before, stats, second, weights, helperBlocks: gemmHelperBlocks() }));
`;

interface StepResult {
  threads: number;
  skipped: string[];
  leaked: number;
  stats: number[];
  second: number[];
  weights: string[];
  helperBlocks: number;
}

function runStep(threads: number, disabledOptimisations = ''): StepResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', STEP_SCRIPT], {
    env: { ...process.env, DEQN_WASM_THREADS: String(threads), DEQN_DISABLE_OPTIMISATIONS: disabledOptimisations },
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`child (threads=${threads}) failed: status ${child.status}, signal ${child.signal}, ${child.error?.message ?? ""} ${child.stderr}`);
  return JSON.parse(child.stdout) as StepResult;
}

/** Largest absolute difference relative to the largest reference entry. */
function maxRelDiff(a: number[], b: number[]): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('threaded wasm backend', () => {
  it('two threads give the same two training steps as one thread (bit-identical), leak-free', () => {
    const one = runStep(1);
    const two = runStep(2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.skipped.filter((s) => s.startsWith('threaded wasm'))).toEqual([]);
    // The second thread really computed part of the products (row blocks of the SIMD kernel).
    expect(one.helperBlocks).toBe(0);
    expect(two.helperBlocks).toBeGreaterThan(0);
    expect(two.leaked).toBe(0);
    expect(one.leaked).toBe(0);
    expect(maxRelDiff(two.stats, one.stats)).toBeLessThan(1e-6);
    expect(maxRelDiff(two.second, one.second)).toBeLessThan(1e-6);
    expect(two.weights.length).toBe(one.weights.length);
    const floats = (b64: string) => Array.from(new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));
    one.weights.forEach((w, i) => expect(maxRelDiff(floats(two.weights[i]), floats(w))).toBeLessThan(1e-6));
    // Each output row of a product is computed whole by one thread, so the split changes no bit.
    expect(two.weights).toEqual(one.weights);
    expect(two.stats).toEqual(one.stats);
  });

  it('the optimised step (SIMD kernel with fused multiply-adds, 2 threads) agrees with the stock kernels and with separate roundings to float32 rounding', () => {
    const optimised = runStep(2);
    const stock = runStep(1, 'simd-gemm,fma,tiled-transpose,shared-identity,row-tile,fused-dense');
    const separate = runStep(2, 'fma');
    const floats = (b64: string) => Array.from(new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));
    const learningRate = 1e-3; // STEP_SCRIPT's
    for (const other of [stock, separate]) {
      // Loss and residual statistics of both steps: observed ~1e-7 of scale.
      expect(maxRelDiff(optimised.stats, other.stats)).toBeLessThan(1e-6);
      expect(maxRelDiff(optimised.second, other.second)).toBeLessThan(1e-6);
      // Weights after two Adam steps. Adam moves each weight by about the learning rate whatever
      // the gradient's size, so a rounding-level change of a near-zero gradient can change that
      // move visibly: bound the difference by a small fraction of one step (observed ~1e-3 lr).
      other.weights.forEach((w, i) => {
        const mine = floats(optimised.weights[i]);
        const diff = floats(w).reduce((m, v, j) => Math.max(m, Math.abs(v - mine[j])), 0);
        expect(diff).toBeLessThan(5e-3 * learningRate);
      });
    }
  });

  it('reads DEQN_WASM_THREADS: unset, empty or auto = cores (at most 4), 1-4 allowed, anything else rejected', () => {
    const cores = Math.min(availableParallelism(), 4);
    expect(parseWasmThreads(undefined)).toBe(cores);
    expect(parseWasmThreads('')).toBe(cores);
    expect(parseWasmThreads('auto')).toBe(cores);
    expect(parseWasmThreads('1')).toBe(1);
    expect(parseWasmThreads('3')).toBe(3);
    expect(() => parseWasmThreads('0')).toThrow(/DEQN_WASM_THREADS=0/);
    expect(() => parseWasmThreads('two')).toThrow(/integer 1-4 or "auto"/);
    expect(() => parseWasmThreads('1.5')).toThrow();
  });
});
