// Training of the transition DEQN. Each episode draws a new policy point x from the configured box
// (an unanticipated permanent change at t = 0), computes the networks' path from the OLD stationary
// distribution (path.ts), then
//  - household network: Adam steps on Fischer-Burmeister Euler residuals (MODELS.md §C.3 with dated
//    prices, the borrowing limit as complementarity) of grid households at random dates t < T, with
//    tomorrow's prices from the price network at S_{t+1} (the simulated next aggregate state) and
//    tomorrow's consumption from the household network itself at (a'_j, z', S_{t+1}) (with
//    training.eulerTomorrow 'frozenPolicy' from a gradient-free copy of it: time iteration);
//  - price network: regression on each date's Walrasian target, the current prices moved by the
//    date's scale-free market residuals (goods excess supply over income, bonds over world income,
//    rebates set to tariff revenue) - as the stationary DEQN (ha-trade-deqn/market.ts); the impact dates
//    can be weighted up in it (training.priceImpactWeight). Prices get no
//    gradient from the Euler loss and households none from market clearing, so a market residual can
//    never be "fixed" by bending household optimality.
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../tensor/backend.ts';
import { Adam } from '../../deqn/adam.ts';
import { Mlp } from '../../deqn/network.ts';
import { Rng } from '../../tensor/rng.ts';
import { UsageError } from '../../io/errors.ts';
import { fischerBurmeister } from '../ha-trade-deqn/household.ts';
import { gridBracket } from '../ha-trade-deqn/choices.ts';
import { aggregateFeatures, createNetworks, decodePrices, encodePrices, networkWeights, restFeatures, savingsShares, setNetworkWeights, householdDim, type TransitionNetworks } from './networks.ts';
import { dateMarkets, networkPath, type NetworkPath } from './path.ts';
import { oldPolicy, type TransitionSetup } from './setup.ts';
import { parseTransitionParams, type TransitionDeqnParams } from './params.ts';

export interface EulerBatch {
  /** Fischer-Burmeister residuals [B, M] and the relative Euler errors [B, M]. */
  fb: tf.Tensor2D;
  relative: tf.Tensor2D;
  /** a'_j + phi [B, M] (interior where clearly positive). */
  slack: tf.Tensor2D;
}

export interface Row {
  t: number;
  country: number;
  z: number;
  k: number;
}

/**
 * Euler residuals of grid households `rows` on `path` (each t < T): u'(c_tj)/p_tj = beta R_{t+1}
 * E_z' sum_j' pi_{t+1,j'}(a'_j, z') u'(c_{t+1,j'})/p_{t+1,j'} in relative consumption units, with the
 * borrowing limit as a Fischer-Burmeister complementarity (§C.3). Differentiable in the household network.
 * Tomorrow's shares come from `tomorrow` when given (a copy of the household network with the same weights whose
 * variables are not differentiated: training.eulerTomorrow 'frozenPolicy'); the residual VALUES are the same.
 */
export function eulerResiduals(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath, rows: Row[], tomorrow?: Mlp): EulerBatch {
  const { M, nZ, econ, phi } = setup;
  const { gamma, beta } = econ;
  const B = rows.length;
  const dim = householdDim(setup) - 1;
  const a = new Float32Array(B);
  const rest = new Float32Array(B * dim);
  const wealth = new Float32Array(B);
  const phiRow = new Float32Array(B);
  const pNow = new Float32Array(B * M);
  const Rnext = new Float32Array(B);
  rows.forEach((r, b) => {
    const d = path.dates[r.t];
    a[b] = econ.agrids[r.country][r.k];
    rest.set(restFeatures(setup, r.z, r.country, d.agg, d.prices), b * dim);
    wealth[b] = d.Rcur * a[b] + d.prices.wages[r.country] * econ.chain.values[r.z] + d.prices.rebates[r.country] + phi[r.country];
    phiRow[b] = phi[r.country];
    for (let j = 0; j < M; j++) pNow[b * M + j] = d.delivered[r.country][j];
    Rnext[b] = d.prices.Rnext;
  });
  const ctx = { z: Int32Array.from(rows, (r) => r.z), country: Int32Array.from(rows, (r) => r.country), rest };
  const shares = savingsShares(setup, nets.household, tf.tensor2d(a, [B, 1]), a, ctx);
  const W = tf.tensor2d(wealth, [B, 1]);
  const phiT = tf.tensor2d(phiRow, [B, 1]);
  const aNext = tf.sub(tf.mul(shares, W), phiT) as tf.Tensor2D;
  const p = tf.tensor2d(pNow, [B, M]);
  const c = tf.div(tf.mul(tf.sub(1, shares), W), p) as tf.Tensor2D;
  // Successors ordered (variety j, next shock z', row b).
  const aVals = aNext.dataSync();
  const n = M * nZ * B;
  const aCol = tf.reshape(tf.tile(tf.expandDims(tf.transpose(aNext), 1), [1, nZ, 1]), [n, 1]) as tf.Tensor2D;
  const aColVals = new Float32Array(n);
  const zN = new Int32Array(n);
  const cN = new Int32Array(n);
  const restN = new Float32Array(n * dim);
  const wageN = new Float32Array(n);
  const RN = new Float32Array(n);
  const phiN = new Float32Array(n);
  const pN = new Float32Array(n * M);
  const piN = new Float32Array(n * M);
  const probs = new Float32Array(nZ * B);
  for (let j = 0; j < M; j++) {
    for (let zp = 0; zp < nZ; zp++) {
      for (let b = 0; b < B; b++) {
        const r = rows[b];
        const q = (j * nZ + zp) * B + b;
        const d1 = path.dates[r.t + 1];
        const i = r.country;
        const ap = aVals[b * M + j];
        aColVals[q] = ap;
        zN[q] = zp;
        cN[q] = i;
        restN.set(restFeatures(setup, zp, i, d1.agg, d1.prices), q * dim);
        wageN[q] = d1.prices.wages[i] * econ.chain.values[zp] + d1.prices.rebates[i] + phi[i];
        RN[q] = d1.Rcur;
        phiN[q] = phi[i];
        const grid = econ.agrids[i];
        const [lo, wt] = gridBracket(grid, ap);
        const pi = path.choice[r.t + 1][i];
        const nS = nZ * grid.length;
        for (let jj = 0; jj < M; jj++) {
          pN[q * M + jj] = d1.delivered[i][jj];
          const base = jj * nS + zp * grid.length + lo;
          piN[q * M + jj] = (1 - wt) * pi[base] + wt * pi[base + 1];
        }
        if (j === 0) probs[zp * B + b] = econ.chain.P[r.z * nZ + zp];
      }
    }
  }
  const sharesN = savingsShares(setup, tomorrow ?? nets.household, aCol, aColVals, { z: zN, country: cN, rest: restN });
  const WN = tf.add(tf.mul(tf.tensor2d(RN, [n, 1]), aCol), tf.tensor2d(wageN, [n, 1]));
  const pNT = tf.tensor2d(pN, [n, M]);
  const cNext = tf.maximum(tf.div(tf.mul(tf.sub(1, sharesN), WN), pNT), 1e-10);
  const mu = tf.sum(tf.mul(tf.tensor2d(piN, [n, M]), tf.div(tf.pow(cNext, -gamma), pNT)), 1); // [n]
  const expected = tf.transpose(tf.sum(tf.mul(tf.reshape(mu, [M, nZ, B]), tf.reshape(tf.tensor1d(probs), [1, nZ, B])), 1)) as tf.Tensor2D; // [B, M]
  const rhs = tf.mul(tf.mul(beta, tf.tensor2d(Rnext, [B, 1])), expected);
  const cEuler = tf.pow(tf.mul(p, rhs), -1 / gamma);
  let relative = tf.sub(tf.div(cEuler, c), 1) as tf.Tensor2D;
  if (setup.eulerOffset && setup.params.training.eulerOffset === 'reference') {
    const off = new Float32Array(B * M);
    rows.forEach((r, b) => { for (let j = 0; j < M; j++) off[b * M + j] = (setup.eulerOffset as Float64Array[])[r.country][(j * nZ + r.z) * setup.nA + r.k]; });
    relative = tf.sub(relative, tf.tensor2d(off, [B, M])) as tf.Tensor2D;
  }
  const slack = tf.add(aNext, phiT) as tf.Tensor2D;
  return { fb: fischerBurmeister(relative, slack) as tf.Tensor2D, relative, slack };
}

/** The state index (z * nA + k) a uniform u picks from a country's distribution over states (inverse CDF). */
function drawFromMass(mass: ArrayLike<number>, u: number): number {
  let s = 0;
  while (s < mass.length - 1 && u >= mass[s]) u -= mass[s++];
  return s;
}

/**
 * Grid households at random dates 0..T-1: a share `massShare` drawn from the date's distribution (the
 * households whose choices move the markets), the rest uniformly over the grid (coverage of states
 * the distribution may reach at other policy points).
 */
export function sampleRows(setup: TransitionSetup, rng: Rng, B: number, path?: NetworkPath, massShare = 0): Row[] {
  const T = setup.params.periods;
  const { nA } = setup;
  return Array.from({ length: B }, () => {
    const t = Math.floor(rng.uniform() * T);
    const country = Math.floor(rng.uniform() * setup.M);
    if (path && rng.uniform() < massShare) {
      const s = drawFromMass(path.dates[t].mass[country], rng.uniform());
      return { t, country, z: Math.floor(s / nA), k: s % nA };
    }
    return { t, country, z: Math.floor(rng.uniform() * setup.nZ), k: Math.floor(rng.uniform() * nA) };
  });
}

/** Each date's Walrasian price target (raw price-network units) and the market residuals. */
export function priceTargets(setup: TransitionSetup, path: NetworkPath): { targets: Float32Array; agg: Float32Array; supResidual: number; residuals: Float64Array[] } {
  const { M, priceDim, econ } = setup;
  const { wage, R } = setup.params.tatonnement;
  const T1 = path.dates.length;
  const aggDim = path.dates[0].agg.length;
  const targets = new Float32Array(T1 * priceDim);
  const agg = new Float32Array(T1 * aggDim);
  const residuals: Float64Array[] = [];
  let supResidual = 0;
  path.dates.forEach((d, t) => {
    const mk = dateMarkets(setup, d, path.tariffs);
    residuals.push(mk.residuals);
    for (const v of mk.residuals) supResidual = Math.max(supResidual, Math.abs(v));
    // Lower the relative wage of a country whose goods are in excess supply; lower R when households save more than they borrow.
    // (A quasi-Newton target with part 1's sequence-space Jacobian diverged within 20 episodes: that
    // Jacobian moves future R to clear today's bonds, which the network's households, who see only
    // S_t and today's prices, do not respond to; see clearing.ts.)
    const logRel = Float64Array.from(d.prices.logRelative, (u, j) => u + wage * (mk.goods[M - 1] - mk.goods[j]));
    const Rn = d.prices.Rnext - R * mk.residuals[M - 1];
    const rebates = Float64Array.from({ length: M }, (_, i) => mk.revenue[i] / econ.labor[i]);
    targets.set(encodePrices(setup, logRel, Rn, rebates), t * priceDim);
    agg.set(d.agg, t * aggDim);
  });
  return { targets, agg, supResidual, residuals };
}

/**
 * Sets setup.eulerOffset when the params ask for it: the relative Euler residual of the old steady state's
 * EGM policy at every grid household (zero-output networks at the old policy reproduce that policy and the
 * old prices exactly), so that policy is a root of the offset residuals. Call once after buildSetup.
 */
export function withEulerOffset(setup: TransitionSetup): TransitionSetup {
  if (setup.params.training.eulerOffset !== 'reference' || setup.eulerOffset) return setup;
  const { M, nZ, nA } = setup;
  const nets = createNetworks(setup, Rng.fromSeed(0));
  const path = networkPath(setup, nets, oldPolicy(setup), 1);
  const rows: Row[] = [];
  for (let i = 0; i < M; i++) for (let z = 0; z < nZ; z++) for (let k = 0; k < nA; k++) rows.push({ t: 0, country: i, z, k });
  const [rel, slack] = tf.tidy(() => {
    const r = eulerResiduals(setup, nets, path, rows);
    return [r.relative.dataSync() as Float32Array, r.slack.dataSync() as Float32Array];
  });
  nets.household.dispose();
  nets.price.dispose();
  const offset = Array.from({ length: M }, () => new Float64Array(M * nZ * nA));
  const num = new Float64Array(M);
  const den = new Float64Array(M);
  rows.forEach((r, b) => {
    for (let j = 0; j < M; j++) {
      if (slack[b * M + j] <= 1e-4) continue;
      const idx = (j * nZ + r.z) * nA + r.k;
      offset[r.country][idx] = rel[b * M + j];
      const w = path.dates[0].mass[r.country][r.z * nA + r.k] * path.dates[0].pi[r.country][idx];
      num[r.country] += w * rel[b * M + j];
      den[r.country] += w;
    }
  });
  setup.eulerOffset = offset;
  setup.eulerOffsetMean = Array.from(num, (v, i) => v / Math.max(den[i], 1e-300));
  return setup;
}

/** Every grid household with population mass at date t (above 1e-10), with that mass. */
export function dateRows(setup: TransitionSetup, path: NetworkPath, t: number): { rows: Row[]; mass: number[] } {
  const d = path.dates[t];
  const { M, nZ, nA } = setup;
  const rows: Row[] = [];
  const mass: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let z = 0; z < nZ; z++) {
      for (let k = 0; k < nA; k++) {
        const m = d.mass[i][z * nA + k];
        if (m < 1e-10) continue;
        rows.push({ t, country: i, z, k });
        mass.push(m);
      }
    }
  }
  return { rows, mass };
}

/**
 * The population-weighted mean SIGNED relative Euler residual of each country at date t [M], differentiable
 * in the household network: over every (state, variety) of `rows` off the borrowing limit (a' + phi > 1e-4,
 * a constant mask), weighted by the state's mass times the variety's choice probability on the path (as
 * validate.ts dateEulerResiduals), times the path's spending p_j c_j with training.aggregateEulerWeighting
 * 'spending' (constant weights). `rows` and `mass` default to the whole date (dateRows); `tomorrow` as eulerResiduals.
 */
export function signedEulerBias(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath, t: number, sample?: { rows: Row[]; mass: number[] }, tomorrow?: Mlp): tf.Tensor1D {
  const { rows, mass } = sample ?? dateRows(setup, path, t);
  const { M, nZ, nA } = setup;
  const { pi, c, delivered } = path.dates[t];
  const spending = setup.params.training.aggregateEulerWeighting === 'spending';
  const B = rows.length;
  const weight = new Float32Array(B * M);
  const country = new Float32Array(M * B);
  rows.forEach((r, b) => {
    country[r.country * B + b] = 1;
    for (let j = 0; j < M; j++) {
      const idx = (j * nZ + r.z) * nA + r.k;
      weight[b * M + j] = mass[b] * pi[r.country][idx] * (spending ? delivered[r.country][j] * c[r.country][idx] : 1);
    }
  });
  const res = eulerResiduals(setup, nets, path, rows, tomorrow);
  // The interior mask is a constant (tfjs has no gradient for Greater).
  const slack = res.slack.dataSync();
  for (let q = 0; q < B * M; q++) if (slack[q] <= 1e-4) weight[q] = 0;
  const w = tf.tensor2d(weight, [B, M]);
  const byCountry = tf.tensor2d(country, [M, B]);
  const num = tf.matMul(byCountry, tf.sum(tf.mul(w, res.relative), 1, true));
  const den = tf.matMul(byCountry, tf.sum(w, 1, true));
  return tf.reshape(tf.div(num, tf.maximum(den, 1e-30)), [M]) as tf.Tensor1D;
}

/**
 * Rows for the aggregate Euler term at date t: the whole date when `rowsPerCountry` is 0, otherwise that
 * many states per country drawn with probability proportional to their mass (each then weighted equally:
 * the importance-sampled estimate of the same mean).
 */
export function aggregateSample(setup: TransitionSetup, path: NetworkPath, t: number, rng: Rng, rowsPerCountry: number): { rows: Row[]; mass: number[] } {
  if (rowsPerCountry === 0) return dateRows(setup, path, t);
  const { nA } = setup;
  const rows: Row[] = [];
  for (let i = 0; i < setup.M; i++) {
    const m = path.dates[t].mass[i];
    for (let n = 0; n < rowsPerCountry; n++) {
      const s = drawFromMass(m, rng.uniform());
      rows.push({ t, country: i, z: Math.floor(s / nA), k: s % nA });
    }
  }
  return { rows, mass: rows.map(() => 1) };
}

/**
 * A date for the aggregate Euler term: with probability training.aggregateEulerImpactShare one of the impact
 * dates 0..aggregateEulerImpactDates-1 (uniformly), otherwise uniform over 0..T-1. With share 0 it draws
 * exactly one uniform, as before the option existed (same stream, same dates).
 */
export function aggregateDate(setup: TransitionSetup, rng: Rng): number {
  const { aggregateEulerImpactShare: share, aggregateEulerImpactDates: impact } = setup.params.training;
  const T = setup.params.periods;
  if (share > 0 && rng.uniform() < share) return Math.floor(rng.uniform() * Math.min(impact, T));
  return Math.floor(rng.uniform() * T);
}

/**
 * Row weights of the price regression (training.priceImpactWeight): `episodes` replayed episodes of T + 1
 * dates each, then `anchorRows` anchor rows; an episode's rows at dates 0..priceImpactDates-1 get the weight,
 * every other row 1. Undefined when the weight is 1 (the unweighted mean, as before the option existed).
 */
export function priceRowWeights(setup: TransitionSetup, episodes: number, anchorRows: number): Float32Array | undefined {
  const { priceImpactWeight: weight, priceImpactDates: impact } = setup.params.training;
  if (weight === 1) return undefined;
  const T1 = setup.params.periods + 1;
  const w = new Float32Array(episodes * T1 + anchorRows).fill(1);
  for (let e = 0; e < episodes; e++) for (let t = 0; t < Math.min(impact, T1); t++) w[e * T1 + t] = weight;
  return w;
}

/**
 * The price network's regression loss: mean squared error over rows and outputs, each row's squares
 * weighted by `rowWeights` (normalised by their sum, so the loss stays a mean) when given.
 */
export function priceRegressionLoss(raw: tf.Tensor2D, targets: tf.Tensor2D, rowWeights?: Float32Array): tf.Scalar {
  const squares = tf.square(tf.sub(raw, targets));
  if (!rowWeights) return tf.mean(squares) as tf.Scalar;
  let total = 0;
  for (const v of rowWeights) total += v;
  const perRow = tf.mean(squares, 1);
  return tf.div(tf.sum(tf.mul(perRow, tf.tensor1d(rowWeights))), total) as tf.Scalar;
}

/**
 * Inputs of the zero-change anchor (training.anchorWeight): every grid household's household-network
 * features at the old policy, old steady state and old prices (a tensor [rows, householdDim]), and the
 * aggregate state of that point repeated `periods + 1` times (one episode's weight in the price regression).
 */
function anchorRows(setup: TransitionSetup): { household: tf.Tensor2D; rows: number; priceAgg: Float32Array; aggDim: number } {
  const { M, nZ, nA, econ } = setup;
  const agg = aggregateFeatures(setup, setup.oldMoments, setup.oldR, oldPolicy(setup));
  const prices = decodePrices(setup, new Float32Array(setup.priceDim));
  const dim = householdDim(setup);
  const rows = M * nZ * nA;
  const data = new Float32Array(rows * dim);
  let r = 0;
  for (let i = 0; i < M; i++) {
    for (let z = 0; z < nZ; z++) {
      const rest = restFeatures(setup, z, i, agg, prices);
      for (let k = 0; k < nA; k++, r++) {
        data[r * dim] = econ.agrids[i][k] / setup.params.scales.assets;
        data.set(rest, r * dim + 1);
      }
    }
  }
  const T1 = setup.params.periods + 1;
  const priceAgg = new Float32Array(T1 * agg.length);
  for (let t = 0; t < T1; t++) priceAgg.set(agg, t * agg.length);
  return { household: tf.tensor2d(data, [rows, dim]), rows, priceAgg, aggDim: agg.length };
}

/**
 * The household network's Euler loss of one training step: the mean squared Fischer-Burmeister residual of
 * `rows`, plus training.aggregateEulerWeight x the mean over the `aggregate` samples of the per-country squared
 * signed bias (signedEulerBias). Tomorrow's policy from `tomorrow` when given (frozenTomorrow).
 */
export function householdEulerLoss(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath, rows: Row[], aggregate?: { rows: Row[]; mass: number[] }[], tomorrow?: Mlp): { loss: tf.Scalar; residuals: EulerBatch; aggregateSq?: tf.Scalar } {
  const residuals = eulerResiduals(setup, nets, path, rows, tomorrow);
  const loss = tf.mean(tf.square(residuals.fb)) as tf.Scalar;
  if (!aggregate) return { loss, residuals };
  const biases = aggregate.map((smp) => signedEulerBias(setup, nets, path, smp.rows[0].t, smp, tomorrow));
  const aggregateSq = tf.mean(tf.stack(biases.map((b) => tf.mean(tf.square(b))))) as tf.Scalar;
  return { loss: tf.add(loss, tf.mul(setup.params.training.aggregateEulerWeight, aggregateSq)) as tf.Scalar, residuals, aggregateSq };
}

/**
 * With training.eulerTomorrow 'frozenPolicy': a second household network holding the same weights, used for
 * tomorrow's policy in the Euler residuals. Its variables are not among those differentiated, so the gradient
 * reaches the weights only through TODAY's policy (and through a'_j, today's choice, into the frozen policy
 * function): one step of time iteration per household step. Re-synchronise it (syncFrozen) before every step.
 * (TensorFlow.js has no stopGradient; a separate set of variables cuts the gradient exactly.) Undefined otherwise.
 */
export function frozenTomorrow(setup: TransitionSetup, nets: TransitionNetworks): Mlp | undefined {
  if (setup.params.training.eulerTomorrow !== 'frozenPolicy') return undefined;
  // Its own seed: the copy's initial draws are overwritten at once and must not touch the training stream.
  const copy = new Mlp(nets.household.spec, Rng.fromSeed('frozen-tomorrow'));
  syncFrozen(copy, nets.household);
  return copy;
}

/** Copies `net`'s current weights into its frozen copy. */
export function syncFrozen(frozen: Mlp, net: Mlp): void {
  frozen.variables.forEach((v, k) => v.assign(net.variables[k]));
}

/** A policy point drawn uniformly from the configured box. */
export function drawPolicy(params: TransitionDeqnParams, rng: Rng): Float64Array {
  return Float64Array.from(params.policy.tariffs, (t) => t.range[0] + rng.uniform() * (t.range[1] - t.range[0]));
}

export interface EpisodeLog {
  episode: number;
  x: number[];
  euler: number;
  relativeEuler: number;
  /** Root mean square over the episode's aggregate-term steps of the per-country signed Euler bias (training.aggregateEulerWeight > 0). */
  aggregateEuler?: number;
  market: number;
  priceLoss: number;
  cpuSeconds: number;
  wallSeconds: number;
}

export interface Trainer {
  nets: TransitionNetworks;
  episode: number;
  history: EpisodeLog[];
}

function concatenate(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) {
    out.set(p, k);
    k += p.length;
  }
  return out;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Trains `episodes` episodes (continuing `trainer` when given). */
export function train(setup: TransitionSetup, opts: { episodes?: number; trainer?: Trainer; log?: (l: EpisodeLog) => void; checkpointDir?: string } = {}): Trainer {
  const tp = setup.params.training;
  withEulerOffset(setup);
  // A resumed run draws a fresh stream (seeded by the episode reached); optimizer moments restart at zero.
  const rng = Rng.fromSeed(opts.trainer ? `${tp.seed}:${opts.trainer.episode}` : tp.seed);
  const nets = opts.trainer?.nets ?? createNetworks(setup, rng);
  const frozen = frozenTomorrow(setup, nets);
  const trainer: Trainer = opts.trainer ?? { nets, episode: 0, history: [] };
  const adamH = new Adam(nets.household.variables, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const adamP = new Adam(nets.price.variables, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const episodes = opts.episodes ?? tp.episodes;
  const cpu0 = cpuNow();
  const wall0 = performance.now();
  const replay: { agg: Float32Array; targets: Float32Array }[] = [];
  // With household.anchor 'oldSteadyState' the household correction is zero at the anchor rows by
  // construction, so only the price network's part of the anchor remains.
  const anchor = tp.anchorWeight > 0 ? anchorRows(setup) : undefined;
  const householdAnchor = anchor && setup.params.household.anchor === 'none' ? anchor : undefined;
  for (let e = 0; e < episodes; e++) {
    const progress = episodes > 1 ? e / (episodes - 1) : 1;
    const decay = tp.finalLearningRateFactor + (1 - tp.finalLearningRateFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    const x = drawPolicy(setup.params, rng);
    const path = networkPath(setup, nets, x, tp.passes);
    let euler = 0;
    let relativeEuler = 0;
    let aggregateSum = 0;
    let aggregateCount = 0;
    for (let s = 0; s < tp.householdSteps; s++) {
      const rows = sampleRows(setup, rng, tp.batchSize, path, tp.massShare);
      const anchorPick = householdAnchor ? Int32Array.from({ length: tp.batchSize }, () => Math.floor(rng.uniform() * householdAnchor.rows)) : undefined;
      // Aggregate Euler term (training.aggregateEulerWeight) on `aggregateEulerDates` random dates (a share
      // of them impact dates, aggregateEulerImpactShare) every `aggregateEulerEvery`-th step.
      const aggregate = tp.aggregateEulerWeight > 0 && s % tp.aggregateEulerEvery === 0
        ? Array.from({ length: tp.aggregateEulerDates }, () => aggregateSample(setup, path, aggregateDate(setup, rng), rng, tp.aggregateEulerRows))
        : undefined;
      if (frozen) syncFrozen(frozen, nets.household);
      const out = tf.tidy(() => {
        let fbAbs: tf.Tensor = tf.scalar(0);
        let relAbs: tf.Tensor = tf.scalar(0);
        let aggregateSq: tf.Tensor = tf.scalar(0);
        const g = tf.variableGrads(() => {
          const h = householdEulerLoss(setup, nets, path, rows, aggregate, frozen);
          const r = h.residuals;
          fbAbs = tf.keep(tf.mean(tf.abs(r.fb)));
          const interior = tf.cast(tf.greater(r.slack, 1e-4), 'float32');
          relAbs = tf.keep(tf.div(tf.sum(tf.mul(interior, tf.abs(r.relative))), tf.maximum(tf.sum(interior), 1)));
          if (h.aggregateSq) aggregateSq = tf.keep(h.aggregateSq);
          const loss = h.loss;
          if (!householdAnchor || !anchorPick) return loss;
          const correction = nets.household.raw(tf.gather(householdAnchor.household, anchorPick));
          return tf.add(loss, tf.mul(tp.anchorWeight, tf.mean(tf.square(correction)))) as tf.Scalar;
        }, nets.household.variables);
        adamH.apply(nets.household.variables, nets.household.variables.map((v) => g.grads[v.name]), tp.householdLearningRate * decay);
        return [fbAbs, relAbs, aggregateSq];
      });
      euler += out[0].dataSync()[0] / tp.householdSteps;
      relativeEuler += out[1].dataSync()[0] / tp.householdSteps;
      if (aggregate) {
        aggregateSum += out[2].dataSync()[0];
        aggregateCount++;
      }
      out.forEach((t) => t.dispose());
    }
    const target = priceTargets(setup, path);
    // Replay of the latest episodes' targets: one episode holds one policy point, and fitting the price
    // network to it alone drags its prices at every other policy point along (interference).
    replay.push(target);
    if (replay.length > tp.replayEpisodes) replay.shift();
    // The anchor enters the price regression as one more episode of the old state with zero raw output.
    const anchorEpisode = anchor ? [{ agg: anchor.priceAgg, targets: new Float32Array(anchor.priceAgg.length / anchor.aggDim * setup.priceDim) }] : [];
    const aggAll = concatenate([...replay, ...anchorEpisode].map((r) => r.agg));
    const targetAll = concatenate([...replay, ...anchorEpisode].map((r) => r.targets));
    let priceLoss = 0;
    const T1 = targetAll.length / setup.priceDim;
    const rowWeights = priceRowWeights(setup, replay.length, anchorEpisode.length > 0 ? setup.params.periods + 1 : 0);
    for (let s = 0; s < tp.priceSteps; s++) {
      const loss = tf.tidy(() => {
        const g = tf.variableGrads(() => priceRegressionLoss(nets.price.raw(tf.tensor2d(aggAll, [T1, aggAll.length / T1])), tf.tensor2d(targetAll, [T1, setup.priceDim]), rowWeights), nets.price.variables);
        adamP.apply(nets.price.variables, nets.price.variables.map((v) => g.grads[v.name]), tp.priceLearningRate * decay);
        return g.value.dataSync()[0];
      });
      if (s === 0) priceLoss = loss;
    }
    trainer.episode++;
    const entry: EpisodeLog = { episode: trainer.episode, x: Array.from(x), euler, relativeEuler, aggregateEuler: aggregateCount > 0 ? Math.sqrt(aggregateSum / aggregateCount) : undefined, market: target.supResidual, priceLoss, cpuSeconds: cpuNow() - cpu0, wallSeconds: (performance.now() - wall0) / 1000 };
    trainer.history.push(entry);
    if (trainer.episode % tp.logEvery === 0 || e === episodes - 1) {
      opts.log?.(entry);
      if (opts.checkpointDir) saveCheckpoint(opts.checkpointDir, setup.params, trainer);
    }
  }
  adamH.dispose();
  adamP.dispose();
  anchor?.household.dispose();
  frozen?.dispose();
  return trainer;
}

const CHECKPOINT_FILE = 'transition-deqn.json';

export function saveCheckpoint(dir: string, params: TransitionDeqnParams, trainer: Trainer): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, CHECKPOINT_FILE);
  const last = trainer.history.slice(-50);
  writeFileSync(file, JSON.stringify({ format: 'deqn-transition-v1', params, episode: trainer.episode, weights: networkWeights(trainer.nets), recentHistory: last }) + '\n');
  return file;
}

export function loadCheckpoint(dir: string): { params: TransitionDeqnParams; episode: number; weights: { household: number[][]; price: number[][] } } {
  const file = join(dir, CHECKPOINT_FILE);
  if (!existsSync(file)) throw new UsageError(`${dir}: no ${CHECKPOINT_FILE} (a transition-DEQN checkpoint directory)`);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (data.format !== 'deqn-transition-v1') throw new UsageError(`${file}: format must be "deqn-transition-v1", got ${JSON.stringify(data.format)}`);
  // Through the schema: checkpoints written before a training field existed get its default.
  return { ...data, params: parseTransitionParams(data.params, file) };
}

/** Networks of a checkpoint for `setup` (built from the checkpoint's params). */
export function restoreNetworks(setup: TransitionSetup, weights: { household: number[][]; price: number[][] }): TransitionNetworks {
  const nets = createNetworks(setup, Rng.fromSeed(0));
  setNetworkWeights(nets, weights);
  return nets;
}
