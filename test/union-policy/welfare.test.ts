// E1 (MODELS.md §E.5): limits of the union welfare aggregator and its gradient.
import { describe, it, expect } from 'vitest';
import { unionWelfare, unionWelfareGradient } from '../../src/models/union-policy/welfare.ts';

const W = [1.05, 0.97, 1.2, 0.9];
const w = [0.1, 0.4, 0.3, 0.2];
const arithmetic = W.reduce((s, x, j) => s + w[j] * x, 0);
const geometric = Math.exp(W.reduce((s, x, j) => s + w[j] * Math.log(x), 0));
const harmonic = 1 / W.reduce((s, x, j) => s + w[j] / x, 0);

describe('E1: union welfare aggregator', () => {
  it('ε = 0 arithmetic, ε → 1 geometric, ε = 2 harmonic, ε → ∞ minimum', () => {
    expect(unionWelfare(W, w, 0)).toBeCloseTo(arithmetic, 14);
    expect(unionWelfare(W, w, 1)).toBeCloseTo(geometric, 14);
    expect(unionWelfare(W, w, 1 + 1e-7)).toBeCloseTo(geometric, 7);
    expect(unionWelfare(W, w, 1 - 1e-7)).toBeCloseTo(geometric, 7);
    expect(unionWelfare(W, w, 2)).toBeCloseTo(harmonic, 14);
    expect(unionWelfare(W, w, Infinity)).toBe(0.9);
    // The power mean approaches the minimum like min · w_min^{1/(1−ε)}.
    expect(Math.abs(unionWelfare(W, w, 2000) - 0.9)).toBeLessThan(1e-3);
  });

  it('equal regional welfare x gives x; power-mean inequality, equality only when all are equal', () => {
    for (const eps of [0, 0.5, 1, 2, 5]) {
      expect(unionWelfare([1.3, 1.3, 1.3, 1.3], w, eps)).toBeCloseTo(1.3, 13);
      expect(unionWelfare(W, w, eps)).toBeLessThanOrEqual(arithmetic + 1e-15);
      if (eps > 0) expect(unionWelfare(W, w, eps)).toBeLessThan(arithmetic - 1e-4);
    }
    // Monotone in ε.
    expect(unionWelfare(W, w, 3)).toBeLessThan(unionWelfare(W, w, 2));
  });

  it('gradient ω̄_j (Ŵ_j/Ŵ_EU)^(−ε) matches central differences (1e-9)', () => {
    for (const eps of [0.5, 2, 4]) {
      const g = unionWelfareGradient(W, w, eps);
      for (let j = 0; j < W.length; j++) {
        const h = 1e-6;
        const up = W.slice();
        const dn = W.slice();
        up[j] += h;
        dn[j] -= h;
        expect(g[j]).toBeCloseTo((unionWelfare(up, w, eps) - unionWelfare(dn, w, eps)) / (2 * h), 9);
      }
    }
  });
});
