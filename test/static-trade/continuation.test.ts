// Equilibrium selection by continuation from the status quo (src/models/static-trade/continuation.ts).
// A 3-country, 2-sector economy with IO links and strong scale economies in sector 2 (θψ = 1.2, outside
// the KLR region, MODELS.md §D.5 D11) whose interior equilibrium branch folds when a tariff rises past
// ≈ 0.103; beyond, the only equilibria found have sector 2 of some country all but vanished.
import { describe, it, expect } from 'vitest';
import { StaticTradeModel } from '../../src/models/static-trade/model.ts';
import { HatSystem } from '../../src/models/static-trade/hat-system.ts';
import { interpolateWedges, wedgeDistance } from '../../src/models/static-trade/continuation.ts';
import { syntheticData, IO_SCALE_3X2 } from './helpers.ts';
import { loadConfig } from '../../src/models/static-trade/config.ts';
import { buildModel, runOptimize, localRadiusFor } from '../../src/models/static-trade/run.ts';

const data = syntheticData(IO_SCALE_3X2);
const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, k) => Math.max(m, Math.abs(v - b[k])), 0);

function policy(m: StaticTradeModel, t: number) {
  const w = m.dataWedges();
  return { ...w, tariff: w.tariff.map((v, k) => (k % 5 === 1 ? t : v)) };
}

describe('equilibrium selection by continuation from the status quo', () => {
  it('on the regular part of the branch it returns the equilibrium Newton finds from the baseline (1e-9)', () => {
    const m = new StaticTradeModel(data, 'balanced-baseline');
    const w = policy(m, 0.1);
    const cont = m.solve(w);
    const cold = m.solve(w, new HatSystem(m.base, w, m.deficit).baselinePoint());
    expect(cont.residualMax).toBeLessThan(1e-10);
    expect(maxAbsDiff(cont.z, cold.z)).toBeLessThan(1e-9);
    expect(m.continuationStats.jumps).toBe(0);
  });

  it('is history-independent: after solving other policies the same policy gets the same equilibrium (1e-9)', () => {
    const fresh = new StaticTradeModel(data, 'balanced-baseline');
    const used = new StaticTradeModel(data, 'balanced-baseline');
    for (const t of [0.05, 0.3, 0.08, -0.2, 0.099]) used.solve(policy(used, t));
    const a = fresh.solve(policy(fresh, 0.1));
    const b = used.solve(policy(used, 0.1));
    expect(used.continuationStats.fromStatusQuo).toBeLessThan(used.continuationStats.paths); // 0.1 continued from 0.099
    expect(maxAbsDiff(a.z, b.z)).toBeLessThan(1e-9);
  });

  it('past the fold the economy jumps (counted) to an equilibrium that solves the system (1e-10)', () => {
    const m = new StaticTradeModel(data, 'balanced-baseline');
    const eq = m.solve(policy(m, 0.2));
    expect(m.continuationStats.jumps).toBe(1);
    expect(eq.residualMax).toBeLessThan(1e-10);
    const F = new Float64Array(eq.system.size);
    eq.system.residual(eq.z, F);
    expect(F.reduce((s, v) => Math.max(s, Math.abs(v)), 0)).toBeLessThan(1e-10);
  });

  it('interpolates wedges linearly (iceberg costs geometrically) and measures distances in the max-norm', () => {
    const m = new StaticTradeModel(data, 'balanced-baseline');
    const a = m.dataWedges();
    const b = { ...policy(m, 0.3), iceberg: a.iceberg.map(() => 4) };
    const mid = interpolateWedges(a, b, 0.5);
    expect(mid.iceberg[0]).toBeCloseTo(2, 12);
    expect(wedgeDistance(a, b)).toBeCloseTo(Math.log(4), 12);
    expect(wedgeDistance(a, mid)).toBeCloseTo(Math.log(2), 12);
  });
});

describe('localRadius per mode (cooperative.localRadius)', () => {
  it('setLocalRadius: a smaller radius forgets the selected equilibria and continues from the status quo', () => {
    const m = new StaticTradeModel(data, 'balanced-baseline', { localRadius: 0.05 });
    m.solve(policy(m, 0.05));
    const fromStatusQuo = m.continuationStats.fromStatusQuo;
    m.solve(policy(m, 0.06)); // within 0.05 of the last selected policy
    expect(m.continuationStats.fromStatusQuo).toBe(fromStatusQuo);
    m.setLocalRadius(0);
    m.solve(policy(m, 0.06)); // the same policy again, but the selections were forgotten
    expect(m.continuationStats.fromStatusQuo).toBe(fromStatusQuo + 1);
    expect(() => m.setLocalRadius(-1)).toThrow(/expected a number >= 0/);
  });

  it('runOptimize applies cooperative.localRadius in cooperative mode only and restores the solver radius', () => {
    const c = loadConfig('test/fixtures/static-trade/tiny.json', ['cooperative.localRadius=0', 'cooperative.maxIterations=5']);
    const model = buildModel(c);
    expect(localRadiusFor(c.config, 'cooperative')).toBe(0);
    expect(localRadiusFor(c.config, 'nash')).toBe(0.05);
    const coop = runOptimize(model, c, { mode: 'cooperative', kinds: ['tariffs'] });
    expect(coop.selection?.localRadius).toBe(0);
    expect(coop.selection?.fromStatusQuo).toBe(coop.selection?.paths);
    expect(model.settings.localRadius).toBe(0.05);
    const uni = runOptimize(model, c, { mode: 'unilateral', country: 'USA', kinds: ['tariffs'] });
    expect(uni.selection?.localRadius).toBe(0.05);
  });
});
