import { describe, expect, it } from 'vitest';
import { efficiencyChain, rouwenhorst } from '../../src/models/ha-trade/markov.ts';

describe('Rouwenhorst and the efficiency mixture (MODELS.md §C.2)', () => {
  it('Rouwenhorst rows sum to one and match the AR(1) variance and autocorrelation exactly', () => {
    const rho = 0.9;
    const sigma = Math.sqrt(0.039);
    const mc = rouwenhorst(5, rho, sigma);
    for (let i = 0; i < 5; i++) {
      let row = 0;
      for (let j = 0; j < 5; j++) row += mc.P[i * 5 + j];
      expect(row).toBeCloseTo(1, 14);
    }
    let mean = 0;
    let variance = 0;
    let cov = 0;
    for (let i = 0; i < 5; i++) mean += mc.ergodic[i] * mc.values[i];
    for (let i = 0; i < 5; i++) variance += mc.ergodic[i] * (mc.values[i] - mean) ** 2;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) cov += mc.ergodic[i] * mc.P[i * 5 + j] * mc.values[i] * mc.values[j];
    expect(mean).toBeCloseTo(0, 12);
    expect(variance).toBeCloseTo((sigma * sigma) / (1 - rho * rho), 12);
    expect(cov / variance).toBeCloseTo(rho, 12);
    // QuantEcon grid half-width sqrt(N-1) sigma / sqrt(1 - rho^2)
    expect(mc.values[4]).toBeCloseTo((2 * sigma) / Math.sqrt(1 - rho * rho), 12);
  });

  it('the 5 x 2 mixture has ten states, a stochastic matrix and ergodic mean efficiency 1', () => {
    const chain = efficiencyChain({ persistentStates: 5, rho: 0.9, persistentVariance: 0.039, transitoryStates: 2, transitoryVariance: 0.0522 });
    expect(chain.n).toBe(10);
    let mean = 0;
    for (let s = 0; s < 10; s++) {
      let row = 0;
      for (let t = 0; t < 10; t++) row += chain.P[s * 10 + t];
      expect(row).toBeCloseTo(1, 14);
      mean += chain.ergodic[s] * chain.values[s];
    }
    expect(mean).toBeCloseTo(1, 12);
    // The transitory part is i.i.d.: rows of states sharing the persistent index are identical.
    for (let t = 0; t < 10; t++) expect(chain.P[0 * 10 + t]).toBeCloseTo(chain.P[1 * 10 + t], 14);
    // Ratio of the two transitory levels is exp(2 sigma_T).
    expect(chain.values[1] / chain.values[0]).toBeCloseTo(Math.exp(2 * Math.sqrt(0.0522)), 12);
  });
});
