// `deqn counterfactual <config.json>`: welfare effects of a fixed policy change (a scenario shipped
// with the data, e.g. the 2018–19 US–China tariffs or NAFTA, and/or explicit changes via --set).
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadConfig } from '../models/static-trade/config.ts';
import { buildModel, runCounterfactual, welfareTable } from '../models/static-trade/run.ts';
import { writeTable, writeFileAtomic, toMarkdown } from '../io/tables.ts';
import { isDirectory } from './options.ts';
import { checkpointCounterfactual } from './counterfactual-checkpoint.ts';

export function registerCounterfactual(program: Command): void {
  program
    .command('counterfactual')
    .description('welfare effects of a fixed policy change: a static trade model (config file) or a trained heterogeneous-agent checkpoint (directory)')
    .argument('<config.json|checkpoint-dir>', 'static-trade config, e.g. models/cp2015-nafta.json, or an ha-trade checkpoint, e.g. checkpoints/ha-trade-two-country')
    .option('--set <path=value...>', 'config: override fields, e.g. --set counterfactual.scenario=us-china-2018; checkpoint: the policy, e.g. --set tariff.USA.CHN=0.25')
    .option('--out <dir>', 'output directory (default: <config output>/counterfactual)')
    .option('--json', 'print one JSON object on stdout')
    .option('--backend <name>', 'tensor backend for checkpoints: tensorflow-gpu, tensorflow, wasm, cpu')
    .option('--grid-points <n>', 'checkpoint: asset grid points of the stationary distributions (default 400)')
    .action(async (file: string, opts: { set?: string[]; out?: string; json?: boolean; backend?: string; gridPoints?: string }) => {
      if (isDirectory(file)) return checkpointCounterfactual(file, opts);
      const loaded = loadConfig(file, opts.set ?? []);
      process.stderr.write(`${loaded.config.name}: loading data and building the baseline (${loaded.config.imbalances})\n`);
      const model = buildModel(loaded);
      const result = runCounterfactual(model, loaded);
      const outDir = resolve(opts.out ?? join(loaded.config.output, 'counterfactual'));
      const table = { ...welfareTable(result), real_wage_pct: result.countries.map((name) => result.realWagePct[name]) };
      const files = writeTable(join(outDir, 'welfare'), table);
      const md = join(outDir, 'summary.md');
      writeFileAtomic(
        md,
        `# ${loaded.config.name}: counterfactual\n\n- policy change: ${result.description}\n- imbalances: ${loaded.config.imbalances}\n- ${result.seconds.toFixed(2)} s\n\n## Welfare change by country (%)\n\n${toMarkdown(table)}`,
      );
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({ config: loaded.config.name, policy: result.description, imbalances: loaded.config.imbalances, seconds: result.seconds, welfare: result.welfarePct, realWage: result.realWagePct, outDir }) + '\n',
        );
      } else {
        process.stdout.write(`${loaded.config.name}: ${result.description}\nwelfare change (%):\n`);
        for (const c of result.countries) process.stdout.write(`  ${c.padEnd(14)} ${result.welfarePct[c].toFixed(4)}\n`);
      }
      process.stderr.write(`wrote ${[...files, md].join(', ')}\n`);
    });
}
