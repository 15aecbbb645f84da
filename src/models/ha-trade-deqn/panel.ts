// The simulated panel: lanes of households (one policy point per lane, both countries), the prices
// each lane's households face, and one period of simulation with the exact law of motion: a
// variety drawn from the logit choice probabilities, savings of that variety, the next efficiency
// state from the chain (MODELS.md §C.1, §C.3).
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import { Rng } from '../../tensor/rng.ts';
import { UsageError } from '../../io/errors.ts';
import type { Mlp } from '../../deqn/network.ts';
import { baselinePolicy, decodePrices, deliveredPrices, type World } from './world.ts';
import { featuresOf, inputsOf, type Layout } from './layout.ts';
import { householdBlock, type Constants } from './household.ts';
import type { HaTradeDeqnParams } from './params.ts';

export interface PanelShape {
  lanes: number;
  /** Lanes 0..marketLanes-1 clear markets; the rest explore jittered prices. */
  marketLanes: number;
  householdsPerCountry: number;
  rowsPerLane: number;
}

export function panelShape(world: World, params: HaTradeDeqnParams, paths: number): PanelShape {
  const n = params.panel.householdsPerCountry;
  const rowsPerLane = n * world.M;
  if (paths % rowsPerLane !== 0) {
    throw new UsageError(
      `training.paths (${paths}) must be a multiple of params.panel.householdsPerCountry x countries (${n} x ${world.M} = ${rowsPerLane}): one lane per policy point`,
    );
  }
  const lanes = paths / rowsPerLane;
  const marketLanes = Math.max(1, lanes - Math.round(lanes * params.panel.explorationShare));
  return { lanes, marketLanes, householdsPerCountry: n, rowsPerLane };
}

/** A policy point drawn uniformly from the box. */
export function drawPolicy(world: World, rng: Rng): Float64Array {
  return Float64Array.from(world.lower, (lo, k) => lo + (world.upper[k] - lo) * rng.uniform());
}

/** Writes lane `lane`'s policy, kind and bookkeeping into its rows. */
export function setLanePolicy(lay: Layout, shape: PanelShape, states: Float32Array, lane: number, x: ArrayLike<number>, generation: number): void {
  const d = lay.dim;
  for (let r = lane * shape.rowsPerLane; r < (lane + 1) * shape.rowsPerLane; r++) {
    for (let k = 0; k < x.length; k++) states[r * d + lay.policy + k] = x[k];
    states[r * d + lay.age] = 0;
    states[r * d + lay.generation] = generation;
    states[r * d + lay.kind] = lane < shape.marketLanes ? 0 : 1;
  }
}

export function initialPanel(world: World, lay: Layout, shape: PanelShape, rng: Rng): Float32Array {
  const d = lay.dim;
  const states = new Float32Array(shape.lanes * shape.rowsPerLane * d);
  const ergodic = world.economy.chain.ergodic;
  const cumulative = Float64Array.from(ergodic, (_, k) => ergodic.slice(0, k + 1).reduce((s, v) => s + v, 0));
  for (let lane = 0; lane < shape.lanes; lane++) {
    for (let c = 0; c < world.M; c++) {
      for (let h = 0; h < shape.householdsPerCountry; h++) {
        const r = lane * shape.rowsPerLane + c * shape.householdsPerCountry + h;
        states[r * d + lay.z] = rng.categorical(cumulative);
        states[r * d + lay.a] = -world.phi[c] + (world.phi[c] + 2 * world.economy.tfp[c]) * rng.uniform();
        states[r * d + lay.country] = c;
        states[r * d + lay.u] = rng.uniform();
        states[r * d + lay.lane] = lane;
      }
    }
    setLanePolicy(lay, shape, states, lane, lane === 0 ? baselinePolicy(world) : drawPolicy(world, rng), 0);
  }
  writePrices(world, lay, shape, states, new Float64Array(shape.lanes * world.priceDim));
  return states;
}

/** Policy of every lane, [lanes][policyDim], read from its first row. */
export function lanePolicies(world: World, lay: Layout, shape: PanelShape, states: Float32Array): Float64Array[] {
  return Array.from({ length: shape.lanes }, (_, lane) => {
    const r = lane * shape.rowsPerLane;
    return Float64Array.from(states.subarray(r * lay.dim + lay.policy, r * lay.dim + lay.policy + world.policyDim));
  });
}

/** Raw price-network output of every lane's policy, [lanes * priceDim]. */
export function lanePriceRaw(world: World, lay: Layout, shape: PanelShape, net: Mlp, states: Float32Array): Float64Array {
  const rows = new Float32Array(shape.lanes * lay.dim);
  for (let lane = 0; lane < shape.lanes; lane++) rows.set(states.subarray(lane * shape.rowsPerLane * lay.dim, (lane * shape.rowsPerLane + 1) * lay.dim), lane * lay.dim);
  const out = tf.tidy(() => net.towerOutput('prices', featuresOf(world, inputsOf(world, lay, tf.tensor2d(rows, [shape.lanes, lay.dim])))));
  const raw = Float64Array.from(out.dataSync());
  out.dispose();
  return raw;
}

/**
 * Writes each household's prices (R_i, w_i, T_i, p_ij) from the lanes' raw price outputs; in
 * exploration lanes they are jittered by factors fixed per lane generation, so the household
 * network learns how behaviour depends on prices away from market clearing.
 */
export function writePrices(world: World, lay: Layout, shape: PanelShape, states: Float32Array, raw: Float64Array, jitter?: HaTradeDeqnParams['panel']['jitter']): void {
  const { M, priceDim } = world;
  const d = lay.dim;
  const policies = lanePolicies(world, lay, shape, states);
  for (let lane = 0; lane < shape.lanes; lane++) {
    const prices = decodePrices(world, raw.subarray(lane * priceDim, (lane + 1) * priceDim));
    const p = deliveredPrices(world, policies[lane], prices.wages);
    const first = lane * shape.rowsPerLane * d;
    const explore = jitter && states[first + lay.kind] === 1;
    const jr = explore ? Rng.fromSeed(`jitter:${lane}:${states[first + lay.generation]}`) : undefined;
    const wiggle = (size: number) => (jr ? 1 + size * (2 * jr.uniform() - 1) : 1);
    for (let c = 0; c < M; c++) {
      const R = prices.R[c] * wiggle(jitter?.R ?? 0);
      const w = prices.wages[c] * wiggle(jitter?.wage ?? 0);
      // Rebate jitter in units of the country's TFP (its income unit, layout.ts featuresOf): an absolute
      // 0.02 exceeds a small country's whole labour income (BEL: w = 0.0099) and made resources negative.
      const T = prices.rebates[c] + (jr ? world.economy.tfp[c] * (jitter?.rebate ?? 0) * (2 * jr.uniform() - 1) : 0);
      const pc = Float64Array.from({ length: M }, (_, j) => p[c * M + j] * wiggle(jitter?.price ?? 0));
      for (let h = 0; h < shape.householdsPerCountry; h++) {
        const r = lane * shape.rowsPerLane + c * shape.householdsPerCountry + h;
        states[r * d + lay.R] = R;
        states[r * d + lay.w] = w;
        states[r * d + lay.T] = T;
        for (let j = 0; j < M; j++) states[r * d + lay.p + j] = pc[j];
      }
    }
  }
}

/** Choice-specific savings and choice probabilities of every row, [rows * M] each. */
export function policiesOf(world: World, lay: Layout, k: Constants, net: Mlp, states: Float32Array, rows: number): { aNext: Float32Array; pi: Float32Array } {
  const [aNext, pi] = tf.tidy(() => {
    const inp = inputsOf(world, lay, tf.tensor2d(states.subarray(0, rows * lay.dim), [rows, lay.dim]));
    const hh = householdBlock(world, k, inp, householdPolicy(world, k.baseline, net, inp));
    return [hh.aNext, hh.pi];
  });
  const out = { aNext: aNext.dataSync() as Float32Array, pi: pi.dataSync() as Float32Array };
  aNext.dispose();
  pi.dispose();
  return out;
}

/** Index of the variety chosen with uniform u under probabilities pi[off..off+M). */
export function chooseVariety(pi: ArrayLike<number>, off: number, M: number, u: number): number {
  let acc = 0;
  for (let j = 0; j < M - 1; j++) {
    acc += pi[off + j];
    if (u < acc) return j;
  }
  return M - 1;
}

/** Advances every row one period in place (draws today's variety and tomorrow's efficiency). */
export function simulatePeriod(world: World, lay: Layout, k: Constants, net: Mlp, states: Float32Array, rng: Rng, assetCap: number): void {
  const { M, nZ } = world;
  const d = lay.dim;
  const rows = states.length / d;
  const P = world.economy.chain.P;
  for (let r = 0; r < rows; r++) states[r * d + lay.u] = rng.uniform();
  const { aNext, pi } = policiesOf(world, lay, k, net, states, rows);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const c = states[o + lay.country];
    const j = chooseVariety(pi, r * M, M, states[o + lay.u]);
    const a = aNext[r * M + j];
    states[o + lay.a] = Math.min(Math.max(a, -world.phi[c]), assetCap * world.amax[c]);
    const z = states[o + lay.z];
    let u = rng.uniform();
    let next = nZ - 1;
    for (let t = 0; t < nZ; t++) {
      u -= P[z * nZ + t];
      if (u < 0) {
        next = t;
        break;
      }
    }
    states[o + lay.z] = next;
    states[o + lay.age] += 1;
  }
}
