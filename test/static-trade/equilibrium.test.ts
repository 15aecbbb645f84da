// Equilibrium in changes (MODELS.md §D.3): D1 baseline reproduction, D2 homogeneity/Walras,
// D10 Lerner symmetry and neutrality of a uniform subsidy, and solver agreement.
import { describe, it, expect } from 'vitest';
import { loadDlopt } from '../../src/models/static-trade/data/dlopt.ts';
import { loadLl2023 } from '../../src/models/static-trade/data/ll2023.ts';
import { StaticTradeModel } from '../../src/models/static-trade/model.ts';
import { HatSystem, type Wedges } from '../../src/models/static-trade/hat-system.ts';
import { syntheticData, armingtonFlows, GROS_ECONOMY as G, IO_SCALE_3X2 } from './helpers.ts';

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const dlopt = loadDlopt('models/data/dlopt-7x44-2017');

describe('D1 baseline reproduction', () => {
  for (const imbalances of ['fixed-deficits', 'balanced-baseline'] as const) {
    it(`7×44 data, ${imbalances}: residuals vanish at the baseline point and the solve returns it`, () => {
      const m = new StaticTradeModel(dlopt, imbalances);
      const sys = new HatSystem(m.base, m.dataWedges(), m.deficit);
      const F = new Float64Array(sys.size);
      sys.residual(sys.baselinePoint(), F);
      expect(maxAbs(F)).toBeLessThan(1e-12);
      const eq = m.solve(m.dataWedges());
      expect(maxAbs(eq.z.map((v, k) => v - sys.baselinePoint()[k]))).toBeLessThan(1e-12);
      expect(maxAbs(eq.logWelfare)).toBeLessThan(1e-12);
      if (imbalances === 'balanced-baseline') expect(maxAbs(m.base.deficit.map((d, i) => d / m.base.income[i]))).toBeLessThan(1e-9);
    });
  }

  it('LL2023 data: the data policy reproduces the data', () => {
    const m = new StaticTradeModel(loadLl2023('models/data/ll2023-wiod2014'));
    const sys = new HatSystem(m.base, m.dataWedges(), m.deficit);
    const F = new Float64Array(sys.size);
    sys.residual(sys.baselinePoint(), F);
    expect(maxAbs(F)).toBeLessThan(1e-12);
  });
});

function randomWedges(m: StaticTradeModel, seed: number): Wedges {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const w = m.dataWedges();
  return { ...w, tariff: w.tariff.map((t) => t + 0.3 * rnd()), subsidy: w.subsidy.map(() => 0.2 * rnd() - 0.1) };
}

describe('solvers', () => {
  it('Newton–Krylov and the damped fixed point agree on a 7×44 counterfactual (1e-7)', () => {
    const newton = new StaticTradeModel(dlopt);
    const fixed = new StaticTradeModel(dlopt, 'fixed-deficits', { method: 'fixed-point', tolerance: 1e-9, maxIterations: 40000 });
    const w = randomWedges(newton, 11);
    const a = newton.solve(w);
    const b = fixed.solve(w);
    expect(a.residualMax).toBeLessThan(1e-10);
    expect(maxAbs(a.logWelfare.map((v, i) => v - b.logWelfare[i]))).toBeLessThan(1e-7);
  });
});

describe('D2 homogeneity and Walras', () => {
  it('at an equilibrium, scaling (ŵ, P̂, X′, Y′) leaves every residual but the numeraire at zero; the dropped (H7) holds', () => {
    // A balanced 3×2 economy with IO and scale economies (homogeneity needs D scaled too, so D = 0).
    const data = syntheticData(IO_SCALE_3X2);
    const m = new StaticTradeModel(data, 'balanced-baseline');
    const w = m.dataWedges();
    const tariff = w.tariff.map((t, k) => (k % 5 === 1 ? 0.2 : t));
    const eq = m.solve({ ...w, tariff });
    const sys = eq.system;
    const dir = new Float64Array(sys.size);
    for (let k = 0; k < sys.offL; k++) dir[k] = 1; // log ŵ
    for (let k = sys.offP; k < sys.offX; k++) dir[k] = 1; // log P̂
    for (let k = sys.offX; k < sys.size; k++) dir[k] = 1; // log X', log Y'
    const Jd = new Float64Array(sys.size);
    sys.jvp(eq.z, dir, Jd);
    const numeraire = sys.offW + sys.N - 1;
    Jd[numeraire] = 0;
    expect(maxAbs(Jd)).toBeLessThan(1e-10);
    // Full-employment of the last country, the equation replaced by the numeraire, holds anyway.
    const { N, J } = m.base;
    let employment = 0;
    for (let j = 0; j < J; j++) employment += m.base.laborShare[(N - 1) * J + j] * Math.exp(eq.z[sys.offL + (N - 1) * J + j]);
    expect(Math.abs(employment - 1)).toBeLessThan(1e-10);
    // Without the numeraire the Jacobian is singular: the scaling direction is in its null space,
    // while with it the direction is not (the numeraire row sees it).
    const full = new Float64Array(sys.size);
    sys.jvp(eq.z, dir, full);
    expect(Math.abs(full[numeraire])).toBeGreaterThan(0.1);
  });
});

describe('D10 Lerner symmetry', () => {
  const data = syntheticData({ flows: armingtonFlows(G.T, G.L, G.tau, G.theta), theta: [G.theta] });
  const m = new StaticTradeModel(data);
  const at = (i: number, n: number) => i * 2 + n;

  it('a 25 % import tariff and a 25 % export tax by Home give the same shares and real welfare', () => {
    const base = m.dataWedges();
    const tariff = Float64Array.from(base.tariff);
    tariff[at(1, 0)] = 0.25; // Home (0) taxes imports from Foreign (1)
    const exportTax = Float64Array.from(base.exportTax);
    exportTax[at(0, 1)] = 0.25; // Home taxes its exports to Foreign
    const a = m.solve({ ...base, tariff });
    const b = m.solve({ ...base, exportTax });
    expect(maxAbs(a.system.shares(a.z).lambda.map((v, k) => v - b.system.shares(b.z).lambda[k]))).toBeLessThan(1e-10);
    expect(maxAbs(a.logWelfare.map((v, i) => v - b.logWelfare[i]))).toBeLessThan(1e-10);
    // Nominal wages differ (only the relative price level moves).
    expect(Math.abs(a.z[0] - a.z[1] - (b.z[0] - b.z[1]))).toBeGreaterThan(0.1);
  });

  it('a uniform production subsidy in every sector (no IO) is neutral', () => {
    const data3 = syntheticData({
      flows: [
        [[5, 3], [1, 0.5]],
        [[0.8, 0.6], [6, 2]],
      ],
      theta: [4, 6],
      psi: [0, 0],
    });
    const m3 = new StaticTradeModel(data3, 'balanced-baseline'); // with fixed deficits the transfer's real value would move
    const base = m3.dataWedges();
    const subsidy = base.subsidy.map((s, k) => (k < 2 ? 0.15 : s)); // Home, both sectors
    const eq = m3.solve({ ...base, subsidy });
    expect(maxAbs(eq.logWelfare)).toBeLessThan(1e-10);
    expect(maxAbs(eq.system.shares(eq.z).lambda.map((v, k) => v - m3.base.lambda[k]))).toBeLessThan(1e-10);
  });
});
