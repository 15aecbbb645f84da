// The shipped policy-conditioned two-country checkpoint (checkpoints/ha-trade-two-country): its
// counterfactual at the status quo against the part-1 reference solver, the direction of a tariff's
// effects, determinism, and the JSON fields shared with `deqn solve --json` / `deqn welfare --json`.
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { loadHaTradeCheckpoint } from '../../src/cli/counterfactual-checkpoint.ts';
import { counterfactualSummary, policyFromSets, runCounterfactual, type CounterfactualResult } from '../../src/models/ha-trade-deqn/counterfactual.ts';
import { compareAtPoints, referenceAt, simulatedEulerErrors, validationPoints } from '../../src/models/ha-trade-deqn/validation.ts';
import { baselinePolicy } from '../../src/models/ha-trade-deqn/world.ts';
import type { HaTradeDeqn } from '../../src/models/ha-trade-deqn/index.ts';
import type { TrainingRun } from '../../src/run/training-run.ts';
import type { HaTradeEquilibrium } from '../../src/models/ha-trade/index.ts';

const CHECKPOINT = 'checkpoints/ha-trade-two-country';
let run: TrainingRun;
let model: HaTradeDeqn;
let status: CounterfactualResult;
let tariff: CounterfactualResult;
let reference: HaTradeEquilibrium;

beforeAll(async () => {
  await initBackend('wasm');
  ({ run, model } = loadHaTradeCheckpoint(CHECKPOINT));
  // On the reference's own 100-point grid (model.world), so network and reference share the discretisation.
  status = runCounterfactual(model, run.net, baselinePolicy(model.world), 100);
  tariff = runCounterfactual(model, run.net, policyFromSets(model.world, ['tariff.HOME.FOREIGN=0.25']), 100);
  reference = referenceAt(model.world, baselinePolicy(model.world));
}, 120_000);

describe('shipped ha-trade checkpoint', () => {
  it('at the status quo reproduces the reference wages and R within 0.05 % and the import share within 0.5 % (markets cleared on the household network)', () => {
    const net = status.baseline;
    for (let i = 0; i < 2; i++) expect(Math.abs(net.prices.wages[i] / reference.wages[i] - 1)).toBeLessThan(5e-4); // measured 0.006 %
    expect(Math.abs(net.prices.R[0] / reference.prices.R[0] - 1)).toBeLessThan(5e-4); // measured 0.018 %
    expect(Math.abs(net.importShares[1] / reference.importShares[1] - 1)).toBeLessThan(0.005); // measured 0.065 %
  });

  it('households simulated from its stationary distribution have a mean relative Euler error below 0.1 %', () => {
    const e = simulatedEulerErrors(model, run.net, status.baseline, 1000, 10);
    expect(e.households).toBe(1000);
    expect(e.meanRelative).toBeLessThan(0.001); // measured 0.055 % (bench/ha-trade-deqn.ts, 4000 households x 20 periods: 0.045-0.055 % at its five points)
  }, 60_000);

  it('has no welfare change at the status quo (tau = 1 is an interpolation node)', () => {
    for (const w of status.welfare) {
      expect(Math.abs(w.averageGain)).toBeLessThan(1e-6);
      expect(Math.abs(w.acr)).toBeLessThan(1e-9);
    }
  });

  it('a HOME tariff raises HOME relative wages, pays a HOME rebate and lowers HOME import shares, as the reference', () => {
    const ref = referenceAt(model.world, tariff.counterfactual.policy, reference);
    const cf = tariff.counterfactual;
    expect(Math.sign(cf.prices.wages[0] - cf.prices.wages[1])).toBe(Math.sign(ref.wages[0] - ref.wages[1]));
    expect(cf.prices.rebates[0]).toBeGreaterThan(0);
    expect(cf.importShares[1]).toBeLessThan(status.baseline.importShares[1]);
    expect(Math.abs(cf.prices.wages[0] / ref.wages[0] - 1)).toBeLessThan(0.002); // measured 0.005 %
  }, 60_000);

  it('against a grid-converged (400-point) reference, its utilitarian welfare changes at the hardest validation point are within 5 %', () => {
    // Policy 0.15 / 0.2 / trade-cost scale 1.05: FOREIGN's change is small (-0.19 %), so the relative
    // error is hardest to meet there. The 100-point reference is itself off by 3.5 % at this point
    // (-0.1862 vs -0.1930 at 800 points, bench/ha-trade-deqn.ts --grid-points N), so the check uses 400 points.
    const points = validationPoints(model.world);
    const steps: number[] = [];
    const [, hardest] = compareAtPoints(model, run.net, [points[0], points[4]], { points: 400, onStep: (s) => steps.push(s.residualNorm) });
    expect(hardest.utilitarianReference[1]).toBeCloseTo(-0.1934, 3); // the 400-point reference
    expect(hardest.utilitarianError).toBeLessThan(0.05); // measured 4.80 % (FOREIGN -0.1841 vs -0.1934; HOME -0.5210 vs -0.5308)
    expect(hardest.RError).toBeLessThan(5e-4); // measured 0.015 %
    // The trained households' markets really clear there: at the float32 network's noise floor (1-6e-7), not stalled.
    expect(hardest.clearing.residualNorm).toBeLessThan(1e-6); // measured 3.0e-7 after 2 Newton steps (the status quo: 6.5e-7 after 1)
    // Progress: every accepted Newton step of both points is reported; the last is the residual left.
    expect(steps.length).toBeGreaterThan(1);
    expect(steps[steps.length - 1]).toBe(hardest.clearing.residualNorm);
  }, 180_000);

  it('is deterministic and reports the fields of deqn solve --json and deqn welfare --json', () => {
    const again = runCounterfactual(model, run.net, tariff.counterfactual.policy, 100);
    expect(Array.from(again.counterfactual.importShares)).toEqual(Array.from(tariff.counterfactual.importShares));
    expect(again.welfare.map((w) => w.averageGain)).toEqual(tariff.welfare.map((w) => w.averageGain));
    const summary = counterfactualSummary(model, CHECKPOINT, tariff);
    for (const key of ['R', 'wages', 'rebates', 'importShares', 'netForeignAssetsToIncome', 'welfare', 'gainers', 'acr', 'poorestQuintile', 'richestQuintile', 'acrElasticity']) {
      expect(summary).toHaveProperty(key);
    }
    expect(summary.welfareByWealthDecile.HOME).toHaveLength(10);
    expect(summary.policy['tariff.HOME.FOREIGN']).toBe(0.25);
  }, 60_000);
});
