// Fine-tuning a run from another run's checkpoint (TrainingRun.create with initFrom, `deqn train
// --init-from`): the new run starts from the source's weights exactly, with a fresh optimizer and
// episode count, records its source, and refuses a checkpoint whose network does not match; with
// --widen (TrainingRun.create opts.widen) it starts a wider network that computes the source's function.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { loadRunConfig, type RunConfig } from '../../src/io/run-config.ts';
import { TrainingRun, type RunLocations } from '../../src/run/training-run.ts';
import { UsageError } from '../../src/io/errors.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

function smallConfig(episodes: number, hidden?: number[]): RunConfig {
  const config = loadRunConfig('models/olg-analytic.json');
  config.training = { ...config.training, episodes, paths: 64, periodsPerEpisode: 4, batchSize: 32, stopAt: undefined };
  config.checkpoint = { every: 2, keep: 2 };
  if (hidden) config.network = { ...config.network, hidden };
  return config;
}

function locations(): RunLocations {
  const root = mkdtempSync(join(tmpdir(), 'deqn-init-from-'));
  return { checkpointsRoot: join(root, 'checkpoints') };
}

describe('a run initialised from another run\'s checkpoint', () => {
  it('starts from the source weights exactly, at episode 0 with a fresh optimizer, and records its source', async () => {
    const where = locations();
    const source = TrainingRun.create(smallConfig(4), 'source', where);
    await source.train(() => {});
    const weights = source.net.weightValues().map((w) => Array.from(w));
    source.dispose();

    const tuned = TrainingRun.create({ ...smallConfig(2), seed: 9 }, 'tuned', where, join(where.checkpointsRoot, 'source'));
    expect(tuned.net.weightValues().map((w) => Array.from(w))).toEqual(weights);
    expect(tuned.trainer.episode).toBe(0);
    expect(tuned.trainer.adam.iterations).toBe(0);
    const record = JSON.parse(readFileSync(join(where.checkpointsRoot, 'tuned', 'init-from.json'), 'utf8'));
    expect(record).toMatchObject({ sourceRunId: 'source', sourceEpisode: 4 });
    await tuned.train(() => {});
    expect(tuned.trainer.episode).toBe(2);
    expect(tuned.net.weightValues().map((w) => Array.from(w))).not.toEqual(weights);
    tuned.dispose();
  }, 60_000);

  it('with resetOutput: the hidden layers are the source\'s, the output layer is zero (and recorded); without a source it is refused', async () => {
    const where = locations();
    const source = TrainingRun.create(smallConfig(2), 'source', where);
    await source.train(() => {});
    const weights = source.net.weightValues().map((w) => Array.from(w));
    source.dispose();
    const reset = TrainingRun.create(smallConfig(2), 'reset', where, join(where.checkpointsRoot, 'source'), { resetOutput: true });
    const got = reset.net.weightValues().map((w) => Array.from(w));
    const last = got.length - 2;
    got.forEach((w, k) => {
      if (k < last) expect(w).toEqual(weights[k]);
      else expect(w.every((v) => v === 0)).toBe(true);
    });
    expect(weights[last].some((v) => v !== 0)).toBe(true);
    expect(JSON.parse(readFileSync(join(where.checkpointsRoot, 'reset', 'init-from.json'), 'utf8'))).toMatchObject({ resetOutput: true });
    reset.dispose();
    expect(() => TrainingRun.create(smallConfig(2), 'orphan', where, undefined, { resetOutput: true })).toThrow(UsageError);
  }, 60_000);

  it('refuses a checkpoint whose network shapes differ from the config, before writing the run', async () => {
    const where = locations();
    const source = TrainingRun.create(smallConfig(2), 'source', where);
    await source.train(() => {});
    source.dispose();
    const config = smallConfig(2, [7]);
    expect(() => TrainingRun.create(config, 'tuned', where, join(where.checkpointsRoot, 'source'))).toThrow(UsageError);
    expect(existsSync(join(where.checkpointsRoot, 'tuned'))).toBe(false);
  }, 60_000);

  it('with widen: a wider network (32x32 -> 48x40) computes the source\'s outputs to float32 rounding, then trains; narrowing or a new depth is refused', async () => {
    const where = locations();
    const source = TrainingRun.create(smallConfig(2), 'source', where);
    await source.train(() => {});
    const rng = Rng.fromSeed(5);
    const rows = 64;
    const features = Float32Array.from({ length: rows * source.model.featureDim }, () => 2 * rng.uniform() - 1);
    const outputsOf = (run: TrainingRun) => tf.tidy(() => Array.from(run.net.raw(tf.tensor2d(features, [rows, run.model.featureDim])).dataSync()));
    const before = outputsOf(source);
    source.dispose();

    const wide = TrainingRun.create(smallConfig(2, [48, 40]), 'wide', where, join(where.checkpointsRoot, 'source'), { widen: true });
    expect(wide.net.variables[0].shape).toEqual([wide.model.featureDim, 48]);
    const after = outputsOf(wide);
    const scale = Math.max(...before.map(Math.abs));
    after.forEach((v, k) => expect(Math.abs(v - before[k])).toBeLessThan(1e-5 * Math.max(1, scale)));
    expect(JSON.parse(readFileSync(join(where.checkpointsRoot, 'wide', 'init-from.json'), 'utf8'))).toMatchObject({ widenedFrom: [32, 32], widenedTo: [48, 40] });
    await wide.train(() => {});
    expect(outputsOf(wide)).not.toEqual(after);
    wide.dispose();

    expect(() => TrainingRun.create(smallConfig(2, [16, 32]), 'narrow', where, join(where.checkpointsRoot, 'source'), { widen: true })).toThrow(/narrow/);
    expect(() => TrainingRun.create(smallConfig(2, [48, 48, 48]), 'deeper', where, join(where.checkpointsRoot, 'source'), { widen: true })).toThrow(UsageError);
    expect(() => TrainingRun.create(smallConfig(2, [48, 40]), 'no-source', where, undefined, { widen: true })).toThrow(UsageError);
    expect(existsSync(join(where.checkpointsRoot, 'narrow'))).toBe(false);
  }, 60_000);
});
