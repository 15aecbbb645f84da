// Refits the price network (the tower of the policy inputs) to the market-clearing prices of the
// trained household network (clearing.ts) at many policy points of the box: a supervised fit of
// policy -> (relative wages, R, rebates).
//
// Why: during training the tower chased one Walrasian step per episode computed on distributions
// whose choice probabilities came from the network's continuation outputs (biased, see choices.ts),
// so it ends 0.3-0.5 % off in wages; import shares and welfare react to relative prices with an
// elasticity of about 4. The household network is unchanged by the refit, so the equilibrium it
// defines is the same; the tower becomes an accurate, differentiable map from policy to that
// equilibrium's prices, which the policy layer differentiates (policy-objective.ts).
import { tf } from '../../tensor/backend.ts';
import { Rng } from '../../tensor/rng.ts';
import { Adam } from '../../deqn/adam.ts';
import type { Mlp } from '../../deqn/network.ts';
import { clearMarkets } from './clearing.ts';
import { policyFeatureRow } from './solution.ts';
import { baselinePolicy, type World } from './world.ts';
import type { HaTradeDeqn } from './index.ts';

export interface PriceTarget {
  x: Float64Array;
  /** Raw price vector clearing the household network's markets at x. */
  raw: Float64Array;
  residualNorm: number;
}

/**
 * Fit points: a `grid` x `grid` lattice of the input tariffs at the status-quo trade-cost scale
 * (walked as a snake so each clearing warm-starts from its neighbour), then `random` points drawn
 * uniformly from the whole box. For two countries (two input tariffs) only.
 */
export function pricePoints(world: World, grid: number, random: number, seed = 11): Float64Array[] {
  const base = baselinePolicy(world);
  const T = world.pairs.length;
  const points: Float64Array[] = [];
  if (T === 2) {
    for (let r = 0; r < grid; r++) {
      for (let k = 0; k < grid; k++) {
        const c = r % 2 === 0 ? k : grid - 1 - k;
        const x = Float64Array.from(base);
        x[0] = world.lower[0] + ((world.upper[0] - world.lower[0]) * r) / (grid - 1);
        x[1] = world.lower[1] + ((world.upper[1] - world.lower[1]) * c) / (grid - 1);
        points.push(x);
      }
    }
  }
  const rng = Rng.fromSeed(`price-fit:${seed}`);
  for (let n = 0; n < random; n++) points.push(Float64Array.from(world.lower, (lo, k) => lo + (world.upper[k] - lo) * rng.uniform()));
  return points;
}

/** Market-clearing raw prices of the household network at every point. */
export function clearedTargets(model: HaTradeDeqn, net: Mlp, points: Float64Array[], points0 = 100, log?: (msg: string) => void): PriceTarget[] {
  let mass: Float64Array[] | undefined;
  return points.map((x, n) => {
    const eq = clearMarkets(model, net, x, { points: points0, initialMass: mass });
    mass = eq.mass;
    log?.(`${n + 1}/${points.length} x=${Array.from(x, (v) => v.toFixed(3)).join('/')} residual ${eq.residualNorm.toExponential(1)}`);
    return { x, raw: eq.raw, residualNorm: eq.residualNorm };
  });
}

export interface PriceFitResult {
  /** Root-mean-square and largest raw-output error over the targets, before and after. */
  rmsBefore: number;
  rmsAfter: number;
  maxBefore: number;
  maxAfter: number;
  steps: number;
}

/** Full-batch Adam on the tower's variables (the household network is untouched). */
export function fitPriceTower(model: HaTradeDeqn, net: Mlp, targets: PriceTarget[], steps = 4000, learningRate = 1e-3): PriceFitResult {
  const P = model.world.priceDim;
  const features = tf.concat(targets.map((t) => tf.concat([tf.zeros([1, model.featureDim - model.world.policyDim]), policyFeatureRow(model, t.x)], 1)));
  const y = tf.tensor2d(Float32Array.from(targets.flatMap((t) => Array.from(t.raw))), [targets.length, P]);
  const vars = net.towerVariables('prices');
  const adam = new Adam(vars, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const errors = () =>
    tf.tidy(() => {
      const d = tf.sub(net.towerOutput('prices', features as tf.Tensor2D), y);
      return [Math.sqrt(tf.mean(tf.square(d)).dataSync()[0]), tf.max(tf.abs(d)).dataSync()[0]];
    });
  const [rmsBefore, maxBefore] = errors();
  for (let s = 0; s < steps; s++) {
    // Step size decays tenfold over the run (a smooth fit of a few hundred points).
    const lr = learningRate * Math.pow(0.1, s / steps);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.towerOutput('prices', features as tf.Tensor2D), y))) as tf.Scalar, vars);
      adam.apply(vars, vars.map((v) => grads[v.name]), lr);
    });
  }
  const [rmsAfter, maxAfter] = errors();
  tf.dispose([features, y]);
  adam.dispose();
  return { rmsBefore, rmsAfter, maxBefore, maxAfter, steps };
}
