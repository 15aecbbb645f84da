// Columns of a panel row and the networks' inputs. A row is one household of one lane (a lane is a
// policy point with its own panel): shock, assets, country, the uniform that picks today's variety,
// the prices the household faces, the lane's policy and its bookkeeping.
import { tf } from '../../tensor/backend.ts';
import type { World } from './world.ts';

export interface Layout {
  z: number;
  a: number;
  country: number;
  u: number;
  lane: number;
  R: number;
  w: number;
  T: number;
  /** First of M delivered prices p_i1..p_iM. */
  p: number;
  /** First of policyDim policy coordinates (input tariffs, then the trade-cost scale). */
  policy: number;
  age: number;
  generation: number;
  /** 0 = market-clearing lane, 1 = exploration lane (jittered prices, no market conditions). */
  kind: number;
  dim: number;
  featureDim: number;
  /** Feature columns of the price network (the policy inputs). */
  policyFeatures: number[];
}

export function layoutOf(world: World): Layout {
  const { M, nZ, policyDim } = world;
  const p = 8;
  const policy = p + M;
  const age = policy + policyDim;
  const featureDim = 1 + nZ + M + 3 + M + policyDim;
  return {
    z: 0,
    a: 1,
    country: 2,
    u: 3,
    lane: 4,
    R: 5,
    w: 6,
    T: 7,
    p,
    policy,
    age,
    generation: age + 1,
    kind: age + 2,
    dim: age + 3,
    featureDim,
    policyFeatures: Array.from({ length: policyDim }, (_, k) => featureDim - policyDim + k),
  };
}

/** The household-side inputs of a batch as tensors ([B, 1] unless noted). */
export interface HouseholdInputs {
  a: tf.Tensor2D;
  /** One-hot efficiency state [B, nZ] and country [B, M]. */
  zHot: tf.Tensor2D;
  countryHot: tf.Tensor2D;
  R: tf.Tensor2D;
  w: tf.Tensor2D;
  T: tf.Tensor2D;
  /** Delivered prices [B, M]. */
  p: tf.Tensor2D;
  /** Policy coordinates [B, policyDim]. */
  x: tf.Tensor2D;
  /** TFP A_i of the household's country [B, 1]: the unit of its assets, income and consumption (see featuresOf). */
  tfp: tf.Tensor2D;
}

const column = (s: tf.Tensor2D, c: number, n = 1) => tf.slice(s, [0, c], [-1, n]) as tf.Tensor2D;
const hot = (s: tf.Tensor2D, c: number, n: number) =>
  tf.cast(tf.oneHot(tf.cast(tf.squeeze(column(s, c), [1]), 'int32') as tf.Tensor1D, n), 'float32') as tf.Tensor2D;

export function inputsOf(world: World, lay: Layout, s: tf.Tensor2D): HouseholdInputs {
  const countryHot = hot(s, lay.country, world.M);
  return {
    a: column(s, lay.a),
    zHot: hot(s, lay.z, world.nZ),
    countryHot,
    tfp: tf.matMul(countryHot, tf.tensor2d(Array.from(world.economy.tfp), [world.M, 1])) as tf.Tensor2D,
    R: column(s, lay.R),
    w: column(s, lay.w),
    T: column(s, lay.T),
    p: column(s, lay.p, world.M),
    x: column(s, lay.policy, world.policyDim),
  };
}

/**
 * Network inputs, scaled to O(1): assets, one-hot shock and country, (R-1), log wage, rebate,
 * log delivered prices, and last the policy (read only by the price network). Assets, the wage and
 * the rebate are in units of the country's TFP A_i: the calibration scales the borrowing limit and
 * asset grid by A_i and the taste dispersion and quality shifter by A_i^(1-gamma) (MODELS.md §C.2), so
 * the household problem is the same in these units for every country (values scale by A_i^(1-gamma),
 * household.ts). Why: with 19 countries A_i spans 0.002 (BEL) to 8.7 (DEU); in levels the assets of a
 * small country were ~1e-3 wide in the input and its households all looked alike to the network.
 * With A_i = 1 (two-country configs) the features are unchanged.
 */
export function featuresOf(world: World, inp: HouseholdInputs): tf.Tensor2D {
  const kappaColumn = world.policyDim - 1;
  const x = inp.x;
  const tariffs = kappaColumn > 0 ? tf.mul(tf.slice(x, [0, 0], [-1, kappaColumn]), 5) : undefined;
  const kappa = tf.mul(tf.sub(tf.slice(x, [0, kappaColumn], [-1, 1]), 1), 10);
  const parts = [
    tf.mul(tf.div(inp.a, inp.tfp), 0.5),
    inp.zHot,
    inp.countryHot,
    tf.mul(tf.sub(inp.R, 1), 50),
    tf.mul(tf.log(tf.div(inp.w, inp.tfp)), 5),
    tf.mul(tf.div(inp.T, inp.tfp), 20),
    tf.mul(tf.log(inp.p), 2),
    ...(tariffs ? [tariffs] : []),
    kappa,
  ];
  return tf.concat(parts, 1) as tf.Tensor2D;
}

/** A copy of the states with new assets and shock columns (successor rows). */
export function withAssetsAndShock(lay: Layout, s: tf.Tensor2D, a: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
  const rest = tf.slice(s, [0, lay.a + 1], [-1, -1]);
  return tf.concat([z, a, rest], 1) as tf.Tensor2D;
}

/** Replaces the price columns (R, w, T, p) of an inputs record (used by market clearing and welfare). */
export function withPrices(inp: HouseholdInputs, prices: { R: tf.Tensor2D; w: tf.Tensor2D; T: tf.Tensor2D; p: tf.Tensor2D }): HouseholdInputs {
  return { ...inp, ...prices };
}
