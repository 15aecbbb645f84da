// End-to-end training on the analytic OLG model: convergence to the closed form, determinism,
// exact resume after an interruption, and no tensor leaks.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { loadRunConfig, type RunConfig } from '../../src/io/run-config.ts';
import { TrainingRun, type RunLocations } from '../../src/run/training-run.ts';
import { readScalars } from '../../src/io/tensorboard.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const DEFAULT_CONFIG = 'models/olg-analytic.json';

function smallConfig(episodes: number): RunConfig {
  const config = loadRunConfig(DEFAULT_CONFIG);
  config.training = { ...config.training, episodes, paths: 64, periodsPerEpisode: 4, batchSize: 32, stopAt: undefined };
  config.checkpoint = { every: 2, keep: 2 };
  return config;
}

function locations(): RunLocations {
  const root = mkdtempSync(join(tmpdir(), 'deqn-train-'));
  return { checkpointsRoot: join(root, 'checkpoints'), runsRoot: join(root, 'runs') };
}

function finalWeights(run: TrainingRun): number[][] {
  return run.net.weightValues().map((w) => Array.from(w));
}

describe('training the analytic OLG model', () => {
  it('the default config converges: mean Euler error < 1e-3, max < 1e-2, savings within 0.5% of the closed form', async () => {
    const config = loadRunConfig(DEFAULT_CONFIG);
    const where = locations();
    const run = TrainingRun.create(config, 'converge', where);
    const reason = await run.train(() => {});
    run.close();
    expect(reason).toBe('converged');
    const table = run.evaluate(10_000, 'test');
    expect(table.families.euler.mean).toBeLessThan(1e-3);
    expect(table.families.euler.max).toBeLessThan(1e-2);
    expect(table.policyError.savings.mean).toBeLessThan(5e-3);
    // TensorBoard: one point per episode for the loss and each family's mean and max.
    const scalars = readScalars(join(where.runsRoot!, 'converge'));
    for (const tag of ['loss', 'learning_rate', 'states_per_second', 'residuals/euler/mean', 'residuals/euler/max']) {
      expect(scalars.get(tag)?.length).toBe(run.trainer.episode);
    }
  });

  it('the same config and seed give bit-identical weights; another seed does not', async () => {
    const runs: number[][][] = [];
    for (const [i, seed] of [1, 1, 2].entries()) {
      const config = smallConfig(3);
      config.seed = seed;
      const run = TrainingRun.create(config, `seed-${i}`, locations());
      await run.train(() => {});
      run.close();
      runs.push(finalWeights(run));
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[0]);
  });

  it('a run stopped after episode 3 and resumed ends with exactly the weights of an uninterrupted run', async () => {
    const whole = TrainingRun.create(smallConfig(7), 'whole', locations());
    await whole.train(() => {});
    whole.close();

    const where = locations();
    const first = TrainingRun.create(smallConfig(7), 'split', where);
    let stopAfter3 = false;
    expect(await first.train((m) => (stopAfter3 = m.episode >= 3), () => stopAfter3)).toBe('interrupted');
    first.close();
    expect(JSON.parse(readFileSync(join(where.checkpointsRoot, 'split', 'latest.json'), 'utf8')).episode).toBe(3);

    const resumed = TrainingRun.resume('split', where);
    expect(resumed.trainer.episode).toBe(3);
    await resumed.train(() => {});
    resumed.close();
    expect(resumed.trainer.episode).toBe(7);
    expect(finalWeights(resumed)).toEqual(finalWeights(whole));
    expect(Array.from(resumed.trainer.simulator.states)).toEqual(Array.from(whole.trainer.simulator.states));
  });

  it('tf.memory().numTensors stays flat over 200 training steps', () => {
    const run = TrainingRun.create(smallConfig(1), 'memory', { checkpointsRoot: locations().checkpointsRoot });
    const batch = tf.tensor2d(run.trainer.simulator.states.subarray(0, 32 * run.model.stateDim), [32, run.model.stateDim]);
    run.trainer.trainStep(batch, 0.01);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) run.trainer.trainStep(batch, 0.01);
    expect(tf.memory().numTensors).toBe(before);
    batch.dispose();
  });
});
