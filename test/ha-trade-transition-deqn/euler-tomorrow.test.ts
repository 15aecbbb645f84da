// training.eulerTomorrow 'frozenPolicy' (train.ts frozenTomorrow): tomorrow's policy in the Euler losses comes
// from a copy of the household network whose variables are not differentiated (time iteration). On a 40-point
// grid (T = 12), seeded, with a random non-zero output layer (so every weight has a gradient) at tariff 0.25:
// - the loss value is unchanged (1e-6 relative: the same weights, the same arithmetic);
// - the option-on gradient equals the partial gradient with respect to TODAY's weights, computed independently
//   with both copies' variables differentiated at once (1e-5 of the largest component), and that partial plus
//   the partial with respect to tomorrow's weights is the option-off gradient (chain rule, 1e-4);
// - it differs from the option-off gradient (by > 5 % of its norm), so the test fails without the option;
// - train() uses it: one household step's Adam update (which moves each weight by -step x sign(g)) has the sign
//   of the option-on gradient wherever the two gradients disagree in sign.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { createNetworks, type TransitionNetworks } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { networkPath, type NetworkPath } from '../../src/models/ha-trade-transition-deqn/path.ts';
import { aggregateDate, aggregateSample, drawPolicy, frozenTomorrow, householdEulerLoss, sampleRows, train, type Row } from '../../src/models/ha-trade-transition-deqn/train.ts';
import type { Mlp } from '../../src/deqn/network.ts';
import { SMALL_TRANSITION_CONFIG, withTraining } from './small-config.ts';

let off: TransitionSetup;
let on: TransitionSetup;

beforeAll(async () => {
  await initBackend();
  const base = buildSetup(parseTransitionParams(SMALL_TRANSITION_CONFIG));
  // The aggregate term on too, so both Euler losses are covered.
  off = withTraining(base, { aggregateEulerWeight: 10, aggregateEulerRows: 32, householdSteps: 1, priceSteps: 0, batchSize: 64, massShare: 0.5 });
  on = withTraining(off, { eulerTomorrow: 'frozenPolicy' });
}, 120_000);

/** Networks with a random, clearly non-zero household output layer (as after training). */
function trainedLike(setup: TransitionSetup): TransitionNetworks {
  const nets = createNetworks(setup, Rng.fromSeed(11));
  const rng = Rng.fromSeed(12);
  const w = nets.household.weightValues().map((v) => Float32Array.from(v));
  for (const k of [w.length - 2, w.length - 1]) for (let i = 0; i < w[k].length; i++) w[k][i] = 0.1 * (rng.uniform() - 0.5);
  nets.household.setWeightValues(w);
  return nets;
}

interface Batch {
  path: NetworkPath;
  rows: Row[];
  aggregate: { rows: Row[]; mass: number[] }[];
}

/** Loss value and flattened gradients with respect to `vars` of the step loss. */
function gradients(setup: TransitionSetup, nets: TransitionNetworks, b: Batch, vars: tf.Variable[], tomorrow?: Mlp): { value: number; grads: Float64Array[] } {
  let out = { value: Number.NaN, grads: [] as Float64Array[] };
  tf.tidy(() => {
    const g = tf.variableGrads(() => householdEulerLoss(setup, nets, b.path, b.rows, b.aggregate, tomorrow).loss, vars);
    out = { value: g.value.dataSync()[0], grads: vars.map((v) => Float64Array.from(g.grads[v.name].dataSync())) };
  });
  return out;
}

const flat = (parts: Float64Array[]): Float64Array => Float64Array.from(parts.flatMap((p) => Array.from(p)));
const maxAbs = (v: Float64Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const norm = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const diff = (a: Float64Array, b: Float64Array): Float64Array => a.map((x, k) => x - b[k]);

describe("transition DEQN: training.eulerTomorrow 'frozenPolicy' (time iteration)", () => {
  it('defaults to differentiable; the frozen copy exists only with the option', () => {
    expect(parseTransitionParams(SMALL_TRANSITION_CONFIG).training.eulerTomorrow).toBe('differentiable');
    const nets = trainedLike(off);
    expect(frozenTomorrow(off, nets)).toBeUndefined();
    const copy = frozenTomorrow(on, nets) as Mlp;
    expect(copy.weightValues().map((w) => Array.from(w))).toEqual(nets.household.weightValues().map((w) => Array.from(w)));
    expect(copy.variables.some((v) => nets.household.variables.includes(v))).toBe(false);
    copy.dispose();
  });

  it("differentiates today's policy only: the partial in today's weights, not the full gradient", () => {
    const nets = trainedLike(off);
    const rng = Rng.fromSeed(21);
    const path = networkPath(off, nets, [0.25], 2);
    const batch: Batch = { path, rows: sampleRows(off, rng, 64, path, 0.5), aggregate: [aggregateSample(off, path, 3, rng, 32)] };
    const vars = nets.household.variables;
    const full = gradients(off, nets, batch, vars);
    const frozen = frozenTomorrow(on, nets) as Mlp;
    const today = gradients(on, nets, batch, vars, frozen);
    // Independent split: a copy with the same weights for tomorrow, both variable sets differentiated at once.
    const copy = createNetworks(off, Rng.fromSeed(99)).household;
    copy.setWeightValues(nets.household.weightValues());
    const both = gradients(off, nets, batch, [...vars, ...copy.variables], copy);
    const partialToday = flat(both.grads.slice(0, vars.length));
    const partialTomorrow = flat(both.grads.slice(vars.length));
    const gFull = flat(full.grads);
    const gOn = flat(today.grads);
    const scale = maxAbs(gFull);
    expect(scale).toBeGreaterThan(0);
    expect(Math.abs(today.value - full.value)).toBeLessThan(1e-6 * full.value);
    expect(maxAbs(diff(gOn, partialToday))).toBeLessThan(1e-5 * scale);
    expect(maxAbs(diff(gFull, partialToday.map((x, k) => x + partialTomorrow[k])))).toBeLessThan(1e-4 * scale);
    expect(norm(diff(gOn, gFull))).toBeGreaterThan(0.05 * norm(gFull));
    frozen.dispose();
    copy.dispose();
  }, 60_000);

  it("train() steps along the option's gradient", () => {
    const start = trainedLike(on);
    const weights0 = start.household.weightValues().map((w) => Float64Array.from(w));
    // The batch train() draws in its first episode of a resumed run (same stream, train.ts).
    const trainer = { nets: start, episode: 5, history: [] };
    const rng = Rng.fromSeed(`${on.params.training.seed}:5`);
    const x = drawPolicy(on.params, rng);
    const path = networkPath(on, start, x, on.params.training.passes);
    const rows = sampleRows(on, rng, on.params.training.batchSize, path, on.params.training.massShare);
    const aggregate = [aggregateSample(on, path, aggregateDate(on, rng), rng, on.params.training.aggregateEulerRows)];
    const batch: Batch = { path, rows, aggregate };
    const vars = start.household.variables;
    const gFull = flat(gradients(off, start, batch, vars).grads);
    const frozen = frozenTomorrow(on, start) as Mlp;
    const gOn = flat(gradients(on, start, batch, vars, frozen).grads);
    frozen.dispose();
    train(on, { episodes: 1, trainer });
    const step = diff(flat(start.household.weightValues().map((w) => Float64Array.from(w))), flat(weights0));
    const floor = 1e-3 * maxAbs(gOn);
    let disagreeing = 0;
    gOn.forEach((g, k) => {
      if (Math.abs(g) < floor || Math.abs(gFull[k]) < floor || Math.sign(g) === Math.sign(gFull[k])) return;
      disagreeing++;
      expect(Math.sign(step[k])).toBe(-Math.sign(g));
    });
    expect(disagreeing).toBeGreaterThan(10);
    start.household.dispose();
    start.price.dispose();
  }, 60_000);
});
