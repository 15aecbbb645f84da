// The household block of MODELS.md §C.3 in tensors: choice-specific savings and values from the
// network outputs, logit choice probabilities, and the Euler (with the borrowing limit as a
// Fischer-Burmeister complementarity) and Bellman residuals with the exact expectation over the
// efficiency chain and the exact sum over tomorrow's variety choice.
import { tf } from '../../tensor/backend.ts';
import type { Policy } from '../../deqn/model.ts';
import type { World } from './world.ts';
import type { HouseholdInputs } from './layout.ts';
import { baselineTensors, type Baseline, type BaselineTables } from './baseline.ts';

/** Per-model constant tensors (kept alive for the model's lifetime). */
export interface Constants {
  /** Efficiency levels [nZ, 1] and transition [nZ, nZ]. */
  zValues: tf.Tensor2D;
  P: tf.Tensor2D;
  /** phi_i and sigma_i [M, 1]. */
  phi: tf.Tensor2D;
  sigma: tf.Tensor2D;
  /** Quality shifter of the home variety, [nZ, M] (psi_i(z, i) at [z, i]). */
  quality: tf.Tensor2D;
  /** Top of each country's reference asset grid amax_i [M, 1], and whether savings are capped there (params.savingsTop). */
  amax: tf.Tensor2D;
  capAtGridTop: boolean;
  /** Distances to the limit and the top enter the FB complementarity in units of A_i / limitScale (params.eulerLimitScale). */
  limitScale: number;
  /** The policy the household network corrects (params.householdBaseline, baseline.ts); none: the network alone. */
  baseline?: Baseline;
}

export function makeConstants(world: World, opts: { capAtGridTop?: boolean; limitScale?: number; baseline?: BaselineTables } = {}): Constants {
  const econ = world.economy;
  const { M, nZ } = world;
  const constants = tf.tidy(() => {
    const c = {
      zValues: tf.tensor2d(Array.from(econ.chain.values), [nZ, 1]),
      P: tf.tensor2d(Array.from(econ.chain.P), [nZ, nZ]),
      phi: tf.tensor2d(Array.from(world.phi), [M, 1]),
      sigma: tf.tensor2d(Array.from(econ.sigmaEps), [M, 1]),
      quality: tf.tensor2d(Array.from({ length: nZ * M }, (_, k) => econ.quality[k % M][Math.floor(k / M)]), [nZ, M]),
      amax: tf.tensor2d(Array.from(world.amax), [M, 1]),
    };
    for (const t of Object.values(c)) tf.keep(t);
    return { ...c, capAtGridTop: opts.capAtGridTop ?? false, limitScale: opts.limitScale ?? 1 };
  });
  // Outside the tidy: tensors created here outlive it (the model's lifetime).
  return { ...constants, baseline: opts.baseline ? baselineTensors(world, opts.baseline) : undefined };
}

/** Value scale of the network's continuation output: C = C0 + C_SCALE * raw. */
export const C_SCALE = 5;

export function utility(c: tf.Tensor, gamma: number): tf.Tensor {
  return gamma === 1 ? tf.log(c) : tf.div(tf.pow(c, 1 - gamma), 1 - gamma);
}

/** Value unit of a household of country i: A_i^(1-gamma) (1 under log utility), see featuresOf (layout.ts). */
export function valueScaleOf(world: World, i: number): number {
  return Math.pow(world.economy.tfp[i], 1 - world.economy.gamma);
}

function valueScale(world: World, tfp: tf.Tensor2D): tf.Tensor2D {
  return (world.economy.gamma === 1 ? tf.onesLike(tfp) : tf.pow(tfp, 1 - world.economy.gamma)) as tf.Tensor2D;
}

export function continuationOffset(world: World): number {
  const { beta, gamma } = world.economy;
  return gamma === 1 ? 0 : (beta * (1 / (1 - gamma))) / (1 - beta);
}

export interface HouseholdBlock {
  /** Resources above the borrowing limit, R a + w z + T + phi [B, 1]. */
  wealth: tf.Tensor2D;
  phi: tf.Tensor2D;
  /** Choice-specific savings a'_j and consumption c_j [B, M]. */
  aNext: tf.Tensor2D;
  /** Savings the network asks for before the cap at the grid top (= aNext without the cap) [B, M]. */
  aWanted: tf.Tensor2D;
  /** Top of the household's asset grid amax_i [B, 1]. */
  amax: tf.Tensor2D;
  c: tf.Tensor2D;
  /** Choice-specific continuation beta E V(a'_j, z') as the network states it, and values v_j + psi_j [B, M]. */
  continuation: tf.Tensor2D;
  v: tf.Tensor2D;
  pi: tf.Tensor2D;
  /** Ex-ante value sigma log sum exp(v / sigma) [B, 1]. */
  V: tf.Tensor2D;
  /** Expected marginal utility of money over today's choice, sum_j pi_j u'(c_j) / p_j [B, 1]. */
  mu: tf.Tensor2D;
  z: tf.Tensor2D;
}

/**
 * Decodes the network's outputs at households `inp`: savings share s_j of resources above the
 * limit gives a'_j = -phi + s_j (R a + w z + T + phi) and c_j = (1 - s_j)(...)/p_j > 0, so the
 * borrowing limit and positive consumption hold by construction (§C.1 budget).
 */
export function householdBlock(world: World, k: Constants, inp: HouseholdInputs, policy: Policy): HouseholdBlock {
  const { gamma } = world.economy;
  const z = tf.matMul(inp.zHot, k.zValues) as tf.Tensor2D;
  const phi = tf.matMul(inp.countryHot, k.phi) as tf.Tensor2D;
  const sigma = tf.matMul(inp.countryHot, k.sigma) as tf.Tensor2D;
  const wealth = tf.add(tf.add(tf.add(tf.mul(inp.R, inp.a), tf.mul(inp.w, z)), inp.T), phi) as tf.Tensor2D;
  const share = policy.savings;
  const aWanted = tf.sub(tf.mul(share, wealth), phi) as tf.Tensor2D;
  const amax = tf.matMul(inp.countryHot, k.amax) as tf.Tensor2D;
  // With capAtGridTop, savings stop at the top of the grid and the household consumes the rest, as
  // the reference EGM does (household-egm.ts: a' = amax beyond the endogenous grid's last point,
  // consumption from the budget); the Euler condition there is a complementarity (choiceResiduals).
  // amax widened to [B, M] by an add: tfjs's Minimum gradient does not reduce a broadcast input.
  const aNext = k.capAtGridTop ? (tf.minimum(aWanted, tf.add(amax, tf.zerosLike(aWanted))) as tf.Tensor2D) : aWanted;
  const c = (k.capAtGridTop ? tf.div(tf.sub(wealth, tf.add(aNext, phi)), inp.p) : tf.div(tf.mul(tf.sub(1, share), wealth), inp.p)) as tf.Tensor2D;
  // C = A^(1-gamma) (C0 + C_SCALE raw): the continuation in the country's value unit.
  const continuation = tf.mul(valueScale(world, inp.tfp), tf.add(continuationOffset(world), tf.mul(C_SCALE, policy.continuation))) as tf.Tensor2D;
  const psi = tf.mul(inp.countryHot, tf.matMul(inp.zHot, k.quality));
  const v = tf.add(tf.add(utility(c, gamma), continuation), psi) as tf.Tensor2D;
  const scaled = tf.div(v, sigma);
  const V = tf.mul(sigma, tf.logSumExp(scaled, 1, true)) as tf.Tensor2D;
  const pi = tf.softmax(scaled) as tf.Tensor2D;
  const mu = tf.sum(tf.mul(pi, tf.div(tf.pow(c, -gamma), inp.p)), 1, true) as tf.Tensor2D;
  return { wealth, phi, aNext, aWanted, amax, c, continuation, v, pi, V, mu, z };
}

/** The cap at the top of the grid for choiceResiduals: wanted (uncapped) savings [B, k] and amax_i [B, 1]. */
export interface GridTop {
  aWanted: tf.Tensor2D;
  amax: tf.Tensor2D;
}

/**
 * Euler condition on the box -phi <= a' <= amax as one mixed complementarity (Ferris, Kanzow and
 * Munson 1999): FB(toLimit, -FB(toTop, -e)) vanishes iff e = 0 inside the box, e >= 0 at the
 * borrowing limit (the household would like to borrow more), e <= 0 at the top (it would like to
 * save more). Far from the top (toTop >> |e|) it is FB(toLimit, e), the limit-only residual.
 * `toTop` is amax minus the wanted savings, so wanting more than amax is itself a residual (with a
 * gradient that brings the network's savings back to the cap).
 */
export function boxComplementarity(e: tf.Tensor, toLimit: tf.Tensor, toTop: tf.Tensor): tf.Tensor {
  return fischerBurmeister(toLimit, tf.neg(fischerBurmeister(toTop, tf.neg(e))));
}

/** Fischer-Burmeister function a + b - sqrt(a^2 + b^2) (MODELS.md §0). */
export function fischerBurmeister(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sub(tf.add(a, b), tf.sqrt(tf.add(tf.add(tf.square(a), tf.square(b)), 1e-12)));
}

export interface ChoiceResiduals {
  /** FB(e_j, a'_j + phi) with e_j the relative Euler error (consumption units) [B, k]. */
  euler: tf.Tensor2D;
  /** The relative Euler error e_j itself [B, k]. */
  relativeEuler: tf.Tensor2D;
  /** (1 - beta)(C_j - beta E V(a'_j, z')) in utils per period of the country's value unit A^(1-gamma) [B, k]. */
  bellman: tf.Tensor2D;
}

/**
 * Residuals of choices with savings `aNext`, consumption `c`, prices `p` and continuation `C`
 * ([B, k] each) given the expectations over z' of tomorrow's marginal utility of money and value at
 * those savings (§C.3): u'(c_j)/p_j = beta R E[sum_j' pi_j' u'(c_j')/p_j'].
 */
export function choiceResiduals(world: World, R: tf.Tensor2D, phi: tf.Tensor2D, aNext: tf.Tensor2D, c: tf.Tensor2D, p: tf.Tensor2D, C: tf.Tensor2D, expectedMu: tf.Tensor2D, expectedV: tf.Tensor2D, tfp: tf.Tensor2D, top?: GridTop, limitScale = 1): ChoiceResiduals {
  const { beta, gamma } = world.economy;
  const rhs = tf.mul(tf.mul(beta, R), expectedMu);
  const cEuler = tf.pow(tf.mul(p, rhs), -1 / gamma);
  const relativeEuler = tf.sub(tf.div(cEuler, c), 1) as tf.Tensor2D;
  // Distance to the limit in units of A_i: in levels a small country's (a' + phi ~ 1e-3) would switch
  // the complementarity off and leave its Euler errors untrained.
  // limitScale > 1 (params.eulerLimitScale) measures both distances in smaller units, so the FB residual
  // is the Euler error itself closer to the limit (FB(e, s) ~ min(e, s) once s < |e|).
  const unit = limitScale === 1 ? tfp : tf.div(tfp, limitScale);
  const toLimit = tf.div(tf.add(aNext, phi), unit);
  const euler = (top ? boxComplementarity(relativeEuler, toLimit, tf.div(tf.sub(top.amax, top.aWanted), unit)) : fischerBurmeister(relativeEuler, toLimit)) as tf.Tensor2D;
  const bellman = tf.div(tf.mul(1 - beta, tf.sub(C, tf.mul(beta, expectedV))), valueScale(world, tfp)) as tf.Tensor2D;
  return { euler, relativeEuler, bellman };
}
