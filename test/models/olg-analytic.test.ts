// MODELS.md §A.6 facts A1-A6 for the analytic OLG model.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { evaluateResiduals } from '../../src/deqn/residuals.ts';
import { createOlgAnalytic, closedFormPolicy } from '../../src/models/olg-analytic/index.ts';
import { OlgAnalyticParamsSchema } from '../../src/models/olg-analytic/params.ts';
import { savingsRates, fullDepreciationPhi } from '../../src/models/olg-analytic/closed-form.ts';
import { prices, savingsLevels, consumption } from '../../src/models/olg-analytic/equations.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Random states well inside and outside the ergodic set: capital by age from 0.005 to 0.5. */
function randomStates(model: ReturnType<typeof createOlgAnalytic>, n: number, seed: number): Float32Array {
  const rng = Rng.fromSeed(seed);
  const x = new Float32Array(n * model.stateDim);
  for (let i = 0; i < n; i++) {
    x[i * model.stateDim] = Math.floor(rng.uniform() * 4);
    for (let s = 1; s < model.stateDim; s++) x[i * model.stateDim + s] = 0.005 + 0.5 * rng.uniform() ** 2;
  }
  return x;
}

describe('analytic OLG closed form (float64)', () => {
  it('A2: savings rates for A = 6, beta = 0.7', () => {
    const sigma = savingsRates(6, 0.7);
    const published = [0.6599993, 0.6393927, 0.6052112, 0.543379, 0.4117647];
    sigma.forEach((s, i) => expect(s).toBeCloseTo(published[i], 7));
    expect(sigma[4]).toBeCloseTo(0.7 / 1.7, 12);
    for (let i = 1; i < sigma.length; i++) expect(sigma[i]).toBeLessThan(sigma[i - 1]);
  });

  it('A4: full-depreciation aggregate law of motion Phi = 0.6484000', () => {
    expect(fullDepreciationPhi(6, 0.3, 0.7)).toBeCloseTo(0.6484, 7);
  });

  it('A5: two generations reduce to Diamond: Phi = beta (1 - alpha) / (1 + beta)', () => {
    expect(fullDepreciationPhi(2, 0.3, 0.7)).toBeCloseTo((0.7 * 0.7) / 1.7, 10);
    const kStar = ((0.7 * 0.7) / 1.7) ** (1 / 0.7);
    expect(kStar).toBeCloseTo(0.169126, 6);
  });
});

describe('analytic OLG residuals on tensors', () => {
  for (const variant of ['four-shock', 'full-depreciation'] as const) {
    for (const savingsDecoding of ['share', 'level'] as const) {
      it(`A1: the closed-form policy gives |Euler error| < 1e-5 at random states (${variant}, ${savingsDecoding})`, () => {
        const model = createOlgAnalytic(OlgAnalyticParamsSchema.parse({ variant, savingsDecoding }));
        const maxError = tf.tidy(() => {
          const x = tf.tensor2d(randomStates(model, 2000, 7), [2000, model.stateDim]);
          const { residuals } = evaluateResiduals(model, closedFormPolicy(model.economy), x);
          if (savingsDecoding === 'level') expect(tf.max(residuals.feasibility).dataSync()[0]).toBe(0);
          return tf.max(tf.abs(residuals.euler)).dataSync()[0];
        });
        expect(maxError).toBeLessThan(1e-5);
      });
    }
  }

  it('A1 fails for a wrong policy: rates 1% too high give Euler errors of about that size', () => {
    const model = createOlgAnalytic(OlgAnalyticParamsSchema.parse({}));
    const exact = closedFormPolicy(model.economy);
    const meanError = tf.tidy(() => {
      const x = tf.tensor2d(randomStates(model, 500, 8), [500, model.stateDim]);
      const wrong = (s: tf.Tensor2D) => ({ savings: tf.mul(exact(s).savings, 1.01) as tf.Tensor2D });
      return tf.mean(tf.abs(evaluateResiduals(model, wrong, x).residuals.euler)).dataSync()[0];
    });
    expect(meanError).toBeGreaterThan(5e-3);
  });

  it('A6: sum of consumption + K\' = r K + w L at every state', () => {
    const model = createOlgAnalytic(OlgAnalyticParamsSchema.parse({}));
    const gap = tf.tidy(() => {
      const x = tf.tensor2d(randomStates(model, 1000, 9), [1000, model.stateDim]);
      const p = prices(model.economy, x);
      const savings = savingsLevels(model.economy, closedFormPolicy(model.economy)(x).savings, p.income);
      const lhs = tf.add(tf.sum(consumption(p.income, savings), 1), tf.sum(savings, 1));
      const rhs = tf.add(tf.mul(tf.squeeze(p.r), tf.squeeze(p.capital)), tf.squeeze(p.w));
      return tf.max(tf.abs(tf.div(tf.sub(lhs, rhs), rhs))).dataSync()[0];
    });
    expect(gap).toBeLessThan(1e-6);
  });

  it('A4: simulating the exact policy with full depreciation gives K\' = Phi eta K^alpha', () => {
    const model = createOlgAnalytic(OlgAnalyticParamsSchema.parse({ variant: 'full-depreciation' }));
    const policy = closedFormPolicy(model.economy);
    const ratio = tf.tidy(() => {
      let x = tf.tensor2d(randomStates(model, 64, 10), [64, model.stateDim]);
      for (let t = 0; t < 60; t++) x = model.nextStates(x, policy(x), tf.fill([64], t % 4) as tf.Tensor1D);
      const p = prices(model.economy, x);
      const next = model.nextStates(x, policy(x), tf.zeros([64]) as tf.Tensor1D);
      const kNext = tf.sum(tf.slice(next, [0, 1], [-1, -1]), 1);
      const eta = tf.div(p.w, tf.mul(0.7, tf.pow(p.capital, 0.3)));
      return tf.div(kNext, tf.squeeze(tf.mul(eta, tf.pow(p.capital, 0.3)))).dataSync();
    });
    for (const v of ratio) expect(v).toBeCloseTo(fullDepreciationPhi(6, 0.3, 0.7), 5);
  });
});
