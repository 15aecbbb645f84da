// The engine's tower output groups (src/deqn/network.ts), which hold the price network inside the
// Mlp so checkpoints, Adam and resume treat it like any other weights.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp, type TowerOutputGroup } from '../../src/deqn/network.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

function network(): Mlp {
  const prices: TowerOutputGroup = { name: 'prices', size: 2, decode: 'linear', tower: { inputs: [3, 4], hidden: [8], exclusive: true, activation: 'tanh' } };
  return new Mlp({ inputDim: 5, hidden: [16, 16], activation: 'relu', outputs: [{ name: 'savings', size: 2, decode: 'sigmoid' }, prices] }, Rng.fromSeed(3));
}

const rows = (values: number[][]) => tf.tensor2d(values);

describe('Mlp tower groups', () => {
  it('a tower reads only its columns and the main network never reads exclusive tower columns', () => {
    const net = network();
    const a = rows([[0.1, -0.4, 0.7, 0.2, -0.3]]);
    const otherHousehold = rows([[0.9, 0.3, -0.2, 0.2, -0.3]]);
    const otherPolicy = rows([[0.1, -0.4, 0.7, -0.5, 0.8]]);
    const pa = net.policy(a);
    expect(Array.from(net.policy(otherHousehold).prices.dataSync())).toEqual(Array.from(pa.prices.dataSync()));
    expect(Array.from(net.policy(otherPolicy).savings.dataSync())).toEqual(Array.from(pa.savings.dataSync()));
    expect(Array.from(net.policy(otherPolicy).prices.dataSync())).not.toEqual(Array.from(pa.prices.dataSync()));
    expect(Array.from(net.towerOutput('prices', a).dataSync())).toEqual(Array.from(pa.prices.dataSync()));
    const trunkOnly = net.policy(a, true);
    expect(Object.keys(trunkOnly)).toEqual(['savings']);
    expect(Array.from(trunkOnly.savings.dataSync())).toEqual(Array.from(pa.savings.dataSync()));
  });

  it('keeps the main network first and names tower variables, so checkpoints can tell them apart', () => {
    const net = network();
    expect(net.names.slice(0, 6)).toEqual(['dense0/kernel', 'dense0/bias', 'dense1/kernel', 'dense1/bias', 'dense2/kernel', 'dense2/bias']);
    expect(net.names.slice(6)).toEqual(['tower-prices/dense0/kernel', 'tower-prices/dense0/bias', 'tower-prices/dense1/kernel', 'tower-prices/dense1/bias']);
    expect(net.trunkVariables).toHaveLength(6);
    expect(net.towerVariables('prices').map((v) => v.shape)).toEqual([[2, 8], [8], [8, 2], [2]]);
    expect(net.variables[0].shape).toEqual([3, 16]); // the main network sees 3 of the 5 columns
  });
});
