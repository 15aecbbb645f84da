// Optimal-policy facts of MODELS.md §E.5 on hand-built economies whose optimum is known in closed form.
//  E5: one closed union region, labour only, no input-output links, no public demand: the optimal net
//      taxes are Pigouvian, (1+τ̃^r)/(1−φ^r) constant across r, with the welfare gain of §D.5 D8.
//  E4: one union region trading with RoW in one sector (no IO, no scale economies). In this Armington
//      model the union is the only seller of its variety, so its standalone optimal tariff is Gros'
//      t* = 1/((η−1) λ*_{RoW,RoW}) (§D.5 D3) whatever the union's own import spending (a trade deficit
//      financed by net foreign income F changes nothing). As RoW's spending share on union goods s → 0,
//      the terms-of-trade GAIN vanishes (it is proportional to the trade flows) but t* tends to
//      1/(η−1), not 0; t* → 0 needs RoW's demand for union goods to be perfectly elastic (η → ∞).
//      At s = 0 exactly the stated fact holds in its weak form: the union has no terms of trade to move,
//      welfare does not depend on the tariff at all (a uniform tariff only rescales union prices by
//      1+t), the gain of trade policy is exactly zero and t = 0 is an optimum (not the only one).
import { describe, it, expect } from 'vitest';
import { tinyUnion } from './helpers.ts';
import { UnionModel } from '../../src/models/union-policy/model.ts';
import { UnionPolicyObjective, EXPERIMENTS } from '../../src/models/union-policy/objective.ts';
import { optimizeMultiStart, DEFAULT_UNION_OPTIMIZER } from '../../src/models/union-policy/multistart.ts';

const optimizer = { ...DEFAULT_UNION_OPTIMIZER, maxIterations: 300, tolerance: 1e-11, valueTolerance: 1e-15 };

describe('E5: Pigouvian net taxes in the single-region case', () => {
  const alpha = [0.2, 0.3, 0.5];
  const psi = [0, 0.2, 0.5];
  const phi = psi.map((p) => p / (1 + p)); // 1 + ψ = 1/(1 − φ)
  // Union region R1 is closed up to a balanced trickle of trade (1e-8 of its spending) that only pins its
  // price level to the numeraire (a fully closed region's nominal scale would be indeterminate).
  const trickle = 1e-8;
  const flows = alpha.map((a) => [
    [100 * a * (1 - trickle), 100 * a * trickle],
    [100 * a * trickle, 50],
  ]);
  const data = tinyUnion({ flows, eta: [2, 2, 2], phi });
  const model = new UnionModel(data);
  const objective = new UnionPolicyObjective(model, EXPERIMENTS.industrial);
  const res = optimizeMultiStart(objective, { starts: 2, radiusStep: 0.05, seed: 3, optimizer });

  it('(1+τ̃^r)/(1−φ^r) is constant across sectors: τ̃^r = −φ^r after normalising τ̃ = 0 where φ = 0 (1e-6)', () => {
    for (const run of res.runs) {
      const t = run.a;
      for (let r = 1; r < 3; r++) expect((1 + t[r]) / (1 + t[0])).toBeCloseTo(1 - phi[r], 6);
    }
  });

  it('welfare gain equals E_α[(1+ψ)ln(1+ψ)] − E_α[1+ψ] ln E_α[1+ψ] = 0.0159990 (D8 oracle, 1e-7)', () => {
    const mean = alpha.reduce((s, a, r) => s + a * (1 + psi[r]), 0);
    const formula = alpha.reduce((s, a, r) => s + a * (1 + psi[r]) * Math.log(1 + psi[r]), 0) - mean * Math.log(mean);
    expect(formula).toBeCloseTo(0.015999, 6);
    for (const run of res.runs) expect(Math.log(1 + run.welfareGain / 100)).toBeCloseTo(formula, 7);
    expect(res.std).toBeLessThan(1e-6);
  });
});

describe('E4: optimal standalone external tariff of a small union', () => {
  /**
   * One union region (spending 10) and RoW (spending 100); RoW spends share s on union goods. The union
   * imports `imports` (default: the value of its exports, balanced trade; more = a deficit financed by F).
   */
  function economy(s: number, eta: number, imports = 100 * s) {
    const exports = 100 * s;
    const flows = [
      [
        [10 - imports, exports],
        [imports, 100 - exports],
      ],
    ];
    const model = new UnionModel(tinyUnion({ flows, eta: [eta] }), { tolerance: 1e-13 });
    const objective = new UnionPolicyObjective(model, EXPERIMENTS.trade);
    const res = optimizeMultiStart(objective, { starts: 1, radiusStep: 0, seed: 1, optimizer });
    const eq = res.bestEquilibrium;
    const lambdaRowRow = eq.system.shares(eq.z)[(0 * 2 + 1) * 2 + 1];
    return { t: res.best.a[0], gain: res.best.welfareGain, lambdaRowRow };
  }

  it('the optimum is Gros’ tariff 1/((η−1) λ*_RoW,RoW) (1e-6)', () => {
    for (const [s, eta] of [[0.05, 5], [0.02, 3]]) {
      const { t, lambdaRowRow } = economy(s, eta);
      expect(t).toBeCloseTo(1 / ((eta - 1) * lambdaRowRow), 6);
    }
  });

  it('with a trade deficit (imports 2, exports 0.5, F = 1.5) the optimum is still Gros’ tariff (1e-6)', () => {
    const { t, lambdaRowRow } = economy(0.005, 4, 2);
    expect(t).toBeCloseTo(1 / (3 * lambdaRowRow), 6);
  });

  it('at s = 0 (imports financed by F) welfare does not depend on the tariff and the gain of trade policy is 0 (1e-12)', () => {
    const model = new UnionModel(tinyUnion({ flows: [[[8, 0], [2, 100]]], eta: [4] }), { tolerance: 1e-13 });
    expect(model.base.foreignIncome[0]).toBeCloseTo(2, 12);
    const objective = new UnionPolicyObjective(model, EXPERIMENTS.trade);
    for (const t of [0.1, 0.5, 2]) {
      expect(Math.abs(objective.welfare(Float64Array.of(t))[0])).toBeLessThan(1e-12);
      expect(Math.abs(objective.gradient(Float64Array.of(t), Float64Array.of(1))[0])).toBeLessThan(1e-12);
    }
    const res = optimizeMultiStart(objective, { starts: 1, radiusStep: 0, seed: 1, optimizer });
    expect(res.best.a[0]).toBe(0);
    expect(Math.abs(res.best.welfareGain)).toBeLessThan(1e-10);
  });

  it('as RoW’s spending on union goods → 0 the gain vanishes and t* → 1/(η−1); t* → 0 only as η grows', () => {
    const eta = 5;
    const runs = [0.05, 0.005, 0.0005].map((s) => economy(s, eta));
    expect(runs[0].gain).toBeGreaterThan(runs[1].gain);
    expect(runs[1].gain).toBeGreaterThan(runs[2].gain);
    // The gain is proportional to the trade share: a hundredth of the trade, about a hundredth of the gain.
    expect(runs[2].gain).toBeLessThan(runs[0].gain / 50);
    expect(Math.abs(runs[2].t - 1 / (eta - 1))).toBeLessThan(1e-3);
    const elastic = [5, 20, 80].map((e) => economy(0.005, e).t);
    expect(elastic[0]).toBeGreaterThan(elastic[1]);
    expect(elastic[1]).toBeGreaterThan(elastic[2]);
    expect(elastic[2]).toBeLessThan(0.013);
  });
});
