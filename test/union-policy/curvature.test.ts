// The analytic shape of the Hessian diagonal of −100 ln Ŵ_EU (src/models/union-policy/curvature.ts) and
// the 'proxy' preconditioner built on it: against finite-difference Hessian columns on a small synthetic
// union, and the E5 Pigouvian closed form (MODELS.md §E.5) reached with it.
import { describe, it, expect } from 'vitest';
import { syntheticUnionData } from '../../src/models/union-policy/synthetic.ts';
import { UnionModel } from '../../src/models/union-policy/model.ts';
import { UnionPolicyObjective, EXPERIMENTS } from '../../src/models/union-policy/objective.ts';
import { instrumentCurvatureProxy, fitGroupScales } from '../../src/models/union-policy/curvature.ts';
import { fitProxyConstants, optimizeMultiStart, DEFAULT_UNION_OPTIMIZER } from '../../src/models/union-policy/multistart.ts';
import { tinyUnion } from './helpers.ts';

describe('fitGroupScales', () => {
  it('returns c_g exactly when the probe sums are c_g · proxy · denominator (1e-14)', () => {
    const blocks = [
      { kind: 'tariff' as const, offset: 0, length: 3 },
      { kind: 'tax' as const, offset: 3, length: 5 },
    ];
    const proxy = Float64Array.from({ length: 8 }, (_, k) => 0.1 * (k + 1));
    const den = Float64Array.from({ length: 8 }, (_, k) => 1 + (k % 3));
    const c = [7, 0.25];
    const num = proxy.map((p, k) => c[k < 3 ? 0 : 1] * p * den[k]);
    const s = fitGroupScales(proxy, num, den, blocks);
    expect(Math.abs(s.get('tariff')! / 7 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(s.get('tax')! / 0.25 - 1)).toBeLessThan(1e-14);
  });
});

describe('the curvature proxy on a synthetic union (12 regions + RoW, 8 sectors, full mix)', () => {
  const model = new UnionModel(syntheticUnionData({ regions: 12, sectors: 8, seed: 1 }));
  const objective = new UnionPolicyObjective(model, EXPERIMENTS.full);
  const origin = objective.initial();
  const constants = fitProxyConstants(objective, origin, 4, 'test');
  const proxy = instrumentCurvatureProxy(model.base, objective);
  const weight = Float64Array.of(100);
  const gradient = (a: Float64Array) => {
    objective.welfare(a);
    return objective.gradient(a, weight);
  };

  // Exact diagonal entries of the Hessian of −100 ln Ŵ_EU at the origin for 10 instruments of each group.
  const h = 1e-4;
  const sample = objective.blocks.flatMap((b) => Array.from({ length: Math.min(b.length, 10) }, (_, i) => b.offset + Math.floor((i * b.length) / Math.min(b.length, 10))));
  const exact = new Map<number, number>();
  for (const k of sample) {
    const plus = Float64Array.from(origin);
    plus[k] += h;
    const minus = Float64Array.from(origin);
    minus[k] -= h;
    exact.set(k, -(gradient(plus)[k] - gradient(minus)[k]) / (2 * h));
  }

  it('c_g · proxy_k (c_g fitted to 4 probes) is within a factor 3 of the exact H_kk for every sampled instrument (measured 0.75 … 2.1)', () => {
    for (const k of sample) {
      if (proxy[k] === 0) continue;
      const ratio = exact.get(k)! / (constants[k] * proxy[k]);
      expect(ratio).toBeGreaterThan(1 / 3);
      expect(ratio).toBeLessThan(3);
    }
  });

  it('public demand: H_kk = 100 · (1−ς_n) δ^s_n ω̄_n (the own-utility curvature of 100 ln Ŵ_EU) plus at most 25 % of general-equilibrium terms', () => {
    const b = objective.block('public')!;
    for (const k of sample.filter((j) => j >= b.offset)) {
      const ratio = exact.get(k)! / proxy[k];
      expect(ratio).toBeGreaterThan(99.9);
      expect(ratio).toBeLessThan(125);
    }
  });
});

describe('E5 with the proxy preconditioner: Pigouvian net taxes in the single-region case', () => {
  const alpha = [0.2, 0.3, 0.5];
  const psi = [0, 0.2, 0.5];
  const phi = psi.map((p) => p / (1 + p));
  const trickle = 1e-8;
  const flows = alpha.map((a) => [
    [100 * a * (1 - trickle), 100 * a * trickle],
    [100 * a * trickle, 50],
  ]);
  const model = new UnionModel(tinyUnion({ flows, eta: [2, 2, 2], phi }));
  const objective = new UnionPolicyObjective(model, EXPERIMENTS.industrial);
  const res = optimizeMultiStart(objective, {
    starts: 2, radiusStep: 0.05, seed: 3,
    optimizer: { ...DEFAULT_UNION_OPTIMIZER, maxIterations: 300, tolerance: 1e-11, valueTolerance: 1e-15, diagonal: 'proxy', probes: 4 },
  });

  it('(1+τ̃^r)/(1+τ̃^0) = 1 − φ^r (1e-6) and ln Ŵ_EU is the D8 oracle 0.0159990 (1e-7) from both starts', () => {
    const mean = alpha.reduce((s, a, r) => s + a * (1 + psi[r]), 0);
    const formula = alpha.reduce((s, a, r) => s + a * (1 + psi[r]) * Math.log(1 + psi[r]), 0) - mean * Math.log(mean);
    for (const run of res.runs) {
      for (let r = 1; r < 3; r++) expect((1 + run.a[r]) / (1 + run.a[0])).toBeCloseTo(1 - phi[r], 6);
      expect(Math.abs(Math.log(1 + run.welfareGain / 100) - formula)).toBeLessThan(1e-7);
    }
  });
});
