// The transition DEQN's Euler residual code interpolates tomorrow's savings shares and choice
// probabilities linearly between asset grid points, so part 1's exact EGM policy is not an exact root of
// it: its mass-weighted mean relative residual (setup.eulerOffsetMean, one sign in both countries) is the
// discretisation's own bias. Linear interpolation of a smooth policy errs like h^2: doubling the grid
// must divide it by ~4. Measured (bench/ha-trade-transition-deqn-bias.ts --points N): 6.81e-4, 1.66e-4,
// 4.20e-5, 1.04e-5 at 100, 200, 400, 800 points (ratios 4.10, 3.95, 4.04); here 50 -> 100 points.
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { parseTransitionParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { withEulerOffset } from '../../src/models/ha-trade-transition-deqn/train.ts';
import { SMALL_TRANSITION_CONFIG } from './small-config.ts';

function egmResidualMean(points: number): number[] {
  const params = parseTransitionParams({
    ...SMALL_TRANSITION_CONFIG,
    economySets: [`assets.points=${points}`],
    training: { ...SMALL_TRANSITION_CONFIG.training, eulerOffset: 'reference' },
  });
  return withEulerOffset(buildSetup(params)).eulerOffsetMean as number[];
}

let coarse: number[];
let fine: number[];

beforeAll(async () => {
  await initBackend();
  coarse = egmResidualMean(50);
  fine = egmResidualMean(100);
}, 120_000);

describe('transition DEQN: grid convergence of the residual discretisation', () => {
  it("the EGM policy's mean signed relative Euler residual is one-signed and falls like h^2 (ratio 3-5.5 when the grid doubles)", () => {
    expect(coarse.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect(coarse[i]).toBeGreaterThan(0);
      expect(fine[i]).toBeGreaterThan(0);
      const ratio = coarse[i] / fine[i];
      expect(ratio).toBeGreaterThan(3);
      expect(ratio).toBeLessThan(5.5);
    }
    // The 100-point value is the shipped checkpoint's grid (bench: 6.81e-4); float32 residuals, 2 %.
    expect(fine[0]).toBeCloseTo(6.81e-4, 5);
  });
});
