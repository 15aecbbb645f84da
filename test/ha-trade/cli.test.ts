import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { readArrowFile } from '../../src/io/tables.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const small = ['--set', 'assets.points=30', '--set', 'efficiency.persistentStates=3', '--quiet'];

describe('deqn solve', () => {
  it('log utility: JSON has the logit-CES import shares and aggregate trade elasticity -1/sigma_eps; writes tables and plots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hat-solve-'));
    const { code, out } = await run(['solve', 'models/ha-trade-two-country-log.json', '--json', '--out', dir, ...small]);
    expect(code).toBe(0);
    const s = JSON.parse(out);
    const foreign = 2.05 ** -4 / (1 + 2.05 ** -4);
    expect(s.importShares.HOME.FOREIGN).toBeCloseTo(foreign, 8);
    expect(s.importShares.FOREIGN.FOREIGN).toBeCloseTo(1 - foreign, 8);
    expect(s.aggregateTradeElasticity).toBeCloseTo(-4, 6);
    expect(typeof s.R).toBe('number');
    expect(s.wages.HOME).toBeCloseTo(1, 7);
    for (const f of ['equilibrium.md', 'policies.arrow', 'stationary-distribution.arrow', 'policies-by-choice.arrow', 'policy-HOME.svg', 'trade-elasticity-by-wealth-HOME.svg']) expect(existsSync(join(dir, f))).toBe(true);
    const dist = readArrowFile(join(dir, 'stationary-distribution.arrow'));
    const total = (dist.mass as number[]).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(2, 9); // two countries, each distribution sums to one
  });

  it('reports R by country under financial autarky', async () => {
    const { code, out } = await run(['solve', 'models/ha-trade-two-country-log.json', '--json', '--set', 'closure=autarky', '--out', mkdtempSync(join(tmpdir(), 'hat-')), ...small]);
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(Object.keys(s.R)).toEqual(['HOME', 'FOREIGN']);
    expect(s.R.HOME).toBeCloseTo(s.R.FOREIGN, 9);
  });

  it('bad input exits with code 2 and a one-line message', async () => {
    const missing = await run(['solve', 'models/nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/not found/);
    const badSet = await run(['solve', 'models/ha-trade-two-country.json', '--set', 'preferences.beta=2']);
    expect(badSet.code).toBe(2);
    expect(badSet.err).toMatch(/preferences\.beta/);
  });
});

describe('deqn welfare', () => {
  it('symmetric global cut: equal gains in both countries, JSON maps welfare, gainers and acr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hat-welfare-'));
    const { code, out } = await run(['welfare', 'models/ha-trade-two-country.json', '--cut', '0.1', '--json', '--out', dir, ...small]);
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(s.welfare.HOME).toBeGreaterThan(0);
    expect(Math.abs(s.welfare.HOME - s.welfare.FOREIGN)).toBeLessThan(1e-6);
    expect(s.gainers.HOME).toBeGreaterThanOrEqual(0);
    expect(s.gainers.HOME).toBeLessThanOrEqual(100);
    expect(s.acr.HOME).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'household-welfare.arrow'))).toBe(true);
    expect(existsSync(join(dir, 'welfare.md'))).toBe(true);
  });

  it('rejects a cut outside (0, 1) and an unknown --unilateral country', async () => {
    expect((await run(['welfare', 'models/ha-trade-two-country.json', '--cut', '1.5'])).code).toBe(2);
    const r = await run(['welfare', 'models/ha-trade-two-country.json', '--cut', '0.1', '--unilateral', 'XXX']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not one of the countries/);
  });
});
