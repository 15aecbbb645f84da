// Learning-rate and minibatch schedules of a run config (src/deqn/config.ts), and the trainer
// following a minibatch schedule episode by episode (the DEQN paper's switch from 64 to 1000).
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { batchSizeAt, learningRateAt, TrainingSchema } from '../../src/deqn/config.ts';
import { loadRunConfig } from '../../src/io/run-config.ts';
import { TrainingRun } from '../../src/run/training-run.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('schedules', () => {
  it('piecewise learning rate and batch size switch at the boundary episode (inclusive)', () => {
    const lr = { type: 'piecewise' as const, boundaries: [60000], values: [1e-5, 1e-6] };
    expect(learningRateAt(lr, 59999)).toBe(1e-5);
    expect(learningRateAt(lr, 60000)).toBe(1e-6);
    const batch = { type: 'piecewise' as const, boundaries: [60000], values: [64, 1000] };
    expect(batchSizeAt(batch, 1)).toBe(64);
    expect(batchSizeAt(batch, 59999)).toBe(64);
    expect(batchSizeAt(batch, 60000)).toBe(1000);
    expect(batchSizeAt(batch, 200000)).toBe(1000);
    expect(batchSizeAt(128, 5)).toBe(128);
  });

  it('cosine runs from initial to final; exponential decays by steps and respects its floor', () => {
    const cos = { type: 'cosine' as const, initial: 1e-3, final: 1e-5, episodes: 101 };
    expect(learningRateAt(cos, 1)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(cos, 51)).toBeCloseTo(0.5 * (1e-3 + 1e-5), 12);
    expect(learningRateAt(cos, 101)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt(cos, 500)).toBeCloseTo(1e-5, 12);
    const exp = { type: 'exponential' as const, initial: 1, decay: 0.5, everyEpisodes: 10, minimum: 0.2 };
    expect(learningRateAt(exp, 10)).toBe(1);
    expect(learningRateAt(exp, 11)).toBe(0.5);
    expect(learningRateAt(exp, 21)).toBe(0.25);
    expect(learningRateAt(exp, 31)).toBe(0.2);
  });

  it('rejects a batch schedule with mismatched lengths or a non-integer size', () => {
    const base = { episodes: 1, paths: 8, periodsPerEpisode: 1, learningRate: 1e-3 };
    expect(TrainingSchema.safeParse({ ...base, batchSize: { type: 'piecewise', boundaries: [5], values: [64] } }).success).toBe(false);
    expect(TrainingSchema.safeParse({ ...base, batchSize: { type: 'piecewise', boundaries: [5], values: [64, 10.5] } }).success).toBe(false);
    expect(TrainingSchema.safeParse({ ...base, batchSize: { type: 'piecewise', boundaries: [5], values: [64, 1000] } }).success).toBe(true);
  });

  it('the paper config of the two-asset OLG model has batch 64 before episode 60,000 and 1000 from it', () => {
    const config = loadRunConfig('models/olg-two-asset-paper.json');
    expect(batchSizeAt(config.training.batchSize, 1)).toBe(64);
    expect(batchSizeAt(config.training.batchSize, 60000)).toBe(1000);
    expect(learningRateAt(config.training.learningRate, 60000)).toBe(1e-6);
  });

  it('the paper config trains (one episode of 64 states: one step at batch 64, 2 x 1000 network) with a finite loss', async () => {
    const config = loadRunConfig('models/olg-two-asset-paper.json');
    config.training = { ...config.training, episodes: 1, paths: 16, periodsPerEpisode: 4 };
    const root = mkdtempSync(join(tmpdir(), 'deqn-paper-'));
    const run = TrainingRun.create(config, 'paper', { checkpointsRoot: join(root, 'checkpoints'), runsRoot: join(root, 'runs') });
    const metrics: { steps: number; loss: number }[] = [];
    await run.train((m) => metrics.push(m));
    run.dispose();
    expect(metrics).toHaveLength(1);
    expect(metrics[0].steps).toBe(1);
    expect(Number.isFinite(metrics[0].loss)).toBe(true);
  });

  it('the trainer takes as many steps per episode as the scheduled batch size implies', async () => {
    const config = loadRunConfig('models/olg-analytic.json');
    // 64 paths x 4 periods = 256 states per episode: 8 steps of 32, then 1 step of 256.
    config.training = { ...config.training, episodes: 3, paths: 64, periodsPerEpisode: 4, stopAt: undefined, batchSize: { type: 'piecewise', boundaries: [3], values: [32, 256] } };
    const root = mkdtempSync(join(tmpdir(), 'deqn-schedule-'));
    const run = TrainingRun.create(config, 'schedule', { checkpointsRoot: join(root, 'checkpoints'), runsRoot: join(root, 'runs') });
    const steps: number[] = [];
    await run.train((m) => steps.push(m.steps));
    run.dispose();
    expect(steps).toEqual([8, 8, 1]);
  });
});
