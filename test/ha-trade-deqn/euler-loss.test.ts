// params.eulerLoss: the per-row loss of the Euler (FB) residuals. "square" (the default, what every
// existing checkpoint was trained with) is the mean square; "pseudoHuber" is
// delta (sqrt(1 + (r/delta)^2) - 1), quadratic below delta and |r| - delta above, with a gradient of
// at most 1 per row. Checked against the closed forms.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { eulerLossOf } from '../../src/models/ha-trade-deqn/residuals.ts';
import { HaTradeDeqnParamsSchema } from '../../src/models/ha-trade-deqn/params.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const r = [0, 1e-4, -1e-3, 0.004, -0.05, 0.3];
const delta = 1e-3;
const huber = (v: number) => delta * (Math.sqrt(1 + (v / delta) ** 2) - 1);

describe('Euler residual loss (params.eulerLoss)', () => {
  it('defaults to the mean square (existing configs and checkpoints unchanged)', () => {
    const params = HaTradeDeqnParamsSchema.parse({ economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 } });
    expect(params.eulerLoss).toEqual({ form: 'square', delta: 1e-3 });
    const got = tf.tidy(() => eulerLossOf(tf.tensor1d(r), params.eulerLoss).dataSync()[0]);
    const want = r.reduce((s, v) => s + v * v, 0) / r.length;
    expect(Math.abs(got / want - 1)).toBeLessThan(1e-5);
  });

  it('pseudoHuber: mean delta (sqrt(1 + (r/delta)^2) - 1), ~ r^2/(2 delta) below delta and |r| - delta above (relative 1e-4)', () => {
    const spec = { form: 'pseudoHuber' as const, delta };
    const got = tf.tidy(() => eulerLossOf(tf.tensor1d(r), spec).dataSync()[0]);
    const want = r.reduce((s, v) => s + huber(v), 0) / r.length;
    expect(Math.abs(got / want - 1)).toBeLessThan(1e-4);
    // The two regimes of each row: quadratic at 1e-4 (within 1 %), linear at 0.3 (within 1e-5 absolute).
    expect(Math.abs(huber(1e-4) / (1e-8 / (2 * delta)) - 1)).toBeLessThan(0.01);
    expect(Math.abs(huber(0.3) - (0.3 - delta))).toBeLessThan(1e-5);
  });

  it('pseudoHuber gradient per row is (r/delta) / sqrt(1 + (r/delta)^2) / n: bounded by 1/n, the same weight for 5 % and 30 % residuals (1e-4)', () => {
    const spec = { form: 'pseudoHuber' as const, delta };
    const grad = tf.tidy(() => tf.grad((x: tf.Tensor) => eulerLossOf(x, spec))(tf.tensor1d(r)).dataSync());
    r.forEach((v, k) => {
      const want = v / delta / Math.sqrt(1 + (v / delta) ** 2) / r.length;
      expect(Math.abs(grad[k] - want)).toBeLessThan(1e-4 / r.length);
    });
    expect(Math.abs(grad[4] + grad[5])).toBeLessThan(1e-3 / r.length);
  });
});
