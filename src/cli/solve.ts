// `deqn solve <config.json>`: stationary equilibrium of the heterogeneous-agent trade model
// (MODELS.md §C) with the float64 reference solver; prints a table (or one JSON object with --json)
// and writes Markdown, Arrow/CSV tables and SVG plots to the output directory.
import type { Command } from 'commander';
import { join } from 'node:path';
import { UsageError } from '../io/errors.ts';
import { writeFileAtomic } from '../io/tables.ts';
import { configName, loadConfig } from '../models/ha-trade/config.ts';
import { solveEquilibrium, type HaTradeEquilibrium } from '../models/ha-trade/index.ts';
import { aggregateTradeElasticities, foreignVarieties, tradeElasticity, type ElasticityResult } from '../models/ha-trade/elasticity.ts';
import { registerWelfare } from './welfare.ts';
import { bilateralMarkdown, equilibriumMarkdown, solveSummary, writeElasticityTable, writeEquilibriumPlots, writeEquilibriumTables, type SolveSummary } from '../models/ha-trade/report.ts';

export interface SolveCliOptions {
  set: string[];
  json?: boolean;
  out?: string;
  quiet?: boolean;
  focus?: string;
}

export const collect = (value: string, previous: string[]) => [...previous, value];

/** Solves a config and computes its trade elasticities (shared with `deqn welfare`). */
export function solveWithElasticities(file: string, opts: SolveCliOptions) {
  const loaded = loadConfig(file, opts.set);
  const log = opts.quiet ? undefined : (m: string) => process.stderr.write(`[solve ${configName(file)}] ${m}\n`);
  const eq = solveEquilibrium(loaded.config, { baseDir: loaded.baseDir, log });
  const el = aggregateTradeElasticities(eq.states, eq.residuals.imports);
  return { loaded, eq, elasticities: el.byCountry, world: el.world };
}

export function focusIndex(eq: HaTradeEquilibrium, focus: string | undefined, fallback: string | undefined): number {
  const want = focus ?? fallback;
  if (want === undefined) return 0;
  const i = eq.countries.indexOf(want);
  if (i < 0) throw new UsageError(`--focus ${want}: not one of the countries (${eq.countries.join(', ')})`);
  return i;
}

export function writeSolveOutputs(dir: string, summary: SolveSummary, eq: HaTradeEquilibrium, elasticities: ElasticityResult[], focus: number): string[] {
  const files = [join(dir, 'equilibrium.md'), join(dir, 'equilibrium.json')];
  writeFileAtomic(files[0], equilibriumMarkdown(summary, eq, elasticities));
  writeFileAtomic(files[1], JSON.stringify(summary, null, 2) + '\n');
  files.push(...writeEquilibriumTables(dir, eq));
  files.push(...writeEquilibriumPlots(dir, eq, focus, elasticities[focus]));
  files.push(...writeElasticityTable(dir, eq, elasticities));
  const bilateral = foreignVarieties(eq.countries.length, focus).map((partner) => ({ partner, result: tradeElasticity(eq.states[focus], [partner]) }));
  const bilateralFile = join(dir, `bilateral-elasticities-${eq.countries[focus]}.md`);
  writeFileAtomic(bilateralFile, bilateralMarkdown(eq, focus, bilateral));
  files.push(bilateralFile);
  return files;
}

/** Registers `deqn solve` and `deqn welfare` (one registry entry for the ha-trade commands). */
export function registerHaTradeCommands(program: Command): void {
  registerSolve(program);
  registerWelfare(program);
}

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('solve the stationary equilibrium of a heterogeneous-agent trade config (float64 EGM + lottery + Newton/Broyden)')
    .argument('<config>', 'ha-trade config JSON, e.g. models/ha-trade-two-country.json')
    .option('--set <path=value>', 'override a config field before validation (repeatable), e.g. preferences.crra=1', collect, [])
    .option('--json', 'print one JSON object (R, wages, importShares, aggregateTradeElasticity, ...) instead of the table')
    .option('--out <dir>', 'output directory (default out/<config-name>/)')
    .option('--focus <iso>', 'country of the policy and elasticity plots (default analysis.unilateralCountry or the first)')
    .option('--quiet', 'no progress lines on stderr')
    .action((file: string, opts: SolveCliOptions) => {
      const { loaded, eq, elasticities, world } = solveWithElasticities(file, opts);
      const name = configName(file);
      const summary = solveSummary(name, eq, elasticities, world);
      const dir = opts.out ?? join('out', name);
      const focus = focusIndex(eq, opts.focus, loaded.config.analysis.unilateralCountry);
      const files = writeSolveOutputs(dir, summary, eq, elasticities, focus);
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(equilibriumMarkdown(summary, eq, elasticities) + `\nwrote ${files.length} files to ${dir}/\n`);
    });
}
