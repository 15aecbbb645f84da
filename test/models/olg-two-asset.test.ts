// MODELS.md §B.6 facts B1-B6 for the 56-generation two-asset OLG benchmark, plus the engine hooks
// it relies on (guarded simulation, successor market clearing, finite residuals of an untrained net).
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { tf, initBackend } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { Mlp } from '../../src/deqn/network.ts';
import { evaluateResiduals, networkPolicy, type PolicyFunction } from '../../src/deqn/residuals.ts';
import type { Policy } from '../../src/deqn/model.ts';
import { createOlgTwoAsset, OLG_TWO_ASSET_FAMILIES } from '../../src/models/olg-two-asset/index.ts';
import {
  OlgTwoAssetParamsSchema,
  collateralCoefficient,
  labourProfile,
  stationaryDistribution,
  transitionMatrix,
} from '../../src/models/olg-two-asset/params.ts';
import { budget, decodeChoices, decodeMultipliers, fischerBurmeister, fischerBurmeisterTensor, stateView, type TwoAssetEconomy } from '../../src/models/olg-two-asset/equations.ts';
import { lifeCyclePrior } from '../../src/models/olg-two-asset/life-cycle-prior.ts';
import { DYNAMIC_MODELS } from '../../src/models/registry.ts';
import { TrainingRun } from '../../src/run/training-run.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const defaults = () => OlgTwoAssetParamsSchema.parse({});
const LN2 = Math.log(2);

/** Random states: z uniform, capital 0.2-2 x the prior by age, bonds with zero sum within collateral. */
function randomStates(economy: TwoAssetEconomy, n: number, seed: number): Float32Array {
  const rng = Rng.fromSeed(seed);
  const N = economy.generations;
  const dim = 1 + 2 * (N - 1);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    x[i * dim] = Math.floor(rng.uniform() * 4);
    const bonds: number[] = [];
    for (let s = 1; s < N; s++) {
      x[i * dim + s] = economy.savingsUnit[s - 1] * (0.2 + 1.8 * rng.uniform());
      bonds.push(economy.stockUnit * (rng.uniform() - 0.5));
    }
    const mean = bonds.reduce((a, b) => a + b, 0) / bonds.length;
    bonds.forEach((b, s) => (x[i * dim + N + s] = b - mean));
  }
  return x;
}

/** Network-unit policy that decodes to the given choices (savings a, bond purchases d, price p). */
function encodePolicy(economy: TwoAssetEconomy, a: number[][], d: number[][], p: number[], multipliers = 0): Policy {
  const unit = economy.savingsUnit;
  const { multiplierUnit, multiplierOffset } = economy.params;
  // Raw multiplier output giving the requested value (0: a very negative output).
  const rawMultiplier = multipliers === 0 ? -80 : Math.log(Math.expm1(multipliers / multiplierUnit)) - multiplierOffset;
  return {
    savings: tf.tensor2d(a.map((row) => row.map((v, s) => (v * LN2) / unit[s]))),
    collateral: tf.tensor2d(a.map((row, b) => row.map((v, s) => ((v + economy.kappa * d[b][s]) * LN2) / unit[s]))),
    capitalMultiplier: tf.fill([a.length, unit.length], rawMultiplier) as tf.Tensor2D,
    bondMultiplier: tf.fill([a.length, unit.length], rawMultiplier) as tf.Tensor2D,
    bondPrice: tf.tensor2d(p.map((v) => [v * LN2])),
  };
}

describe('B1: shock process', () => {
  it('Pi = piDelta ⊗ piEta, rows sum to one, stationary distribution (0.457317, 0.457317, 0.042683, 0.042683)', () => {
    const pi = transitionMatrix(defaults());
    for (const row of pi) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(pi[0]).toEqual([0.972 * 0.905, 0.972 * 0.095, 0.028 * 0.905, 0.028 * 0.095].map((v) => expect.closeTo(v, 14)));
    expect(pi[3]).toEqual([0.3 * 0.095, 0.3 * 0.905, 0.7 * 0.095, 0.7 * 0.905].map((v) => expect.closeTo(v, 14)));
    const dist = stationaryDistribution(pi);
    [0.457317, 0.457317, 0.042683, 0.042683].forEach((v, i) => expect(dist[i]).toBeCloseTo(v, 6));
    expect(dist[0] + dist[1]).toBeCloseTo(0.3 / 0.328, 12);
  });

  it('kappa defaults to 1 / (1 - max delta) = 1/0.89', () => {
    expect(collateralCoefficient(defaults())).toBeCloseTo(1.1235955, 7);
    expect(collateralCoefficient(OlgTwoAssetParamsSchema.parse({ kappa: 2 }))).toBe(2);
  });
});

describe('B3: labour endowment profile', () => {
  it('matches the benchmark data file to 1e-9 and L = 57.776646', () => {
    const rows = readFileSync('models/data/deqn-benchmark/labour-endowment-56.csv', 'utf8').trim().split('\n').slice(1);
    const data = rows.map((r) => Number(r.split(',')[1]));
    const profile = labourProfile(56);
    expect(profile).toHaveLength(56);
    profile.forEach((v, a) => expect(Math.abs(v - data[a])).toBeLessThan(1e-9));
    expect(profile.reduce((a, b) => a + b, 0)).toBeCloseTo(57.776646, 6);
    expect(profile[0]).toBeCloseTo(0.6, 12);
    expect(profile[28]).toBeCloseTo(1.362, 12);
    expect(profile[37]).toBeCloseTo(1.283273, 6);
    for (let a = 45; a < 56; a++) expect(profile[a]).toBeCloseTo(0.6416365, 7);
    const model = createOlgTwoAsset(defaults());
    expect(model.economy.totalLabour).toBeCloseTo(57.776646, 6);
  });
});

describe('B2: the bond is riskless', () => {
  it('rho = min(kappa r, 1) = 1 and kappa r > 1 at random states in every shock', () => {
    const model = createOlgTwoAsset(defaults());
    tf.tidy(() => {
      const x = tf.tensor2d(randomStates(model.economy, 500, 3), [500, model.stateDim]);
      const view = stateView(model.economy, x);
      expect(tf.min(view.rho).dataSync()[0]).toBe(1);
      expect(tf.max(view.rho).dataSync()[0]).toBe(1);
      expect(tf.min(tf.mul(model.economy.kappa, view.r)).dataSync()[0]).toBeGreaterThan(1);
    });
  });
});

describe('B4: aggregate resource identity', () => {
  it('sum c + sum a + sum zeta/2 Delta^2 = eta K^alpha L^(1-alpha) + (1 - delta) K when sum d = sum b = 0 (rel. 2e-6)', () => {
    const model = createOlgTwoAsset(defaults());
    const economy = model.economy;
    const N = economy.generations;
    const n = 200;
    const rng = Rng.fromSeed(11);
    const states = randomStates(economy, n, 5);
    const a = Array.from({ length: n }, () => economy.savingsUnit.map((u) => u * (0.5 + rng.uniform())));
    const d = Array.from({ length: n }, () => {
      const raw = economy.savingsUnit.map((u) => u * (rng.uniform() - 0.5));
      const mean = raw.reduce((s, v) => s + v, 0) / raw.length;
      return raw.map((v) => v - mean);
    });
    const p = Array.from({ length: n }, () => 0.8 + 0.4 * rng.uniform());
    const { lhs, rhs } = tf.tidy(() => {
      const x = tf.tensor2d(states, [n, model.stateDim]);
      const view = stateView(economy, x);
      const { consumption, adjustment } = budget(economy, view, decodeChoices(economy, encodePolicy(economy, a, d, p)));
      const spent = tf.add(tf.sum(consumption, 1), tf.mul(economy.params.zeta / 2, tf.sum(tf.square(adjustment), 1)));
      return { lhs: Array.from(spent.dataSync()), rhs: Array.from(view.K.dataSync()) };
    });
    const { alpha, eta, delta } = economy.params;
    for (let i = 0; i < n; i++) {
      const z = states[i * model.stateDim];
      const K = rhs[i];
      const output = eta[z] * K ** alpha * economy.totalLabour ** (1 - alpha) + (1 - delta[z]) * K;
      const saved = a[i].reduce((s, v) => s + v, 0);
      expect(Math.abs(lhs[i] + saved - output) / output).toBeLessThan(2e-6);
    }
    void N;
  });
});

describe('B5: no-arbitrage limit', () => {
  it("zeta = 0, one shock state, lambda = mu = 0: (1 + e_cap)/(1 + e_bond) = (p r')^(-1/gamma), 1 only at p = 1/r' (2e-6)", () => {
    const params = OlgTwoAssetParamsSchema.parse({ zeta: 0, delta: [0.08, 0.08, 0.08, 0.08], eta: [1, 1, 1, 1] });
    const model = createOlgTwoAsset(params);
    const economy = model.economy;
    const { alpha } = params;
    const n = 64;
    const states = randomStates(economy, n, 9);
    const a = economy.prior.savings.map((v, s) => Math.max(v, 0.2 * economy.savingsUnit[s]));
    const Knext = a.reduce((s, v) => s + v, 0);
    const rNext = alpha * Knext ** (alpha - 1) * economy.totalLabour ** (1 - alpha) + 1 - 0.08;
    const gap = (price: number) =>
      tf.tidy(() => {
        const d = a.map(() => 0);
        const policyOf: PolicyFunction = (x) => encodePolicy(economy, Array(x.shape[0]).fill(a), Array(x.shape[0]).fill(d), Array(x.shape[0]).fill(price));
        const { residuals } = evaluateResiduals(model, policyOf, tf.tensor2d(states, [n, model.stateDim]));
        // Both Euler brackets are then beta r' E[u'(c')] vs beta E[u'(c')] / p, so
        // (1 + e_cap) / (1 + e_bond) = (r' p)^(-1/gamma), whatever consumption is.
        const ratio = tf.div(tf.add(1, residuals.capitalEuler), tf.add(1, residuals.bondEuler));
        return tf.max(tf.abs(tf.sub(ratio, 1))).dataSync()[0];
      });
    expect(gap(1 / rNext)).toBeLessThan(2e-6);
    expect(gap(1.02 / rNext)).toBeCloseTo(1 - 1.02 ** -0.5, 5);
    expect(gap(0.98 / rNext)).toBeCloseTo(0.98 ** -0.5 - 1, 5);
  });
});

describe('B6: Fischer-Burmeister function', () => {
  it('phi(1,1) = 2 - sqrt 2, phi(0,2) = phi(3,0) = 0, phi(-1,0) = -2; sign pattern; tensor version agrees to 1e-6', () => {
    expect(fischerBurmeister(1, 1)).toBeCloseTo(2 - Math.SQRT2, 14);
    expect(fischerBurmeister(0, 2)).toBe(0);
    expect(fischerBurmeister(3, 0)).toBe(0);
    expect(fischerBurmeister(-1, 0)).toBe(-2);
    expect(fischerBurmeister(0.5, 2)).toBeGreaterThan(0);
    expect(fischerBurmeister(-0.5, 2)).toBeLessThan(0);
    expect(fischerBurmeister(2, -0.1)).toBeLessThan(0);
    const pairs = [
      [1, 1],
      [0, 2],
      [3, 0],
      [-1, 0],
      [0.5, -2],
    ];
    const values = tf.tidy(() =>
      Array.from(fischerBurmeisterTensor(tf.tensor2d(pairs.map((p) => [p[0]])), tf.tensor2d(pairs.map((p) => [p[1]]))).dataSync()),
    );
    pairs.forEach(([x, y], i) => expect(Math.abs(values[i] - fischerBurmeister(x, y))).toBeLessThan(1e-6));
  });
});

describe('model plumbing', () => {
  it('is registered, rejects unknown parameters, and has the §B.3 output layout (4(N-1)+1 = 221)', () => {
    expect(DYNAMIC_MODELS['olg-two-asset']).toBeDefined();
    expect(() => OlgTwoAssetParamsSchema.parse({ bogus: 1 })).toThrow();
    const model = createOlgTwoAsset(defaults());
    expect(model.stateDim).toBe(111);
    expect(model.outputs.reduce((s, g) => s + g.size, 0)).toBe(221);
    expect(model.residualFamilies).toEqual(OLG_TWO_ASSET_FAMILIES);
  });

  it('life-cycle prior: K is a fixed point of the savings it implies, savings >= 0', () => {
    const prior = lifeCyclePrior(defaults());
    expect(Math.abs(prior.savings.reduce((s, v) => s + v, 0) - prior.capital) / prior.capital).toBeLessThan(1e-6);
    expect(Math.min(...prior.savings)).toBeGreaterThanOrEqual(0);
    expect(prior.r).toBeGreaterThan(1);
  });

  it('prior multipliers: a zero output decodes to the prior shadow price nu_s = u\'(c^s) - beta r u\'(c^(s+1)) (1e-6), split mu = nu/(kappa r)', () => {
    const model = createOlgTwoAsset(defaults());
    const { prior, kappa, params } = model.economy;
    const zeros = tf.zeros([1, 55]) as tf.Tensor2D;
    const decoded = tf.tidy(() => {
      const m = decodeMultipliers(model.economy, { capitalMultiplier: zeros, bondMultiplier: zeros });
      return { lambda: Array.from(m.capital.dataSync()), mu: Array.from(m.bond.dataSync()) };
    });
    zeros.dispose();
    const floor = Math.log1p(Math.exp(params.multiplierOffset));
    let binding = 0;
    for (let s = 0; s < 55; s++) {
      const nu = prior.consumption[s] ** -2 - 0.95 * prior.r * prior.consumption[s + 1] ** -2;
      if (nu > 2 * floor) {
        binding++;
        expect(decoded.lambda[s] + decoded.mu[s]).toBeCloseTo(nu, 5);
        expect(decoded.mu[s]).toBeCloseTo(nu / (kappa * prior.r), 5);
      } else {
        expect(decoded.lambda[s]).toBeLessThan(2 * floor);
        expect(decoded.mu[s]).toBeLessThan(2 * floor);
      }
    }
    // The prior's young are at the borrowing limit; its old are not.
    expect(binding).toBeGreaterThan(5);
    expect(prior.savings[0]).toBe(0);
  });

  for (const kkt of ['product', 'fischer-burmeister'] as const) {
    it(`untrained network: finite residuals of every family (${kkt}); successor market clearing = sum d' per shock`, () => {
      const model = createOlgTwoAsset(OlgTwoAssetParamsSchema.parse({ kkt, kktScaling: kkt === 'product' ? 'none' : 'marginal-utility' }));
      const rng = Rng.fromSeed(2);
      const net = new Mlp({ inputDim: model.featureDim, outputs: model.outputs, hidden: [32, 32], activation: 'relu' }, rng);
      const n = 16;
      tf.tidy(() => {
        const x = tf.tensor2d(model.initialStates(n, rng), [n, model.stateDim]);
        const policyOf = networkPolicy(model, net);
        const { residuals } = evaluateResiduals(model, policyOf, x);
        for (const f of OLG_TWO_ASSET_FAMILIES) expect(Number.isFinite(tf.sum(residuals[f]).dataSync()[0]), f).toBe(true);
        expect(residuals.marketClearingNext.shape).toEqual([n, 4]);
        // Independent check of the successor block: next states for shock 2, their bond demand.
        const next = model.nextStates(x, policyOf(x), tf.fill([n], 2) as tf.Tensor1D);
        const demand = tf.sum(decodeChoices(model.economy, policyOf(next)).bondPurchases, 1).dataSync();
        const block = tf.slice(residuals.marketClearingNext, [0, 2], [-1, 1]).dataSync();
        for (let i = 0; i < n; i++) expect(block[i]).toBeCloseTo(demand[i], 4);
      });
      net.dispose();
    });
  }

  it('guard: implausible rows are replaced by fresh states, plausible rows are kept', () => {
    const model = createOlgTwoAsset(defaults());
    const rng = Rng.fromSeed(4);
    const dim = model.stateDim;
    const states = model.initialStates(4, rng);
    const kept = states.slice(0, dim);
    states[dim + 1] = NaN;
    for (let s = 1; s < 56; s++) states[2 * dim + s] *= 10;
    states[3 * dim + 60] = 100 * model.economy.stockUnit;
    expect(model.guardStates!(states, rng)).toBe(3);
    expect(Array.from(states.slice(0, dim))).toEqual(Array.from(kept));
    expect(model.guardStates!(states, rng)).toBe(0);
  });
});

/**
 * Mean |residual| of the committed checkpoint on 10,000 fresh states at commit time (deqn evaluate
 * --json, episode 9000): capitalEuler 8.47e-4, bondEuler 8.14e-4, kktCapital 7.05e-7, kktBond 1.46e-5,
 * marketClearingOverY 1.26e-5. The bounds are 1.5x these (a 512-state sample varies a little).
 */
const CHECKPOINT_BOUNDS: Record<string, number> = {
  capitalEuler: 1.27e-3,
  bondEuler: 1.22e-3,
  kktCapital: 1.06e-6,
  kktBond: 2.2e-5,
  marketClearingOverY: 1.9e-5,
};

describe('committed checkpoint checkpoints/olg-two-asset-cpu', () => {
  it('loads and evaluates on 512 fresh simulated states within 1.5x the errors measured at commit; no negative consumption', () => {
    const run = TrainingRun.load('checkpoints/olg-two-asset-cpu');
    expect(run.config.model).toBe('olg-two-asset');
    const table = run.evaluate(512, 'test');
    for (const [family, bound] of Object.entries(CHECKPOINT_BOUNDS)) expect(table.families[family].mean, family).toBeLessThan(bound);
    expect(table.families.penalties.max).toBe(0);
    run.dispose();
  });

  // The first committed checkpoint had every unit of its second ReLU layer dead: a constant policy
  // whose small errors on its own (degenerate) ergodic set looked like progress.
  it('is a state-dependent policy: no hidden layer is inactive at every state, and every output varies across states', () => {
    const run = TrainingRun.load('checkpoints/olg-two-asset-cpu');
    const fresh = run.trainer.freshStates(512, 10, 'test-spread');
    const inactive = run.inactiveUnits(fresh);
    inactive.forEach((n, l) => expect(n, `layer ${l + 1}`).toBeLessThan(run.config.network.hidden[l]));
    const spread = tf.tidy(() => {
      const raw = run.net.raw(run.model.features(tf.tensor2d(fresh, [512, run.model.stateDim])));
      const { variance } = tf.moments(raw, 0);
      return Array.from(tf.sqrt(variance).dataSync());
    });
    // Outputs of ages 1..N-1 for savings, multipliers, collateral and the bond price (221 in all).
    expect(spread.length).toBe(221);
    expect(Math.min(...spread)).toBeGreaterThan(1e-4);
    run.dispose();
  });
});
