// Configuration of a heterogeneous-agent trade economy (MODELS.md §C.2) as a strict zod schema, and
// the construction of the solver's Economy from it. Country data may be inline arrays or CSV files
// relative to the config file (matrices: rows = importer/buyer, columns = exporter, as the EK/Waugh data).
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, basename } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../io/errors.ts';
import { parseWithSchema, readJsonFile } from '../../io/json-file.ts';
import { efficiencyChain } from './markov.ts';
import type { Economy } from './economy.ts';

const positive = z.number().positive();
const csvColumn = z.object({ csv: z.string().min(1), column: z.string().min(1) }).strict();
const countryVector = z.union([z.array(positive).min(1), csvColumn]);
const matrix = z.array(z.array(z.number()));
const tradeCostSpec = z.union([
  matrix,
  z.object({ symmetric: z.number().min(1) }).strict(),
  z.object({ csv: z.string().min(1) }).strict(),
]);

export const haTradeConfigSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    countries: z.array(z.string().min(1)).min(2),
    labor: countryVector,
    tfp: countryVector,
    tradeCosts: tradeCostSpec,
    tariffs: matrix.optional(),
    preferences: z
      .object({
        crra: positive.describe('CRRA coefficient gamma; 1 = log utility'),
        beta: z.number().gt(0).lt(1),
        sigmaEps: positive.describe('taste-shock dispersion; the trade elasticity under log utility is 1/sigmaEps'),
        scaleTasteByTfp: z.boolean().default(true).describe('sigma_i = sigmaEps * A_i^(1-gamma), as the source code'),
        qualitySlope: z.number().default(0).describe('psi~ of the home-quality shifter psi_i(z,i) = psi~ * A_i^(1-gamma) * log persistent z'),
      })
      .strict(),
    efficiency: z
      .object({
        persistentStates: z.number().int().min(1).max(50),
        rho: z.number().gt(-1).lt(1),
        persistentVariance: z.number().min(0),
        transitoryStates: z.number().int().min(1).max(50),
        transitoryVariance: z.number().min(0),
      })
      .strict(),
    assets: z
      .object({
        borrowingLimit: z.number().min(0).describe('phi: a\' >= -phi (times A_i when scaleByTfp)'),
        max: positive,
        points: z.number().int().min(5).max(5000),
        scaleByTfp: z.boolean().default(true),
      })
      .strict(),
    closure: z.enum(['globalisation', 'autarky']),
    solver: z
      .object({
        tolerance: positive.default(1e-8),
        householdTolerance: positive.default(1e-9),
        distributionTolerance: positive.default(1e-10),
        maxIterations: z.number().int().min(1).default(60),
        method: z.enum(['broyden', 'newton']).default('broyden'),
        initialWages: z.array(positive).optional(),
        initialR: z.union([positive, z.array(positive)]).optional(),
      })
      .strict()
      .default({ tolerance: 1e-8, householdTolerance: 1e-9, distributionTolerance: 1e-10, maxIterations: 60, method: 'broyden' }),
    analysis: z
      .object({
        acrElasticity: positive.optional().describe('trade elasticity of the representative-agent ACR number (default 1/sigmaEps)'),
        unilateralCountry: z.string().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type HaTradeConfig = z.output<typeof haTradeConfigSchema>;

export interface LoadedConfig {
  config: HaTradeConfig;
  /** Directory CSV references are resolved against. */
  baseDir: string;
  file: string;
}

/** Applies `--set a.b[2].c=value` overrides to raw JSON (values parsed as JSON when they parse). */
export function applySets(raw: unknown, sets: readonly string[], file: string): unknown {
  const root = structuredClone(raw) as Record<string, unknown>;
  for (const assignment of sets) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${assignment}: expected PATH=VALUE, e.g. preferences.crra=1`);
    const path = assignment.slice(0, eq);
    const text = assignment.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    const keys = path.match(/[^.[\]]+/g) ?? [];
    let node: Record<string, unknown> = root;
    for (let k = 0; k < keys.length - 1; k++) {
      const key = keys[k];
      if (node[key] === undefined) node[key] = /^\d+$/.test(keys[k + 1]) ? [] : {};
      if (typeof node[key] !== 'object' || node[key] === null) throw new UsageError(`--set ${assignment}: ${file}: "${keys.slice(0, k + 1).join('.')}" is not an object`);
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return root;
}

export function loadConfig(file: string, sets: readonly string[] = []): LoadedConfig {
  const raw = applySets(readJsonFile(file, 'ha-trade config'), sets, file);
  const config = parseWithSchema(haTradeConfigSchema, raw, file);
  checkShapes(config, file);
  return { config, baseDir: dirname(resolve(file)), file };
}

export function parseConfig(raw: unknown, where = 'config'): HaTradeConfig {
  const config = parseWithSchema(haTradeConfigSchema, raw, where);
  checkShapes(config, where);
  return config;
}

/** Cross-field checks zod cannot express simply. */
function checkShapes(config: HaTradeConfig, file: string): void {
  const M = config.countries.length;
  const fail = (field: string, msg: string) => {
    throw new UsageError(`${file}: field "${field}": ${msg}`);
  };
  if (new Set(config.countries).size !== M) fail('countries', 'country names must be unique');
  for (const field of ['labor', 'tfp'] as const) {
    const v = config[field];
    if (Array.isArray(v) && v.length !== M) fail(field, `expected ${M} entries (one per country), got ${v.length}`);
  }
  for (const field of ['tradeCosts', 'tariffs'] as const) {
    const m = config[field];
    if (!Array.isArray(m)) continue;
    if (m.length !== M || m.some((row) => row.length !== M)) fail(field, `expected a ${M} x ${M} matrix (rows = importer, columns = exporter)`);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < M; j++) {
        const v = m[i][j];
        if (field === 'tradeCosts' && (i === j ? v !== 1 : !(v >= 1))) fail(`${field}[${i}][${j}]`, i === j ? 'own trade cost d_ii must be 1' : `trade costs must be >= 1, got ${v}`);
        if (field === 'tariffs' && (i === j ? v !== 0 : !(v > -1))) fail(`${field}[${i}][${j}]`, i === j ? 'own tariff t_ii must be 0' : `tariffs must be > -1, got ${v}`);
      }
    }
  }
  if (config.solver.initialWages && config.solver.initialWages.length !== M) fail('solver.initialWages', `expected ${M} entries`);
  const r0 = config.solver.initialR;
  if (Array.isArray(r0) && r0.length !== M) fail('solver.initialR', `expected ${M} entries`);
  const u = config.analysis.unilateralCountry;
  if (u !== undefined && !config.countries.includes(u)) fail('analysis.unilateralCountry', `"${u}" is not one of the countries`);
}

function readCsv(file: string, baseDir: string, where: string): string[][] {
  const path = resolve(baseDir, file);
  if (!existsSync(path)) throw new UsageError(`${where}: CSV file not found: ${path}`);
  return readFileSync(path, 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(',').map((c) => c.trim()));
}

function parseNumber(text: string, where: string): number {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) throw new UsageError(`${where}: not a number: "${text}"`);
  return v;
}

function resolveVector(spec: HaTradeConfig['labor'], countries: string[], baseDir: string, field: string): Float64Array {
  if (Array.isArray(spec)) return Float64Array.from(spec);
  const rows = readCsv(spec.csv, baseDir, `field "${field}"`);
  const header = rows[0];
  const col = header.indexOf(spec.column);
  const isoCol = header.findIndex((h) => /^iso3?$|^country$/i.test(h));
  const where = `${spec.csv} (field "${field}")`;
  if (col < 0) throw new UsageError(`${where}: no column "${spec.column}" (columns: ${header.join(', ')})`);
  if (isoCol < 0) throw new UsageError(`${where}: needs an "iso3" column to match countries`);
  return Float64Array.from(countries, (c) => {
    const row = rows.find((r, k) => k > 0 && r[isoCol] === c);
    if (!row) throw new UsageError(`${where}: no row for country "${c}"`);
    const v = parseNumber(row[col], `${where}, ${c}`);
    if (!(v > 0)) throw new UsageError(`${where}, ${c}: must be positive, got ${v}`);
    return v;
  });
}

function resolveTradeCosts(spec: HaTradeConfig['tradeCosts'], countries: string[], baseDir: string): Float64Array {
  const M = countries.length;
  const d = new Float64Array(M * M);
  if (Array.isArray(spec)) spec.forEach((row, i) => row.forEach((v, j) => (d[i * M + j] = v)));
  else if ('symmetric' in spec) for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) d[i * M + j] = i === j ? 1 : spec.symmetric;
  else {
    const rows = readCsv(spec.csv, baseDir, 'field "tradeCosts"');
    const header = rows[0].slice(1);
    for (let i = 0; i < M; i++) {
      const row = rows.find((r, k) => k > 0 && r[0] === countries[i]);
      if (!row) throw new UsageError(`${spec.csv}: no importer row for "${countries[i]}"`);
      for (let j = 0; j < M; j++) {
        const col = header.indexOf(countries[j]);
        if (col < 0) throw new UsageError(`${spec.csv}: no exporter column for "${countries[j]}"`);
        const v = parseNumber(row[col + 1], `${spec.csv}, ${countries[i]} x ${countries[j]}`);
        if (i === j ? Math.abs(v - 1) > 1e-12 : !(v >= 1)) throw new UsageError(`${spec.csv}, ${countries[i]} x ${countries[j]}: trade cost ${v} (need d_ii = 1, d_ij >= 1)`);
        d[i * M + j] = i === j ? 1 : v;
      }
    }
  }
  return d;
}

export interface EconomyOverrides {
  /** Replaces the trade-cost matrix (row-major M x M). */
  tradeCosts?: Float64Array;
  tariffs?: Float64Array;
}

/** Builds the solver's Economy (§C.2 conventions of the author's code: grids and taste shocks scaled by TFP). */
export function buildEconomy(config: HaTradeConfig, baseDir = '.', overrides: EconomyOverrides = {}): Economy {
  const countries = config.countries;
  const M = countries.length;
  const labor = resolveVector(config.labor, countries, baseDir, 'labor');
  const tfp = resolveVector(config.tfp, countries, baseDir, 'tfp');
  const tradeCosts = overrides.tradeCosts ?? resolveTradeCosts(config.tradeCosts, countries, baseDir);
  const tariffs = overrides.tariffs ?? new Float64Array(M * M);
  if (!overrides.tariffs && config.tariffs) config.tariffs.forEach((row, i) => row.forEach((v, j) => (tariffs[i * M + j] = v)));
  const { crra: gamma, beta, sigmaEps, scaleTasteByTfp, qualitySlope } = config.preferences;
  const chain = efficiencyChain(config.efficiency);
  const { borrowingLimit, max, points, scaleByTfp } = config.assets;
  const agrids = Array.from(tfp, (A) => {
    const s = scaleByTfp ? A : 1;
    return Float64Array.from({ length: points }, (_, k) => -borrowingLimit * s + ((max + borrowingLimit) * s * k) / (points - 1));
  });
  const tasteScale = (A: number) => (scaleTasteByTfp ? Math.pow(A, 1 - gamma) : 1);
  const sigma = Float64Array.from(tfp, (A) => sigmaEps * tasteScale(A));
  const quality = Array.from(tfp, (A) => Float64Array.from(chain.persistentLog, (y) => qualitySlope * tasteScale(A) * y));
  return {
    countries,
    labor,
    tfp,
    tradeCosts,
    tariffs,
    gamma,
    beta,
    chain,
    agrids,
    sigmaEps: sigma,
    sigmaEpsBase: sigmaEps,
    quality,
    closure: config.closure,
    householdTol: config.solver.householdTolerance,
    distributionTol: config.solver.distributionTolerance,
  };
}

export function configName(file: string): string {
  return basename(file).replace(/\.json$/i, '');
}
