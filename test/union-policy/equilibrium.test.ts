// The union hat system (MODELS.md §E.3): JVP/VJP against finite differences, E2 laissez-faire
// reproduction, E3 budget closure and Walras' law, and the adjoint welfare gradient against central
// differences. A seeded synthetic economy with input-output links, scale economies, capital, public
// demand and data-year wedges (6 regions + RoW, 5 sectors).
import { describe, it, expect } from 'vitest';
import { syntheticUnionData } from '../../src/models/union-policy/synthetic.ts';
import { buildUnionBaseline } from '../../src/models/union-policy/baseline.ts';
import { UnionHatSystem, laissezFaire, type UnionPolicy } from '../../src/models/union-policy/hat-system.ts';
import { UnionModel } from '../../src/models/union-policy/model.ts';

const U = 6;
const S = 5;
const N = U + 1;
const data = syntheticUnionData({ regions: U, sectors: S, seed: 11 });
const wave = (k: number) => Math.sin(12.9898 * k + 1.7);
const policy: UnionPolicy = {
  tariff: Float64Array.from({ length: S }, (_, k) => 0.15 + 0.1 * wave(k)),
  tax: Float64Array.from({ length: U * S }, (_, k) => 0.08 * wave(k + 50)),
  publicDemand: Float64Array.from({ length: U * S }, (_, k) => 1 + 0.3 * wave(k + 100)),
};
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('hat system derivatives', () => {
  const base = buildUnionBaseline(data);
  const sys = new UnionHatSystem(base, policy);
  const z = sys.baselinePoint().map((v, k) => v + 0.05 * wave(k + 7));
  const dz = z.map((_, k) => wave(k + 300));
  const h = 1e-6;
  const Fp = new Float64Array(sys.size);
  const Fm = new Float64Array(sys.size);

  it('data reproduce themselves: all residuals vanish at the data-year policy (< 1e-13)', () => {
    const dataPolicy: UnionPolicy = { tariff: base.tariff, tax: base.tax.subarray(0, U * S), publicDemand: new Float64Array(U * S).fill(1) };
    const s = new UnionHatSystem(base, dataPolicy);
    const F = new Float64Array(s.size);
    s.residual(s.baselinePoint(), F);
    expect(maxAbs(F)).toBeLessThan(1e-13);
    expect(Math.abs(base.foreignIncome.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12 * base.income.reduce((a, b) => a + b, 0));
  });

  it('JVP equals central differences of the residual (abs 1e-7)', () => {
    const J = new Float64Array(sys.size);
    sys.jvp(z, dz, J);
    sys.residual(z.map((v, k) => v + h * dz[k]), Fp);
    sys.residual(z.map((v, k) => v - h * dz[k]), Fm);
    const fd = Fp.map((v, k) => (v - Fm[k]) / (2 * h));
    expect(maxAbs(fd.map((v, k) => v - J[k]))).toBeLessThan(1e-7 * Math.max(1, maxAbs(fd)));
  });

  it('VJP is the transpose of the JVP: wᵀ(J dz) = (Jᵀw)ᵀ dz (rel 1e-12)', () => {
    const w = z.map((_, k) => wave(k + 900));
    const J = new Float64Array(sys.size);
    const Jt = new Float64Array(sys.size);
    sys.jvp(z, dz, J);
    sys.vjp(z, w, Jt);
    const a = w.reduce((s, v, k) => s + v * J[k], 0);
    const b = Jt.reduce((s, v, k) => s + v * dz[k], 0);
    expect(Math.abs(a - b)).toBeLessThan(1e-12 * Math.abs(a));
  });

  it('policy VJP equals central differences in every instrument direction (rel 1e-6)', () => {
    const w = z.map((_, k) => wave(k + 1300));
    const adj = sys.vjpPolicy(z, w);
    const dirs = {
      tariff: policy.tariff.map((_, k) => wave(k + 2000)),
      tax: policy.tax.map((_, k) => wave(k + 2100)),
      publicDemand: policy.publicDemand.map((_, k) => wave(k + 2200)),
    };
    for (const kind of ['tariff', 'tax', 'publicDemand'] as const) {
      const shifted = (e: number) => new UnionHatSystem(base, { ...policy, [kind]: policy[kind].map((v, k) => v + e * dirs[kind][k]) });
      shifted(h).residual(z, Fp);
      shifted(-h).residual(z, Fm);
      const fd = w.reduce((s, v, k) => s + (v * (Fp[k] - Fm[k])) / (2 * h), 0);
      const an = dirs[kind].reduce((s, d, k) => s + d * adj[kind][k], 0);
      expect(Math.abs(fd - an)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });
});

describe('equilibrium, budgets and gradient', () => {
  const model = new UnionModel(data);
  const b = model.base;

  it('E2: at laissez-faire (t = 0, τ̃ = 0, Ĝ = 1) every hat is one and Ŵ_EU = 1', () => {
    const eq = model.solve(laissezFaire(U, S), eq0Start());
    const z0 = eq.system.baselinePoint();
    expect(maxAbs(eq.z.map((v, k) => v - z0[k]))).toBeLessThan(1e-12);
    expect(maxAbs(eq.logWelfare)).toBeLessThan(1e-13);
    expect(Math.abs(eq.welfare - 1)).toBeLessThan(1e-13);
    // The laissez-faire baseline was computed from data-year wedges: net foreign income is unchanged
    // in numeraire units when the data are rebuilt at that equilibrium.
    expect(maxAbs(b.foreignIncome.map((f, n) => f - model.dataBase.foreignIncome[n]))).toBeLessThan(1e-10 * b.income[N - 1]);
    expect(maxAbs(b.beta.map((v, k) => v - model.dataBase.beta[k]))).toBeLessThan(1e-10);
    function eq0Start() {
      return new UnionHatSystem(b, laissezFaire(U, S)).baselinePoint();
    }
  });

  it('E3: local and union budgets close and Walras’ law holds (the dropped RoW labour market clears)', () => {
    const eq = model.solve(policy);
    const sys = eq.system;
    const z = eq.z;
    const acc = sys.accounts(z);
    // Union budget: T^U + Σ R_n = Σ B_n + E, with B_n = Σ_s P'G'_n − T_n (local budgets).
    const sumB = acc.deficit.reduce((s, v) => s + v, 0);
    const sumR = acc.unionTariffRevenue.reduce((s, v) => s + v, 0);
    const scale = b.income.reduce((s, v) => s + v, 0);
    expect(Math.abs(acc.unionTax + sumR - sumB - b.data.otherUnionSpending)).toBeLessThan(1e-10 * scale);
    for (let n = 0; n < U; n++) expect(Math.abs(acc.publicSpend[n] - acc.localTax[n] - acc.deficit[n])).toBeLessThan(1e-14 * scale);
    // Walras: RoW's labour market (not in the system) clears.
    let va = 0;
    for (let r = 0; r < S; r++) va += ((1 - b.data.inputShare[(N - 1) * S + r]) * acc.output[(N - 1) * S + r]) / (1 + b.tax[(N - 1) * S + r]);
    expect(Math.abs(Math.exp(z[sys.oW + N - 1]) * b.laborIncome[N - 1] - b.data.laborShare[N - 1] * va)).toBeLessThan(1e-9 * b.laborIncome[N - 1]);
    // World final spending = world factor income + net taxes + tariff revenues + Σ F (= 0).
    let finalSpending = 0;
    let income = 0;
    for (let n = 0; n < N; n++) {
      finalSpending += z[sys.oI + n] * b.income[n] + acc.publicSpend[n];
      income += Math.exp(z[sys.oW + n]) * b.laborIncome[n] + Math.exp(z[sys.oK + n]) * b.capitalIncome[n] + b.foreignIncome[n];
    }
    income += acc.localTax.reduce((s, v) => s + v, 0) + sumR + acc.rowTariffRevenue;
    expect(Math.abs(finalSpending - income)).toBeLessThan(1e-10 * scale);
    // And every goods market: Σ_n X'^r_n = Σ_m V'^r_m + tariffs, sector by sector.
    for (let r = 0; r < S; r++) {
      let spend = 0;
      let out = 0;
      for (let n = 0; n < N; n++) spend += z[sys.oX + n * S + r] * b.absorptionScale[n * S + r];
      for (let m = 0; m < N; m++) out += acc.output[m * S + r];
      expect(spend).toBeGreaterThan(out); // tariffs on both sides are positive here
    }
  });

  it('adjoint welfare gradient equals central differences of Ŵ_EU (rel 1e-6)', () => {
    // Tight solves so that the differences are not solver noise.
    const tight = new UnionModel(data, { tolerance: 1e-14 });
    const eq = tight.solve(policy);
    const g = tight.welfareGradient(eq);
    const dirs = {
      tariff: policy.tariff.map((_, k) => wave(k + 3000)),
      tax: policy.tax.map((_, k) => wave(k + 3100)),
      publicDemand: policy.publicDemand.map((_, k) => wave(k + 3200)),
    };
    for (const kind of ['tariff', 'tax', 'publicDemand'] as const) {
      const h = 1e-5;
      const at = (e: number) => tight.solve({ ...policy, [kind]: policy[kind].map((v, k) => v + e * dirs[kind][k]) }).welfare;
      const fd = (at(h) - at(-h)) / (2 * h);
      const an = dirs[kind].reduce((s, d, k) => s + d * g[kind][k], 0);
      expect(Math.abs(fd - an), kind).toBeLessThan(1e-6 * Math.max(1e-3, Math.abs(fd)));
    }
  });
});
