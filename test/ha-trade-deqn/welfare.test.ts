// The consumption-equivalent machinery of the DEQN welfare (policy evaluation on the grid, tau
// interpolant, tau solve, averages over the status-quo distribution) fed with the part-1 reference
// policies instead of the networks' reproduces part 1's welfare numbers (MODELS.md §C.5).
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { createHaTradeDeqn, type HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import { evaluatePolicies, type GridPolicies } from '../../src/models/ha-trade-deqn/solution.ts';
import { solveTau, type TauInterpolant } from '../../src/models/ha-trade-deqn/welfare.ts';
import { referenceAt } from '../../src/models/ha-trade-deqn/validation.ts';
import { welfareChange } from '../../src/models/ha-trade/welfare.ts';
import { solveHousehold, type HaTradeEquilibrium, type HouseholdSolution } from '../../src/models/ha-trade/index.ts';

let model: HaTradeDeqn;
let before: HaTradeEquilibrium;
let after: HaTradeEquilibrium;

beforeAll(async () => {
  await initBackend('wasm');
  model = createHaTradeDeqn({ economy: 'models/ha-trade-two-country.json', panel: { householdsPerCountry: 10 } });
  before = referenceAt(model.world, [0, 0, 1]);
  after = referenceAt(model.world, [0.1, 0, 1], before);
}, 60_000);

function asGridPolicies(solutions: HouseholdSolution[]): GridPolicies {
  return {
    grids: before.states.map((s) => s.params.agrid),
    aNext: solutions.map((h) => h.assetPolicy),
    c: solutions.map((h) => h.consumption),
    pi: solutions.map((h) => h.choiceProb),
    V: solutions.map((h) => h.value),
  };
}

describe('DEQN consumption-equivalent welfare machinery (MODELS.md §C.5)', () => {
  it('policy evaluation of the reference policies returns the reference values', () => {
    const V = evaluatePolicies(model, asGridPolicies(before.states.map((s) => s.household)), 1e-11);
    for (let i = 0; i < 2; i++) {
      let err = 0;
      for (let s = 0; s < V[i].length; s++) err = Math.max(err, Math.abs(V[i][s] - before.states[i].household.value[s]));
      expect(err).toBeLessThan(1e-6);
    }
  });

  it('with reference policies, the two-node tau solve reproduces part 1 welfare within 5 % on households with |CE| <= 5 % in part 1', () => {
    const nodes = [0.99, 1.01];
    const scaled = nodes.map((t) => before.states.map((s) => solveHousehold(s.params, { ...s.prices, incomeScale: t }, { tol: 1e-11, guess: s.household })));
    const concat = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)));
    const interp: TauInterpolant = { nodes, values: scaled.map((sol) => concat(evaluatePolicies(model, asGridPolicies(sol), 1e-11))), states: new Float32Array(0) };
    const { tau } = solveTau(interp, concat(evaluatePolicies(model, asGridPolicies(after.states.map((s) => s.household)), 1e-11)));
    const per = tau.length / 2;
    const reference = welfareChange(before, after, { acrElasticity: 4 }).countries;
    for (let i = 0; i < 2; i++) {
      // Households whose period resources R a + w z are near zero cannot be compensated by scaling
      // them (tau -> infinity); part 1 and the linear tau solve treat them differently, so the
      // comparison is on the well-conditioned states: |CE| <= 5 % in the reference.
      const mass = before.states[i].distribution.mass;
      let ours = 0;
      let theirs = 0;
      let kept = 0;
      for (let s = 0; s < per; s++) {
        if (!(Math.abs(reference[i].ceByState[s]) <= 5)) continue; // also skips states part 1 leaves undefined (NaN)
        ours += mass[s] * 100 * (tau[i * per + s] - 1);
        theirs += mass[s] * reference[i].ceByState[s];
        kept += mass[s];
      }
      expect(kept).toBeGreaterThan(0.85); // 89.6 % of HOME households
      expect(Math.abs(ours - theirs)).toBeLessThan(0.05 * Math.abs(theirs)); // measured 2.8 % (HOME): the linear tau interpolation
    }
  }, 60_000);
});
