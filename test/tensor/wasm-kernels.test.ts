// The replaced wasm kernels (src/tensor/wasm-kernels.ts). The tiled Transpose is a pure copy: it
// must reproduce the reference cpu backend's transposes bit for bit, for 2-D and batched tensors,
// odd sizes that do not fill whole tiles, int32 data, and permutations it leaves to the stock
// kernel. The sharing Identity must keep clones valid after the original is disposed and free the
// memory only with the last holder. The first-axis Tile must reproduce the cpu backend's tiles.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { transposeTiled } from '../../src/tensor/wasm-kernels.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const CASES: { shape: number[]; perm: number[]; dtype: 'float32' | 'int32' }[] = [
  { shape: [300, 200], perm: [1, 0], dtype: 'float32' },
  { shape: [3, 67, 129], perm: [0, 2, 1], dtype: 'float32' },
  { shape: [1, 2048, 33], perm: [0, 2, 1], dtype: 'float32' },
  { shape: [257, 65], perm: [1, 0], dtype: 'int32' },
  { shape: [40, 30, 20], perm: [2, 0, 1], dtype: 'float32' },
];

async function transposeOn(backend: 'cpu' | 'wasm', shape: number[], perm: number[], dtype: 'float32' | 'int32') {
  await tf.setBackend(backend);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => (dtype === 'int32' ? (i * 7919) % 10007 : Math.sin(i) * 1e3));
  return tf.tidy(() => {
    const y = tf.transpose(tf.tensor(values, shape, dtype), perm);
    return { shape: y.shape, data: Array.from(y.dataSync()) };
  });
}

describe('tiled wasm transpose', () => {
  it('matches the cpu backend bit for bit and leaks nothing', async () => {
    for (const c of CASES) {
      const cpu = await transposeOn('cpu', c.shape, c.perm, c.dtype);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const wasm = await transposeOn('wasm', c.shape, c.perm, c.dtype);
      expect(tf.memory().numTensors).toBe(before);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(wasm.data).toEqual(cpu.data);
    }
  });

  it('transposeTiled handles a block offset and partial tiles', () => {
    const [rows, cols] = [35, 70];
    const src = Int32Array.from({ length: 2 * rows * cols }, (_, i) => i);
    const dst = new Int32Array(src.length);
    transposeTiled(src, dst, rows * cols, rows, cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expect(dst[rows * cols + j * rows + i]).toBe(src[rows * cols + i * cols + j]);
    expect(dst.subarray(0, rows * cols).every((v) => v === 0)).toBe(true);
  });

  it('a clone shares data by reference count: values survive disposing the original, memory goes with the last holder', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const buffersBefore = tf.backend().numDataIds();
    const x = tf.tensor([1.5, -2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(buffersBefore + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4]);
    y.dispose();
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    // Gradients through clone (the tape saves clones) are unchanged.
    const g = tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.clone(v), v)))(tf.tensor([1, 2, 3])).dataSync()));
    expect(g).toEqual([2, 4, 6]);
  });

  it('first-axis tiles (and tiles left to the stock kernel) match the cpu backend bit for bit, leak-free', async () => {
    const cases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' }[] = [
      { shape: [128, 170], reps: [4, 1], dtype: 'float32' },
      { shape: [3, 5, 7], reps: [2, 1, 1], dtype: 'float32' },
      { shape: [10, 3], reps: [3, 1], dtype: 'int32' },
      { shape: [6, 4], reps: [2, 3], dtype: 'float32' },
    ];
    const tileOn = async (backend: 'cpu' | 'wasm', shape: number[], reps: number[], dtype: 'float32' | 'int32') => {
      await tf.setBackend(backend);
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i * 31 - 7 : Math.cos(i) * 10));
      return tf.tidy(() => {
        const y = tf.tile(tf.tensor(values, shape, dtype), reps);
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      });
    };
    for (const c of cases) {
      const cpu = await tileOn('cpu', c.shape, c.reps, c.dtype);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const wasm = await tileOn('wasm', c.shape, c.reps, c.dtype);
      expect(tf.memory().numTensors).toBe(before);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(wasm.data).toEqual(cpu.data);
    }
  });
});
