// Parameters of the 56-generation two-asset OLG benchmark of Deep Equilibrium Nets, MODELS.md §B.2
// (values of sischei/DeepEquilibriumNets benchmark.py), plus the solver-side choices of this project
// (residual forms, decoding units, simulation guard), each documented where it is used.
import { z } from 'zod';

const unitInterval = z.number().gt(0).lt(1);
const probability = z.number().min(0).max(1);
const twoByTwo = z.tuple([z.tuple([probability, probability]), z.tuple([probability, probability])]);
const fourShocks = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const OlgTwoAssetParamsSchema = z
  .object({
    /** Number of cohorts N (§B.1). */
    generations: z.number().int().min(3).max(200).default(56),
    alpha: unitInterval.default(0.3),
    /** Discount factor per period; the code uses 0.95^(56/N). */
    beta: unitInterval.default(0.95),
    /** CRRA coefficient. */
    gamma: z.number().positive().max(20).default(2),
    /** Quadratic adjustment cost of capital, (zeta/2) (a - r k)^2 (§B.1). */
    zeta: z.number().min(0).max(100).default(0.5),
    /** Collateral coefficient; omitted: 1 / (1 - max delta) (§B.2). */
    kappa: z.number().positive().optional(),
    /** Depreciation by shock z = 1..4 (low, low, high, high). */
    delta: fourShocks.default([0.08, 0.08, 0.11, 0.11]),
    /** TFP by shock z = 1..4 (low, high, low, high). */
    eta: fourShocks.default([0.978, 1.022, 0.978, 1.022]),
    /** Depreciation chain (low, high) and TFP chain; Pi = piDelta ⊗ piEta (§B.2). */
    piDelta: twoByTwo.default([
      [0.972, 0.028],
      [0.3, 0.7],
    ]),
    piEta: twoByTwo.default([
      [0.905, 0.095],
      [0.095, 0.905],
    ]),
    /** Complementarity residual form (§B.4 items 3-4): product lambda*a, or Fischer-Burmeister. */
    kkt: z.enum(['product', 'fischer-burmeister']).default('product'),
    /** "marginal-utility" divides the multipliers by u'(c) inside the KKT residuals (§B.4 scaling suggestion). */
    kktScaling: z.enum(['none', 'marginal-utility']).default('none'),
    /** Consumption floor inside u' and scale of the negative-consumption penalty (code: epsilon = 1e-5). */
    consumptionFloor: z.number().positive().max(1).default(1e-5),
    /**
     * Multipliers are decoded as multiplierUnit * softplus(output + multiplierOffset): a softplus
     * output whose bias starts at multiplierOffset, so the untrained multipliers start near zero
     * (softplus(-9) = 1.2e-4, against u'(c) of 0.4 to 4) instead of biasing the Euler equations,
     * yet binding constraints stay reachable: the borrowing-constrained young need lambda + mu of
     * about 0.4 u'(c) ~ 1.7, an output of about +11. (A unit of 0.1 with offset -7 needed +24,
     * and after 800 steps the young still had Euler errors of 10-20%.)
     */
    multiplierUnit: z.number().positive().default(1),
    multiplierOffset: z.number().min(-30).max(30).default(-9),
    /**
     * Relative noise of the initial states around the life-cycle prior (uniform, +-). Kept small:
     * 10% noise on the capital of a 40-year-old is half a year's consumption, which made many
     * starting states infeasible under the prior policy (negative consumption).
     */
    initialNoise: z.number().min(0).lt(1).default(0.03),
    /**
     * Simulated paths whose aggregate capital leaves [lo, hi] x the prior's K, whose bond holdings
     * exceed hi x K/N in absolute value, or that hold a non-finite value restart from fresh initial
     * states (MODELS.md §B.5: simulation stability is the first obstacle).
     */
    guardBand: z.tuple([z.number().positive(), z.number().positive()]).default([0.25, 4]),
  })
  .strict();

export type OlgTwoAssetParams = z.infer<typeof OlgTwoAssetParamsSchema>;

/** The collateral coefficient kappa, explicit or 1 / (1 - max delta). */
export function collateralCoefficient(params: OlgTwoAssetParams): number {
  return params.kappa ?? 1 / (1 - Math.max(...params.delta));
}

/** Pi = piDelta ⊗ piEta: shock z = 2 iDelta + iEta (0-based), rows sum to one (§B.2, B1). */
export function transitionMatrix(params: OlgTwoAssetParams): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const row: number[] = [];
      for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) row.push(params.piDelta[i][k] * params.piEta[j][l]);
      out.push(row);
    }
  }
  return out;
}

/** Stationary distribution of a row-stochastic matrix by power iteration (float64). */
export function stationaryDistribution(transition: readonly (readonly number[])[]): number[] {
  const n = transition.length;
  let dist = new Array<number>(n).fill(1 / n);
  for (let it = 0; it < 100_000; it++) {
    const next = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) next[j] += dist[i] * transition[i][j];
    const change = next.reduce((m, v, j) => Math.max(m, Math.abs(v - dist[j])), 0);
    dist = next;
    if (change < 1e-15) break;
  }
  return dist;
}

/**
 * Labour endowment by 0-based age a = 0..N-1 (§B.2, Brumm-Kubler-Scheidegger 2017 per the code):
 * a quadratic hump to A_IS = floor(2N/3), a linear fall to half the level at A_DECR - 1, then flat.
 */
export function labourProfile(generations: number): number[] {
  const half = generations / 2;
  const quadratic = (a: number) => 0.6 + ((0.6 * 1.27) / half ** 2) * (half ** 2 - (a - half) ** 2);
  const increasingUntil = Math.floor((2 * generations) / 3);
  const decreasingUntil = Math.floor((5 * generations) / 6);
  const top = quadratic(increasingUntil);
  const profile: number[] = [];
  for (let a = 0; a < generations; a++) {
    if (a < increasingUntil) profile.push(quadratic(a));
    else if (a < decreasingUntil) profile.push(top - (0.5 * top * (a - increasingUntil)) / (decreasingUntil - 1 - increasingUntil));
    else profile.push(0.5 * top);
  }
  return profile;
}
