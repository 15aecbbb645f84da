// The SIMD matrix-product kernel (src/tensor/wasm-gemm.ts) on the wasm backend: for every shape
// class it takes (rows not a multiple of 4, columns not a multiple of 8, K = 1, bias, relu,
// operands stored transposed, one-row products) each
// output must equal the float32 sum accumulated in k order from the bias, bit for bit, with one
// rounding per multiply-add when the kernel fuses them (relaxed SIMD on an FMA CPU) or one per
// multiply and per add otherwise; products it leaves to the stock kernels (batches, transposes,
// other activations) must still agree with the cpu backend (1e-5 of scale); nothing may leak.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { gemmArithmetic } from '../../src/tensor/wasm-gemm.ts';

beforeAll(async () => {
  await initBackend('wasm');
  await tf.setBackend('wasm');
});

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7311 + seed) * (1 + (i % 5)));
}

const bits = new DataView(new ArrayBuffer(8));

/** The neighbouring float64 of x towards the sign of `direction` (x finite, nonzero steps). */
function nextFloat64(x: number, direction: number): number {
  bits.setFloat64(0, x);
  const up = (direction > 0) === (x >= 0);
  bits.setBigUint64(0, bits.getBigUint64(0) + (up ? 1n : -1n));
  return bits.getFloat64(0);
}

/**
 * float32 fused multiply-add x y + z, rounded once. x y is exact in float64 (24 + 24 bits); the
 * sum is rounded to odd in float64 (TwoSum gives the exact error), and a round-to-odd result with
 * 53 >= 24 + 2 bits rounds to float32 exactly as the exact sum would.
 */
export function fmaF32(x: number, y: number, z: number): number {
  const p = x * y;
  const s = p + z;
  const bp = s - z;
  const error = p - bp + (z - (s - bp));
  if (error === 0 || !Number.isFinite(s)) return Math.fround(s);
  bits.setFloat64(0, s);
  const odd = (bits.getUint32(4) & 1) === 1;
  return Math.fround(odd ? s : nextFloat64(s, error));
}

/** C = bias + A B summed in k order, each multiply-add rounded once (fused) or product and sum separately. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number, bias?: Float32Array, relu = false): Float32Array {
  const fused = gemmArithmetic().fused;
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) {
        s = fused ? fmaF32(a[i * k + p], b[p * n + j], s) : Math.fround(s + Math.fround(a[i * k + p] * b[p * n + j]));
      }
      c[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return c;
}

describe('SIMD matrix product on wasm', () => {
  it('the float32 fused multiply-add reference rounds once (closed-form cases)', () => {
    const x = 1 + 2 ** -12;
    // (1 + 2^-12)^2 - (1 + 2^-11) = 2^-24 exactly; rounding the product first loses it.
    expect(fmaF32(x, x, -(1 + 2 ** -11))).toBe(2 ** -24);
    expect(Math.fround(Math.fround(x * x) - (1 + 2 ** -11))).toBe(0);
    // 1 + 2^-24 + 2^-60 lies just above the float32 midpoint 1 + 2^-24: rounds up to 1 + 2^-23
    // (a double-rounded sum would see the tie and round to 1).
    expect(fmaF32(2 ** -30, 2 ** -30, 1 + 2 ** -24)).toBe(1 + 2 ** -23);
    expect(fmaF32(-(2 ** -30), 2 ** -30, 1 + 2 ** -24)).toBe(1);
    expect(fmaF32(3, 5, 7)).toBe(22);
  });

  it('uses fused multiply-adds where this engine and CPU have them, else separate roundings', () => {
    const { relaxedSimd, fused } = gemmArithmetic();
    // Fused rounding is only possible through relaxed SIMD; the product checks below pin which one runs.
    if (fused) expect(relaxedSimd).toBe(true);
    const a = tf.tensor2d([1 + 2 ** -12, 1, 1, 1], [4, 1]);
    const b = tf.tensor2d(Array.from({ length: 1024 }, () => 1 + 2 ** -12), [1, 1024]);
    const bias = tf.fill([1024], -(1 + 2 ** -11));
    const got = tf.tidy(() => tf.fused.matMul({ a, b, bias }).dataSync()[0]);
    expect(got).toBe(fused ? 2 ** -24 : 0);
    tf.dispose([a, b, bias]);
  });

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

  /** The row-major [cols, rows] copy of a row-major [rows, cols] matrix. */
  const transposed = (x: Float32Array, rows: number, cols: number) => Float32Array.from({ length: rows * cols }, (_, i) => x[(i % rows) * cols + Math.floor(i / rows)]);

  it('transposed operands (A, B, both; with bias and relu) are read in place and equal the k-ordered sum bit for bit', () => {
    for (const [m, k, n] of [...shapes, [33, 70, 13] as [number, number, number]]) {
      const a = values(m * k, 8);
      const b = values(k * n, 9);
      const bias = values(n, 10);
      for (const [transposeA, transposeB] of [[true, false], [false, true], [true, true]]) {
        const aStored = transposeA ? tf.tensor2d(transposed(a, m, k), [k, m]) : tf.tensor2d(a, [m, k]);
        const bStored = transposeB ? tf.tensor2d(transposed(b, k, n), [n, k]) : tf.tensor2d(b, [k, n]);
        const plain = tf.tidy(() => tf.matMul(aStored, bStored, transposeA, transposeB).dataSync());
        expect(Array.from(plain)).toEqual(Array.from(reference(a, b, m, k, n)));
        const fused = tf.tidy(() =>
          tf.fused.matMul({ a: aStored, b: bStored, transposeA, transposeB, bias: tf.tensor1d(bias), activation: 'relu' }).dataSync(),
        );
        expect(Array.from(fused)).toEqual(Array.from(reference(a, b, m, k, n, bias, true)));
        tf.dispose([aStored, bStored]);
      }
    }
  });

  it('one-row products (bias gradients: ones x dz) equal the k-ordered sum bit for bit, also with transposed A', () => {
    for (const [k, n] of [[4096, 1], [2048, 3], [700, 13], [300, 64], [64, 1001]]) {
      const a = values(k, 11);
      const b = values(k * n, 12);
      const bias = values(n, 13);
      const row = tf.tidy(() => tf.matMul(tf.tensor2d(a, [1, k]), tf.tensor2d(b, [k, n])).dataSync());
      expect(Array.from(row)).toEqual(Array.from(reference(a, b, 1, k, n)));
      const column = tf.tidy(() => tf.matMul(tf.tensor2d(a, [k, 1]), tf.tensor2d(b, [k, n]), true, false).dataSync());
      expect(Array.from(column)).toEqual(Array.from(reference(a, b, 1, k, n)));
      const fused = tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(a, [1, k]), b: tf.tensor2d(b, [k, n]), bias: tf.tensor1d(bias), activation: 'relu' }).dataSync());
      expect(Array.from(fused)).toEqual(Array.from(reference(a, b, 1, k, n, bias, true)));
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
