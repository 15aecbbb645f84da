// Parameters of the transition DEQN (MODELS.md §C, item 4 of issue 5): the economy (a part-1
// ha-trade config whose tariffs are the OLD policy), the box of new tariffs an unanticipated permanent
// change is drawn from, the horizon of a training episode, the networks and the training schedule.
import { z } from 'zod';
import { UsageError } from '../../io/errors.ts';
import { parseWithSchema, readJsonFile } from '../../io/json-file.ts';

const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, { message: 'range must be [low, high] with low <= high' });

/** One tariff that is a policy input: importer's ad-valorem rate on exporter's variety, drawn from `range`. */
const tariffInput = z.object({ importer: z.string().min(1), exporter: z.string().min(1), range }).strict();

export const TransitionDeqnParamsSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Part-1 ha-trade config (path relative to the working directory); its tariffs are the old policy. */
    economy: z.string().min(1),
    /** Overrides of the economy config (PATH=VALUE, as `deqn solve --set`), e.g. a coarser asset grid. */
    economySets: z.array(z.string()).default([]),
    policy: z.object({ tariffs: z.array(tariffInput).min(1) }).strict(),
    /** Periods simulated after the change; beyond them prices and policies stay at date T's (the new steady state if the path has converged). */
    periods: z.number().int().min(5).max(1000),
    household: z
      .object({
        hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(6),
        activation: z.enum(['tanh', 'silu', 'elu', 'softplus']).default('silu'),
        /**
         * 'oldSteadyState': the logit correction is h(inputs) - h(the same household with the aggregate state,
         * the policy inputs and its own prices at their old-steady-state values), so at the old steady state the
         * policy is EXACTLY the old EGM policy whatever the weights, and the network represents only the
         * response to the news and the moving distribution (networks.ts householdCorrection). 'none': h(inputs)
         * (every checkpoint before this option). Why: the 19-country network's same construction
         * (ha-trade-deqn householdBaseline.zeroAtCentre) took its status-quo Euler error from 0.267 % to 0.065 %
         * without training; here a level error of the correction at the old state biases every date's savings.
         * Measured (session 9, 400-point grid, on session 8's spend2 networks): without training the zero-change
         * mean relative Euler error falls from 6.7e-4 to 1.4e-4 but the price network no longer matches the
         * households (sup market 2e-4 -> 5.6e-4); after 160 more episodes (1934 s CPU) the zero change is the
         * best yet (R drift 0.3 bp, Euler 4.2e-5, effect -0.0003/-0.0000) while tariffs 0.25 / 0.10 get worse
         * (FOREIGN at 0.25 -0.0025 vs reference +0.0122, HOME at 0.10 +0.0105 vs -0.0079; HOME NFA response
         * 70-88 % of the reference's): the transition effect is not resolved.
         */
        anchor: z.enum(['none', 'oldSteadyState']).default('none'),
      })
      .strict(),
    price: z
      .object({ hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(6), activation: z.enum(['tanh', 'silu', 'elu', 'softplus']).default('tanh') })
      .strict(),
    /** Feature scales: deviations of the moments (mean, std, constrained share) and of prices from the old steady state are divided by these. */
    scales: z
      .object({
        mean: z.number().positive().default(0.05),
        std: z.number().positive().default(0.05),
        constrained: z.number().positive().default(0.02),
        logWage: z.number().positive().default(0.05),
        R: z.number().positive().default(0.002),
        rebate: z.number().positive().default(0.02),
        assets: z.number().positive().default(4),
      })
      .strict()
      .default({ mean: 0.05, std: 0.05, constrained: 0.02, logWage: 0.05, R: 0.002, rebate: 0.02, assets: 4 }),
    /** Walrasian steps: log relative wage per unit of goods excess supply over income, R per unit of bond excess over world income; rebates are set to revenue. */
    tatonnement: z.object({ wage: z.number().positive().default(1), R: z.number().positive().default(0.03) }).strict().default({ wage: 1, R: 0.03 }),
    training: z
      .object({
        seed: z.number().int().default(1),
        episodes: z.number().int().min(0),
        /** Forward (distribution) / backward (values) passes per episode: choice probabilities come from the values of the previous pass. */
        passes: z.number().int().min(1).max(10).default(2),
        householdSteps: z.number().int().min(0).default(20),
        batchSize: z.number().int().min(8).default(256),
        /** Share of Euler rows drawn from the date's distribution (the rest uniformly over the grid). */
        massShare: z.number().min(0).max(1).default(0),
        householdLearningRate: z.number().positive().default(1e-3),
        priceSteps: z.number().int().min(0).default(20),
        priceLearningRate: z.number().positive().default(3e-3),
        /** The price network is fitted to the Walrasian targets of this many latest episodes (policy points) at once. */
        replayEpisodes: z.number().int().min(1).default(8),
        /** Learning rates fall by this factor (cosine) over the episodes. */
        finalLearningRateFactor: z.number().positive().max(1).default(0.1),
        /**
         * 'reference': the Euler residual of every grid household is measured from the residual the old
         * steady state's EGM policy (part 1's solution) has under this same residual code, so that policy is
         * an exact root. Why: linear interpolation of tomorrow's policies and choice probabilities off the
         * grid gives the EGM solution a signed mean relative error of +6.8e-4 on the 100-point grid (every
         * household the same sign), worth ~10 bp of the bond-clearing R; a network trained to zero raw
         * residuals solves a different discretisation than the reference it is validated against, and
         * after a ZERO policy change drifts to R 12.8 bp above the old steady state. 'none': raw residuals
         * (the first shipped checkpoint). Measured (360 episodes resumed from it): zero-change R drift 7.5 bp,
         * but the networks' own signed Euler bias stays ~1e-3 and tariff 0.10 / 0.25 do not improve.
         */
        eulerOffset: z.enum(['none', 'reference']).default('none'),
        /**
         * How tomorrow's policy enters the gradient of the Euler losses (both the per-household and the aggregate
         * term): 'differentiable' = the household network itself, so every step also bends TOMORROW's policy to
         * fit today's residual (every checkpoint before this option); 'frozenPolicy' = a copy of the network with
         * the same weights whose variables are not differentiated (train.ts frozenTomorrow, re-synchronised
         * before every step), so only today's policy is pulled toward the Euler-implied one, given tomorrow's
         * policy function (time iteration; the gradient still flows through a'_j, today's choice, into that
         * frozen function). The residual values, and so every reported number, are the same. Why: today's and
         * tomorrow's consumption come from the same network, so a near-uniform shift of the savings logits
         * barely changes the residuals; every 400-point checkpoint under-saves by 10-30 % in the long run while
         * its signed Euler bias is ~1e-4. Cutting tomorrow's gradient should make that level a stiff direction.
         * Measured (session 10, 400-point grid, session 8's spend2 + 160 episodes at its rates, 1132 s CPU, same
         * stream as the control ctl): against ctl, FOREIGN's effect at 0.25 +0.0049 (ctl -0.0002, reference
         * +0.0122), HOME's at 0.10 +0.0021 (ctl +0.0065, reference -0.0079), HOME's long-run NFA 94 % / 91 % of the
         * reference's at 0.25 / 0.10 (ctl 90 % / 83 %); but the zero-change NFA drift doubles (0.00071, ctl
         * 0.00036: net of it the response is 91 % / 82 %, ctl 89 % / 79 %), markets are worse (sup 3.2-3.9e-4, ctl
         * 1.6-2.0e-4) and HOME's 0.25 effect moves away (-0.0329). Twice the household rate (1134 s CPU) gives the
         * same effects (+0.0052 / +0.0019) with a market spike (1.2e-2) and a larger 0.10 error. Not resolved.
         */
        eulerTomorrow: z.enum(['differentiable', 'frozenPolicy']).default('differentiable'),
        /**
         * Weight of the zero-change anchor: at the old policy and the old steady state, whose solution is
         * known exactly (zero logit correction, the old prices), `batchSize` grid households' corrections
         * per household step and the price network's output are pulled to zero (squared, added to the
         * losses). Why: a uniform shift of everyone's consumption barely changes the Euler residuals (today's
         * and tomorrow's consumption come from the same network), yet it moves the bond-clearing R; the
         * shipped networks drift 12.8 bp in R after a ZERO change. 0 = off. Measured (weight 1, 450 episodes
         * after the offset stage): zero change R within 1.9 bp, welfare within 0.011; tariff 0.10 worse
         * (R 16.7 bp, transition effect still of the wrong sign): the anchor fixes the known point only.
         */
        anchorWeight: z.number().min(0).default(0),
        /**
         * Weight of the aggregate Euler term: the squared population-weighted mean SIGNED relative Euler
         * residual of each country (interior households, mass x choice probability, as the validation's
         * dateEulerResiduals) at `aggregateEulerDates` random dates of the episode's path, added to the
         * household loss every `aggregateEulerEvery`-th household step. Why: the bond market (hence R and
         * the transition effect) responds to that signed mean, not to the mean square of the per-household
         * residuals the Euler loss controls; the shipped and 400-point networks keep it at ~1e-3 (markets
         * need ~1e-4), while many small same-signed residuals cost the MSE little. 0 = off.
         * Measured (400-point grid, resumed from the 400-point fine-tune fine400b, 256 states per country,
         * one date per step): weight 30 at the fine-tune's learning rate blew up within 5 episodes (signed
         * 2e-2, markets 6e-2); weight 3 at half the household rate (250 episodes) then weight 10 at a quarter
         * of that (240 episodes, ~1870 s CPU each stage) are stable and bring the signed bias (mean |.| over 8
         * dates at tariffs 0 / 0.1 / 0.25) from 8.4e-4 / 3.5e-4 / 7.2e-4 to 1.7e-4 / 1.6e-4 / 1.6e-4, the max R error from 10-17 bp to
         * 4-6 bp and the zero-change R drift from 17.4 to 4.2 bp; the transition effect is NOT fixed
         * (HOME at tariff 0.10 +0.0031 vs reference -0.0079): welfare moves ~0.0015 points per bp of R, so
         * it needs R within ~1 bp (a bias ~3e-5, near the 400-point grid's own 4.2e-5).
         */
        aggregateEulerWeight: z.number().min(0).default(0),
        aggregateEulerDates: z.number().int().min(1).default(1),
        aggregateEulerEvery: z.number().int().min(1).default(1),
        /** States per country for the aggregate term, drawn by mass (0 = every state of the date with mass). */
        aggregateEulerRows: z.number().int().min(0).default(0),
        /**
         * Share of the aggregate term's dates drawn from the impact dates 0..aggregateEulerImpactDates-1 right
         * after the change (uniformly among them); the rest are uniform over 0..T-1. 0 = every date uniform
         * (the behaviour before this option, same random stream). Why: with uniform draws the dates t = 0-1 get
         * 1 draw in 30 at T = 60, and the 400-point networks trained with weight 10 (session 6) keep a signed
         * bias of 5-7e-4 there (<= 2e-4 from t = 2 on), where welfare weighs most.
         * Measured (session 7, resumed from those networks, weight 10, 256 states, impact dates 0-2): share 0.3
         * at their rates (200 episodes, 1508 s CPU) takes the impact bias at tariff 0.25 from -6.2e-4 to
         * -4.8e-4 / -4.0e-4 at t = 0 and below 5e-5 at t = 1, at 0.10 t = 0 from 6.9e-4 / 1.8e-4 to 4.5e-4 /
         * 1.6e-5 (t = 1 4.8e-4 -> 4.1e-4); share 0.5 at half the rates (240 more episodes) leaves 0.10's at
         * 5-6e-4 and spreads 3.5e-4 to t = 2-5 (R 10.6 bp low). Share 0.3 at a quarter of the rates (200 +
         * 170 episodes, 1525 + 1348 s CPU; no market spikes, which the full rate had) brings 0.25's t = 0 bias
         * to -7e-5 / -4e-5 and its mean to 7e-5, HOME's 0.25 effect to -0.0354 after 200 episodes (reference
         * -0.0353) but -0.0308 after 370. None fixes the transition effect (HOME at 0.10 +0.005, FOREIGN at
         * 0.25 ~0, reference +0.0122): what is left comes from FOREIGN's wage 7.5e-4 low at t = 0-1 and the
         * early-vs-long-run R profile, not the size of the bias.
         */
        aggregateEulerImpactShare: z.number().min(0).max(1).default(0),
        /**
         * Weights of the aggregate term's mean signed residual: 'mass' = state mass x choice probability (as
         * the validation's dateEulerResiduals); 'spending' = that times the (state, variety)'s spending p_j c_j
         * on the path, so the mean is the date's aggregate spending error the goods and bond markets see (a
         * relative consumption error of a household counts by its spending). Why: in the session-7 networks at
         * tariff 0.25 the mass-weighted bias is -2.1e-4 / -1.1e-4 (HOME / FOREIGN) at t = 0 while the
         * spending-weighted one is -2.7e-4 / +1.2e-4 (t = 1: -5.6e-4 / +1.7e-4): the wealth quintiles' biases
         * (+-2.5e-3) cancel in the mass weighting but not in spending, and the sign matches HOME saving ~20 %
         * too little (NFA at t = 1 0.00227 vs the reference's 0.00289) and FOREIGN's wage 7.5e-4 low at impact.
         * Measured (session 8, 170 episodes from those networks at their rates, 1306 s CPU, same stream as the
         * mass-weighted control): FOREIGN's wage error at 0.25 t = 0 / 1 -7.6 / -8.4e-4 -> -4.2 / -5.3e-4, HOME's
         * NFA shortfall 21 % -> 10 % (t = 1) and 16 % -> 8 % (long run), zero-change effect +0.0045 -> +0.0014;
         * 170 more episodes plateau. The transition effect is not resolved (FOREIGN at 0.25 +0.0027 vs +0.0122,
         * HOME at 0.10 +0.006 vs -0.0079): what is left follows the wealth quintiles' residuals (+-2.5e-3).
         */
        aggregateEulerWeighting: z.enum(['mass', 'spending']).default('mass'),
        aggregateEulerImpactDates: z.number().int().min(1).default(3),
        /**
         * Weight of the impact dates 0..priceImpactDates-1 after the change in the price network's regression on
         * the Walrasian targets (each replayed episode's rows at those dates count this many times; the anchor's
         * rows count once). 1 = every date equal (the behaviour before this option, same arithmetic). Why: the
         * regression has T + 1 = 61 rows per episode and the impact dates, where welfare weighs most and where the
         * FOREIGN wage is 7.5e-4 low at tariff 0.25 in the session-7 networks, are 2-3 of them.
         * Measured (session 8, weight 10 with 60 price steps, 180 episodes from those networks, 1390 s CPU):
         * sup market residual 2.2e-4 -> 1.8e-4 at 0.25 and 2.0e-4 -> 1.0e-4 at 0.10 against the same-stream
         * control, FOREIGN's impact wage error unchanged (-7.8e-4), transition effect not better. Clearing the
         * path exactly (clearing.ts) moves that wage by 1e-5 only: it is the households' demand, not the fit.
         */
        priceImpactWeight: z.number().positive().default(1),
        priceImpactDates: z.number().int().min(1).default(3),
        /** Log every this many episodes. */
        logEvery: z.number().int().min(1).default(10),
      })
      .strict(),
  })
  .strict();

export type TransitionDeqnParams = z.output<typeof TransitionDeqnParamsSchema>;

export function parseTransitionParams(raw: unknown, where = 'config'): TransitionDeqnParams {
  return parseWithSchema(TransitionDeqnParamsSchema, raw, where);
}

export function loadTransitionParams(file: string): TransitionDeqnParams {
  return parseTransitionParams(readJsonFile(file), file);
}

/** Indices (importer * M + exporter) of the tariff inputs, validated against the economy's countries. */
export function tariffIndices(params: TransitionDeqnParams, countries: readonly string[]): number[] {
  const M = countries.length;
  return params.policy.tariffs.map((t, k) => {
    const i = countries.indexOf(t.importer);
    const j = countries.indexOf(t.exporter);
    if (i < 0 || j < 0) throw new UsageError(`policy.tariffs[${k}]: countries must be among ${countries.join(', ')}, got ${t.importer} -> ${t.exporter}`);
    if (i === j) throw new UsageError(`policy.tariffs[${k}]: ${t.importer} cannot levy a tariff on itself`);
    return i * M + j;
  });
}
