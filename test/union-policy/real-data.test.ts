// The real-data configuration (models/union-wiod-eu.json): the 28 EU members of WIOD 2014 as the union,
// the other countries aggregated into RoW. The data reproduce themselves at the data-year policy, flows
// are conserved by the aggregation, and the laissez-faire baseline is an equilibrium.
import { describe, it, expect } from 'vitest';
import { resolve } from 'node:path';
import { loadUnionConfig, loadUnionData } from '../../src/models/union-policy/config.ts';
import { buildUnionBaseline } from '../../src/models/union-policy/baseline.ts';
import { UnionHatSystem, laissezFaire } from '../../src/models/union-policy/hat-system.ts';
import { UnionModel } from '../../src/models/union-policy/model.ts';
import { loadLl2023 } from '../../src/models/static-trade/data/ll2023.ts';

describe('WIOD-2014 EU union', () => {
  const loaded = loadUnionConfig(resolve('models/union-wiod-eu.json'));
  const data = loadUnionData(loaded);
  const base = buildUnionBaseline(data);

  it('28 EU regions + RoW, 16 sectors; world flows conserved by the aggregation (1e-12)', () => {
    expect(data.locations.length).toBe(29);
    expect(data.locations.at(-1)).toBe('RoW');
    expect(data.sectors.length).toBe(16);
    const raw = loadLl2023(resolve('models/data/ll2023-wiod2014'), 'balanced-free-entry', 'code');
    const total = raw.spending.reduce((a, b) => a + b, 0);
    expect(Math.abs(data.flows.reduce((a, b) => a + b, 0) - total)).toBeLessThan(1e-12 * total);
    // Scale economies satisfy the uniqueness condition φη < 1 (E.1) in every sector.
    for (let r = 0; r < 16; r++) expect(data.phi[r] * data.eta[r]).toBeLessThan(1);
  });

  it('the data-year policy reproduces the data (residuals < 1e-12) and net foreign income sums to zero', () => {
    const sys = new UnionHatSystem(base, { tariff: base.tariff, tax: base.tax.subarray(0, base.U * base.S), publicDemand: new Float64Array(base.U * base.S).fill(1) });
    const F = new Float64Array(sys.size);
    sys.residual(sys.baselinePoint(), F);
    expect(Math.max(...F.map(Math.abs))).toBeLessThan(1e-12);
    const scale = base.income.reduce((a, b) => a + b, 0);
    expect(Math.abs(base.foreignIncome.reduce((a, b) => a + b, 0))).toBeLessThan(1e-11 * scale);
  });

  it('the laissez-faire baseline is an equilibrium with all hats one', () => {
    const model = new UnionModel(data);
    const eq = model.solve(laissezFaire(model.U, model.S));
    expect(eq.iterations).toBe(0);
    expect(Math.abs(eq.welfare - 1)).toBeLessThan(1e-13);
  });
});
