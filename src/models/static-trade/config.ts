// Config files of the static trade-policy engine (models/dlopt-7x44.json, models/ll2023-wiod.json,
// models/cp2015-nafta.json): data, imbalance treatment, solver, instruments, optimiser, Nash dynamics,
// subsidy implementation error and the counterfactual policy change. Paths are relative to the config.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../io/errors.ts';
import { readJsonFile, parseWithSchema } from '../../io/json-file.ts';
import type { TradeData } from './data/types.ts';
import { loadDlopt } from './data/dlopt.ts';
import { loadLl2023 } from './data/ll2023.ts';
import { loadCp2015 } from './data/cp2015.ts';

const bounds = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo < hi, 'lower bound must be below upper bound');
const sectorList = z.union([z.enum(['tradable', 'all']), z.array(z.number().int().min(1)).min(1)]);

const changeSchema = z
  .object({
    instrument: z.enum(['tariff', 'exportTax', 'subsidy']),
    /** Country setting the instrument: importer for tariffs, exporter for export taxes and subsidies. */
    country: z.string(),
    /** Trading partner (exporter for tariffs, destination for export taxes); all partners if absent. */
    partner: z.string().optional(),
    sectors: sectorList.default('tradable'),
    value: z.number(),
    mode: z.enum(['set', 'add']).default('set'),
  })
  .strict();

export const configSchema = z
  .object({
    model: z.literal('static-trade'),
    name: z.string().min(1),
    description: z.string().optional(),
    data: z
      .object({
        format: z.enum(['dlopt-7x44-2017', 'll2023-wiod2014', 'cp2015-nafta']),
        path: z.string().min(1),
        flows: z.enum(['raw', 'balanced-restricted-entry', 'balanced-free-entry']).optional(),
        elasticities: z.enum(['code', 'table3']).optional(),
      })
      .strict(),
    imbalances: z.enum(['fixed-deficits', 'balanced-baseline']).default('fixed-deficits'),
    solver: z
      .object({
        method: z.enum(['newton', 'fixed-point']).default('newton'),
        tolerance: z.number().positive().max(1e-3).default(1e-10),
        maxIterations: z.number().int().min(1).default(50),
        damping: z.number().gt(0).max(1).default(0.1),
        selection: z.enum(['continuation', 'nearest']).default('continuation'),
        localRadius: z.number().min(0).default(0.05),
      })
      .strict()
      .prefault({}),
    instruments: z
      .object({
        kinds: z.array(z.enum(['tariffs', 'subsidies', 'exportTaxes'])).min(1).default(['tariffs', 'subsidies']),
        tariffMode: z.enum(['uniform', 'discriminatory']).default('uniform'),
        exportTaxMode: z.enum(['uniform', 'discriminatory']).default('uniform'),
        subsidySectors: sectorList.default('tradable'),
        bounds: z
          .object({ tariff: bounds.default([-0.9, 5]), subsidy: bounds.default([-5, 0.9]), exportTax: bounds.default([-0.9, 5]) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    optimizer: z
      .object({
        method: z.enum(['lbfgsb', 'adam']).default('lbfgsb'),
        maxIterations: z.number().int().min(1).default(200),
        tolerance: z.number().positive().default(1e-7),
        learningRate: z.number().positive().default(0.01),
        maxStep: z.number().positive().default(0.25),
      })
      .strict()
      .prefault({}),
    nash: z
      .object({
        /**
         * 'best-response': damped best-response dynamics until max |Δa|/ω < tolerance;
         * 'newton': `warmupRounds` rounds of best-response dynamics with inexact best responses
         * (`warmupIterations` optimiser iterations each), then Newton on the joint first-order conditions
         * until every player's projected marginal welfare is below `newtonTolerance`.
         */
        method: z.enum(['best-response', 'newton']).default('best-response'),
        damping: z.number().gt(0).max(1).default(0.2),
        update: z.enum(['jacobi', 'gauss-seidel']).default('jacobi'),
        tolerance: z.number().positive().default(1e-3),
        maxRounds: z.number().int().min(1).default(100),
        warmupRounds: z.number().int().min(0).default(4),
        warmupIterations: z.number().int().min(1).default(30),
        newtonTolerance: z.number().positive().default(1e-7),
        newtonMaxIterations: z.number().int().min(1).default(20),
        finiteDifferenceStep: z.number().positive().default(1e-5),
        /** After convergence: each player's best response (L-BFGS-B) from the equilibrium and from its status quo. */
        verify: z.boolean().default(false),
        /**
         * 'newton' only: after Newton, deviation checks; while some player gains more than
         * `deviationTolerance` (log welfare), move the most profitable deviator to its best deviation
         * (after `restartWarmupRounds` best-response rounds) and run Newton again, at most `maxOuterRounds` times.
         */
        global: z.boolean().default(false),
        deviationTolerance: z.number().positive().default(1e-4),
        maxOuterRounds: z.number().int().min(1).default(4),
        restartWarmupRounds: z.number().int().min(0).default(1),
        /** Optimiser iterations of each deviation check's best response (default: optimizer.maxIterations). */
        deviationIterations: z.number().int().min(1).optional(),
      })
      .strict()
      .prefault({}),
    cooperative: z
      .object({
        /**
         * World objective Σ_i δ_i ln Ŵ_i: 'equal' δ_i = 1; 'income' δ_i = baseline income share, i.e. to
         * first order world real income — the efficiency criterion (with lump-sum international transfers
         * every Pareto optimum has the same policy, LL2023 eq. 9). Without transfers, equal weights reward
         * shifting income to small countries through the terms of trade.
         */
        weights: z.enum(['equal', 'income']).default('equal'),
        /**
         * Starting policy: 'status-quo' (the data's), or 'pigouvian' — free trade and s_j = ψ_j/(1+ψ_j), the
         * optimum of MODELS.md §D.5 D8/D9 (exact for a closed economy without input–output links).
         */
        start: z.enum(['status-quo', 'pigouvian']).default('status-quo'),
        /** Quasi-Newton iterations before the Newton polish (default: optimizer.maxIterations). */
        maxIterations: z.number().int().min(0).optional(),
        /**
         * solver.localRadius used by `--mode cooperative` only (default: solver.localRadius). The world
         * optimiser takes longer steps through regions where the equilibrium branch folds than a best
         * response does; a small radius (e.g. 0.001) continues nearly every trial policy from the status quo,
         * so every evaluation follows the selection rule exactly (slower, but its line search stays consistent).
         */
        localRadius: z
          .number({ error: 'expected a number >= 0 (max-norm wedge distance; e.g. 0.001), or leave it out to use solver.localRadius' })
          .min(0, 'must be >= 0 (max-norm wedge distance; e.g. 0.001), or leave it out to use solver.localRadius')
          .optional(),
        /** Polish the quasi-Newton optimum by Newton's method on its first-order conditions (finite-difference Hessian). */
        newton: z.boolean().default(false),
        /**
         * The polish: 'foc' Newton's method on the first-order conditions (src/policy/nash-newton.ts; any
         * stationary point), or 'trust-region' (src/policy/trust-newton.ts): trust-region Newton on the world
         * objective itself, every accepted step raises it, a trial that lowers it (e.g. across a fold of the
         * selected equilibrium branch) shrinks the radius and, if it lost far more than predicted (a cliff),
         * blocks that direction for a few steps; saddles are left along their positive curvature; instruments
         * at a bound may leave it when the model's step moves them inward. newtonMaxIterations counts its trial steps.
         */
        newtonMethod: z.enum(['foc', 'trust-region']).default('foc'),
        /**
         * Trials that gain more than this multiple of what the optimiser's local model predicts (quasi-Newton:
         * the gradient's −gᵀs; trust region: the quadratic model) are rejected as jumps onto another
         * equilibrium branch, like trials that gain too little (default: off, any rise is accepted).
         */
        jumpRatio: z.number().min(1, 'must be >= 1 (a multiple of the predicted gain, e.g. 4), or leave it out').optional(),
        newtonTolerance: z.number().positive().default(1e-7),
        newtonMaxIterations: z.number().int().min(1).default(20),
      })
      .strict()
      .prefault({}),
    implementationError: z
      .object({ subsidySd: z.number().min(0).default(0), seed: z.number().int().default(1) })
      .strict()
      .prefault({}),
    counterfactual: z
      .object({ scenario: z.string().optional(), changes: z.array(changeSchema).default([]) })
      .strict()
      .prefault({}),
    output: z.string().default('runs/static-trade'),
  })
  .strict();

export type StaticTradeConfig = z.output<typeof configSchema>;
export type PolicyChangeSpec = z.output<typeof changeSchema>;

export interface LoadedConfig {
  file: string;
  config: StaticTradeConfig;
  /** Absolute data directory and output directory. */
  dataDir: string;
}

/** Reads a config, applies `--set PATH=VALUE` overrides (VALUE parsed as JSON when it can be), validates. */
export function loadConfig(file: string, overrides: string[] = []): LoadedConfig {
  const raw = readJsonFile(file, 'config file') as Record<string, unknown>;
  for (const o of overrides) applyOverride(raw, o);
  const config = parseWithSchema(configSchema, raw, file);
  return { file, config, dataDir: resolve(dirname(file), config.data.path) };
}

function applyOverride(target: Record<string, unknown>, override: string): void {
  const eq = override.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${override}: expected PATH=VALUE, e.g. --set imbalances=balanced-baseline`);
  const path = override.slice(0, eq).split('.');
  const text = override.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    if (typeof node[key] !== 'object' || node[key] === null) throw new UsageError(`--set ${override}: "${key}" is not an object`);
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

export function loadData(c: LoadedConfig): TradeData {
  const d = c.config.data;
  switch (d.format) {
    case 'dlopt-7x44-2017':
      return loadDlopt(c.dataDir);
    case 'll2023-wiod2014':
      return loadLl2023(c.dataDir, d.flows, d.elasticities);
    case 'cp2015-nafta':
      return loadCp2015(c.dataDir);
  }
}

/** 0-based sector indices of a sector list. */
export function sectorIndices(list: StaticTradeConfig['instruments']['subsidySectors'], data: TradeData, where: string): number[] {
  if (list === 'all') return data.sectors.map((_, j) => j);
  if (list === 'tradable') return data.tradable.flatMap((t, j) => (t ? [j] : []));
  for (const s of list) if (s > data.sectors.length) throw new UsageError(`${where}: sector ${s} not in 1..${data.sectors.length}`);
  return list.map((s) => s - 1);
}

export function countryIndex(data: TradeData, name: string, where: string): number {
  const i = data.countries.indexOf(name);
  if (i < 0) throw new UsageError(`${where}: unknown country "${name}" (known: ${data.countries.join(', ')})`);
  return i;
}
