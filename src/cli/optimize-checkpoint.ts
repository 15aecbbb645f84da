// `deqn optimize <checkpoint-dir> --mode unilateral|nash [--country ISO] [--json] [--out DIR]`: optimal
// tariffs through a trained, policy-conditioned heterogeneous-agent trade checkpoint. Welfare is each
// country's utilitarian consumption equivalent over its status-quo distribution, differentiated by
// automatic differentiation through the price tower and the household network with the adjoint of the
// value fixed point (src/models/ha-trade-deqn/policy-objective.ts, welfare-gradient.ts); unilateral optima
// by the bounded L-BFGS of src/policy, Nash tariffs by its damped best-response dynamics. The same
// problems are solved in the representative-agent Armington economy (trade elasticity 1/sigma_eps)
// for comparison, and the network's counterfactual at the HA optimum says who gains and who loses.
import { join } from 'node:path';
import { initBackend } from '../tensor/backend.ts';
import { UsageError } from '../io/errors.ts';
import { toMarkdown, writeFileAtomic, writeTable } from '../io/tables.ts';
import { bestResponse, nashEquilibrium, DEFAULT_NASH, DEFAULT_OPTIMIZER, type OptimizerSettings } from '../policy/equilibria.ts';
import type { PolicyObjective } from '../policy/objective.ts';
import { networkPolicyObjective } from '../models/ha-trade-deqn/policy-objective.ts';
import { representativeObjective } from '../models/ha-trade-deqn/ra-objective.ts';
import { solveRepresentativeAgent } from '../models/ha-trade-deqn/representative-agent.ts';
import { runCounterfactual, policyNames } from '../models/ha-trade-deqn/counterfactual.ts';
import { finishCheckpointCommand, gridPointsOption, loadHaTradeCheckpoint } from './counterfactual-checkpoint.ts';

export interface CheckpointOptimizeOptions {
  mode?: string;
  country?: string;
  json?: boolean;
  out?: string;
  backend?: string;
  gridPoints?: string;
}

export interface PolicyOutcome {
  /** Instruments (input tariffs) at the optimum, by name. */
  tariffs: Record<string, number>;
  /** Welfare (%) of every country at the optimum, relative to the status quo. */
  welfare: Record<string, number>;
  converged: boolean;
  evaluations?: number;
  seconds: number;
}

// Gradient tolerance 1e-4 (% welfare per unit tariff): the welfare of the float32 networks is resolved to about 1e-6 %,
// so a tighter tolerance only spends line-search evaluations (measured: hundreds per best response at 1e-5).
const SETTINGS: OptimizerSettings = { ...DEFAULT_OPTIMIZER, maxIterations: 30, tolerance: 1e-4 };

function solve(objective: PolicyObjective, mode: 'unilateral' | 'nash', player: number | undefined, names: string[]): PolicyOutcome {
  const started = performance.now();
  const a0 = objective.initial();
  let a: Float64Array;
  let welfare: Float64Array;
  let converged: boolean;
  if (mode === 'unilateral') {
    const r = bestResponse(objective, a0, player!, SETTINGS);
    a = r.a;
    welfare = r.welfare;
    converged = r.converged;
  } else {
    const r = nashEquilibrium(objective, a0, { ...DEFAULT_NASH, damping: 0.5, tolerance: 1e-3, maxRounds: 30, optimizer: SETTINGS });
    a = r.a;
    welfare = r.welfare;
    converged = r.converged;
  }
  return {
    tariffs: Object.fromEntries(Array.from(a, (v, k) => [names[k], v])),
    welfare: Object.fromEntries(objective.players.map((p, i) => [p, welfare[i]])),
    converged,
    seconds: (performance.now() - started) / 1000,
  };
}

export async function checkpointOptimize(dir: string, opts: CheckpointOptimizeOptions): Promise<void> {
  const mode = opts.mode ?? 'unilateral';
  if (mode !== 'unilateral' && mode !== 'nash') throw new UsageError(`--mode ${mode}: expected unilateral or nash`);
  // 100 points by default: the optimal tariffs move by about 0.001 from 100 to 400 points, while a Nash
  // equilibrium costs ~11x the CPU there (bench/ha-trade-deqn-tariffs.ts --grid-points 400: 1,518 s vs 137 s).
  const gridPoints = gridPointsOption(opts.gridPoints, 100);
  await initBackend(opts.backend);
  const { run, model } = loadHaTradeCheckpoint(dir);
  const { world } = model;
  const country = opts.country ?? world.countries[0];
  const player = world.countries.indexOf(country);
  if (player < 0) throw new UsageError(`--country ${country}: not one of the checkpoint's countries (${world.countries.join(', ')})`);
  if (!world.pairs.some(([i]) => i === player)) throw new UsageError(`--country ${country}: sets no tariff that is an input of this checkpoint`);
  const names = policyNames(world).slice(0, world.pairs.length);
  process.stderr.write(`optimize ${mode}${mode === 'unilateral' ? ` (${country})` : ''}: networks of ${dir}, episode ${run.trainer.episode}\n`);
  const ha = networkPolicyObjective(model, run.net, { points: gridPoints });
  const haResult = { ...solve(ha, mode, player, names), evaluations: ha.evaluations };
  const raResult = solve(representativeObjective(world), mode, player, names);
  // Who gains and loses at the heterogeneous-agent optimum.
  const cf = runCounterfactual(model, run.net, ha.policyOf(Float64Array.from(names, (n) => haResult.tariffs[n])), gridPoints);
  const raAt = solveRepresentativeAgent(world, Float64Array.from([...names.map((n) => raResult.tariffs[n]), 1]));
  const M = world.M;
  // Gros (1987) / MODELS.md D3-D4 check of the RA optimum with two countries: t* = 1/(theta [1 - (1 - delta_F) lambda_HF]).
  const theta = 1 / world.config.preferences.sigmaEps;
  const gros =
    M === 2 && mode === 'unilateral'
      ? (() => {
          const f = 1 - player;
          const tF = raResult.tariffs[names.find((_, k) => world.pairs[k][0] === f) ?? ''] ?? 0;
          const lamFF = raAt.shares[f * M + f];
          const lamHF = raAt.shares[f * M + player]; // H's share in F's spending
          const delta = (tF * lamFF) / (1 + tF * lamFF);
          return 1 / (theta * (1 - (1 - delta) * lamHF));
        })()
      : undefined;
  const summary = {
    checkpoint: dir,
    mode,
    country: mode === 'unilateral' ? country : undefined,
    welfareMeasure: 'utilitarian consumption equivalent (%): one scaling of every household\'s period resources equating population-weighted values over the status-quo distribution (MODELS.md §C.5); RA: % change of real spending',
    heterogeneousAgent: haResult,
    representativeAgent: { ...raResult, grosFormula: gros },
    atHeterogeneousOptimum: {
      meanHouseholdWelfare: Object.fromEntries(cf.welfare.map((w) => [w.country, w.averageGain])),
      gainers: Object.fromEntries(cf.welfare.map((w) => [w.country, w.gainersPercent])),
      poorestQuintile: Object.fromEntries(cf.welfare.map((w) => [w.country, w.bottomQuintileGain])),
      richestQuintile: Object.fromEntries(cf.welfare.map((w) => [w.country, w.topQuintileGain])),
      welfareByWealthDecile: Object.fromEntries(cf.welfare.map((w) => [w.country, w.byWealthDecile])),
      welfareByIncomeDecile: Object.fromEntries(cf.welfare.map((w) => [w.country, w.byIncomeDecile])),
      R: cf.counterfactual.prices.R[0],
      wages: Object.fromEntries(world.countries.map((c, i) => [c, cf.counterfactual.prices.wages[i]])),
    },
  };
  const outDir = opts.out ?? join('out', run.runId, `optimize-${mode}${mode === 'unilateral' ? `-${country}` : ''}`);
  const tariffTable = {
    instrument: names,
    heterogeneous_agent: names.map((n) => haResult.tariffs[n]),
    representative_agent: names.map((n) => raResult.tariffs[n]),
  };
  const welfareTable = {
    country: world.countries,
    heterogeneous_agent_pct: world.countries.map((c) => haResult.welfare[c]),
    representative_agent_pct: world.countries.map((c) => raResult.welfare[c]),
    gainers_pct: world.countries.map((c) => summary.atHeterogeneousOptimum.gainers[c]),
    poorest_quintile_pct: world.countries.map((c) => summary.atHeterogeneousOptimum.poorestQuintile[c]),
    richest_quintile_pct: world.countries.map((c) => summary.atHeterogeneousOptimum.richestQuintile[c]),
  };
  const deciles = {
    country: world.countries.flatMap((c) => Array<string>(10).fill(c)),
    decile: world.countries.flatMap(() => Array.from({ length: 10 }, (_, d) => d + 1)),
    welfare_by_wealth_decile_pct: cf.welfare.flatMap((w) => w.byWealthDecile),
    welfare_by_income_decile_pct: cf.welfare.flatMap((w) => w.byIncomeDecile),
  };
  const files = [...writeTable(join(outDir, 'tariffs'), tariffTable), ...writeTable(join(outDir, 'welfare'), welfareTable), ...writeTable(join(outDir, 'welfare-deciles'), deciles)];
  const markdown = [
    `# ${run.runId}: ${mode === 'unilateral' ? `unilaterally optimal tariffs of ${country}` : 'Nash tariffs'}`,
    '',
    `- welfare: ${summary.welfareMeasure}`,
    `- heterogeneous agents: ${haResult.converged ? 'converged' : 'NOT converged'} in ${haResult.seconds.toFixed(1)} s (${haResult.evaluations} network evaluations); representative agent: ${raResult.converged ? 'converged' : 'NOT converged'}`,
    gros !== undefined ? `- Gros formula at the RA optimum: t* = ${gros.toFixed(5)}` : '',
    '',
    toMarkdown(tariffTable),
    toMarkdown(welfareTable),
    '## Who gains and loses at the heterogeneous-agent optimum (CE %, by decile)',
    '',
    toMarkdown(deciles),
  ].join('\n');
  finishCheckpointCommand(run, outDir, markdown, summary, files.length, opts.json);
}
