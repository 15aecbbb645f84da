// The equilibrium of the shipped checkpoint and the policy layer's welfare gradient through it:
// (1) choice probabilities from the logsum fixed point of given savings (choices.ts) reproduce the
// part-1 reference's own probabilities when fed the reference savings (an independent EGM solver);
// (2) clearing the household network's markets lands on the reference prices and import shares at a
// policy away from the status quo; (3) the welfare gradient by automatic differentiation through the
// price tower and the household network (adjoint of the value fixed point) matches central
// differences of the same welfare function.
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { loadHaTradeCheckpoint } from '../../src/cli/counterfactual-checkpoint.ts';
import { consistentChoices } from '../../src/models/ha-trade-deqn/choices.ts';
import { clearMarkets } from '../../src/models/ha-trade-deqn/clearing.ts';
import { networkPolicyObjective } from '../../src/models/ha-trade-deqn/policy-objective.ts';
import { referenceAt } from '../../src/models/ha-trade-deqn/validation.ts';
import type { HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import type { TrainingRun } from '../../src/run/training-run.ts';
import type { HaTradeEquilibrium } from '../../src/models/ha-trade/index.ts';

const X = Float64Array.of(0.25, 0.1, 1);
let run: TrainingRun;
let model: HaTradeDeqn;
let ref: HaTradeEquilibrium;

beforeAll(async () => {
  await initBackend('wasm');
  ({ run, model } = loadHaTradeCheckpoint('checkpoints/ha-trade-two-country'));
  ref = referenceAt(model.world, X);
}, 60_000);

describe('ha-trade DEQN equilibrium and welfare gradient', () => {
  it('the logsum fixed point of the reference savings returns the reference choice probabilities and values', () => {
    const st = ref.states;
    const fixed = consistentChoices(model.world, {
      grids: st.map((s) => s.params.agrid),
      aNext: st.map((s) => s.household.assetPolicy),
      c: st.map((s) => s.household.consumption),
      pi: st.map((s) => s.household.choiceProb),
      V: st.map((s) => s.household.value.map((v) => v - 1)), // started away from the answer
    });
    for (let i = 0; i < 2; i++) {
      let dp = 0;
      let dv = 0;
      fixed.pi[i].forEach((p, k) => (dp = Math.max(dp, Math.abs(p - st[i].household.choiceProb[k]))));
      fixed.V[i].forEach((v, s) => (dv = Math.max(dv, Math.abs(v - st[i].household.value[s]))));
      expect(dp).toBeLessThan(1e-6); // reference household tolerance 1e-9 on (1 - beta) V
      expect(dv).toBeLessThan(1e-6);
    }
  });

  it('clearing the household network markets at tariffs 0.25/0.10 gives wages within 0.05 %, R within 0.1 %, import shares within 0.5 %', () => {
    const eq = clearMarkets(model, run.net, X, { points: 100 });
    expect(eq.residualNorm).toBeLessThan(1e-5);
    for (let i = 0; i < 2; i++) expect(Math.abs(eq.prices.wages[i] / ref.wages[i] - 1)).toBeLessThan(5e-4); // measured 0.005 %
    expect(Math.abs(eq.prices.R[0] / ref.prices.R[0] - 1)).toBeLessThan(1e-3); // measured 0.004 %
    for (const k of [1, 2]) expect(Math.abs(eq.importShares[k] / ref.importShares[k] - 1)).toBeLessThan(0.005); // measured 0.06 %
  }, 60_000);

  it('the autodiff welfare gradient matches central differences within 2 % at two policy points', () => {
    const ad = networkPolicyObjective(model, run.net);
    const fd = networkPolicyObjective(model, run.net, { gradient: 'central-differences', step: 1e-3 });
    for (const a of [Float64Array.of(0.25, 0.1), Float64Array.of(0.1, 0.3)]) {
      for (const w of [Float64Array.of(1, 0), Float64Array.of(0, 1)]) {
        const g1 = ad.gradient(a, w);
        const g2 = fd.gradient(a, w);
        const scale = Math.hypot(...g2);
        expect(scale).toBeGreaterThan(1); // % welfare per unit tariff: a real slope, not noise
        for (let k = 0; k < 2; k++) expect(Math.abs(g1[k] - g2[k])).toBeLessThan(0.02 * scale); // measured <= 0.3 %
      }
    }
    ad.dispose();
  }, 90_000);
});
