// `deqn union`: the --json welfare table, the result files, and one-line usage errors (exit 2).
import { describe, it, expect, vi } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { readArrowFile } from '../../src/io/tables.ts';

const dir = mkdtempSync(join(tmpdir(), 'deqn-union-'));

function config(name: string, edit: (c: Record<string, any>) => void = () => {}): string {
  const c: Record<string, any> = {
    model: 'union-policy',
    name: 'tiny',
    data: { format: 'synthetic', regions: 3, sectors: 2, seed: 5 },
    multistart: { starts: 2, radiusStep: 0.05, seed: 1 },
    optimizer: { maxIterations: 100, tolerance: 1e-7 },
    output: join(dir, 'out'),
  };
  edit(c);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(c));
  return file;
}

async function run(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  try {
    return { code: await main(argv), stderr, stdout };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

describe('deqn union', () => {
  it('--json prints {experiment: {welfareMean, welfareStd}} and the tables and plots are written', async () => {
    const out = join(dir, 'run1');
    const r = await run(['union', config('ok.json'), '--experiments', 'all', '--starts', '2', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(Object.keys(summary)).toEqual(['trade', 'industrial', 'public', 'trade+industrial', 'full']);
    for (const v of Object.values(summary) as { welfareMean: number; welfareStd: number }[]) {
      expect(Number.isFinite(v.welfareMean)).toBe(true);
      expect(v.welfareStd).toBeGreaterThanOrEqual(0);
    }
    // Adding instruments never lowers the best optimum found (nested instrument sets).
    expect(summary.full.welfareMean).toBeGreaterThanOrEqual(summary['trade+industrial'].welfareMean - 1e-3);
    expect(summary['trade+industrial'].welfareMean).toBeGreaterThanOrEqual(summary.trade.welfareMean - 1e-3);
    const welfare = readArrowFile(join(out, 'welfare.arrow'));
    expect(welfare.welfareMean).toEqual(Object.values(summary).map((v: any) => v.welfareMean));
    const ins = readArrowFile(join(out, 'instruments.arrow'));
    expect(ins.region.length).toBe(5 * 3 * 2);
    for (const f of ['welfare.csv', 'tariffs.csv', 'regions.csv', 'winners-losers.md', 'full-net-tax.svg', 'full-public-demand.svg', 'full-tariffs.svg']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    expect(readFileSync(join(out, 'full-tariffs.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it('bad input: one line, exit 2', async () => {
    for (const [argv, fragment] of [
      [['union', config('a.json'), '--experiments', 'tariffs'], '--experiments tariffs'],
      [['union', config('b.json'), '--starts', '0'], '--starts 0'],
      [['union', config('c.json', (c) => (c.epsilon = -1))], 'epsilon'],
      [['union', config('d.json', (c) => (c.data.regions = 0))], 'data.regions'],
      [['union', config('e.json', (c) => (c.bounds = { tariff: [1, 0] }))], 'bounds.tariff'],
      [['union', join(dir, 'missing.json')], 'missing.json'],
    ] as [string[], string][]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(fragment);
    }
  });
});
