// The SIMD matrix-product kernel (src/tensor/wasm-gemm.ts) on the wasm backend: for every shape
// class it takes (rows not a multiple of 4, columns not a multiple of 8, K = 1, bias, relu) each
// output must equal the float32 sum accumulated in k order from the bias, bit for bit; products it
// leaves to the stock kernels (batches, transposes, other activations) must still agree with the cpu
// backend (1e-5 of scale); nothing may leak.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';

beforeAll(async () => {
  await initBackend('wasm');
  await tf.setBackend('wasm');
});

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7311 + seed) * (1 + (i % 5)));
}

/** C = bias + A B with one float32 rounding per multiply and per add, summed in k order. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number, bias?: Float32Array, relu = false): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[i * k + p] * b[p * n + j]));
      c[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return c;
}

describe('SIMD matrix product on wasm', () => {
  const shapes: [number, number, number][] = [
    [64, 64, 64],
    [67, 33, 29],
    [5, 1, 1000],
    [130, 257, 3],
    [2, 500, 9],
    [300, 19, 1],
  ];

  it('plain products equal the k-ordered float32 sum bit for bit', () => {
    for (const [m, k, n] of shapes) {
      const a = values(m * k, 1);
      const b = values(k * n, 2);
      const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
      expect(Array.from(got)).toEqual(Array.from(reference(a, b, m, k, n)));
    }
  });

  it('fused products with bias, linear and relu, equal the bias-first float32 sum bit for bit', () => {
    for (const [m, k, n] of shapes) {
      const a = values(m * k, 3);
      const b = values(k * n, 4);
      const bias = values(n, 5);
      for (const activation of ['linear', 'relu'] as const) {
        const got = tf.tidy(() =>
          tf.fused.matMul({ a: tf.tensor2d(a, [m, k]), b: tf.tensor2d(b, [k, n]), bias: tf.tensor1d(bias), activation }).dataSync(),
        );
        expect(Array.from(got)).toEqual(Array.from(reference(a, b, m, k, n, bias, activation === 'relu')));
      }
    }
  });

  it('transposed operands, batches and other activations agree with the cpu backend (1e-5 of scale)', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor3d(values(3 * 40 * 30, 6), [3, 40, 30]);
        const w = tf.tensor2d(values(50 * 30, 7), [50, 30]);
        return [
          tf.matMul(tf.reshape(x, [120, 30]), w, false, true),
          tf.matMul(tf.reshape(x, [120, 30]), tf.reshape(x, [120, 30]), true, false),
          tf.matMul(x, tf.transpose(x, [0, 2, 1])),
          tf.fused.matMul({ a: tf.reshape(x, [120, 30]), b: w, transposeB: true, activation: 'elu' }),
        ].map((t) => Array.from(t.dataSync()));
      });
    const wasm = run();
    await tf.setBackend('cpu');
    const cpu = run();
    await tf.setBackend('wasm');
    cpu.forEach((ref, i) => {
      const scale = Math.max(...ref.map(Math.abs));
      const diff = Math.max(...ref.map((v, j) => Math.abs(v - wasm[i][j])));
      expect(diff / scale).toBeLessThan(1e-5);
    });
  });

  it('leaks no tensors and no backend buffers', () => {
    const before = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    tf.tidy(() => {
      const a = tf.randomNormal([100, 80]);
      const b = tf.randomNormal([80, 90]);
      tf.fused.matMul({ a, b, bias: tf.ones([90]), activation: 'relu' });
      return tf.grad((w: tf.Tensor) => tf.sum(tf.matMul(a, w)))(b);
    }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(buffers);
  });
});
