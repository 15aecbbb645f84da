// Running the union experiments of the slides (MODELS.md §E.6: trade only, industrial only, public
// only, trade + industrial, full mix) and writing their result files. Shared by `deqn union` and
// bench/union-policy.ts.
import { join } from 'node:path';
import { writeTable, writeFileAtomic, toMarkdown } from '../../io/tables.ts';
import type { UnionModel } from './model.ts';
import { UnionPolicyObjective, EXPERIMENTS, type ExperimentName, type InstrumentBounds, type InstrumentKind } from './objective.ts';
import { optimizeMultiStart, type MultiStartResult, type UnionOptimizerSettings } from './multistart.ts';
import { histogramSvg, barSvg } from './svg.ts';

export interface ExperimentSettings {
  bounds: InstrumentBounds;
  starts: number;
  radiusStep: number;
  seed: number;
  metric?: 'curvature' | 'instrument';
  optimizer: UnionOptimizerSettings;
}

export interface ExperimentResult {
  name: ExperimentName;
  kinds: readonly InstrumentKind[];
  objective: UnionPolicyObjective;
  result: MultiStartResult;
}

export function runUnionExperiments(model: UnionModel, names: ExperimentName[], s: ExperimentSettings, progress?: (msg: string) => void): ExperimentResult[] {
  return names.map((name) => {
    const objective = new UnionPolicyObjective(model, EXPERIMENTS[name], s.bounds);
    progress?.(`${name}: ${objective.dimension} instruments, ${s.starts} start(s)`);
    const result = optimizeMultiStart(objective, { starts: s.starts, radiusStep: s.radiusStep, seed: s.seed, metric: s.metric, optimizer: s.optimizer }, progress);
    progress?.(`${name}: welfare gain ${result.mean.toFixed(4)} % (std ${result.std.toFixed(4)}) in ${result.seconds.toFixed(1)} s`);
    return { name, kinds: EXPERIMENTS[name], objective, result };
  });
}

/** {experiment: {welfareMean, welfareStd}} in percent (the CLI's --json output). */
export function welfareSummary(results: ExperimentResult[]): Record<string, { welfareMean: number; welfareStd: number }> {
  return Object.fromEntries(results.map((r) => [r.name, { welfareMean: r.result.mean, welfareStd: r.result.std }]));
}

export function writeUnionOutputs(outDir: string, model: UnionModel, results: ExperimentResult[], title: string): string[] {
  const { U, S } = model;
  const data = model.base.data;
  const regions = data.locations.slice(0, U);
  const files: string[] = [];
  const welfare = {
    experiment: results.map((r) => r.name),
    welfareMean: results.map((r) => r.result.mean),
    welfareStd: results.map((r) => r.result.std),
    bestGain: results.map((r) => r.result.best.welfareGain),
    starts: results.map((r) => r.result.runs.filter((s) => Number.isFinite(s.welfareGain)).length),
    instruments: results.map((r) => r.objective.dimension),
    seconds: results.map((r) => r.result.seconds),
    equilibriumSolves: results.map((r) => r.objective.evaluations),
  };
  files.push(...writeTable(join(outDir, 'welfare'), welfare, { markdown: true }));
  const runs = results.flatMap((r) => r.result.runs.map((s) => ({ r, s })));
  files.push(
    ...writeTable(join(outDir, 'starts'), {
      experiment: runs.map(({ r }) => r.name),
      start: runs.map(({ s }) => s.start),
      radius: runs.map(({ s }) => s.radius),
      welfareGain: runs.map(({ s }) => s.welfareGain),
      projectedGradient: runs.map(({ s }) => s.projectedGradient),
      iterations: runs.map(({ s }) => s.iterations),
      evaluations: runs.map(({ s }) => s.evaluations),
      converged: runs.map(({ s }) => (s.converged ? 1 : 0)),
      stop: runs.map(({ s }) => s.reason),
      seconds: runs.map(({ s }) => s.seconds),
    }),
  );
  // Instruments of each experiment's best start.
  const tariffRows = results.flatMap((r) => Array.from({ length: S }, (_, k) => ({ r, k })));
  files.push(
    ...writeTable(join(outDir, 'tariffs'), {
      experiment: tariffRows.map(({ r }) => r.name),
      sector: tariffRows.map(({ k }) => data.sectors[k]),
      tariff: tariffRows.map(({ r, k }) => r.result.bestEquilibrium.policy.tariff[k]),
    }),
  );
  const placeRows = results.flatMap((r) => Array.from({ length: U * S }, (_, k) => ({ r, k })));
  files.push(
    ...writeTable(join(outDir, 'instruments'), {
      experiment: placeRows.map(({ r }) => r.name),
      region: placeRows.map(({ k }) => regions[Math.floor(k / S)]),
      sector: placeRows.map(({ k }) => data.sectors[k % S]),
      netTax: placeRows.map(({ r, k }) => r.result.bestEquilibrium.policy.tax[k]),
      publicDemandChange: placeRows.map(({ r, k }) => r.result.bestEquilibrium.policy.publicDemand[k] - 1),
    }),
  );
  const regionRows = results.flatMap((r) => regions.map((_, n) => ({ r, n })));
  const gain = (r: ExperimentResult, n: number) => 100 * Math.expm1(r.result.bestEquilibrium.logWelfare[n]);
  files.push(
    ...writeTable(join(outDir, 'regions'), {
      experiment: regionRows.map(({ r }) => r.name),
      region: regionRows.map(({ n }) => regions[n]),
      welfareChange: regionRows.map(({ r, n }) => gain(r, n)),
      weight: regionRows.map(({ n }) => model.base.welfareWeights[n]),
    }),
  );
  // Winners and losers, and the SVG plots.
  const md: string[] = [`# ${title}: regional winners and losers`, '', 'Welfare change Ŵ_n − 1 in percent at each experiment\'s best optimum.', ''];
  for (const r of results) {
    const order = regions.map((_, n) => n).sort((a, b) => gain(r, b) - gain(r, a));
    const top = order.slice(0, Math.min(10, U));
    const bottom = order.slice(-Math.min(10, U)).reverse();
    const losers = order.filter((n) => gain(r, n) < 0).length;
    md.push(`## ${r.name} (union ${r.result.best.welfareGain.toFixed(3)} %; ${U - losers} regions gain, ${losers} lose)`, '');
    md.push('Top winners', '', toMarkdown({ region: top.map((n) => regions[n]), welfareChange: top.map((n) => gain(r, n)) }), 'Top losers', '');
    md.push(toMarkdown({ region: bottom.map((n) => regions[n]), welfareChange: bottom.map((n) => gain(r, n)) }));
    const svg = (name: string, text: string) => {
      const f = join(outDir, `${r.name}-${name}.svg`);
      writeFileAtomic(f, text);
      files.push(f);
    };
    const p = r.result.bestEquilibrium.policy;
    if (r.kinds.includes('tariff')) svg('tariffs', barSvg(data.sectors, p.tariff.map((t) => 100 * t), `${r.name}: common external tariff by sector`, 'tariff (%)'));
    if (r.kinds.includes('tax')) svg('net-tax', histogramSvg(p.tax.map((t) => 100 * t), `${r.name}: net production tax by sector-region`, 'net tax (%, < 0 = subsidy)'));
    if (r.kinds.includes('public')) svg('public-demand', histogramSvg(p.publicDemand.map((g) => 100 * (g - 1)), `${r.name}: change in public demand by sector-region`, 'Ĝ − 1 (%)'));
    svg('regional-welfare', histogramSvg(regions.map((_, n) => gain(r, n)), `${r.name}: regional welfare change`, 'Ŵ − 1 (%)'));
  }
  const mdFile = join(outDir, 'winners-losers.md');
  writeFileAtomic(mdFile, md.join('\n'));
  files.push(mdFile);
  return files;
}
