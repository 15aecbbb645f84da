// The fused Adam update on wasm (src/tensor/wasm-adam.ts, one SIMD pass per tensor) against the
// element-wise update it replaces (src/deqn/adam.ts with DEQN_DISABLE_OPTIMISATIONS=fused-adam):
// parameters and both moment estimates bit-identical after several steps, for sizes that are and
// are not multiples of the vector width (the scalar tail), with zero, tiny and large gradients;
// no tensors left behind.
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { tf, initBackend, DISABLE_ENV } from '../../src/tensor/backend.ts';
import { Adam } from '../../src/deqn/adam.ts';
import { fusedAdamAvailable } from '../../src/tensor/wasm-adam.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

afterEach(() => {
  delete process.env[DISABLE_ENV];
});

const SHAPES: number[][] = [[7, 5], [13], [1], [64, 33], [4, 4]];

function values(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => {
    const x = Math.sin(i * 1.618 + seed) * scale;
    // Some exact zeros and some tiny values, where Adam's division is most sensitive.
    return i % 11 === 0 ? 0 : i % 7 === 0 ? x * 1e-9 : x;
  });
}

/** Parameters, moments and Adam state after `steps` updates with the fused or the element-wise update. */
function run(fused: boolean, steps: number) {
  if (fused) delete process.env[DISABLE_ENV];
  else process.env[DISABLE_ENV] = 'fused-adam';
  const params = SHAPES.map((shape, i) => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1), i, 0.5), shape), true, `adam-test-${fused}-${i}`));
  const adam = new Adam(params, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const before = tf.memory().numTensors;
  for (let s = 0; s < steps; s++) {
    const grads = SHAPES.map((shape, i) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), 10 * s + i + 3, 10 ** (s - 1)), shape));
    adam.apply(params, grads, 1e-3 * (s + 1));
    tf.dispose(grads);
  }
  const leaked = tf.memory().numTensors - before;
  const result = { params: params.map((p) => Array.from(p.dataSync())), state: adam.stateValues().map((x) => Array.from(x)), leaked };
  adam.dispose();
  tf.dispose(params);
  return result;
}

describe('fused Adam update on wasm', () => {
  it('is available on the wasm backend', () => {
    expect(fusedAdamAvailable()).toBe(true);
  });

  it('gives bit-identical parameters and moments to the element-wise update over four steps, leak-free', () => {
    const fused = run(true, 4);
    const plain = run(false, 4);
    expect(fused.leaked).toBe(0);
    expect(plain.leaked).toBe(0);
    expect(fused.params).toEqual(plain.params);
    expect(fused.state).toEqual(plain.state);
    // The update did move the parameters.
    const start = SHAPES.map((shape, i) => Array.from(values(shape.reduce((a, b) => a * b, 1), i, 0.5)));
    expect(fused.params[0]).not.toEqual(start[0]);
  });
});
