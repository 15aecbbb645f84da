// `deqn transition` end to end on a small grid, its usage errors, and the aggregate-state fit on a
// synthetic path where the prices are exactly linear in one moment that follows an AR(1).
import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { readArrowFile } from '../../src/io/tables.ts';
import { aggregateStateFits } from '../../src/models/ha-trade/transition-aggregate.ts';
import type { TransitionPath } from '../../src/models/ha-trade/transition.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('deqn transition', () => {
  it('writes paths, welfare by decile, the Newton table and SVGs; JSON has transition and steady-state welfare per country', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hat-transition-'));
    const { code, out } = await run(['transition', 'models/ha-trade-two-country.json', '--set', 'tariff.HOME.FOREIGN=0.25', '--set', 'assets.points=30', '--set', 'efficiency.persistentStates=3', '--periods', '30', '--json', '--quiet', '--out', dir]);
    expect(code).toBe(0);
    const s = JSON.parse(out);
    expect(s.periods).toBe(30);
    expect(s.welfare.transition.HOME).toBeGreaterThan(0);
    expect(s.welfare.transition.FOREIGN).toBeLessThan(0);
    expect(Math.abs(s.welfare.transition.HOME - s.welfare.steadyState.HOME)).toBeLessThan(0.2 * Math.abs(s.welfare.steadyState.HOME));
    expect(s.residualNorm).toBeLessThan(1e-9);
    expect(s.deciles.HOME.transition.byWealthDecile.consumption).toHaveLength(10);
    for (const f of ['path.arrow', 'path.csv', 'welfare.arrow', 'welfare-deciles.arrow', 'newton.csv', 'aggregate-state-fit.arrow', 'aggregate-state-welfare.arrow', 'transition.md', 'transition.json', 'prices.svg', 'assets.svg']) expect(existsSync(join(dir, f))).toBe(true);
    const path = readArrowFile(join(dir, 'path.arrow'));
    expect(path.t).toHaveLength(30);
    expect((path.R_HOME as number[])[0]).toBeCloseTo(s.prices.old.R, 12);
  }, 120_000);

  it('usage errors name the problem', async () => {
    const none = await run(['transition', 'models/ha-trade-two-country.json', '--quiet']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no policy change/);
    const bad = await run(['transition', 'models/ha-trade-two-country.json', '--set', 'tariff.HOME.MARS=0.1', '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown country/);
    const short = await run(['transition', 'models/ha-trade-two-country.json', '--set', 'tariff.HOME.FOREIGN=0.1', '--periods', '3', '--quiet']);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/--periods/);
  });
});

describe('aggregate-state fit', () => {
  it('prices exactly linear in an AR(1) moment: R^2 = 1 and zero one-step and dynamic errors', () => {
    const T = 50;
    const m = Array.from({ length: T + 1 }, (_, t) => 0.3 * 0.9 ** t);
    const zeros = () => Float64Array.of(0, 0);
    const path = {
      periods: T,
      countries: ['A', 'B'],
      wages: Array.from({ length: T }, (_, t) => {
        const x = 0.02 + 0.5 * m[t];
        return Float64Array.of((2 * Math.exp(x)) / (1 + Math.exp(x)), 2 / (1 + Math.exp(x)));
      }),
      R: Array.from({ length: T + 1 }, (_, t) => Float64Array.of(1.01 - 0.01 * m[Math.max(0, t - 1)], 0)),
      rebates: Array.from({ length: T }, zeros),
      assets: m.map((v) => Float64Array.of(v, -v)),
      assetsStd: m.map(() => Float64Array.of(1, 1)),
      constrainedShare: m.map(() => Float64Array.of(0.2, 0.2)),
    } as unknown as TransitionPath;
    const [nfa] = aggregateStateFits(path);
    expect(nfa.variables).toEqual(['mean assets A']);
    for (const p of nfa.prices) {
      expect(p.r2).toBeGreaterThan(1 - 1e-10);
      expect(p.oneStepErrorPercent).toBeLessThan(1e-6);
      expect(p.dynamicErrorPercent).toBeLessThan(1e-6);
    }
  });
});
