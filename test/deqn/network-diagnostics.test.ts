// Mlp.inactiveUnits: hidden units whose pre-activation is <= 0 at every input (dead ReLUs), the
// failure that froze the two-asset OLG network of the first CPU checkpoint into a constant policy.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp } from '../../src/deqn/network.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

function network(): Mlp {
  return new Mlp({ inputDim: 3, hidden: [8, 6], activation: 'relu', outputs: [{ name: 'y', size: 2, decode: 'linear' }] }, Rng.fromSeed(3));
}

describe('inactive hidden units', () => {
  it('counts units inactive at every row, layer by layer, against a direct float64 forward pass', () => {
    const net = network();
    const w = net.weightValues();
    // Layer 1: units 0 and 5 get a bias so negative that they are off for every input in [-1, 1]^3.
    w[1][0] = -100;
    w[1][5] = -100;
    net.setWeightValues(w);
    const rng = Rng.fromSeed(9);
    const rows = Array.from({ length: 64 }, () => [0, 1, 2].map(() => 2 * rng.uniform() - 1));
    const x = tf.tensor2d(rows);
    const counts = net.inactiveUnits(x);
    x.dispose();
    // Independent count in float64 from the weights.
    const [w1, b1, w2, b2] = net.weightValues();
    const expected = [0, 0];
    const active1 = new Array(8).fill(false);
    const active2 = new Array(6).fill(false);
    for (const r of rows) {
      const h1 = Array.from({ length: 8 }, (_, j) => b1[j] + r.reduce((s, v, i) => s + v * w1[i * 8 + j], 0));
      h1.forEach((v, j) => (active1[j] ||= v > 0));
      const a1 = h1.map((v) => Math.max(v, 0));
      const h2 = Array.from({ length: 6 }, (_, j) => b2[j] + a1.reduce((s, v, i) => s + v * w2[i * 6 + j], 0));
      h2.forEach((v, j) => (active2[j] ||= v > 0));
    }
    expected[0] = active1.filter((a) => !a).length;
    expected[1] = active2.filter((a) => !a).length;
    expect(counts).toEqual(expected);
    expect(counts[0]).toBeGreaterThanOrEqual(2);
    net.dispose();
  });

  it('reports a whole layer when every bias of it is very negative', () => {
    const net = network();
    const w = net.weightValues();
    w[3].fill(-100);
    net.setWeightValues(w);
    const x = tf.randomUniform([32, 3], -1, 1, 'float32', 4) as tf.Tensor2D;
    expect(net.inactiveUnits(x)[1]).toBe(6);
    x.dispose();
    net.dispose();
  });
});
