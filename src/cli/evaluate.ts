// `deqn evaluate <checkpoint-dir>`: the error table of a trained network on fresh simulated states,
// printed and written as CSV and Arrow next to the checkpoint.
import type { Command } from 'commander';
import { join } from 'node:path';
import { initBackend } from '../tensor/backend.ts';
import { TrainingRun } from '../run/training-run.ts';
import { writeTable } from '../io/tables.ts';
import { errorTableColumns, errorTableJson, formatErrorTable } from '../report/error-table.ts';
import { integerOption } from './options.ts';

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('error statistics of a trained checkpoint on fresh simulated states')
    .argument('<checkpoint-dir>', 'checkpoints/<run-id> (its latest snapshot) or a snapshot directory')
    .option('--states <n>', 'number of fresh simulated states (default: the config evaluation.states)')
    .option('--json', 'print one JSON object on stdout')
    .option('--backend <name>', 'tensor backend: tensorflow-gpu, tensorflow, wasm, cpu')
    .action(async (checkpointDir: string, opts: { states?: string; json?: boolean; backend?: string }) => {
      const states = integerOption('--states', opts.states, 1, 10_000_000);
      await initBackend(opts.backend);
      const run = TrainingRun.load(checkpointDir);
      const count = states ?? run.config.evaluation.states;
      const table = run.evaluate(count, 'evaluate');
      const base = join(run.runDir, `evaluation-episode-${run.trainer.episode}`);
      const files = writeTable(base, errorTableColumns(table), { markdown: true });
      if (opts.json) {
        process.stdout.write(JSON.stringify(errorTableJson(table)) + '\n');
      } else {
        process.stdout.write(`run ${run.runId}, episode ${run.trainer.episode}, ${count} fresh simulated states\n`);
        process.stdout.write(formatErrorTable(table));
      }
      process.stderr.write(`wrote ${files.join(', ')}\n`);
    });
}
