// Wall time of the default config (models/olg-analytic.json) trained from scratch until the stop
// criterion holds (mean relative Euler error < 1e-3 and max < 1e-2 on 10,000 fresh states), and
// the final error table with the savings-policy error against the closed form.
import { batchSizeAt } from '../src/deqn/config.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRunConfig } from '../src/io/run-config.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import type { ErrorTable } from '../src/deqn/trainer.ts';

export interface ConvergenceResult {
  seed: number;
  reason: string;
  episodes: number;
  steps: number;
  wallSeconds: number;
  table: ErrorTable;
}

export async function trainDefaultToThreshold(seed: number, configFile = 'models/olg-analytic.json'): Promise<ConvergenceResult> {
  const started = performance.now();
  const config = loadRunConfig(configFile);
  config.seed = seed;
  const root = mkdtempSync(join(tmpdir(), 'deqn-bench-'));
  const run = TrainingRun.create(config, `bench-seed-${seed}`, { checkpointsRoot: join(root, 'checkpoints'), runsRoot: join(root, 'runs') });
  const reason = await run.train(() => {});
  const wallSeconds = (performance.now() - started) / 1000;
  const table = run.evaluate(10_000, 'bench-final');
  const { paths, periodsPerEpisode, epochsPerEpisode, batchSize } = config.training;
  const steps = run.trainer.episode * epochsPerEpisode * Math.ceil((paths * periodsPerEpisode) / batchSizeAt(batchSize, run.trainer.episode));
  run.dispose();
  return { seed, reason, episodes: run.trainer.episode, steps, wallSeconds, table };
}
