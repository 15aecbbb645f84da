// Config files of the union-policy model (models/union-*.json): data (seeded synthetic calibration or
// the WIOD 2014 union), inequality aversion, solver, instrument bounds, multi-start and optimiser
// settings. Data paths are relative to the config file; the output directory to the working directory.
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { readJsonFile, parseWithSchema } from '../../io/json-file.ts';
import type { UnionData } from './data.ts';
import { syntheticUnionData, FULL_SIZE } from './synthetic.ts';
import { loadWiodUnion, EU28_2014 } from './real-data.ts';
import type { InstrumentBounds } from './objective.ts';
import { DEFAULT_UNION_OPTIMIZER, type UnionOptimizerSettings } from './multistart.ts';

const bounds = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo < hi, 'lower bound must be below upper bound');

const syntheticSchema = z
  .object({
    format: z.literal('synthetic'),
    regions: z.number().int().min(1).default(FULL_SIZE.regions),
    sectors: z.number().int().min(1).default(FULL_SIZE.sectors),
    seed: z.number().int().default(FULL_SIZE.seed),
    rowScale: z.number().positive().default(FULL_SIZE.rowScale),
    importShare: z.number().gt(0).lt(1).default(FULL_SIZE.importShare),
    rowUnionShare: z.number().min(0).lt(1).default(FULL_SIZE.rowUnionShare),
    dataYearWedges: z.boolean().default(true),
  })
  .strict();

const wiodSchema = z
  .object({
    format: z.literal('ll2023-wiod2014'),
    path: z.string().min(1),
    union: z.array(z.string().min(1)).min(1).default(EU28_2014),
    flows: z.enum(['raw', 'balanced-restricted-entry', 'balanced-free-entry']).default('balanced-free-entry'),
    elasticities: z.enum(['code', 'table3']).default('code'),
    publicShare: z.number().gt(0).lt(1).default(0.2),
    laborShare: z.number().min(0).max(1).default(0.6),
    otherSpendingShare: z.number().min(0).max(0.1).default(0.01),
  })
  .strict();

export const unionConfigSchema = z
  .object({
    model: z.literal('union-policy'),
    name: z.string().min(1),
    description: z.string().optional(),
    data: z.discriminatedUnion('format', [syntheticSchema, wiodSchema]),
    epsilon: z.number().min(0).default(2),
    solver: z
      .object({
        tolerance: z.number().positive().max(1e-4).default(1e-10),
        maxIterations: z.number().int().min(1).default(50),
        denseLimit: z.number().int().min(0).default(3000),
      })
      .strict()
      .prefault({}),
    bounds: z
      .object({ tariff: bounds.default([-0.5, 3]), tax: bounds.default([-0.6, 1.5]), public: bounds.default([-0.9, 3]) })
      .strict()
      .prefault({}),
    multistart: z
      .object({
        starts: z.number().int().min(1).default(5),
        radiusStep: z.number().min(0).default(0.05),
        seed: z.number().int().default(1),
        metric: z.enum(['curvature', 'instrument']).default('curvature'),
      })
      .strict()
      .prefault({}),
    optimizer: z
      .object({
        maxIterations: z.number().int().min(1).default(DEFAULT_UNION_OPTIMIZER.maxIterations),
        tolerance: z.number().positive().default(DEFAULT_UNION_OPTIMIZER.tolerance),
        valueTolerance: z.number().positive().default(DEFAULT_UNION_OPTIMIZER.valueTolerance),
        valuePatience: z.number().int().min(1).default(DEFAULT_UNION_OPTIMIZER.valuePatience),
        memory: z.number().int().min(1).max(100).default(DEFAULT_UNION_OPTIMIZER.memory),
        diagonal: z.enum(['probe', 'proxy', 'scalar']).default(DEFAULT_UNION_OPTIMIZER.diagonal),
        probes: z.number().int().min(1).max(100).default(DEFAULT_UNION_OPTIMIZER.probes),
        predictedDecreaseTol: z.number().min(0).optional(),
      })
      .strict()
      .prefault({}),
    output: z.string().min(1),
  })
  .strict();

export type UnionConfig = z.output<typeof unionConfigSchema>;

export interface LoadedUnionConfig {
  file: string;
  config: UnionConfig;
}

export function loadUnionConfig(file: string): LoadedUnionConfig {
  return { file, config: parseWithSchema(unionConfigSchema, readJsonFile(file, 'config'), file) };
}

export function loadUnionData(c: LoadedUnionConfig): UnionData {
  const d = c.config.data;
  if (d.format === 'synthetic') {
    return syntheticUnionData({ regions: d.regions, sectors: d.sectors, seed: d.seed, rowScale: d.rowScale, importShare: d.importShare, rowUnionShare: d.rowUnionShare, dataYearWedges: d.dataYearWedges });
  }
  return loadWiodUnion({
    dir: resolve(dirname(c.file), d.path),
    union: d.union, flows: d.flows, elasticities: d.elasticities, publicShare: d.publicShare, laborShare: d.laborShare, otherSpendingShare: d.otherSpendingShare,
  });
}

export function configOptimizer(c: UnionConfig, maxIterations?: number): UnionOptimizerSettings {
  return { ...c.optimizer, maxIterations: maxIterations ?? c.optimizer.maxIterations };
}

export function configBounds(c: UnionConfig): InstrumentBounds {
  return { tariff: c.bounds.tariff, tax: c.bounds.tax, public: c.bounds.public };
}
