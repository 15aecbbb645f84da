// Transition DEQN of the ha-trade model (src/models/ha-trade-transition-deqn/): training and the
// validation table against the float64 reference transition (src/models/ha-trade/transition.ts).
//   npx tsx bench/ha-trade-transition-deqn.ts --train [--config models/ha-trade-transition-deqn.json] [--episodes N] --checkpoint DIR
//   npx tsx bench/ha-trade-transition-deqn.ts --train --resume DIR --checkpoint DIR2 --episodes N [--lr-scale f] [--price-lr-scale f] [--tatonnement-R k] [--tatonnement-wage k] [--mass-share s]
//       [--euler-offset none|reference] [--anchor-weight w] [--batch-size B] [--household-steps S] [--price-steps S]
//       [--aggregate-euler-weight w] [--aggregate-euler-dates n] [--aggregate-euler-every k] [--aggregate-euler-rows r]
//       [--aggregate-euler-impact-share s] [--aggregate-euler-impact-dates n] [--aggregate-euler-weighting mass|spending]
//       [--price-impact-weight w] [--price-impact-dates n] [--household-anchor none|oldSteadyState] [--widen-household W1,W2]
//       [--euler-tomorrow differentiable|frozenPolicy]
//   npx tsx bench/ha-trade-transition-deqn.ts --train --config models/ha-trade-transition-deqn-both.json --warm-start DIR --checkpoint DIR2
//   npx tsx bench/ha-trade-transition-deqn.ts --train --config CONFIG --init-from DIR --checkpoint DIR2 [--episodes N]
//   npx tsx bench/ha-trade-transition-deqn.ts --validate --checkpoint DIR [--tariff 0.25] [--periods 200] [--clear old|new] [--clear-iterations 8] [--points N] [--json]
// --init-from DIR fine-tunes DIR's networks under CONFIG's params (e.g. a finer asset grid: economySets
// "assets.points=400"); fresh optimizer, episode count from 0. --points N (train and validate) appends
// "assets.points=N" to the params' economySets: the residual grid, the distribution grid and the
// reference solver's grid all become N points (the networks take assets as a number, so any grid works).
// --clear adds the household network on the market-clearing correction of the price path (clearing.ts),
// with the sequence-space Jacobian at the old steady state (no solve per policy) or the new one.
// --household-anchor sets household.anchor (the correction anchored at the old steady state; networks.ts
// householdCorrection). --widen-household W1,W2 (with --resume or --init-from) widens the household
// network's hidden layers function-preservingly (src/deqn/widen.ts) before training. Measured (session 9,
// spend2 widened 48x48 -> 96x96, 160 episodes at its rates, 1917 s CPU): the mean relative Euler error at
// tariff 0.25 stays 1.54e-3 (48x48: 1.53e-3), the wealth-quintile biases +-2.5e-3, and the transition
// effect gets worse (HOME at 0.10 +0.0138, zero-change R drift 10 bp): capacity is not this network's limit.
// --euler-tomorrow sets training.eulerTomorrow ('frozenPolicy': tomorrow's policy in the Euler losses from a
// gradient-free copy of the household network, time iteration; train.ts frozenTomorrow).
// Training prints one line per logged episode (Euler, market residuals, CPU and wall seconds).
import { initBackend } from '../src/tensor/backend.ts';
import { loadTransitionParams, parseTransitionParams } from '../src/models/ha-trade-transition-deqn/params.ts';
import { householdDim, widenPolicyInputs } from '../src/models/ha-trade-transition-deqn/networks.ts';
import { widenHiddenLayers } from '../src/deqn/widen.ts';
import { Rng } from '../src/tensor/rng.ts';
import { buildSetup } from '../src/models/ha-trade-transition-deqn/setup.ts';
import { loadCheckpoint, restoreNetworks, train, type Trainer } from '../src/models/ha-trade-transition-deqn/train.ts';
import { validateAgainstReference, validationMarkdown } from '../src/models/ha-trade-transition-deqn/validate.ts';

/** A numeric flag's value, or the fallback when the flag is absent. */
function numberArg(name: string, fallback: number): number {
  const value = arg(name);
  return value ? Number(value) : fallback;
}

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : undefined;
}

/** The params with --points N (if given) as one more economy override: the asset grid of everything. */
function withPoints<P extends { economySets: string[] }>(params: P): P {
  const points = arg('--points');
  return points === undefined ? params : { ...params, economySets: [...params.economySets, `assets.points=${points}`] };
}

await initBackend();
const json = process.argv.includes('--json');
const checkpoint = arg('--checkpoint');
if (process.argv.includes('--train')) {
  if (!checkpoint) throw new Error('--train needs --checkpoint DIR');
  // --resume DIR continues a checkpoint's networks (its params; --config is then ignored) into --checkpoint.
  const resume = arg('--resume');
  const ck = resume ? loadCheckpoint(resume) : undefined;
  const params = withPoints(ck?.params ?? loadTransitionParams(arg('--config') ?? 'models/ha-trade-transition-deqn.json'));
  const episodes = numberArg('--episodes', params.training.episodes);
  const lr = numberArg('--lr-scale', 1);
  const massShare = numberArg('--mass-share', params.training.massShare);
  const priceLr = numberArg('--price-lr-scale', 1);
  const tatonnement = { wage: numberArg('--tatonnement-wage', params.tatonnement.wage), R: numberArg('--tatonnement-R', params.tatonnement.R) };
  // --euler-offset none|reference overrides the config's (or resumed checkpoint's) training.eulerOffset.
  const eulerOffset = (arg('--euler-offset') ?? params.training.eulerOffset) as 'none' | 'reference';
  if (eulerOffset !== 'none' && eulerOffset !== 'reference') throw new Error(`--euler-offset must be none or reference, got ${eulerOffset}`);
  const anchorWeight = numberArg('--anchor-weight', params.training.anchorWeight);
  const batchSize = numberArg('--batch-size', params.training.batchSize);
  const householdSteps = numberArg('--household-steps', params.training.householdSteps);
  const priceSteps = numberArg('--price-steps', params.training.priceSteps);
  // --price-impact-weight w [--price-impact-dates n]: training.priceImpactWeight / priceImpactDates.
  const priceImpact = { priceImpactWeight: numberArg('--price-impact-weight', params.training.priceImpactWeight), priceImpactDates: numberArg('--price-impact-dates', params.training.priceImpactDates) };
  // --aggregate-euler-weight w [--aggregate-euler-dates n] [--aggregate-euler-every k] [--aggregate-euler-rows r]
  // [--aggregate-euler-impact-share s] [--aggregate-euler-impact-dates n] [--aggregate-euler-weighting mass|spending]: training.aggregateEuler*.
  const aggregateEuler = {
    aggregateEulerWeight: numberArg('--aggregate-euler-weight', params.training.aggregateEulerWeight),
    aggregateEulerDates: numberArg('--aggregate-euler-dates', params.training.aggregateEulerDates),
    aggregateEulerEvery: numberArg('--aggregate-euler-every', params.training.aggregateEulerEvery),
    aggregateEulerRows: numberArg('--aggregate-euler-rows', params.training.aggregateEulerRows),
    aggregateEulerImpactShare: numberArg('--aggregate-euler-impact-share', params.training.aggregateEulerImpactShare),
    aggregateEulerImpactDates: numberArg('--aggregate-euler-impact-dates', params.training.aggregateEulerImpactDates),
    aggregateEulerWeighting: arg('--aggregate-euler-weighting') ?? params.training.aggregateEulerWeighting,
  };
  const eulerTomorrow = arg('--euler-tomorrow') ?? params.training.eulerTomorrow;
  const training = { ...params.training, ...aggregateEuler, ...priceImpact, eulerTomorrow, episodes, massShare, batchSize, householdSteps, priceSteps, eulerOffset, anchorWeight, householdLearningRate: params.training.householdLearningRate * lr, priceLearningRate: params.training.priceLearningRate * lr * priceLr };
  // Through the schema, so a flag outside its allowed range (e.g. an impact share above 1) is refused.
  const widen = arg('--widen-household')?.split(',').map(Number);
  const household = { ...params.household, anchor: arg('--household-anchor') ?? params.household.anchor, hidden: widen ?? params.household.hidden };
  const setup = buildSetup(parseTransitionParams({ ...params, household, tatonnement, training }, 'bench flags'));
  /** A checkpoint's weights, with the household network widened to --widen-household when given. */
  const weightsFor = (c: { params: { household: { hidden: number[] } }; weights: { household: number[][]; price: number[][] } }) =>
    widen ? { ...c.weights, household: widenHiddenLayers(c.weights.household, householdDim(setup), c.params.household.hidden, widen, Rng.fromSeed(`widen:${params.training.seed}`)) } : c.weights;
  // --warm-start DIR: a checkpoint trained on a prefix of this config's policy inputs (e.g. HOME's tariff only), widened.
  const warm = arg('--warm-start') ? loadCheckpoint(arg('--warm-start') as string) : undefined;
  // --init-from DIR: the same networks (same policy inputs) under this config's params.
  const init = arg('--init-from') ? loadCheckpoint(arg('--init-from') as string) : undefined;
  if (init && init.params.policy.tariffs.length !== setup.policyDim) throw new Error(`--init-from ${arg('--init-from')}: ${init.params.policy.tariffs.length} policy inputs, the config has ${setup.policyDim} (use --warm-start to widen)`);
  const resumed: Trainer | undefined = ck
    ? { nets: restoreNetworks(setup, weightsFor(ck)), episode: ck.episode, history: [] }
    : init
      ? { nets: restoreNetworks(setup, weightsFor(init)), episode: 0, history: [] }
      : warm
      ? { nets: restoreNetworks(setup, widenPolicyInputs(setup, warm.weights, warm.params.policy.tariffs.length)), episode: 0, history: [] }
      : undefined;
  const trainer = train(setup, {
    trainer: resumed,
    checkpointDir: checkpoint,
    log: (l) =>
      process.stdout.write(
        `episode ${l.episode} x=${l.x.map((v) => v.toFixed(3)).join(',')} euler|FB| ${l.euler.toExponential(3)} rel ${l.relativeEuler.toExponential(3)}${l.aggregateEuler === undefined ? '' : ` signed ${l.aggregateEuler.toExponential(3)}`} market sup ${l.market.toExponential(3)} priceLoss ${l.priceLoss.toExponential(3)} cpu ${l.cpuSeconds.toFixed(1)} s wall ${l.wallSeconds.toFixed(1)} s\n`,
      ),
  });
  const last = trainer.history[trainer.history.length - 1];
  process.stdout.write(`trained ${trainer.episode} episodes: ${last.cpuSeconds.toFixed(1)} s CPU, ${last.wallSeconds.toFixed(1)} s wall; checkpoint ${checkpoint}\n`);
}
if (process.argv.includes('--validate')) {
  if (!checkpoint) throw new Error('--validate needs --checkpoint DIR');
  const ck = loadCheckpoint(checkpoint);
  const setup = buildSetup(withPoints(ck.params));
  const nets = restoreNetworks(setup, ck.weights);
  const tariffs = (arg('--tariff') ?? '0.25').split(',').map(Number);
  const clear = arg('--clear');
  if (clear !== undefined && clear !== 'old' && clear !== 'new') throw new Error(`--clear must be old or new, got ${clear}`);
  const clearing = clear ? { jacobianAt: clear as 'old' | 'new', maxIterations: Number(arg('--clear-iterations') ?? 8), tol: Number(arg('--clear-tol') ?? 1e-6) } : undefined;
  const result = validateAgainstReference(setup, nets, Float64Array.from(tariffs), { referencePeriods: Number(arg('--periods') ?? 200), passes: Number(arg('--passes') ?? 6), clearing });
  if (json) process.stdout.write(JSON.stringify({ checkpoint, episode: ck.episode, ...result }) + '\n');
  else process.stdout.write(validationMarkdown(result, checkpoint, ck.episode));
}
