// Loaders of the three calibration datasets: shapes, consistency, and clear errors on bad files.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDlopt } from '../../src/models/static-trade/data/dlopt.ts';
import { loadLl2023 } from '../../src/models/static-trade/data/ll2023.ts';
import { loadCp2015 } from '../../src/models/static-trade/data/cp2015.ts';
import { buildBaseline } from '../../src/models/static-trade/baseline.ts';
import { UsageError } from '../../src/io/errors.ts';

const DLOPT = 'models/data/dlopt-7x44-2017';

function copyDlopt(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlopt-'));
  cpSync(DLOPT, dir, { recursive: true });
  return dir;
}

function editFile(dir: string, file: string, edit: (lines: string[]) => string[]): void {
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8').split('\n')).join('\n'));
}

describe('dlopt-7x44-2017', () => {
  it('loads 7 economies × 44 sectors with non-negative residual final-demand shares', () => {
    const d = loadDlopt(DLOPT);
    expect(d.countries).toEqual(['BRA', 'CHN', 'EU', 'IND', 'JPN', 'ROW', 'USA']);
    expect(d.sectors.length).toBe(44);
    expect(d.tradable.filter(Boolean).length).toBe(22);
    expect(d.theta[9]).toBeCloseTo(0.64, 12);
    expect(d.psi[9]).toBeCloseTo(1.22, 12);
    const b = buildBaseline(d);
    expect(Math.min(...b.alpha)).toBeGreaterThan(-1e-12);
    for (let i = 0; i < 7; i++) expect(b.alpha.slice(i * 44, i * 44 + 44).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    // The US–China scenario raises US tariffs on Chinese goods only in goods sectors.
    const t = d.scenarios['us-china-2018'].tariff!;
    const at = (i: number, n: number, j: number) => (i * 7 + n) * 44 + j;
    expect(t[at(1, 6, 0)] - d.tariff[at(1, 6, 0)]).toBeCloseTo(0.156031746, 9);
    expect(t[at(6, 1, 2)] - d.tariff[at(6, 1, 2)]).toBeCloseTo(0.214787014, 9);
    expect(t[at(1, 6, 30)]).toBe(d.tariff[at(1, 6, 30)]);
  });

  const cases: Array<[string, string, (l: string[]) => string[], RegExp]> = [
    ['a missing column', 'TradeFlow2017.csv', (l) => [l[0].replace('tradevalue', 'value'), ...l.slice(1)], /TradeFlow2017\.csv: missing column "tradevalue"/],
    ['a non-numeric cell', 'TradeFlow2017.csv', (l) => [l[0], l[1].replace(/[^,]+$/, 'abc'), ...l.slice(2)], /line 2, column "tradevalue": "abc" is not a finite number/],
    ['a missing row', 'TradeFlow2017.csv', (l) => [l[0], ...l.slice(2)], /no row for origin BRA, destination BRA, sector 1/],
    ['a duplicate row', 'tariff_prewar2017.csv', (l) => [l[0], l[1], l[1], ...l.slice(3)], /line 3: duplicate row/],
    ['an unknown country', 'vashare.csv', (l) => [l[0], l[1].replace(/^[A-Z]+/, 'XYZ'), ...l.slice(2)], /vashare\.csv: line 2: unknown country "XYZ"/],
    ['a short line', 'IOshare.csv', (l) => [l[0], 'BRA,1,1', ...l.slice(2)], /IOshare\.csv: line 2 has 3 fields, the header has 4/],
    ['input shares not summing to one', 'IOshare.csv', (l) => [l[0], l[1].replace(/[^,]+$/, '0.9'), ...l.slice(2)], /input shares of BRA sector 1 sum to/],
    ['a sector code out of range', 'cal_elasticities.csv', (l) => [l[0], l[1].replace(/^\d+/, '45'), ...l.slice(2)], /sector code 45 not in 1\.\.44/],
    ['a negative scale elasticity', 'cal_elasticities.csv', (l) => [l[0], '1,6.23,-0.1', ...l.slice(2)], /psi must be >= 0/],
  ];
  for (const [what, file, edit, message] of cases) {
    it(`rejects ${what} with a UsageError naming the file`, () => {
      const dir = copyDlopt();
      editFile(dir, file, edit);
      expect(() => loadDlopt(dir)).toThrow(UsageError);
      expect(() => loadDlopt(dir)).toThrow(message);
    });
  }

  it('rejects a missing file', () => {
    expect(() => loadDlopt('/nonexistent-dir')).toThrow(/TradeFlow2017\.csv: data file not found/);
  });
});

describe('ll2023-wiod2014 and cp2015-nafta', () => {
  it('loads LL2023: 44 countries × 16 industries, no IO, near-balanced flows read as buyer spending', () => {
    const d = loadLl2023('models/data/ll2023-wiod2014');
    expect(d.countries.length).toBe(44);
    expect(d.sectors.length).toBe(16);
    expect(d.tradable.filter(Boolean).length).toBe(15);
    const b = buildBaseline(d);
    for (let i = 0; i < 44; i++) expect(Math.abs(b.deficit[i] / b.income[i])).toBeLessThan(1e-6);
    const pub = loadLl2023('models/data/ll2023-wiod2014', 'raw', 'table3');
    expect(pub.theta[11]).toBeCloseTo(1.235, 12); // Table 3 order (the code swaps industries 12 and 13)
    expect(d.theta[11]).toBeCloseTo(7.75, 12);
  });

  it('rejects an LL2023 flow table with a missing tariff column and a CP2015 trade row with an unknown sector', () => {
    const ll = mkdtempSync(join(tmpdir(), 'll-'));
    cpSync('models/data/ll2023-wiod2014', ll, { recursive: true });
    editFile(ll, 'll2023_wiod2014_44x44x16_flows_tariffs.csv', (l) => [l[0].replace('tariff_applied', 'tariff'), ...l.slice(1)]);
    expect(() => loadLl2023(ll)).toThrow(/missing column "tariff_applied"/);
    const cp = mkdtempSync(join(tmpdir(), 'cp-'));
    cpSync('models/data/cp2015-nafta', cp, { recursive: true });
    editFile(cp, 'cp2015_trade.csv', (l) => [l[0], l[1].replace(/^Agriculture/, 'Agricultur'), ...l.slice(2)]);
    expect(() => loadCp2015(cp)).toThrow(UsageError);
    expect(() => loadCp2015(cp)).toThrow(/cp2015_trade\.csv: line 2: unknown sector "Agricultur"/);
    editFile(cp, 'cp2015_trade.csv', (l) => [l[0], l[1].replace(/^Agricultur,/, 'Agriculture,').replace(/,1\.0,1\.0$/, ',1.0,-1.0'), ...l.slice(2)]);
    expect(() => loadCp2015(cp)).toThrow(/column "d_cfl" must be positive/);
  });

  it('loads CP2015: 31 regions × 40 sectors, deficits implied by the flows equal the data file', () => {
    const d = loadCp2015('models/data/cp2015-nafta');
    expect(d.countries.length).toBe(31);
    expect(d.sectors.length).toBe(40);
    expect(d.tradable.filter(Boolean).length).toBe(20);
    const b = buildBaseline(d);
    const usa = d.countries.indexOf('USA');
    const mex = d.countries.indexOf('Mexico');
    expect(b.deficit[usa] / 123318724379.0).toBeCloseTo(1, 9);
    expect(b.deficit[mex] / 8730739431.0).toBeCloseTo(1, 9);
    expect(d.scenarios.nafta.reference).toBeDefined();
  });
});
