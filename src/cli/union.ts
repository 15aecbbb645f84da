// `deqn union <config.json>`: the union's optimal trade, industrial and public policy mix with regions
// (MODELS.md §E): runs the slides' experiments by multi-start bounded L-BFGS and writes the welfare
// table, the instruments by sector and region, SVG plots and the regional winners and losers.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../io/errors.ts';
import { integerOption } from './options.ts';
import { loadUnionConfig, loadUnionData, configBounds, configOptimizer } from '../models/union-policy/config.ts';
import { UnionModel } from '../models/union-policy/model.ts';
import { EXPERIMENT_NAMES, type ExperimentName } from '../models/union-policy/objective.ts';
import { runUnionExperiments, writeUnionOutputs, welfareSummary } from '../models/union-policy/run.ts';

function parseExperiments(value: string): ExperimentName[] {
  if (value === 'all') return [...EXPERIMENT_NAMES];
  if (!(EXPERIMENT_NAMES as string[]).includes(value)) throw new UsageError(`--experiments ${value}: expected one of all, ${EXPERIMENT_NAMES.join(', ')}`);
  return [value as ExperimentName];
}

export function registerUnion(program: Command): void {
  program
    .command('union')
    .description('optimal trade, industrial and public policy of a union with regions (five experiments)')
    .argument('<config.json>', 'union-policy config, e.g. models/union-wiod-eu.json')
    .option('--experiments <which>', `all | ${EXPERIMENT_NAMES.join(' | ')}`, 'all')
    .option('--starts <n>', 'number of multi-start points (the origin plus spheres of increasing radius)')
    .option('--max-iterations <n>', 'L-BFGS iterations per start (default: the config)')
    .option('--out <dir>', 'output directory (default: the config output)')
    .option('--json', 'print one JSON object {experiment: {welfareMean, welfareStd}} (percent) on stdout')
    .action((file: string, opts: { experiments: string; starts?: string; maxIterations?: string; out?: string; json?: boolean }) => {
      const names = parseExperiments(opts.experiments);
      const loaded = loadUnionConfig(file);
      const c = loaded.config;
      const starts = integerOption('--starts', opts.starts, 1, 1000) ?? c.multistart.starts;
      const maxIterations = integerOption('--max-iterations', opts.maxIterations, 1) ?? c.optimizer.maxIterations;
      const progress = (msg: string) => process.stderr.write(`${msg}\n`);
      progress(`${c.name}: loading data and computing the laissez-faire baseline`);
      const t0 = performance.now();
      const model = new UnionModel(loadUnionData(loaded), { ...c.solver, epsilon: c.epsilon });
      progress(`${c.name}: ${model.U} union regions + RoW, ${model.S} sectors; baseline in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const results = runUnionExperiments(
        model,
        names,
        {
          bounds: configBounds(c), starts, radiusStep: c.multistart.radiusStep, seed: c.multistart.seed, metric: c.multistart.metric,
          optimizer: configOptimizer(c, maxIterations),
        },
        progress,
      );
      const outDir = resolve(opts.out ?? c.output);
      const files = writeUnionOutputs(outDir, model, results, c.name);
      const summary = welfareSummary(results);
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        process.stdout.write(`${c.name}: union welfare gain Ŵ_EU − 1 (%), mean and std over ${starts} start(s)\n`);
        for (const r of results) process.stdout.write(`  ${r.name.padEnd(18)} ${r.result.mean.toFixed(4).padStart(9)}  (${r.result.std.toFixed(4)})\n`);
      }
      progress(`wrote ${files.length} files to ${outDir}`);
    });
}
