// `deqn counterfactual <checkpoint-dir> --set tariff.<importer>.<exporter>=0.25 [--set tradeCostScale=0.95] [--json] [--out DIR]`:
// a counterfactual answered by a trained, policy-conditioned heterogeneous-agent trade checkpoint
// (no training, no reference solve): prices, import shares, welfare by wealth and income decile and
// the share who gain, as Markdown and Arrow/CSV tables; --json prints the fields of part 1's
// `deqn solve --json` and `deqn welfare --json` (see src/models/ha-trade-deqn/counterfactual.ts).
import { join } from 'node:path';
import { initBackend } from '../tensor/backend.ts';
import { TrainingRun } from '../run/training-run.ts';
import { UsageError } from '../io/errors.ts';
import { toMarkdown, writeFileAtomic, writeTable, formatNumber } from '../io/tables.ts';
import type { HaTradeDeqn } from '../models/ha-trade-deqn/index.ts';
import { counterfactualSummary, DEFAULT_GRID_POINTS, policyFromSets, runCounterfactual } from '../models/ha-trade-deqn/counterfactual.ts';

export interface CheckpointCounterfactualOptions {
  set?: string[];
  json?: boolean;
  out?: string;
  backend?: string;
  gridPoints?: string;
}

/** `--grid-points N`: asset grid points of the stationary distributions. */
export function gridPointsOption(value: string | undefined, fallback = DEFAULT_GRID_POINTS): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 20 || n > 5000) throw new UsageError(`--grid-points ${value}: expected an integer from 20 to 5000`);
  return n;
}

/** Loads an ha-trade checkpoint (run directory or snapshot directory). */
export function loadHaTradeCheckpoint(dir: string): { run: TrainingRun; model: HaTradeDeqn } {
  const run = TrainingRun.load(dir);
  if (run.config.model !== 'ha-trade') {
    throw new UsageError(`${dir}: a checkpoint of model "${run.config.model}"; counterfactuals and optimal policy from a checkpoint need model "ha-trade"`);
  }
  return { run, model: run.model as HaTradeDeqn };
}

export async function checkpointCounterfactual(dir: string, opts: CheckpointCounterfactualOptions): Promise<void> {
  const gridPoints = gridPointsOption(opts.gridPoints);
  await initBackend(opts.backend);
  const { run, model } = loadHaTradeCheckpoint(dir);
  const x = policyFromSets(model.world, opts.set ?? []);
  const result = runCounterfactual(model, run.net, x, gridPoints);
  const summary = counterfactualSummary(model, dir, result);
  const { countries } = model.world;
  const outDir = opts.out ?? join('out', run.runId, `counterfactual-${summary.experiment.replace(/[^A-Za-z0-9.=-]+/g, '_')}`);
  const deciles = {
    country: countries.flatMap((c) => Array<string>(10).fill(c)),
    decile: countries.flatMap(() => Array.from({ length: 10 }, (_, d) => d + 1)),
    welfare_by_wealth_decile_pct: result.welfare.flatMap((w) => w.byWealthDecile),
    welfare_by_income_decile_pct: result.welfare.flatMap((w) => w.byIncomeDecile),
  };
  const byCountry = {
    country: countries,
    wage: countries.map((c) => summary.wages[c]),
    wage_baseline: countries.map((c) => summary.baseline.wages[c]),
    rebate: countries.map((c) => summary.rebates[c]),
    import_share: countries.map((_, i) => 1 - result.counterfactual.importShares[i * countries.length + i]),
    import_share_baseline: countries.map((_, i) => 1 - result.baseline.importShares[i * countries.length + i]),
    welfare_pct: countries.map((c) => summary.welfare[c]),
    utilitarian_welfare_pct: countries.map((c) => summary.utilitarianWelfare[c]),
    gainers_pct: countries.map((c) => summary.gainers[c]),
    poorest_quintile_pct: countries.map((c) => summary.poorestQuintile[c]),
    richest_quintile_pct: countries.map((c) => summary.richestQuintile[c]),
    acr_pct: countries.map((c) => summary.acr[c]),
  };
  const files = [...writeTable(join(outDir, 'countries'), byCountry), ...writeTable(join(outDir, 'welfare-deciles'), deciles)];
  const R = typeof summary.R === 'number' ? formatNumber(summary.R, 6) : JSON.stringify(summary.R);
  const markdown = [
    `# ${run.runId}: ${summary.experiment}`,
    '',
    `- checkpoint: ${dir} (episode ${run.trainer.episode}); policy: ${Object.entries(summary.policy).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `- R: ${R} (status quo ${typeof summary.baseline.R === 'number' ? formatNumber(summary.baseline.R, 6) : JSON.stringify(summary.baseline.R)})`,
    `- largest market residual at the network's prices: ${Math.max(...[...summary.marketResiduals.goods, ...summary.marketResiduals.bonds, ...summary.marketResiduals.government].map(Math.abs)).toExponential(2)} of world labour income`,
    '',
    '## Countries (welfare: mean of household consumption equivalents over the status-quo distribution, %; utilitarian: one consumption equivalent for the whole population, %)',
    '',
    toMarkdown(byCountry),
    '## Welfare by decile of wealth and of labour income (%)',
    '',
    toMarkdown(deciles),
  ].join('\n');
  finishCheckpointCommand(run, outDir, markdown, summary, files.length, opts.json);
}

/** Shared ending of the checkpoint commands: summary.md and summary.json, free the networks, print. */
export function finishCheckpointCommand(run: TrainingRun, outDir: string, markdown: string, summary: unknown, tableFiles: number, json?: boolean): void {
  writeFileAtomic(join(outDir, 'summary.md'), markdown + '\n');
  writeFileAtomic(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  run.dispose();
  if (json) process.stdout.write(JSON.stringify(summary) + '\n');
  else process.stdout.write(markdown + `\nwrote ${tableFiles + 2} files to ${outDir}/\n`);
}
