// Prices as differentiable functions of the price network's raw output and the policy (tensors):
// mean-one wages, gross return(s), rebates, and each household's delivered prices (MODELS.md §C.1).
import { tf } from '../../tensor/backend.ts';
import { PRICE_SCALE, type World } from './world.ts';

export interface PolicyMatrices {
  /** Config tariffs with the input pairs zeroed [M, M]; indicator matrices of input pairs: importer [M, P], exporter [P, M]. */
  baseTariffs: tf.Tensor2D;
  importerOf: tf.Tensor2D;
  exporterOf: tf.Tensor2D;
  /** Trade costs off the diagonal [M, M] (d_ii = 1 handled apart) and the identity. */
  offDiagonalCosts: tf.Tensor2D;
  eye: tf.Tensor2D;
  /** 1 / A_j [1, M]. */
  inverseTfp: tf.Tensor2D;
}

export function makePolicyMatrices(world: World): PolicyMatrices {
  const { M, pairs } = world;
  const P = pairs.length;
  {
    const base = Float32Array.from(world.economy.tariffs);
    for (const [i, j] of pairs) base[i * M + j] = 0;
    const imp = new Float32Array(M * Math.max(P, 1));
    const exp = new Float32Array(Math.max(P, 1) * M);
    pairs.forEach(([i, j], k) => {
      imp[i * P + k] = 1;
      exp[k * M + j] = 1;
    });
    const off = Float32Array.from(world.economy.tradeCosts, (d, k) => (Math.floor(k / M) === k % M ? 0 : d));
    const m: PolicyMatrices = {
      baseTariffs: tf.tensor2d(base, [M, M]),
      importerOf: tf.tensor2d(imp, [M, Math.max(P, 1)]),
      exporterOf: tf.tensor2d(exp, [Math.max(P, 1), M]),
      offDiagonalCosts: tf.tensor2d(off, [M, M]),
      eye: tf.tidy(() => tf.eye(M)) as tf.Tensor2D,
      inverseTfp: tf.tensor2d(Array.from(world.economy.tfp, (A) => 1 / A), [1, M]),
    };
    return m;
  }
}

export interface PriceRows {
  /** Mean-one wages of every country [N, M]. */
  wages: tf.Tensor2D;
  /** Gross return of every country [N, M] and rebates [N, M]. */
  R: tf.Tensor2D;
  rebates: tf.Tensor2D;
}

/** Decodes raw price-network rows [N, priceDim] (see PRICE_SCALE). */
export function decodePriceRows(world: World, raw: tf.Tensor2D): PriceRows {
  const { M, nR } = world;
  const n = raw.shape[0];
  const centre = tf.tensor2d([Array.from(world.logWage0.subarray(0, M - 1))], [1, M - 1]);
  const logw = tf.concat([tf.add(centre, tf.mul(tf.slice(raw, [0, 0], [-1, M - 1]), PRICE_SCALE.logWage)), tf.zeros([n, 1])], 1);
  const e = tf.exp(logw);
  const wages = tf.div(e, tf.mean(e, 1, true)) as tf.Tensor2D;
  const rRaw = tf.slice(raw, [0, M - 1], [-1, nR]);
  const R = tf.add(tf.tensor2d([Array.from(world.R0)], [1, M]), tf.mul(PRICE_SCALE.R, nR === 1 ? tf.tile(rRaw, [1, M]) : rRaw)) as tf.Tensor2D;
  const rebates = tf.mul(PRICE_SCALE.rebate, tf.slice(raw, [0, M - 1 + nR], [-1, M])) as tf.Tensor2D;
  return { wages, R, rebates };
}

/** Tariffs t_ij seen by buyer i of each row: [N, M] from policy rows x [N, policyDim] and country one-hot [N, M]. */
export function tariffRows(world: World, m: PolicyMatrices, x: tf.Tensor2D, countryHot: tf.Tensor2D): tf.Tensor2D {
  const base = tf.matMul(countryHot, m.baseTariffs);
  if (world.pairs.length === 0) return base as tf.Tensor2D;
  const tariffs = tf.slice(x, [0, 0], [-1, world.pairs.length]);
  const mine = tf.mul(tariffs, tf.matMul(countryHot, m.importerOf));
  return tf.add(base, tf.matMul(mine, m.exporterOf)) as tf.Tensor2D;
}

/** Delivered prices p_ij = (1 + t_ij) kappa^[i != j] d_ij w_j / A_j for buyer i of each row [N, M]. */
export function deliveredPriceRows(world: World, m: PolicyMatrices, x: tf.Tensor2D, countryHot: tf.Tensor2D, wages: tf.Tensor2D): tf.Tensor2D {
  const kappa = tf.slice(x, [0, world.policyDim - 1], [-1, 1]);
  const d = tf.add(countryHot, tf.mul(kappa, tf.matMul(countryHot, m.offDiagonalCosts)));
  const t = tariffRows(world, m, x, countryHot);
  return tf.mul(tf.mul(tf.add(1, t), d), tf.mul(wages, m.inverseTfp)) as tf.Tensor2D;
}

/** The household's own R, wage and rebate from country-wide rows [N, M] (one-hot pick, differentiable). */
export function own(countryHot: tf.Tensor2D, rows: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(countryHot, rows), 1, true) as tf.Tensor2D;
}
