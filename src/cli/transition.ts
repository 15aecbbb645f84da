// `deqn transition <config.json> --set tariff.<importer>.<exporter>=0.25 [--periods T] [--json]`:
// perfect-foresight transition of a heterogeneous-agent trade config after an unanticipated permanent
// policy change at t = 0 (float64 reference, src/models/ha-trade/transition.ts), and welfare including
// the transition next to the steady-state comparison, by country and by decile of wealth and income.
import type { Command } from 'commander';
import { join } from 'node:path';
import { buildEconomy, configName, loadConfig } from '../models/ha-trade/config.ts';
import { solveEquilibrium } from '../models/ha-trade/index.ts';
import { predictWages } from '../models/ha-trade/predict.ts';
import { solveTransition } from '../models/ha-trade/transition.ts';
import { transitionWelfare } from '../models/ha-trade/transition-welfare.ts';
import { aggregateStateFits, forecastWelfare } from '../models/ha-trade/transition-aggregate.ts';
import { parsePolicyChange, transitionMarkdown, writeTransitionFiles } from '../models/ha-trade/transition-report.ts';
import { writeFileAtomic } from '../io/tables.ts';
import { integerOption } from './options.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

interface TransitionCliOptions {
  set: string[];
  periods?: string;
  json?: boolean;
  out?: string;
  quiet?: boolean;
}

export function registerTransition(program: Command): void {
  program
    .command('transition')
    .description('transition path and welfare after an unanticipated permanent tariff / trade-cost change in a heterogeneous-agent trade config (float64 reference)')
    .argument('<config>', 'ha-trade config JSON, e.g. models/ha-trade-two-country.json')
    .option('--set <assignment>', 'policy: tariff.<importer>.<exporter>=rate or tradeCostScale=factor; any other PATH=VALUE overrides the config for both equilibria (repeatable)', collect, [])
    .option('--periods <T>', 'periods until the new steady state is imposed (default 200)')
    .option('--json', 'print one JSON object: welfare including the transition and steady state per country, deciles, paths summary, Newton table')
    .option('--out <dir>', 'output directory (default out/<config-name>/transition-<policy>/)')
    .option('--quiet', 'no progress lines on stderr')
    .action((file: string, opts: TransitionCliOptions) => {
      const started = performance.now();
      const T = integerOption('--periods', opts.periods, 10, 2000) ?? 200;
      const probe = loadConfig(file);
      const econ0 = buildEconomy(probe.config, probe.baseDir);
      const policy = parsePolicyChange(opts.set, probe.config.countries, econ0.tariffs, econ0.tradeCosts);
      const { config, baseDir } = loadConfig(file, policy.configSets);
      const name = configName(file);
      const log = (stage: string) => (opts.quiet ? undefined : (m: string) => process.stderr.write(`[transition ${name} ${stage}] ${m}\n`));
      // Tight stationary solves: the transition starts and ends at them, and its residuals are measured against them.
      config.solver.householdTolerance = Math.min(config.solver.householdTolerance, 1e-12);
      config.solver.distributionTolerance = Math.min(config.solver.distributionTolerance, 1e-13);
      const tol = Math.min(config.solver.tolerance, 1e-10);
      const econ = buildEconomy(config, baseDir);
      const old = solveEquilibrium(config, { baseDir, tol, log: log('old steady state') });
      const initialWages = predictWages(econ, old.residuals.imports, old.wages, { tradeCosts: policy.tradeCosts, tariffs: policy.tariffs });
      const next = solveEquilibrium(config, { baseDir, tol, tariffs: policy.tariffs, tradeCosts: policy.tradeCosts, log: log('new steady state'), initial: { wages: initialWages, R: old.R, rebates: old.rebates } });
      const path = solveTransition(old, next, { periods: T, tol: 1e-9, log: log('path') });
      const gap = Math.max(...path.terminalDistributionGap);
      // The new steady state is imposed after T periods: the distribution must have got there by itself.
      if (gap > 1e-6) process.stderr.write(`[transition ${name}] warning: the date-T distribution is ${gap.toExponential(2)} (sup norm) from the new stationary one; increase --periods\n`);
      log('welfare')?.('consumption equivalents of every household (old, transition, new values)');
      const welfare = transitionWelfare(old, next, path);
      const fits = aggregateStateFits(path);
      log('aggregate state')?.('welfare along the price paths forecast from few-moment aggregate states');
      const forecast = forecastWelfare(old, next, path, fits);
      const seconds = (performance.now() - started) / 1000;
      const title = `${name}: ${policy.description}`;
      const dir = opts.out ?? join('out', name, `transition-${policy.description.replace(/[^A-Za-z0-9.=-]+/g, '_')}`);
      const files = writeTransitionFiles(dir, title, path, welfare, seconds, fits, forecast);
      const byCountry = <V>(f: (i: number) => V) => Object.fromEntries(path.countries.map((c, i) => [c, f(i)]));
      const summary = {
        config: name,
        policy: policy.description,
        periods: T,
        welfare: {
          transition: byCountry((i) => welfare[i].transition.utilitarian),
          steadyState: byCountry((i) => welfare[i].steadyState.utilitarian),
        },
        consumptionEquivalent: {
          transition: byCountry((i) => welfare[i].transition.meanConsumption),
          steadyState: byCountry((i) => welfare[i].steadyState.meanConsumption),
        },
        gainers: {
          transition: byCountry((i) => welfare[i].transition.gainersPercent),
          steadyState: byCountry((i) => welfare[i].steadyState.gainersPercent),
        },
        deciles: byCountry((i) => ({ transition: welfare[i].transition, steadyState: welfare[i].steadyState })),
        prices: {
          old: { wages: byCountry((i) => old.wages[i]), R: typeof old.R === 'number' ? old.R : Array.from(old.R), rebates: byCountry((i) => old.rebates[i]) },
          new: { wages: byCountry((i) => next.wages[i]), R: typeof next.R === 'number' ? next.R : Array.from(next.R), rebates: byCountry((i) => next.rebates[i]) },
          impact: { wages: byCountry((i) => path.wages[0][i]), R1: Array.from(path.R[1]), rebates: byCountry((i) => path.rebates[0][i]) },
        },
        netForeignAssetsToIncome: { start: byCountry((i) => path.netForeignAssets[0][i]), end: byCountry((i) => path.netForeignAssets[T][i]) },
        aggregateState: fits.map(({ forecast: _, ...f }) => f),
        aggregateStateWelfare: forecast,
        residualNorm: path.residualNorm,
        terminalDistributionGap: gap,
        converged: gap <= 1e-6,
        newton: path.iterations,
        jacobianCpuSeconds: path.jacobianCpuSeconds,
        transitionCpuSeconds: path.cpuSeconds,
        seconds,
        outDir: dir,
      };
      writeFileAtomic(join(dir, 'transition.json'), JSON.stringify(summary, null, 2) + '\n');
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(transitionMarkdown(title, path, welfare, seconds, fits, forecast) + `\nwrote ${files.length + 1} files to ${dir}/\n`);
    });
}
