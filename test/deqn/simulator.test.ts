// The simulator draws shocks from the model's transition matrix: empirical transition frequencies
// over many simulated periods match it, and the empirical distribution matches the stationary one.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp } from '../../src/deqn/network.ts';
import { Simulator } from '../../src/deqn/simulator.ts';
import type { DynamicModel } from '../../src/deqn/model.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

// The two-asset OLG shock process of MODELS.md §B.2: Pi = pi_delta (x) pi_eta, persistent and asymmetric.
const piDelta = [
  [0.972, 0.028],
  [0.3, 0.7],
];
const piEta = [
  [0.905, 0.095],
  [0.095, 0.905],
];
const PI = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => piDelta[i >> 1][j >> 1] * piEta[i & 1][j & 1]));

/** A model whose state is only the shock: isolates the simulator's shock draws. */
const shockOnly: DynamicModel = {
  name: 'shock-only',
  stateDim: 1,
  transition: PI,
  featureDim: 1,
  outputs: [{ name: 'unused', size: 1, decode: 'linear' }],
  residualFamilies: [],
  features: (s) => s,
  initialStates: (paths) => new Float32Array(paths),
  nextStates: (_s, _p, next) => tf.reshape(next, [-1, 1]) as tf.Tensor2D,
  residuals: () => ({}),
};

describe('simulator', () => {
  it('transition frequencies match the Markov matrix within 4 standard errors', () => {
    const rng = Rng.fromSeed(3);
    const net = new Mlp({ inputDim: 1, hidden: [2], activation: 'relu', outputs: shockOnly.outputs }, rng);
    const sim = new Simulator(shockOnly, 2000, rng);
    const visited = sim.run(net, 100, rng);
    const counts = PI.map(() => [0, 0, 0, 0]);
    const occupancy = [0, 0, 0, 0];
    for (let t = 0; t + 1 < 100; t++) {
      for (let p = 0; p < 2000; p++) counts[visited[t * 2000 + p]][visited[(t + 1) * 2000 + p]]++;
    }
    for (let t = 50; t < 100; t++) for (let p = 0; p < 2000; p++) occupancy[visited[t * 2000 + p]]++;
    for (let i = 0; i < 4; i++) {
      const n = counts[i].reduce((a, b) => a + b, 0);
      for (let j = 0; j < 4; j++) {
        const se = Math.sqrt((PI[i][j] * (1 - PI[i][j])) / n);
        expect(Math.abs(counts[i][j] / n - PI[i][j])).toBeLessThan(4 * se + 1e-12);
      }
    }
    // MODELS.md §B.6 B1: stationary distribution (0.457317, 0.457317, 0.042683, 0.042683); paths start
    // in state 0 and mix within 50 periods.
    const stationary = [0.457317, 0.457317, 0.042683, 0.042683];
    occupancy.forEach((c, i) => expect(c / 100_000).toBeCloseTo(stationary[i], 1));
    net.dispose();
  });

  it('continues from the last states of the previous episode', () => {
    const rng = Rng.fromSeed(4);
    const net = new Mlp({ inputDim: 1, hidden: [2], activation: 'relu', outputs: shockOnly.outputs }, rng);
    const sim = new Simulator(shockOnly, 10, rng);
    sim.run(net, 5, rng);
    const last = sim.states.slice();
    const next = sim.run(net, 3, rng);
    expect(Array.from(next.subarray(0, 10))).toEqual(Array.from(last));
    net.dispose();
  });
});
