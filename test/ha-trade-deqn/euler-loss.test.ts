// Training options of the Euler residuals, checked against closed forms. params.eulerLoss: the per-row
// loss of the Euler (FB) residuals; "square" (the default, what every existing checkpoint was trained
// with) is the mean square, "pseudoHuber" is delta (sqrt(1 + (r/delta)^2) - 1), quadratic below delta
// and |r| - delta above, with a gradient of at most 1 per row. params.eulerLimitScale: the distances to
// the borrowing limit and the grid top in the FB complementarity in units of A_i / scale (default 1).
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { eulerLossOf } from '../../src/models/ha-trade-deqn/residuals.ts';
import { HaTradeDeqnParamsSchema } from '../../src/models/ha-trade-deqn/params.ts';
import { createHaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { choiceResiduals } from '../../src/models/ha-trade-deqn/household.ts';

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

const fb = (a: number, b: number) => a + b - Math.sqrt(a * a + b * b + 1e-12);

describe('distance scale of the FB complementarity (params.eulerLimitScale)', () => {
  // Households with Euler errors e (relative consumption) whose savings are s above the limit and t below the top (units of A = 1).
  const e = [0.12, -0.05, 0.03, 0.004, -0.02];
  const s = [0.015, 0.015, 0.5, 0.001, 2];
  const t = [6, 6, 6, 6, 0.01];
  // choiceResiduals' inputs that give exactly e: p beta R E[mu'] = ((1 + e) c)^(-gamma).
  function residuals(scale: number | undefined, capped: boolean) {
    const model = createHaTradeDeqn({ economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 }, savingsTop: capped ? 'cap' : 'extrapolate', ...(scale === undefined ? {} : { eulerLimitScale: scale }) });
    const { beta, gamma } = model.world.economy;
    const R = 1.01;
    const phi = model.world.phi[0];
    const amax = model.world.amax[0];
    const col = (v: number[]) => tf.tensor2d(v, [v.length, 1]);
    return tf.tidy(() => {
      const c = col(e.map(() => 1));
      const mu = col(e.map((v) => (1 + v) ** -gamma / (beta * R)));
      const aNext = col(s.map((v) => v - phi));
      const top = capped ? { aWanted: col(t.map((v) => amax - v)), amax: col(t.map(() => amax)) } : undefined;
      const r = choiceResiduals(model.world, col(e.map(() => R)), col(e.map(() => phi)), aNext, c, col(e.map(() => 1)), col(e.map(() => 0)), mu, col(e.map(() => 0)), col(e.map(() => 1)), top, model.constants.limitScale);
      return [Array.from(r.euler.dataSync()), Array.from(r.relativeEuler.dataSync())];
    });
  }

  it('default scale 1: FB(e, s) as before (1e-5); the relative Euler error is e (1e-5)', () => {
    const [euler, rel] = residuals(undefined, false);
    e.forEach((v, k) => {
      expect(Math.abs(rel[k] - v)).toBeLessThan(1e-5);
      expect(Math.abs(euler[k] - fb(v, s[k]))).toBeLessThan(1e-5);
    });
    // The 12 % error 0.015 above the limit shows as ~0.015: hardly trained.
    expect(euler[0]).toBeLessThan(0.016);
  });

  it('scale 10: FB(e, 10 s) and the box FB(10 s, -FB(10 t, -e)) (1e-5); the 12 % error shows as 0.08', () => {
    const [euler] = residuals(10, false);
    e.forEach((v, k) => expect(Math.abs(euler[k] - fb(v, 10 * s[k]))).toBeLessThan(1e-5));
    expect(euler[0]).toBeGreaterThan(0.075);
    const [box] = residuals(10, true);
    e.forEach((v, k) => expect(Math.abs(box[k] - fb(10 * s[k], -fb(10 * t[k], -v)))).toBeLessThan(1e-5));
  });
});
