// Parameters of the analytic OLG model, MODELS.md §A.2 (Krueger-Kubler 2004; DEQN analytic example).
import { z } from 'zod';

const unitInterval = z.number().gt(0).lt(1);

export const OlgAnalyticParamsSchema = z
  .object({
    /** Number of cohorts A; households work only in the first period of life. */
    generations: z.number().int().min(2).max(200).default(6),
    alpha: unitInterval.default(0.3),
    beta: unitInterval.default(0.7),
    /** CRRA coefficient; the closed form of §A.5 holds for gamma = 1 (log). */
    gamma: z.number().positive().max(20).default(1),
    /** "four-shock": (delta, eta) of §A.2; "full-depreciation": delta = 1 in every state (§A.5 closed-form aggregates). */
    variant: z.enum(['four-shock', 'full-depreciation']).default('four-shock'),
    /**
     * "share": savings = sigmoid(output) x cash-on-hand, always feasible (MODELS.md §A.5 solver note);
     * "level": savings = softplus(output) with consumption floored and a feasibility penalty (§A.4).
     */
    savingsDecoding: z.enum(['share', 'level']).default('share'),
    /** Range of the uniform draws of each cohort's initial capital k^s (s >= 2). */
    initialCapital: z.tuple([z.number().positive(), z.number().positive()]).default([0.02, 0.2]),
  })
  .strict();

export type OlgAnalyticParams = z.infer<typeof OlgAnalyticParamsSchema>;

/** Depreciation and TFP by shock state, and the i.i.d. transition matrix (§A.2). */
export function shockProcess(variant: OlgAnalyticParams['variant']) {
  const delta = variant === 'full-depreciation' ? [1, 1, 1, 1] : [0.5, 0.5, 0.9, 0.9];
  const eta = [0.95, 1.05, 0.95, 1.05];
  const transition = [0, 1, 2, 3].map(() => [0.25, 0.25, 0.25, 0.25]);
  return { delta, eta, transition };
}
