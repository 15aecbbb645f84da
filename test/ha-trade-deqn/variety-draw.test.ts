// params.varietyDraw: which variety's residuals a training row carries. "choice" draws it with the
// household's own choice probabilities (so the loss weights varieties as they enter aggregate
// savings), "uniform" with probability 1/M each; params.uniformVarietyShare mixes the two.
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { Mlp } from '../../src/deqn/network.ts';
import { TrainingRun } from '../../src/run/training-run.ts';
import { drawVarieties, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { policiesOf } from '../../src/models/ha-trade-deqn/panel.ts';

let model: HaTradeDeqn;
let net: Mlp;
let panel: Float32Array;

beforeAll(async () => {
  await initBackend('wasm');
  // The shipped checkpoint's households: home bias, so the choice probabilities are far from 1/2.
  const run = TrainingRun.load('checkpoints/ha-trade-two-country');
  model = run.model as HaTradeDeqn;
  net = run.net;
  panel = run.trainer.simulator.states.slice(0, 2000 * model.layout.dim);
}, 60_000);

describe('variety drawn for each training row', () => {
  it('"choice" draws the home variety with its choice probability, "uniform" with 1/2 (within 4 standard errors)', () => {
    const { world, layout: lay, constants } = model;
    const rows = panel;
    const n = rows.length / lay.dim;
    const { pi } = policiesOf(world, lay, constants, net, rows, n);
    const home = (r: number) => rows[r * lay.dim + lay.country]; // the home variety's index is the country's
    const draws = 10;
    const rng = Rng.fromSeed(6);
    let choice = 0;
    let uniform = 0;
    for (let d = 0; d < draws; d++) {
      const c = drawVarieties(world, lay, constants, net, rows, n, 'choice', rng);
      const u = drawVarieties(world, lay, constants, net, rows, n, 'uniform', rng);
      for (let r = 0; r < n; r++) {
        choice += c[r] === home(r) ? 1 : 0;
        uniform += u[r] === home(r) ? 1 : 0;
      }
    }
    let expected = 0;
    let variance = 0;
    for (let r = 0; r < n; r++) {
      const p = pi[r * world.M + home(r)];
      expected += p * draws;
      variance += p * (1 - p) * draws;
    }
    expect(Math.abs(expected / (n * draws) - 0.5)).toBeGreaterThan(0.2); // home bias: far from uniform
    expect(Math.abs(choice - expected)).toBeLessThan(4 * Math.sqrt(variance));
    expect(Math.abs(uniform - 0.5 * n * draws)).toBeLessThan(4 * Math.sqrt(0.25 * n * draws));
  });

  it('a uniform share q of "choice" draws: the home variety with (1 - q) pi + q / 2, and q = 0 is the "choice" draw exactly', () => {
    const { world, layout: lay, constants } = model;
    const rows = panel;
    const n = rows.length / lay.dim;
    const { pi } = policiesOf(world, lay, constants, net, rows, n);
    const home = (r: number) => rows[r * lay.dim + lay.country];
    const q = 0.5;
    const draws = 10;
    const rng = Rng.fromSeed(8);
    let mixed = 0;
    let expected = 0;
    let variance = 0;
    for (let d = 0; d < draws; d++) {
      const m = drawVarieties(world, lay, constants, net, rows, n, 'choice', rng, q);
      for (let r = 0; r < n; r++) {
        mixed += m[r] === home(r) ? 1 : 0;
        const p = (1 - q) * pi[r * world.M + home(r)] + q / world.M;
        expected += p;
        variance += p * (1 - p);
      }
    }
    // The mixture is far from both pure draws here, so the test tells them apart.
    const choiceOnly = Array.from({ length: n }, (_, r) => pi[r * world.M + home(r)]).reduce((s, v) => s + v, 0) * draws;
    expect(Math.abs(choiceOnly - expected)).toBeGreaterThan(20 * Math.sqrt(variance));
    expect(Math.abs(mixed - expected)).toBeLessThan(4 * Math.sqrt(variance));
    const a = drawVarieties(world, lay, constants, net, rows, n, 'choice', Rng.fromSeed(9), 0);
    const b = drawVarieties(world, lay, constants, net, rows, n, 'choice', Rng.fromSeed(9));
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
