// `deqn welfare <config.json> --cut 0.01 [--unilateral ISO]`: consumption-equivalent welfare of a
// proportional cut in trade costs (MODELS.md §C.5) in the heterogeneous-agent trade model, beside the
// representative-agent ACR number. Global cut: every d_ij (i != j) times (1 - cut); unilateral: only
// the importer ISO's costs d_{ISO,j}.
import type { Command } from 'commander';
import { join } from 'node:path';
import { UsageError } from '../io/errors.ts';
import { writeFileAtomic } from '../io/tables.ts';
import { buildEconomy, configName, loadConfig } from '../models/ha-trade/config.ts';
import { solveEquilibrium } from '../models/ha-trade/index.ts';
import { welfareChange } from '../models/ha-trade/welfare.ts';
import { predictWages } from '../models/ha-trade/predict.ts';
import { welfareMarkdown, writeWelfareTable } from '../models/ha-trade/report.ts';
const collect = (value: string, previous: string[]) => [...previous, value];

interface WelfareCliOptions {
  cut: string;
  unilateral?: string;
  set: string[];
  json?: boolean;
  out?: string;
  quiet?: boolean;
}

export function cutTradeCosts(d: Float64Array, M: number, cut: number, importer: number | undefined): Float64Array {
  const out = Float64Array.from(d);
  for (let i = 0; i < M; i++) {
    if (importer !== undefined && i !== importer) continue;
    for (let j = 0; j < M; j++) if (i !== j) out[i * M + j] = Math.max(1, d[i * M + j] * (1 - cut));
  }
  return out;
}

export function registerWelfare(program: Command): void {
  program
    .command('welfare')
    .description('welfare of a proportional trade-cost cut in a heterogeneous-agent trade config: CE by household, country averages, gainers, ACR')
    .argument('<config>', 'ha-trade config JSON')
    .requiredOption('--cut <fraction>', 'proportional cut in trade costs, e.g. 0.01 for 1 %')
    .option('--unilateral <iso>', 'cut only this importer\'s trade costs (default: a global cut of every d_ij)')
    .option('--set <path=value>', 'override a config field before validation (repeatable)', collect, [])
    .option('--json', 'print one JSON object: welfare, gainers, acr (country maps) and details')
    .option('--out <dir>', 'output directory (default out/<config-name>/welfare-<experiment>/)')
    .option('--quiet', 'no progress lines on stderr')
    .action((file: string, opts: WelfareCliOptions) => {
      const cut = Number(opts.cut);
      if (!(cut > 0 && cut < 1)) throw new UsageError(`--cut ${opts.cut}: expected a fraction in (0, 1), e.g. 0.01`);
      const loaded = loadConfig(file, opts.set);
      const { config, baseDir } = loaded;
      const name = configName(file);
      const M = config.countries.length;
      let importer: number | undefined;
      if (opts.unilateral !== undefined) {
        importer = config.countries.indexOf(opts.unilateral);
        if (importer < 0) throw new UsageError(`--unilateral ${opts.unilateral}: not one of the countries (${config.countries.join(', ')})`);
      }
      const experiment = importer === undefined ? `global-${cut}` : `unilateral-${opts.unilateral}-${cut}`;
      const log = (stage: string) => (opts.quiet ? undefined : (m: string) => process.stderr.write(`[welfare ${name} ${stage}] ${m}\n`));
      const started = performance.now();
      const baseline = solveEquilibrium(config, { baseDir, log: log('baseline') });
      const econ = buildEconomy(config, baseDir);
      const tradeCosts = cutTradeCosts(econ.tradeCosts, M, cut, importer);
      const counterfactual = solveEquilibrium(config, {
        baseDir,
        tradeCosts,
        log: log('counterfactual'),
        // Start from the representative-agent response to the cut, applied to the baseline solution.
        initial: { wages: predictWages(econ, baseline.residuals.imports, baseline.wages, { tradeCosts, tariffs: econ.tariffs }), R: baseline.R, rebates: baseline.rebates },
      });
      const acrElasticity = config.analysis.acrElasticity ?? 1 / config.preferences.sigmaEps;
      const report = welfareChange(baseline, counterfactual, { acrElasticity });
      const rows = report.countries;
      const byCountry = (f: (r: (typeof rows)[number]) => number) => Object.fromEntries(rows.map((r) => [r.country, f(r)]));
      const summary = {
        config: name,
        experiment: importer === undefined ? `global ${100 * cut}% cut in all trade costs` : `${100 * cut}% cut in ${opts.unilateral} import costs`,
        welfare: byCountry((r) => r.averageGain),
        gainers: byCountry((r) => r.gainersPercent),
        acr: byCountry((r) => r.acr),
        consumptionEquivalent: byCountry((r) => r.averageConsumptionGain),
        wealthMeasureUndefinedPercent: byCountry((r) => r.undefinedPercent),
        poorestQuintile: byCountry((r) => r.bottomQuintileGain),
        richestQuintile: byCountry((r) => r.topQuintileGain),
        poorestQuintileConsumption: byCountry((r) => r.bottomQuintileConsumptionGain),
        richestQuintileConsumption: byCountry((r) => r.topQuintileConsumptionGain),
        acrElasticity,
        wages: { baseline: Object.fromEntries(config.countries.map((c, i) => [c, baseline.wages[i]])), counterfactual: Object.fromEntries(config.countries.map((c, i) => [c, counterfactual.wages[i]])) },
        homeShare: {
          baseline: Object.fromEntries(config.countries.map((c, i) => [c, baseline.importShares[i * M + i]])),
          counterfactual: Object.fromEntries(config.countries.map((c, i) => [c, counterfactual.importShares[i * M + i]])),
        },
        R: { baseline: baseline.R instanceof Float64Array ? Array.from(baseline.R) : baseline.R, counterfactual: counterfactual.R instanceof Float64Array ? Array.from(counterfactual.R) : counterfactual.R },
        seconds: (performance.now() - started) / 1000,
      };
      const dir = opts.out ?? join('out', name, `welfare-${experiment}`);
      const markdown = welfareMarkdown(`${name}: ${summary.experiment}`, rows, acrElasticity);
      writeFileAtomic(join(dir, 'welfare.md'), markdown);
      writeFileAtomic(join(dir, 'welfare.json'), JSON.stringify(summary, null, 2) + '\n');
      const files = writeWelfareTable(dir, rows, baseline);
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(markdown + `\nwrote ${files.length + 2} files to ${dir}/\n`);
    });
}
