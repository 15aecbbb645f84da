import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySets, buildEconomy, loadConfig, parseConfig } from '../../src/models/ha-trade/config.ts';
import { UsageError } from '../../src/io/errors.ts';

const base = () => ({
  name: 't',
  countries: ['A', 'B'],
  labor: [1, 1],
  tfp: [1, 1],
  tradeCosts: { symmetric: 1.5 },
  preferences: { crra: 1.5, beta: 0.92, sigmaEps: 0.25 },
  efficiency: { persistentStates: 3, rho: 0.9, persistentVariance: 0.039, transitoryStates: 2, transitoryVariance: 0.0522 },
  assets: { borrowingLimit: 0.5, max: 8, points: 20 },
  closure: 'globalisation',
});

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('ha-trade config validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const c = parseConfig(base());
    expect(c.solver.distributionTolerance).toBe(1e-10);
    expect(c.preferences.scaleTasteByTfp).toBe(true);
  });

  it('rejects unknown keys, naming the field', () => {
    expect(errorOf(() => parseConfig({ ...base(), preferences: { ...base().preferences, crr: 2 } }, 'x.json'))).toMatch(/x\.json: field "preferences".*crr/);
  });

  it('rejects out-of-range values with the field path', () => {
    expect(errorOf(() => parseConfig({ ...base(), preferences: { ...base().preferences, beta: 1.2 } }, 'x.json'))).toMatch(/field "preferences\.beta"/);
    expect(errorOf(() => parseConfig({ ...base(), closure: 'open' }, 'x.json'))).toMatch(/field "closure"/);
  });

  it('checks matrix shapes, d_ii = 1 and per-country vectors', () => {
    expect(errorOf(() => parseConfig({ ...base(), tradeCosts: [[1, 2]] }, 'x.json'))).toMatch(/"tradeCosts": expected a 2 x 2 matrix/);
    expect(errorOf(() => parseConfig({ ...base(), tradeCosts: [[1.1, 2], [2, 1]] }, 'x.json'))).toMatch(/own trade cost d_ii must be 1/);
    expect(errorOf(() => parseConfig({ ...base(), labor: [1, 1, 1] }, 'x.json'))).toMatch(/"labor": expected 2 entries/);
    expect(errorOf(() => parseConfig({ ...base(), analysis: { unilateralCountry: 'USA' } }, 'x.json'))).toMatch(/"USA" is not one of the countries/);
  });

  it('applies --set overrides (numbers, strings, array indices) before validation', () => {
    const raw = applySets(base(), ['preferences.crra=1', 'closure=autarky', 'labor[1]=2'], 'x.json') as ReturnType<typeof base>;
    expect(raw.preferences.crra).toBe(1);
    expect(raw.closure).toBe('autarky');
    expect(raw.labor).toEqual([1, 2]);
    expect(errorOf(() => applySets(base(), ['crra'], 'x.json'))).toMatch(/expected PATH=VALUE/);
  });

  it('reads CSV country data relative to the config and reports missing columns and rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hat-config-'));
    writeFileSync(join(dir, 'c.csv'), 'iso3,L,TFP\nA,1,1\nB,2,0.5\n');
    writeFileSync(join(dir, 'd.csv'), 'importer\\exporter,A,B\nA,1,1.5\nB,1.7,1\n');
    const cfg = { ...base(), labor: { csv: 'c.csv', column: 'L' }, tfp: { csv: 'c.csv', column: 'TFP' }, tradeCosts: { csv: 'd.csv' } };
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify(cfg));
    const { config, baseDir } = loadConfig(join(dir, 'cfg.json'));
    const econ = buildEconomy(config, baseDir);
    expect(Array.from(econ.labor)).toEqual([1, 2]);
    expect(Array.from(econ.tradeCosts)).toEqual([1, 1.5, 1.7, 1]);
    // Grids and taste dispersion scale with TFP (author's code, §C.2).
    expect(econ.agrids[1][0]).toBeCloseTo(-0.25, 14);
    expect(econ.sigmaEps[1]).toBeCloseTo(0.25 * 0.5 ** -0.5, 14);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...cfg, labor: { csv: 'c.csv', column: 'Labour' } }));
    const bad = loadConfig(join(dir, 'bad.json'));
    expect(errorOf(() => buildEconomy(bad.config, bad.baseDir))).toMatch(/no column "Labour"/);
    expect(errorOf(() => loadConfig(join(dir, 'missing.json')))).toMatch(/not found/);
  });
});
