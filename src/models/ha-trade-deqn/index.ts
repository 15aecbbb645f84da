// The heterogeneous-agent trade model (MODELS.md §C) as a DEQN: a household network maps
// (assets, efficiency, country, the prices the household faces) to choice-specific savings shares
// and continuation values for every variety; a price network (a tower of the same Mlp, reading
// only the policy inputs) maps tariffs and the trade-cost scale to wages, R and rebates.
//
// Why prices are set this way: the stationary equilibrium's prices are functions of policy alone,
// so a small network of the policy is the natural object to learn, and one checkpoint then answers
// every policy in the box. Market clearing is a condition on the whole cross-section, so it is
// imposed on lanes of simulated households (one policy point per lane): each lane's households are
// re-evaluated at the price network's prices and its goods, bond and budget residuals enter the loss
// with gradients to the price network only. The household network sees prices, not policy, and is
// trained on Euler (Fischer-Burmeister) and Bellman residuals at the prices its panel faces, so a
// market residual can never be "fixed" by bending household optimality, and the price network's
// gradient carries how demand responds to prices (through the household network).
import { batchSizeAt } from '../../deqn/config.ts';
import { tf } from '../../tensor/backend.ts';
import type { Rng } from '../../tensor/rng.ts';
import type { OutputGroup, Policy, ResidualContext } from '../../deqn/model.ts';
import type { EpisodeEnvironment, EpisodeOutcome, OwnEpisodeModel } from '../../deqn/own-episode.ts';
import type { Mlp, TowerOutputGroup } from '../../deqn/network.ts';
import { buildWorld, type World } from './world.ts';
import { featuresOf, inputsOf, layoutOf, type Layout } from './layout.ts';
import { householdBlock, makeConstants, type Constants } from './household.ts';
import { buildBaselineTables, householdPolicy } from './baseline.ts';
import { makePolicyMatrices, type PolicyMatrices } from './prices.ts';
import { choiceResidualsAt, chosenMask, chosenResiduals, eulerLossOf } from './residuals.ts';
import { tatonnement } from './market.ts';
import { solveNetwork } from './solution.ts';
import { decodePrices } from './world.ts';
import { chooseVariety, drawPolicy, initialPanel, lanePriceRaw, panelShape, policiesOf, setLanePolicy, simulatePeriod, writePrices, type PanelShape } from './panel.ts';
import { parseParams, type HaTradeDeqnParams } from './params.ts';
import type { HaTradeConfig } from '../ha-trade/config.ts';

export type HaTradeFamily = 'euler' | 'bellman';

export interface HaTradeDeqn extends OwnEpisodeModel<HaTradeFamily> {
  readonly world: World;
  readonly layout: Layout;
  readonly constants: Constants;
  readonly matrices: PolicyMatrices;
  readonly params: HaTradeDeqnParams & { economy: HaTradeConfig };
  /** The panel's lane structure for `paths` rows. */
  shapeFor(paths: number): PanelShape;
}

export function createHaTradeDeqn(raw: unknown): HaTradeDeqn {
  const params = parseParams(raw);
  const world = buildWorld(params.economy, params.policy);
  const lay = layoutOf(world);
  const baseline = params.householdBaseline ? buildBaselineTables(world, params.householdBaseline.points, params.householdBaseline.zeroAtCentre) : undefined;
  const k = makeConstants(world, { capAtGridTop: params.savingsTop === 'cap', limitScale: params.eulerLimitScale, baseline });
  const m = makePolicyMatrices(world);
  const { M, nZ } = world;
  const prices: TowerOutputGroup = { name: 'prices', size: world.priceDim, decode: 'linear', tower: { inputs: lay.policyFeatures, hidden: params.priceNetwork.hidden, exclusive: true, activation: 'tanh' } };
  const outputs: OutputGroup[] = [{ name: 'savings', size: M, decode: 'sigmoid' }, { name: 'continuation', size: M, decode: 'linear' }, prices];
  const transition = Array.from({ length: nZ }, (_, z) => Array.from(world.economy.chain.P.subarray(z * nZ, (z + 1) * nZ)));

  const lotteryCache = new Map<number, Float64Array[]>();
  const self: HaTradeDeqn = {
    name: 'ha-trade',
    world,
    layout: lay,
    constants: k,
    matrices: m,
    params,
    stateDim: lay.dim,
    transition,
    featureDim: lay.featureDim,
    outputs,
    residualFamilies: ['euler', 'bellman'],
    shapeFor: (paths) => panelShape(world, params, paths),

    features: (states) => featuresOf(world, inputsOf(world, lay, states)),
    policyAt: (net, states) => householdPolicy(world, k.baseline, net, inputsOf(world, lay, states)),

    initialStates(paths: number, rng: Rng) {
      return initialPanel(world, lay, panelShape(world, params, paths), rng);
    },

    // The engine's successor for next shock z': the household's chosen variety (by its uniform)
    // sets a'; the uniform is refreshed by a hash so evaluation simulations draw new varieties.
    nextStates(states, policy, nextShock) {
      const inp = inputsOf(world, lay, states);
      const hh = householdBlock(world, k, inp, policy);
      const mask = chosenMask(world, lay, states, hh.pi);
      const a = tf.sum(tf.mul(mask, hh.aNext), 1, true) as tf.Tensor2D;
      const z = tf.reshape(nextShock, [-1, 1]) as tf.Tensor2D;
      const uOld = tf.slice(states, [0, lay.u], [-1, 1]).dataSync();
      const zNew = nextShock.dataSync();
      const u = tf.tensor2d(Float32Array.from(uOld, (v, r) => hashUniform(v, zNew[r], r)), [uOld.length, 1]);
      const before = tf.slice(states, [0, lay.a + 1], [-1, lay.u - lay.a - 1]);
      const after = tf.slice(states, [0, lay.u + 1], [-1, -1]);
      return tf.concat([z, a, before, u, after], 1) as tf.Tensor2D;
    },

    residuals(ctx: ResidualContext) {
      const r = chosenResiduals(world, lay, k, ctx.states, ctx.policy, ctx.nextStates, ctx.nextPolicy, ctx.expect);
      return { euler: r.euler, bellman: r.bellman };
    },

    trainEpisode: (env) => trainEpisode(self, world, lay, k, m, params, env, lotteryCache),
  };
  return self;
}

/** A deterministic uniform from the previous one, the new shock and the row (evaluation paths only). */
function hashUniform(u: number, z: number, row: number): number {
  let h = (Math.floor(u * 4294967296) ^ Math.imul(z + 1, 0x9e3779b1) ^ Math.imul(row + 7, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function laneRefresh(world: World, lay: Layout, shape: PanelShape, params: HaTradeDeqnParams, env: EpisodeEnvironment): void {
  const every = params.panel.refreshEvery;
  if (env.episode % every !== 0 || shape.lanes < 2) return;
  // Lane 0 stays at the status quo; the others take turns drawing a new policy point.
  const lane = 1 + (Math.floor(env.episode / every) % (shape.lanes - 1));
  const states = env.simulator.states;
  const generation = states[lane * shape.rowsPerLane * lay.dim + lay.generation] + 1;
  setLanePolicy(lay, shape, states, lane, drawPolicy(world, env.rng), generation);
}

interface Accumulator {
  loss: number;
  steps: number;
  sum: Record<string, number>;
  max: Record<string, number>;
}

function record(acc: Accumulator, name: string, values: Float32Array | number[]): void {
  let s = 0;
  let mx = 0;
  for (const v of values) {
    s += Math.abs(v);
    mx = Math.max(mx, Math.abs(v));
  }
  acc.sum[name] = (acc.sum[name] ?? 0) + s / Math.max(1, values.length);
  acc.max[name] = Math.max(acc.max[name] ?? 0, mx);
}

function trainEpisode(model: HaTradeDeqn, world: World, lay: Layout, k: Constants, m: PolicyMatrices, params: HaTradeDeqnParams, env: EpisodeEnvironment, cache: Map<number, Float64Array[]>): EpisodeOutcome {
  const { net, rng, config } = env;
  const shape = panelShape(world, params, env.simulator.paths);
  const d = lay.dim;
  laneRefresh(world, lay, shape, params, env);
  const states = env.simulator.states;
  writePrices(world, lay, shape, states, lanePriceRaw(world, lay, shape, net, states), params.panel.jitter);

  // Simulate the episode's periods; every cross-section visited is training data.
  const periods = config.periodsPerEpisode;
  const pool = new Float32Array(periods * states.length);
  for (let t = 0; t < periods; t++) {
    pool.set(states, t * states.length);
    simulatePeriod(world, lay, k, net, states, rng, params.panel.assetCap);
  }
  const n = pool.length / d;

  // Markets of a few market lanes (rotating) cleared on the stationary distribution of the current
  // networks at the lane's policy and prices; the Walrasian step becomes the price network's target.
  const per = Math.min(params.market.lanesPerEpisode, shape.marketLanes);
  const lanes = Array.from({ length: per }, (_, i) => (env.episode * per + i) % shape.marketLanes);
  const market = env.episode >= params.market.startEpisode ? marketTargets(model, world, lay, net, params, states, shape, lanes, cache) : undefined;
  const mature = lanes;
  const trainRows = Math.min(n, params.panel.trainRows ?? n);

  const weights = config.lossWeights;
  const trunk = net.trunkVariables;
  const tower = net.towerVariables('prices');
  const acc: Accumulator = { loss: 0, steps: 0, sum: {}, max: {} };
  const batchSize = batchSizeAt(config.batchSize, env.episode);
  for (let epoch = 0; epoch < config.epochsPerEpisode; epoch++) {
    const order = rng.permutation(n);
    for (let start = 0; start < trainRows; start += batchSize) {
      const size = Math.min(batchSize, trainRows - start);
      const rows = new Float32Array(size * d);
      for (let r = 0; r < size; r++) rows.set(pool.subarray(order[start + r] * d, (order[start + r] + 1) * d), r * d);
      // Each row trains one variety: drawn uniformly (rarely chosen varieties trained as much) or from
      // the household's choice probabilities (params.varietyDraw).
      const variety = params.allVarieties ? undefined : drawVarieties(world, lay, k, net, rows, size, params.varietyDraw, rng, params.uniformVarietyShare);
      const stats = tf.tidy(() => {
        const batch = tf.tensor2d(rows, [size, d]);
        let euler: tf.Tensor = tf.zeros([1]);
        let bellman: tf.Tensor = tf.zeros([1]);
        const household = tf.variableGrads(() => {
          const r = choiceResidualsAt(world, lay, k, net, batch, variety);
          euler = tf.keep(r.euler);
          bellman = tf.keep(r.bellman);
          return tf.add(tf.mul(weights.euler ?? 1, eulerLossOf(r.euler, params.eulerLoss)), tf.mul(weights.bellman ?? 1, tf.mean(tf.square(r.bellman)))) as tf.Scalar;
        }, trunk);
        let marketGrads: tf.Tensor[] = tower.map((v) => tf.zerosLike(v));
        let marketLoss: tf.Tensor = tf.scalar(0);
        if (market) {
          const fit = tf.variableGrads(() => {
            const raw = net.towerOutput('prices', featuresOf(world, inputsOf(world, lay, tf.tensor2d(market.laneRows, [mature.length, d]))));
            return tf.mul(weights.market ?? 1, tf.mean(tf.square(tf.sub(raw, tf.tensor2d(market.target, [mature.length, world.priceDim]))))) as tf.Scalar;
          }, tower);
          marketGrads = tower.map((v) => fit.grads[v.name]);
          marketLoss = fit.value;
        }
        const grads = [...trunk.map((v) => household.grads[v.name]), ...marketGrads];
        env.adam.apply(net.variables, env.clip(grads), env.learningRate);
        return [tf.add(household.value, marketLoss), euler, bellman].map((t) => tf.keep(t));
      });
      const [loss, euler, bellman] = stats.map((t) => t.dataSync() as Float32Array);
      stats.forEach((t) => t.dispose());
      acc.loss += loss[0];
      acc.steps++;
      record(acc, 'euler', euler);
      record(acc, 'bellman', bellman);
      if (market) record(acc, 'market', market.residuals);
    }
  }
  const families: Record<string, { mean: number; max: number }> = {};
  for (const name of Object.keys(acc.sum)) families[name] = { mean: acc.sum[name] / acc.steps, max: acc.max[name] };
  return { loss: acc.loss / Math.max(1, acc.steps), families, states: trainRows * config.epochsPerEpisode, steps: acc.steps };
}

export type { Policy };

/**
 * One variety per row: uniform, or drawn with the row's choice probabilities under the current network
 * (with `uniformShare` of the rows drawn uniformly instead, params.uniformVarietyShare).
 */
export function drawVarieties(world: World, lay: Layout, k: Constants, net: Mlp, rows: Float32Array, size: number, how: HaTradeDeqnParams['varietyDraw'], rng: Rng, uniformShare = 0): Int32Array {
  const uniform = () => Math.floor(rng.uniform() * world.M);
  if (how === 'uniform') return Int32Array.from({ length: size }, uniform);
  const { pi } = policiesOf(world, lay, k, net, rows, size);
  return Int32Array.from({ length: size }, (_, r) => (uniformShare > 0 && rng.uniform() < uniformShare ? uniform() : chooseVariety(pi, r * world.M, world.M, rng.uniform())));
}

/** Market residuals of `lanes` on the networks' stationary distributions and the price network's target raw output. */
function marketTargets(model: HaTradeDeqn, world: World, lay: Layout, net: Mlp, params: HaTradeDeqnParams, states: Float32Array, shape: PanelShape, lanes: number[], cache: Map<number, Float64Array[]>) {
  const d = lay.dim;
  const { M, priceDim } = world;
  const laneRows = new Float32Array(lanes.length * d);
  lanes.forEach((lane, i) => laneRows.set(states.subarray(lane * shape.rowsPerLane * d, (lane * shape.rowsPerLane + 1) * d), i * d));
  const rawT = tf.tidy(() => net.towerOutput('prices', featuresOf(world, inputsOf(world, lay, tf.tensor2d(laneRows, [lanes.length, d])))));
  const raw = rawT.dataSync() as Float32Array;
  rawT.dispose();
  const n = M - 1 + world.nR + M;
  const goods = new Float64Array(lanes.length * M);
  const shares = new Float64Array(lanes.length * M);
  const residuals = new Float32Array(lanes.length * n);
  const income = new Float64Array(lanes.length);
  lanes.forEach((lane, i) => {
    const x = laneRows.subarray(i * d + lay.policy, i * d + lay.policy + world.policyDim);
    const prices = decodePrices(world, raw.subarray(i * priceDim, (i + 1) * priceDim));
    const eq = solveNetwork(model, net, x, { prices, points: params.market.gridPoints, tol: 1e-9, maxIterations: 5000, initialMass: cache.get(lane) });
    cache.set(lane, eq.mass);
    goods.set(eq.goods, i * M);
    residuals.set([...eq.goods.subarray(1), ...eq.bonds, ...eq.government], i * n);
    income[i] = 1; // residuals are already over world labour income
    let worldIncome = 0;
    for (let c = 0; c < M; c++) worldIncome += prices.wages[c] * world.economy.labor[c] * eq.efficiency[c];
    income[i] = worldIncome;
    for (let c = 0; c < M; c++) shares[i * M + c] = (prices.wages[c] * world.economy.labor[c] * eq.efficiency[c]) / worldIncome;
  });
  const step = tatonnement(world, goods, residuals, income, params.tatonnement, shares);
  const target = Float32Array.from(raw, (v, k) => v + step[k]);
  return { residuals, target, laneRows };
}
