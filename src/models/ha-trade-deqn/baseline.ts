// The household network as a correction of a known policy (params.householdBaseline): the network's
// savings logit and continuation outputs are ADDED to those of the part-1 EGM solution (MODELS.md
// §C.3) at the world's centre prices (raw price output 0) and the status-quo policy, tabulated on a
// fine asset grid and linearly interpolated in assets. An untrained network (zero output layer) is
// then that solution, and training learns only how the policy moves with prices and what the
// interpolation misses.
// Why: at 19 countries the household network must represent 19 x 10 x 19 choice-specific savings
// functions of assets to a relative Euler error of 0.1 %; trained from a generic start its interior
// error stalls at 0.25-0.4 % on 128- and 256-wide networks (bench/ha-trade-deqn-ek19-euler.ts), while
// the price dependence it has to learn is a few percent of the policy. The transition DEQN learns a
// correction of the old steady state's policy for the same reason (ha-trade-transition-deqn/networks.ts).
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import type { Policy } from '../../deqn/model.ts';
import { householdParamsFor } from '../ha-trade/economy.ts';
import { solveHousehold, utility } from '../ha-trade/household-egm.ts';
import { featuresOf, type HouseholdInputs } from './layout.ts';
import { C_SCALE, continuationOffset, valueScaleOf } from './household.ts';
import { baselinePolicy, decodePrices, deliveredPrices, type World } from './world.ts';

/** Tabulated baseline outputs, rows (country * nZ + z) * points + grid point, columns the M varieties. */
export interface BaselineTables {
  points: number;
  /** Savings-share logit log(s / (1 - s)), s = (a'_j + phi) / (R a + w z + T + phi). */
  logit: Float32Array;
  /** The network's raw continuation output that reproduces beta E V(a'_j, z') (household.ts C_SCALE). */
  continuation: Float32Array;
  /** EGM iterations (largest over countries) and final change, for the record. */
  iterations: number;
  residual: number;
  /** The centre prices the tables were solved at: R, wage and rebate by country, delivered prices [i * M + j]. */
  centre: { R: Float64Array; wages: Float64Array; rebates: Float64Array; delivered: Float64Array };
  /** The correction is net(prices) - net(centre prices) (params.householdBaseline.zeroAtCentre). */
  zeroAtCentre: boolean;
}

/** Shares are clamped to [SHARE_FLOOR, 1 - SHARE_FLOOR] before the logit: the limit is a' = -phi exactly. */
const SHARE_FLOOR = 1e-5;

/**
 * Solves every country's household problem at the centre prices on a uniform grid of `points` over
 * the reference grid's range [-phi_i, amax_i] and tabulates the network outputs that reproduce it.
 */
export function buildBaselineTables(world: World, points: number, zeroAtCentre = false): BaselineTables {
  const { M, nZ, economy } = world;
  const prices = decodePrices(world, new Float64Array(world.priceDim));
  const delivered = deliveredPrices(world, baselinePolicy(world), prices.wages);
  const logit = new Float32Array(M * nZ * points * M);
  const continuation = new Float32Array(M * nZ * points * M);
  let iterations = 0;
  let residual = 0;
  for (let i = 0; i < M; i++) {
    const lo = -world.phi[i];
    const span = world.amax[i] + world.phi[i];
    const agrid = Float64Array.from({ length: points }, (_, g) => lo + (span * g) / (points - 1));
    const hp = { ...householdParamsFor(economy, i), agrid };
    const p = { R: prices.R[i], wage: prices.wages[i], rebate: prices.rebates[i], prices: delivered.subarray(i * M, (i + 1) * M) };
    const sol = solveHousehold(hp, p);
    iterations = Math.max(iterations, sol.iterations);
    residual = Math.max(residual, sol.residual);
    const unit = valueScaleOf(world, i);
    const c0 = continuationOffset(world);
    for (let z = 0; z < nZ; z++) {
      const income = p.wage * economy.chain.values[z] + p.rebate;
      for (let g = 0; g < points; g++) {
        const wealth = p.R * agrid[g] + income + world.phi[i];
        const row = ((i * nZ + z) * points + g) * M;
        for (let j = 0; j < M; j++) {
          const k = (j * nZ + z) * points + g;
          const s = Math.min(1 - SHARE_FLOOR, Math.max(SHARE_FLOOR, (sol.assetPolicy[k] + world.phi[i]) / wealth));
          logit[row + j] = Math.log(s / (1 - s));
          const beyond = sol.choiceValue[k] - utility(sol.consumption[k], economy.gamma);
          continuation[row + j] = (beyond / unit - c0) / C_SCALE;
        }
      }
    }
  }
  return { points, logit, continuation, iterations, residual, centre: { ...prices, delivered }, zeroAtCentre };
}

/** The tables as constant tensors [M * nZ * points, M] and the grid bounds by country [M, 1]. */
export interface Baseline {
  points: number;
  nZ: number;
  logit: tf.Tensor2D;
  continuation: tf.Tensor2D;
  lo: tf.Tensor2D;
  span: tf.Tensor2D;
  /** Centre prices by country ([M, 1]; delivered [M, M]), present when the correction is zero there. */
  centre?: { R: tf.Tensor2D; w: tf.Tensor2D; T: tf.Tensor2D; p: tf.Tensor2D };
}

export function baselineTensors(world: World, tables: BaselineTables): Baseline {
  const rows = world.M * world.nZ * tables.points;
  return {
    points: tables.points,
    nZ: world.nZ,
    logit: tf.tensor2d(tables.logit, [rows, world.M]),
    continuation: tf.tensor2d(tables.continuation, [rows, world.M]),
    lo: tf.tensor2d(Array.from(world.phi, (v) => -v), [world.M, 1]),
    span: tf.tensor2d(Array.from(world.amax, (v, i) => v + world.phi[i]), [world.M, 1]),
    centre: tables.zeroAtCentre
      ? {
          R: tf.tensor2d(Float32Array.from(tables.centre.R), [world.M, 1]),
          w: tf.tensor2d(Float32Array.from(tables.centre.wages), [world.M, 1]),
          T: tf.tensor2d(Float32Array.from(tables.centre.rebates), [world.M, 1]),
          p: tf.tensor2d(Float32Array.from(tables.centre.delivered), [world.M, world.M]),
        }
      : undefined,
  };
}

/** Baseline logit and raw continuation [B, M] at the households' assets, by linear interpolation. */
export function baselineAt(base: Baseline, inp: HouseholdInputs): { logit: tf.Tensor2D; continuation: tf.Tensor2D } {
  const M = inp.countryHot.shape[1];
  const n = base.points;
  const country = tf.matMul(inp.countryHot, tf.range(0, M).reshape([M, 1])) as tf.Tensor2D;
  const z = tf.matMul(inp.zHot, tf.range(0, base.nZ).reshape([base.nZ, 1])) as tf.Tensor2D;
  const lo = tf.matMul(inp.countryHot, base.lo);
  const span = tf.matMul(inp.countryHot, base.span);
  // Position on the grid in units of its spacing; assets outside the grid take the end interval's line.
  const x = tf.clipByValue(tf.mul(tf.div(tf.sub(inp.a, lo), span), n - 1), 0, n - 1);
  // The cell and row indices are read off the tape (tfjs's gather gradient fails for indices on it):
  // the interpolation weight t carries the gradient with respect to assets.
  const xs = x.dataSync();
  const cs = country.dataSync();
  const zs = z.dataSync();
  const cells = Float32Array.from(xs, (v) => Math.min(Math.floor(v), n - 2));
  const index = tf.tensor1d(Int32Array.from(cells, (c, r) => (Math.round(cs[r]) * base.nZ + Math.round(zs[r])) * n + c), 'int32');
  const next = tf.tensor1d(Int32Array.from(cells, (c, r) => (Math.round(cs[r]) * base.nZ + Math.round(zs[r])) * n + c + 1), 'int32');
  const t = tf.sub(x, tf.tensor2d(cells, [cells.length, 1]));
  const interpolate = (table: tf.Tensor2D) => {
    const a = tf.gather(table, index);
    return tf.add(a, tf.mul(t, tf.sub(tf.gather(table, next), a))) as tf.Tensor2D;
  };
  return { logit: interpolate(base.logit), continuation: interpolate(base.continuation) };
}

/**
 * The same households at their country's centre prices (where the baseline is the EGM policy).
 * Why zeroAtCentre: the network's correction is then zero at the centre prices by construction, so
 * households at (or near) the status-quo equilibrium get the EGM policy's accuracy instead of
 * whatever level error the network settles at while it learns the price response over the whole
 * policy box (the 19-country stage 6: 0.27 % mean relative Euler error at the status quo, where the
 * baseline alone has 0.002 %); the network has to represent only how the policy moves with prices.
 */
function atCentre(baseline: Baseline, inp: HouseholdInputs): HouseholdInputs {
  const c = baseline.centre!;
  const hot = inp.countryHot;
  return { ...inp, R: tf.matMul(hot, c.R), w: tf.matMul(hot, c.w), T: tf.matMul(hot, c.T), p: tf.matMul(hot, c.p) };
}

/** net(features) - net(centre features), both halves in one forward pass (rows stacked). */
function correctionFromCentre(net: Mlp, features: tf.Tensor2D, centre: tf.Tensor2D): tf.Tensor2D {
  const B = features.shape[0];
  const both = net.raw(tf.concat([features, centre], 0) as tf.Tensor2D, true);
  return tf.sub(tf.slice(both, [0, 0], [B, -1]), tf.slice(both, [B, 0], [B, -1])) as tf.Tensor2D;
}

/**
 * The household policy at inputs `inp`: the network's savings shares and continuation outputs, as
 * corrections of the baseline when the model has one (every evaluation of the households goes
 * through here, so training, simulation, clearing and welfare see the same policy).
 */
export function householdPolicy(world: World, baseline: Baseline | undefined, net: Mlp, inp: HouseholdInputs): Policy {
  const features = featuresOf(world, inp);
  if (!baseline) return net.policy(features, true);
  const M = world.M;
  const raw = baseline.centre ? correctionFromCentre(net, features, featuresOf(world, atCentre(baseline, inp))) : net.raw(features, true);
  const base = baselineAt(baseline, inp);
  return {
    savings: tf.sigmoid(tf.add(tf.slice(raw, [0, 0], [-1, M]), base.logit)) as tf.Tensor2D,
    continuation: tf.add(tf.slice(raw, [0, M], [-1, M]), base.continuation) as tf.Tensor2D,
  };
}
