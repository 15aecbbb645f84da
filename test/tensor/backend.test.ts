import { describe, it, expect } from 'vitest';
import { tf, initBackend, installWasmTransposedMatMulFix } from '../../src/tensor/backend.ts';
import { UsageError } from '../../src/io/errors.ts';

// The transposed-matMul fix must give the same values and gradients as the reference cpu backend.
async function denseGradients(backend: 'cpu' | 'wasm') {
  await tf.setBackend(backend);
  await tf.ready();
  if (backend === 'wasm') installWasmTransposedMatMulFix();
  return tf.tidy(() => {
    const x = tf.randomUniform([37, 23], -1, 1, 'float32', 11);
    const w1 = tf.randomUniform([23, 31], -1, 1, 'float32', 12);
    const w2 = tf.randomUniform([29, 31], -1, 1, 'float32', 13);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.matMul(tf.tanh(tf.matMul(a, b)), c, false, true).square().sum() as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f)([x, w1, w2]);
    const batched = tf.matMul(tf.reshape(x, [1, 37, 23]), tf.reshape(x, [1, 37, 23]), true, false);
    const tA = tf.matMul(x, tf.randomUniform([31, 37], -1, 1, 'float32', 14), true, true);
    return {
      value: value.dataSync()[0],
      grads: grads.map((g) => Array.from(g.dataSync())),
      batched: Array.from(batched.dataSync()),
      tA: Array.from(tA.dataSync()),
    };
  });
}

/** Largest absolute difference relative to the largest reference entry (float32 summation order differs). */
function maxRelDiff(a: number[], b: number[]): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('tensor backend', () => {
  it('wasm with the transposed-matMul fix matches cpu in values and gradients (1e-5 of scale)', async () => {
    await initBackend('wasm'); // registers the wasm backend
    const cpu = await denseGradients('cpu');
    const wasm = await denseGradients('wasm');
    expect(Math.abs(wasm.value - cpu.value) / cpu.value).toBeLessThan(1e-5);
    for (let i = 0; i < 3; i++) expect(maxRelDiff(wasm.grads[i], cpu.grads[i])).toBeLessThan(1e-5);
    expect(maxRelDiff(wasm.batched, cpu.batched)).toBeLessThan(1e-5);
    expect(maxRelDiff(wasm.tA, cpu.tA)).toBeLessThan(1e-5);
  });

  it('the fix leaks no tensors', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const beforeBytes = tf.memory().numBytes;
    tf.tidy(() => {
      const a = tf.ones([8, 4]);
      return tf.grad((w: tf.Tensor) => tf.matMul(a, w).sum())(tf.ones([4, 3]));
    }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(beforeBytes);
  });

  it('rejects an unknown backend name with a usage error', async () => {
    await expect(initBackend('gpu-please')).rejects.toThrow(UsageError);
    await expect(initBackend('gpu-please')).rejects.toThrow(/allowed: tensorflow-gpu, tensorflow, wasm, cpu/);
  });

  it('falls back from the native backends when they are not installed', async () => {
    const info = await initBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(info.name);
    expect(tf.getBackend()).toBe(info.tfName);
  });
});
