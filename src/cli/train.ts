// `deqn train <config.json>`: a training run with progress, TensorBoard logs in runs/<id>/ and
// checkpoints in checkpoints/<id>/; `--resume <id>` continues a run from its latest checkpoint;
// `--init-from <checkpoint>` starts a new run (a fine-tune) from another checkpoint's weights.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { initBackend } from '../tensor/backend.ts';
import { loadRunConfig } from '../io/run-config.ts';
import { UsageError } from '../io/errors.ts';
import { TrainingRun, type RunLocations } from '../run/training-run.ts';
import { formatErrorTable } from '../report/error-table.ts';
import { integerOption } from './options.ts';
import { TrainingProgress } from './progress.ts';
import type { EpisodeMetrics } from '../deqn/trainer.ts';

interface TrainOptions {
  name?: string;
  seed?: string;
  episodes?: string;
  resume?: string;
  initFrom?: string;
  resetOutput?: boolean;
  widen?: boolean;
  backend?: string;
  checkpoints: string;
  runs: string;
}

function defaultRunId(configFile: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${basename(configFile, '.json')}-${stamp}`;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a deep equilibrium net on a model config (or continue a run with --resume)')
    .argument('[config]', 'run config (JSON), e.g. models/olg-analytic.json')
    .option('--name <run-id>', 'run id (default: <config name>-<date>-<time>)')
    .option('--seed <n>', 'override the config seed')
    .option('--episodes <n>', 'override the number of episodes (with --resume: the new total)')
    .option('--resume <run-id>', 'continue run <run-id> from its latest checkpoint')
    .option('--init-from <checkpoint>', 'fine-tune: start the network from this checkpoint\'s weights (fresh optimizer, panel and episode count under the config\'s schedule)')
    .option('--reset-output', 'with --init-from: zero the main network\'s output layer (keep the hidden layers), e.g. when the outputs become corrections of a known policy')
    .option('--widen', 'with --init-from: the config\'s network.hidden may be wider than the checkpoint\'s (same depth); the added units start with zero outgoing weights, so training starts from the checkpoint\'s policy')
    .option('--backend <name>', 'tensor backend: tensorflow-gpu, tensorflow, wasm, cpu')
    .option('--checkpoints <dir>', 'where run checkpoints live', 'checkpoints')
    .option('--runs <dir>', 'where TensorBoard logs live', 'runs')
    .action(async (configFile: string | undefined, opts: TrainOptions) => {
      const run = await openRun(configFile, opts);
      await executeRun(run);
    });
}

async function openRun(configFile: string | undefined, opts: TrainOptions): Promise<TrainingRun> {
  const where: RunLocations = { checkpointsRoot: opts.checkpoints, runsRoot: opts.runs };
  const episodes = integerOption('--episodes', opts.episodes, 1);
  if (opts.resume !== undefined) {
    if (configFile !== undefined || opts.seed !== undefined || opts.name !== undefined || opts.initFrom !== undefined || opts.resetOutput || opts.widen) {
      throw new UsageError('--resume continues a run with its saved config; do not pass a config file, --seed, --name, --init-from, --reset-output or --widen with it');
    }
    await initBackend(opts.backend);
    return TrainingRun.resume(opts.resume, where, episodes);
  }
  if (configFile === undefined) throw new UsageError('train: missing <config> (a run config JSON file) or --resume <run-id>');
  const config = loadRunConfig(configFile);
  const seed = integerOption('--seed', opts.seed, 0, 2 ** 31 - 1);
  if (seed !== undefined) config.seed = seed;
  if (episodes !== undefined) config.training.episodes = episodes;
  await initBackend(opts.backend);
  if (opts.initFrom !== undefined && !existsSync(opts.initFrom)) throw new UsageError(`--init-from ${opts.initFrom}: no such checkpoint directory`);
  return TrainingRun.create(config, opts.name ?? defaultRunId(configFile), where, opts.initFrom, { resetOutput: opts.resetOutput === true, widen: opts.widen === true });
}

async function executeRun(run: TrainingRun): Promise<void> {
  const total = run.config.training.episodes;
  process.stderr.write(`run ${run.runId}: model ${run.config.model}, episodes ${run.trainer.episode + 1}..${total}, checkpoints in ${run.runDir}\n`);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupt: finishing this episode and saving a checkpoint (press again to quit now)\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new TrainingProgress(total, run.trainer.episode);
  const started = performance.now();
  const { paths, periodsPerEpisode, epochsPerEpisode } = run.config.training;
  let states = 0;
  let reason: string;
  try {
    const warnDeadLayer = deadLayerWarning(run);
    reason = await run.train((m) => {
      states += paths * periodsPerEpisode * epochsPerEpisode;
      progress.update(m);
      warnDeadLayer(m);
    }, () => interrupted);
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    run.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const table = run.evaluate(run.config.evaluation.states, 'final');
  const lines = [
    '',
    `run ${run.runId} stopped (${reason}) after episode ${run.trainer.episode}: ${seconds.toFixed(1)} s, ${Math.round(states / seconds)} training states/s`,
    `error table on ${run.config.evaluation.states} fresh simulated states (|residual|; policy error relative to the exact solution):`,
    formatErrorTable(table),
    `checkpoint: ${run.runDir}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (reason === 'interrupted') process.exitCode = 130;
}

/**
 * A one-time warning when a whole ReLU layer is inactive at every fresh state of a stop check: the
 * network's output then no longer depends on the state and no amount of further training helps.
 */
function deadLayerWarning(run: TrainingRun): (m: EpisodeMetrics) => void {
  let warned = false;
  const { hidden, activation } = run.config.network;
  return (m) => {
    if (warned || activation !== 'relu' || !m.inactiveUnits) return;
    const layer = m.inactiveUnits.findIndex((n, l) => n === hidden[l]);
    if (layer < 0) return;
    warned = true;
    process.stderr.write(
      `\nwarning: episode ${m.episode}: all ${hidden[layer]} ReLU units of hidden layer ${layer + 1} are inactive at every fresh state, so the network's output no longer depends on the state; restart with a lower learning rate, loss weights that keep the early loss O(1), or "activation": "silu"\n`,
    );
  };
}
