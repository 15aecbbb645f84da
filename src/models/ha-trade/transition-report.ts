// Policy parsing and output files of `deqn transition`: the path table (CSV + Arrow), welfare including
// the transition next to steady state to steady state (Markdown, CSV + Arrow, by decile), the
// quasi-Newton convergence table and an SVG of the price paths.
import { join } from 'node:path';
import { UsageError } from '../../io/errors.ts';
import { formatNumber, toMarkdown, writeFileAtomic, writeTable } from '../../io/tables.ts';
import { lineChart } from './svg.ts';
import type { TransitionPath } from './transition.ts';
import type { TransitionWelfareCountry, WelfareSide } from './transition-welfare.ts';
import type { ForecastWelfare, StateFit } from './transition-aggregate.ts';

export interface PolicyChange {
  /** New tariff matrix t[i * M + j] (importer i, exporter j). */
  tariffs: Float64Array;
  /** New trade-cost matrix. */
  tradeCosts: Float64Array;
  /** Human-readable description, e.g. "tariff.HOME.FOREIGN=0.25". */
  description: string;
  /** Remaining --set assignments: config overrides applied to both equilibria. */
  configSets: string[];
}

/**
 * Splits --set assignments into the policy change (tariff.<importer>.<exporter>=rate,
 * tradeCostScale=factor on every d_ij, i != j) and config overrides (any other PATH=VALUE).
 */
export function parsePolicyChange(sets: readonly string[], countries: readonly string[], tariffs: Float64Array, tradeCosts: Float64Array): PolicyChange {
  const M = countries.length;
  const t = Float64Array.from(tariffs);
  const d = Float64Array.from(tradeCosts);
  const parts: string[] = [];
  const configSets: string[] = [];
  for (const assignment of sets) {
    const eq = assignment.indexOf('=');
    const name = eq > 0 ? assignment.slice(0, eq).trim() : '';
    const value = Number(assignment.slice(eq + 1));
    const tariff = /^tariff\.([^.]+)\.([^.]+)$/.exec(name);
    if (tariff) {
      const i = countries.indexOf(tariff[1]);
      const j = countries.indexOf(tariff[2]);
      if (i < 0 || j < 0) throw new UsageError(`--set ${assignment}: unknown country in "${name}" (countries: ${countries.join(', ')})`);
      if (i === j) throw new UsageError(`--set ${assignment}: own tariff t_ii must stay 0; use tariff.<importer>.<exporter> with two different countries`);
      if (!(Number.isFinite(value) && value > -1)) throw new UsageError(`--set ${assignment}: tariff must be a number > -1`);
      t[i * M + j] = value;
      parts.push(`${name}=${value}`);
    } else if (name === 'tradeCostScale') {
      if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`--set ${assignment}: tradeCostScale must be a positive number`);
      for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) if (i !== j) d[i * M + j] = Math.max(1, tradeCosts[i * M + j] * value);
      parts.push(`${name}=${value}`);
    } else configSets.push(assignment);
  }
  if (parts.length === 0) throw new UsageError('transition: no policy change given; use e.g. --set tariff.HOME.FOREIGN=0.25 (and/or tradeCostScale=0.9)');
  return { tariffs: t, tradeCosts: d, description: parts.join(', '), configSets };
}

export function pathColumns(path: TransitionPath): Record<string, number[]> {
  const cols: Record<string, number[]> = { t: Array.from({ length: path.periods }, (_, t) => t) };
  path.countries.forEach((c, i) => {
    cols[`wage_${c}`] = path.wages.map((w) => w[i]);
    cols[`R_${c}`] = path.wages.map((_, t) => path.R[t][i]);
    cols[`rebate_${c}`] = path.rebates.map((r) => r[i]);
    cols[`assets_${c}`] = path.wages.map((_, t) => path.assets[t][i]);
    cols[`nfa_to_income_${c}`] = path.wages.map((_, t) => path.netForeignAssets[t][i]);
    cols[`home_share_${c}`] = path.homeShare.map((h) => h[i]);
  });
  return cols;
}

function sideColumns(rows: TransitionWelfareCountry[], pick: (s: WelfareSide) => number): { transition: number[]; steady: number[] } {
  return { transition: rows.map((r) => pick(r.transition)), steady: rows.map((r) => pick(r.steadyState)) };
}

export function welfareColumns(rows: TransitionWelfareCountry[]): Record<string, number[] | string[]> {
  const u = sideColumns(rows, (s) => s.utilitarian);
  const c = sideColumns(rows, (s) => s.meanConsumption);
  const w = sideColumns(rows, (s) => s.meanWealthMeasure);
  const g = sideColumns(rows, (s) => s.gainersPercent);
  return {
    country: rows.map((r) => r.country),
    utilitarian_transition_pct: u.transition,
    utilitarian_steady_state_pct: u.steady,
    mean_consumption_ce_transition_pct: c.transition,
    mean_consumption_ce_steady_state_pct: c.steady,
    mean_wealth_measure_transition_pct: w.transition,
    mean_wealth_measure_steady_state_pct: w.steady,
    gainers_transition_pct: g.transition,
    gainers_steady_state_pct: g.steady,
    wealth_measure_undefined_pct: rows.map((r) => r.wealthMeasureUndefinedPercent),
  };
}

export function decileColumns(rows: TransitionWelfareCountry[]): Record<string, number[] | string[]> {
  const per = <T>(f: (r: TransitionWelfareCountry, d: number) => T) => rows.flatMap((r) => Array.from({ length: 10 }, (_, d) => f(r, d)));
  return {
    country: per((r) => r.country),
    decile: per((_, d) => d + 1),
    wealth_ce_transition_pct: per((r, d) => r.transition.byWealthDecile.consumption[d]),
    wealth_ce_steady_state_pct: per((r, d) => r.steadyState.byWealthDecile.consumption[d]),
    wealth_gainers_transition_pct: per((r, d) => r.transition.byWealthDecile.gainers[d]),
    wealth_gainers_steady_state_pct: per((r, d) => r.steadyState.byWealthDecile.gainers[d]),
    income_ce_transition_pct: per((r, d) => r.transition.byIncomeDecile.consumption[d]),
    income_ce_steady_state_pct: per((r, d) => r.steadyState.byIncomeDecile.consumption[d]),
    income_gainers_transition_pct: per((r, d) => r.transition.byIncomeDecile.gainers[d]),
    income_gainers_steady_state_pct: per((r, d) => r.steadyState.byIncomeDecile.gainers[d]),
  };
}

export function newtonColumns(path: TransitionPath): Record<string, number[]> {
  return {
    iteration: path.iterations.map((r) => r.iteration),
    residual: path.iterations.map((r) => r.residual),
    goods: path.iterations.map((r) => r.goods),
    bonds: path.iterations.map((r) => r.bonds),
    government: path.iterations.map((r) => r.government),
    step_taken: path.iterations.map((r) => r.step),
    cpu_seconds: path.iterations.map((r) => r.cpuSeconds),
  };
}

/** Price and aggregate-state paths, each series relative to its t = T - 1 value minus one (in %). */
export function pathChart(title: string, path: TransitionPath): string {
  const T = path.periods;
  const x = Array.from({ length: T }, (_, t) => t);
  const pct = (y: number[], end: number) => y.map((v) => 100 * (v / end - 1));
  const series = path.countries.flatMap((c, i) => [{ name: `wage ${c}`, x, y: pct(path.wages.map((w) => w[i]), path.wages[T - 1][i]) }]);
  series.push({ name: 'R (level - end, bp)', x, y: x.map((t) => 1e4 * (path.R[t + 1][0] - path.R[T][0])) });
  return lineChart({ title, xLabel: 'period after the change', yLabel: 'wages: % from new steady state; R: basis points', series });
}

export function assetsChart(title: string, path: TransitionPath): string {
  const T = path.periods;
  const x = Array.from({ length: T + 1 }, (_, t) => t);
  const series = path.countries.map((c, i) => ({ name: `NFA/income ${c}`, x, y: path.netForeignAssets.map((a) => a[i]) }));
  return lineChart({ title, xLabel: 'period after the change', yLabel: 'net foreign assets / labour income', series });
}

export function aggregateFitColumns(fits: StateFit[]): Record<string, number[] | string[]> {
  const rows = fits.flatMap((f) => f.prices.map((p) => ({ state: f.state, ...p })));
  return {
    state: rows.map((r) => r.state),
    price: rows.map((r) => r.price),
    range: rows.map((r) => r.range),
    r2: rows.map((r) => r.r2),
    one_step_error_pct_of_range: rows.map((r) => r.oneStepErrorPercent),
    dynamic_forecast_error_pct_of_range: rows.map((r) => r.dynamicErrorPercent),
  };
}

export function forecastWelfareColumns(path: TransitionPath, rows: ForecastWelfare[]): Record<string, number[] | string[]> {
  const out: Record<string, number[] | string[]> = { state: rows.map((r) => r.state) };
  path.countries.forEach((c, i) => {
    out[`utilitarian_${c}_pct`] = rows.map((r) => r.utilitarian[i]);
    out[`error_${c}_pct_points`] = rows.map((r) => r.error[i]);
  });
  return out;
}

export function transitionMarkdown(title: string, path: TransitionPath, rows: TransitionWelfareCountry[], seconds: number, fits: StateFit[] = [], forecast: ForecastWelfare[] = []): string {
  const lines = [
    `# ${title}`,
    '',
    `Perfect-foresight transition over ${path.periods} periods from the old stationary distribution; final residual ${path.residualNorm.toExponential(2)} (scaled, every market and date); ` +
      `date-T distribution within ${formatNumber(Math.max(...path.terminalDistributionGap), 3)} of the new stationary one. ` +
      `${path.iterations.length - 1} quasi-Newton iterations on the sequence-space Jacobian (${path.jacobianCpuSeconds.toFixed(2)} s CPU to build), ${path.cpuSeconds.toFixed(2)} s CPU in all; ${seconds.toFixed(1)} s wall for the command.`,
    '',
    '## Welfare: including the transition vs steady state to steady state (%)',
    '',
    'Utilitarian: one wealth scaling of every household\'s period resources at the old prices that matches the population\'s summed value; consumption CE: Lucas equivalent at the old allocation, mean over households; gainers: share with a higher value.',
    '',
    toMarkdown(welfareColumns(rows)),
    '## By decile of wealth and of labour income (consumption CE %, share gaining %)',
    '',
    toMarkdown(decileColumns(rows)),
    '## Quasi-Newton convergence',
    '',
    toMarkdown(newtonColumns(path)),
    ...(fits.length
      ? [
          '## Aggregate state: how well do a few moments of the asset distributions describe the prices? (Krusell–Smith check on this path)',
          '',
          'Prices at t regressed on the state entering t; law of motion s_{t+1} = c + B s_t; errors in % of the price\'s total movement along the path (one step: true state; dynamic: state forecast from s_0). Relative wages that do not move need no state (0).',
          '',
          toMarkdown(aggregateFitColumns(fits)),
        ]
      : []),
    ...(forecast.length
      ? [
          '## Welfare including the transition if households faced the forecast prices of each aggregate state (utilitarian %, error vs the equilibrium path in percentage points)',
          '',
          toMarkdown(forecastWelfareColumns(path, forecast)),
        ]
      : []),
  ];
  return lines.join('\n') + '\n';
}

export function writeTransitionFiles(dir: string, title: string, path: TransitionPath, rows: TransitionWelfareCountry[], seconds: number, fits: StateFit[] = [], forecast: ForecastWelfare[] = []): string[] {
  const files = [
    ...writeTable(join(dir, 'aggregate-state-fit'), aggregateFitColumns(fits)),
    ...writeTable(join(dir, 'aggregate-state-welfare'), forecastWelfareColumns(path, forecast)),
    ...writeTable(join(dir, 'path'), pathColumns(path)),
    ...writeTable(join(dir, 'welfare'), welfareColumns(rows)),
    ...writeTable(join(dir, 'welfare-deciles'), decileColumns(rows)),
    ...writeTable(join(dir, 'newton'), newtonColumns(path)),
  ];
  const md = join(dir, 'transition.md');
  writeFileAtomic(md, transitionMarkdown(title, path, rows, seconds, fits, forecast));
  const svg = join(dir, 'prices.svg');
  writeFileAtomic(svg, pathChart(`${title}: price paths`, path));
  const assets = join(dir, 'assets.svg');
  writeFileAtomic(assets, assetsChart(`${title}: aggregate state`, path));
  return [...files, md, svg, assets];
}
