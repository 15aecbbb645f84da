// `deqn optimize <config.json>`: optimal trade and industrial policy in the static trade model
// (unilateral best response, Nash equilibrium by best-response dynamics and/or Newton on the players'
// first-order conditions, cooperative optimum).
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { UsageError } from '../io/errors.ts';
import { loadConfig } from '../models/static-trade/config.ts';
import { buildModel, runOptimize, writeOptimizeOutputs, type OptimizeMode } from '../models/static-trade/run.ts';
import type { InstrumentKind } from '../models/static-trade/policy-problem.ts';
import { registerCounterfactual } from './counterfactual.ts';
import { isDirectory } from './options.ts';
import { checkpointOptimize } from './optimize-checkpoint.ts';

const MODES: OptimizeMode[] = ['unilateral', 'nash', 'cooperative'];
const KINDS: InstrumentKind[] = ['tariffs', 'subsidies', 'exportTaxes'];

function parseKinds(value: string | undefined): InstrumentKind[] | undefined {
  if (value === undefined) return undefined;
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of kinds) if (!KINDS.includes(k as InstrumentKind)) throw new UsageError(`--instruments ${value}: "${k}" is not one of ${KINDS.join(', ')}`);
  if (kinds.length === 0) throw new UsageError('--instruments: give at least one of tariffs, subsidies, exportTaxes');
  return [...new Set(kinds)] as InstrumentKind[];
}

export function registerOptimize(program: Command): void {
  program
    .command('optimize')
    .description('optimal policy: unilateral, Nash or cooperative in a static trade model (config file), unilateral or Nash tariffs through a trained heterogeneous-agent checkpoint (directory)')
    .argument('<config.json|checkpoint-dir>', 'static-trade config, e.g. models/dlopt-7x44.json, or an ha-trade checkpoint directory')
    .option('--mode <mode>', 'unilateral | nash | cooperative', 'nash')
    .option('--country <name>', 'the country that optimises (unilateral mode), as written in the data')
    .option('--instruments <list>', 'comma-separated: tariffs,subsidies,exportTaxes (default: the config)')
    .option('--set <path=value...>', 'override config fields, e.g. --set imbalances=balanced-baseline')
    .option('--out <dir>', 'output directory (default: <config output>/<mode>[-country])')
    .option('--json', 'print one JSON object on stdout')
    .option('--backend <name>', 'tensor backend for checkpoints: tensorflow-gpu, tensorflow, wasm, cpu')
    .option('--grid-points <n>', 'checkpoint: asset grid points of the stationary distributions (default 100)')
    .action(async (file: string, opts: { mode: string; country?: string; instruments?: string; set?: string[]; out?: string; json?: boolean; backend?: string; gridPoints?: string }) => {
      if (isDirectory(file)) return checkpointOptimize(file, opts);
      if (!MODES.includes(opts.mode as OptimizeMode)) throw new UsageError(`--mode ${opts.mode}: expected one of ${MODES.join(', ')}`);
      const mode = opts.mode as OptimizeMode;
      if (opts.country && mode !== 'unilateral') throw new UsageError('--country only applies to --mode unilateral');
      const kinds = parseKinds(opts.instruments);
      const loaded = loadConfig(file, opts.set ?? []);
      const progress = (msg: string) => process.stderr.write(`${msg}\n`);
      progress(`${loaded.config.name}: loading data and building the baseline`);
      const model = buildModel(loaded);
      const result = runOptimize(model, loaded, { mode, country: opts.country, kinds, progress });
      const outDir = resolve(opts.out ?? join(loaded.config.output, mode === 'unilateral' ? `unilateral-${opts.country}` : mode));
      const title = `${loaded.config.name}: ${mode}${opts.country ? ` (${opts.country})` : ''}`;
      const files = writeOptimizeOutputs(outDir, model, result, title);
      if (opts.json) {
        const json = {
          config: loaded.config.name,
          mode,
          country: opts.country ?? null,
          instruments: result.problem.spec.kinds,
          dimension: result.problem.dimension,
          converged: result.converged,
          seconds: result.seconds,
          solves: result.solves,
          welfare: result.welfarePct,
          ...(result.implemented ? { welfareImplemented: result.implemented.welfarePct, subsidySd: result.implemented.subsidySd } : {}),
          ...(result.nashCertificate ? { certificate: result.nashCertificate } : {}),
          ...(result.selection ? { selection: result.selection } : {}),
          outDir,
        };
        process.stdout.write(JSON.stringify(json) + '\n');
      } else {
        process.stdout.write(`${title}: ${result.converged ? 'converged' : 'NOT converged'} in ${result.seconds.toFixed(1)} s\nwelfare change (%):\n`);
        for (const c of result.countries) process.stdout.write(`  ${c.padEnd(14)} ${result.welfarePct[c].toFixed(4)}\n`);
      }
      process.stderr.write(`wrote ${files.length} files to ${outDir}\n`);
    });
}

/** The static trade-policy commands, registered together (one entry in commands.ts). */
export function registerTradePolicyCommands(program: Command): void {
  registerOptimize(program);
  registerCounterfactual(program);
}
