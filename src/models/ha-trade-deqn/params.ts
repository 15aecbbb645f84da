// Parameters of the heterogeneous-agent trade DEQN (MODELS.md §C): the economy (a part-1 ha-trade
// config, resolved inline so a checkpoint is self-contained), the policy box the networks are
// conditioned on, and the panel of households the prices are cleared on.
import { z } from 'zod';
import { UsageError } from '../../io/errors.ts';
import { buildEconomy, haTradeConfigSchema, loadConfig, parseConfig, type HaTradeConfig } from '../ha-trade/config.ts';
import type { Economy } from '../ha-trade/economy.ts';

const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, { message: 'range must be [low, high] with low <= high' });

/** Tariff of `importer` on goods from `exporter` (country names of the economy). */
const tariffPair = z.object({ importer: z.string().min(1), exporter: z.string().min(1) }).strict();

export const HaTradeDeqnParamsSchema = z
  .object({
    /** A part-1 ha-trade config file (path relative to the working directory) or the config inline. */
    economy: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    policy: z
      .object({
        /** Tariffs that are network inputs; default: every importer-exporter pair. */
        tariffs: z.array(tariffPair).min(1).optional(),
        /** Box of every input tariff (net ad-valorem rate). */
        tariffRange: range.default([0, 0.4]),
        /** Box of the common scaling of all international trade costs d_ij (i != j). */
        tradeCostScale: range.default([0.9, 1.1]),
      })
      .strict()
      .default({ tariffRange: [0, 0.4], tradeCostScale: [0.9, 1.1] }),
    panel: z
      .object({
        /** Households per country in each lane (a lane = one policy point and its own panel). */
        householdsPerCountry: z.number().int().min(10).max(1_000_000),
        /** Share of lanes whose prices are jittered away from market clearing (to teach the household network prices). */
        explorationShare: z.number().min(0).max(0.9).default(0.25),
        /** Relative jitter of R, wages, delivered prices; jitter of rebates in units of the country's TFP. */
        jitter: z
          .object({ R: z.number().min(0).default(0.02), wage: z.number().min(0).default(0.05), price: z.number().min(0).default(0.1), rebate: z.number().min(0).default(0.02) })
          .strict()
          .default({ R: 0.02, wage: 0.05, price: 0.1, rebate: 0.02 }),
        /** One lane draws a new policy point every this many episodes. */
        refreshEvery: z.number().int().min(1).default(5),
        /**
         * Unused, accepted so earlier checkpoints' configs (which record it) still load: it gated markets
         * measured on a lane's simulated panel, but markets are cleared on the networks' stationary
         * distribution at the lane's policy (params.market.gridPoints), which does not depend on its age.
         */
        minAge: z.number().int().min(0).default(40),
        /** Panel rows per episode the household residuals are trained on (a random subset; default all). */
        trainRows: z.number().int().min(1).optional(),
        /** Households entering assets are clipped to [-phi, assetCap * amax] (guards the untrained start). */
        assetCap: z.number().min(1).default(3),
      })
      .strict(),
    /**
     * Market clearing of the market lanes' policy points on the stationary distribution of the current
     * networks (lottery method on a grid of `gridPoints` assets, a non-stochastic simulation of the panel):
     * `lanesPerEpisode` lanes per episode, rotating.
     */
    market: z
      .object({
        gridPoints: z.number().int().min(10).max(2000).default(100),
        lanesPerEpisode: z.number().int().min(1).default(4),
        /** Episodes before market targets enter training: the price network stays at its centre (world.ts logWage0, R0) while the untrained households' savings would drive R and wages anywhere. */
        startEpisode: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ gridPoints: 100, lanesPerEpisode: 4, startEpisode: 0 }),
    /** Walrasian price steps turning each lane's market residuals into the price network's target (market.ts). */
    tatonnement: z
      .object({
        wage: z.number().positive().default(1),
        R: z.number().positive().default(0.03),
        rebate: z.number().positive().max(1).default(1),
        /** Goods excess supply per unit of world labour income ("world") or of the country's own labour income ("own", for economies of very unequal country sizes). */
        wageUnits: z.enum(['world', 'own']).default('world'),
        /** Largest change of any raw price output per episode (default unbounded). */
        maxStep: z.number().positive().optional(),
      })
      .strict()
      .default({ wage: 1, R: 0.03, rebate: 1, wageUnits: 'world' }),
    /**
     * Savings above the top of the reference asset grid (amax_i): "extrapolate" (the network's savings
     * as they are; the panel clips entering assets at panel.assetCap x amax, grid solutions clip the
     * lottery to the grid) or "cap" (a' = min(a', amax) with consumption from the budget, exactly as
     * the part-1 EGM solver, whose policy is amax beyond its endogenous grid; the Euler residual is
     * then a complementarity on the box [-phi, amax], household.ts boxComplementarity). Why "cap":
     * the Euler condition alone does not rule out an explosive saving path, and the 19-country
     * network's smallest countries (BEL, NLD) piled their wealth at the top of the grid; the cap is
     * the reference's terminal condition.
     */
    savingsTop: z.enum(['extrapolate', 'cap']).default('extrapolate'),
    /** Train the residuals of every variety at every row (default: one variety per row, drawn uniformly). */
    allVarieties: z.boolean().default(false),
    /**
     * How the one trained variety of a row is drawn (without allVarieties): "uniform" (each variety as
     * often, so rarely chosen ones are trained as much) or "choice" (from the household's own choice
     * probabilities, so the residuals are weighted as the varieties enter aggregate savings). Why
     * "choice" for fine-tuning: the import variety is chosen with probability ~5 % in the two-country
     * economy (10 % of spending), so the uniform draw spends half the Euler loss on savings that carry
     * ~5 % of the bond market, while the equilibrium R (hence welfare) is set by the home variety's.
     */
    varietyDraw: z.enum(['uniform', 'choice']).default('uniform'),
    /**
     * With varietyDraw "choice", the share of rows whose variety is drawn uniformly instead. Why: the
     * savings of rarely chosen varieties set those varieties' spending, i.e. import demand. At the
     * 19-country stage-7 checkpoint under uniform 10 % USA tariffs (bench/ha-trade-deqn-ek19-euler.ts
     * --tariff 0.1) the USA households' imported varieties had a mean relative Euler error of 2.3 %
     * (home variety 0.08 %): the USA is the one country whose import prices the policy moves, and the
     * choice draw trained its imports on ~6 % of its rows. Its network households then bought 2-4 % less
     * from every partner than the reference households at the same prices, and the small exporters'
     * wages (hence welfare changes) fell too far.
     */
    uniformVarietyShare: z.number().min(0).max(1).default(0),
    /**
     * Per-row loss of the Euler (FB) residuals r: "square" (mean r^2) or "pseudoHuber" (mean
     * delta (sqrt(1 + (r/delta)^2) - 1): r^2 / (2 delta) below delta, |r| - delta above, so every
     * household's residual above delta pulls equally, as in the validation's mean relative error).
     * Why pseudoHuber for the 19-country fine-tune: at the stage-4 checkpoint (bench/ha-trade-deqn-ek19-euler.ts)
     * the 2 % of households in the top 30 % of the asset grid carried 29 % of the sum of squared FB
     * residuals but 8 % of the sum of relative Euler errors, while JPN and USA carried 28 % of the
     * error sum and 10 % of the squared residuals: the square spends the network's capacity on a few
     * large residuals, not on the mean error the issue measures (1.18 %, the training panel's own
     * 1.17 %, so the states were sampled; it is the fit).
     */
    eulerLoss: z
      .object({ form: z.enum(['square', 'pseudoHuber']).default('square'), delta: z.number().positive().default(1e-3) })
      .strict()
      .default({ form: 'square', delta: 1e-3 }),
    /**
     * The FB complementarity reads the distances of savings to the borrowing limit and to the grid top
     * in units of A_i / eulerLimitScale (default 1: units of A_i). FB(e, s) ~ min(e, s) once the
     * distance s is below the Euler error e, so at scale 1 a household 0.02 A_i above the limit with a
     * 12 % Euler error has an FB residual of ~0.02 and is hardly trained, while the validation counts
     * its 12 % (it excludes only households within 1 % of a wage of the limit). Why > 1 for the
     * 19-country fine-tune: there (bench/ha-trade-deqn-ek19-euler.ts, stage 4 + 30 pseudoHuber
     * episodes) households in the lowest 2 % of the grid carried 46 % of the relative Euler error sum at
     * 2.1 % mean error, those choosing savings within 0.02 A_i of the limit 12 %, vs 0.4 % in the interior.
     */
    eulerLimitScale: z.number().positive().default(1),
    /**
     * The household network as a correction of the part-1 EGM policy at the world's centre prices and
     * the status-quo policy, tabulated on `points` evenly spaced assets (baseline.ts); absent: the
     * network alone. Rebuilt from the economy whenever the model is created (checkpoints included).
     */
    householdBaseline: z
      .object({
        points: z.number().int().min(10).max(20_000),
        /**
         * The correction is the network's output at the household's prices minus its output at its
         * country's centre prices, so it is exactly zero there and the policy at the centre is the
         * EGM policy (baseline.ts atCentre); costs a second household-network pass.
         */
        zeroAtCentre: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** Hidden widths of the price network (a tower of the policy inputs beside the household network). */
    priceNetwork: z.object({ hidden: z.array(z.number().int().min(1).max(4096)).min(1).max(8) }).strict().default({ hidden: [32, 32] }),
  })
  .strict();

export type HaTradeDeqnParams = z.output<typeof HaTradeDeqnParamsSchema>;

/** The economy config with every vector and matrix inline (CSV references resolved). */
export function resolveEconomyConfig(spec: HaTradeDeqnParams['economy'], where = 'params.economy'): HaTradeConfig {
  if (typeof spec === 'string') {
    const { config, baseDir } = loadConfig(spec);
    const econ = buildEconomy(config, baseDir);
    return inlineConfig(config, econ);
  }
  const config = parseConfig(spec, where);
  return inlineConfig(config, buildEconomy(config, '.'));
}

function inlineConfig(config: HaTradeConfig, econ: Economy): HaTradeConfig {
  const M = econ.countries.length;
  const matrix = (m: Float64Array) => Array.from({ length: M }, (_, i) => Array.from(m.subarray(i * M, (i + 1) * M)));
  return haTradeConfigSchema.parse({
    ...config,
    labor: Array.from(econ.labor),
    tfp: Array.from(econ.tfp),
    tradeCosts: matrix(econ.tradeCosts),
    tariffs: matrix(econ.tariffs),
  });
}

/** Parses params and resolves the economy inline (what a checkpoint stores). */
export function parseParams(raw: unknown): HaTradeDeqnParams & { economy: HaTradeConfig } {
  const params = HaTradeDeqnParamsSchema.parse(raw);
  const economy = resolveEconomyConfig(params.economy);
  const names = economy.countries;
  for (const p of params.policy.tariffs ?? []) {
    for (const who of [p.importer, p.exporter]) {
      if (!names.includes(who)) throw new UsageError(`params.policy.tariffs: "${who}" is not a country of the economy (${names.join(', ')})`);
    }
    if (p.importer === p.exporter) throw new UsageError(`params.policy.tariffs: ${p.importer} cannot levy a tariff on itself`);
  }
  return { ...params, economy };
}

/** Zod schema for the registry: validates and resolves, so the run's saved config holds the economy inline. */
export const paramsSchemaResolving = HaTradeDeqnParamsSchema.transform((p) => ({ ...p, economy: resolveEconomyConfig(p.economy) }));
