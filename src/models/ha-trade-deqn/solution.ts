// The trained networks' stationary equilibrium at a policy point: prices from the price network,
// household policies from the household network on a fine asset grid, and the stationary
// distribution by the lottery method (a non-stochastic simulation of a continuum of households,
// so aggregates carry no Monte Carlo noise), then imports, assets and the market residuals left at
// the network's prices (MODELS.md §C.3-C.4).
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import { decodePrices, deliveredPrices, tariffsAt, type Prices, type World } from './world.ts';
import { featuresOf, inputsOf, type Layout } from './layout.ts';
import { householdBlock, type Constants } from './household.ts';
import type { HaTradeDeqn } from './index.ts';
import { consistentChoices } from './choices.ts';

export interface GridPolicies {
  /** Asset grid of each country (nA points from -phi_i to amax_i). */
  grids: Float64Array[];
  /** Per country, [j][z][a] flat: savings a'_j, consumption c_j, choice probability pi_j. */
  aNext: Float64Array[];
  c: Float64Array[];
  pi: Float64Array[];
  /** Per country, ex-ante value V(a, z), [z][a]. */
  V: Float64Array[];
}

export interface NetworkEquilibrium {
  policy: Float64Array;
  prices: Prices;
  /** Delivered prices [i * M + j]. */
  delivered: Float64Array;
  policies: GridPolicies;
  /** Stationary distribution per country, [z][a]. */
  mass: Float64Array[];
  /** Imports M_ij and import shares (rows sum to one). */
  imports: Float64Array;
  importShares: Float64Array;
  /** Per household: efficiency, assets held, assets carried out. */
  efficiency: Float64Array;
  assets: Float64Array;
  assetsNext: Float64Array;
  /** Market residuals at the network's prices, over world labour income: goods (all), bonds, government. */
  goods: Float64Array;
  bonds: Float64Array;
  government: Float64Array;
}

export interface SolveNetworkOptions {
  points?: number;
  /** Source of the choice probabilities (default "consistent", see gridPolicies). */
  choices?: ChoiceSource;
  tol?: number;
  maxIterations?: number;
}

/** Raw price-network output at policy x. */
export function priceRaw(model: HaTradeDeqn, net: Mlp, x: ArrayLike<number>): Float64Array {
  const out = tf.tidy(() => net.towerOutput('prices', tf.concat([tf.zeros([1, model.featureDim - model.world.policyDim]), policyFeatureRow(model, x)], 1) as tf.Tensor2D));
  const raw = Float64Array.from(out.dataSync());
  out.dispose();
  return raw;
}

/** The policy columns of the features for one policy point (same scaling as featuresOf). */
export function policyFeatureRow(model: HaTradeDeqn, x: ArrayLike<number>): tf.Tensor2D {
  const P = model.world.policyDim;
  return tf.tensor2d([Array.from({ length: P }, (_, k) => (k < P - 1 ? 5 * x[k] : 10 * (x[k] - 1)))], [1, P]);
}

export interface HouseholdPriceSet {
  R: Float64Array;
  wages: Float64Array;
  rebates: Float64Array;
  delivered: Float64Array;
  /** Scale of period resources (R a + w z) for consumption-equivalent welfare (§C.5); default 1. */
  incomeScale?: number;
}

/** State rows for every (country, z, a) grid point facing `set` (policy columns are unused by the household network). */
export function gridStates(model: HaTradeDeqn, grids: Float64Array[], set: HouseholdPriceSet, x: ArrayLike<number>): Float32Array {
  const { world, layout: lay } = model;
  const { M, nZ } = world;
  const nA = grids[0].length;
  const rows = M * nZ * nA;
  const s = new Float32Array(rows * lay.dim);
  const scale = set.incomeScale ?? 1;
  for (let i = 0; i < M; i++) {
    for (let z = 0; z < nZ; z++) {
      for (let a = 0; a < nA; a++) {
        const o = ((i * nZ + z) * nA + a) * lay.dim;
        s[o + lay.z] = z;
        s[o + lay.a] = grids[i][a];
        s[o + lay.country] = i;
        s[o + lay.R] = scale * set.R[i];
        s[o + lay.w] = scale * set.wages[i];
        s[o + lay.T] = set.rebates[i];
        for (let j = 0; j < M; j++) s[o + lay.p + j] = set.delivered[i * M + j];
        for (let k = 0; k < world.policyDim; k++) s[o + lay.policy + k] = x[k];
      }
    }
  }
  return s;
}

/**
 * How the choice probabilities on the grid are formed: "consistent" (default) from the logsum
 * Bellman fixed point of the network's savings policies (choices.ts, which says why), "network" from
 * the network's own continuation outputs (diagnostics).
 */
export type ChoiceSource = 'consistent' | 'network';

/** Household network policies on the grid at the given prices. */
export function gridPolicies(model: HaTradeDeqn, net: Mlp, grids: Float64Array[], set: HouseholdPriceSet, x: ArrayLike<number>, choices: ChoiceSource = 'consistent', initialValues?: Float64Array[]): GridPolicies {
  const { world, layout: lay, constants: k } = model;
  const { M, nZ } = world;
  const nA = grids[0].length;
  const states = gridStates(model, grids, set, x);
  const rows = states.length / lay.dim;
  const outs = tf.tidy(() => {
    const inp = inputsOf(world, lay, tf.tensor2d(states, [rows, lay.dim]));
    const hh = householdBlock(world, k, inp, householdPolicy(world, k.baseline, net, inp));
    return [hh.aNext, hh.c, hh.pi, hh.V];
  });
  const [aN, c, pi, V] = outs.map((t) => t.dataSync());
  outs.forEach((t) => t.dispose());
  const per = nZ * nA;
  // Re-order [country][z][a][j] -> per country [j][z][a].
  const split = (src: ArrayLike<number>) =>
    Array.from({ length: M }, (_, i) => {
      const out = new Float64Array(M * per);
      for (let s = 0; s < per; s++) for (let j = 0; j < M; j++) out[j * per + s] = src[(i * per + s) * M + j];
      return out;
    });
  const network: GridPolicies = { grids, aNext: split(aN), c: split(c), pi: split(pi), V: Array.from({ length: M }, (_, i) => Float64Array.from(V.subarray(i * per, (i + 1) * per))) };
  if (choices === 'network') return network;
  const fixed = consistentChoices(world, network, 1e-10, 5000, initialValues);
  return { ...network, pi: fixed.pi, V: fixed.V };
}

export function assetGrids(world: World, points: number): Float64Array[] {
  return Array.from({ length: world.M }, (_, i) => Float64Array.from({ length: points }, (_, k) => -world.phi[i] + ((world.amax[i] + world.phi[i]) * k) / (points - 1)));
}

/** Stationary distribution of one country by the lottery method (Young 2010), [z][a]. */
export function lotteryDistribution(world: World, grid: Float64Array, aNext: Float64Array, pi: Float64Array, tol: number, maxIterations: number, initial?: Float64Array): Float64Array {
  const { M, nZ } = world;
  const nA = grid.length;
  const per = nZ * nA;
  const P = world.economy.chain.P;
  // Precompute brackets and weights of every (j, z, a) -> a'.
  const lo = new Int32Array(M * per);
  const wt = new Float64Array(M * per);
  for (let k = 0; k < M * per; k++) {
    const x = Math.min(Math.max(aNext[k], grid[0]), grid[nA - 1]);
    let b = Math.min(nA - 2, Math.floor(((x - grid[0]) / (grid[nA - 1] - grid[0])) * (nA - 1)));
    while (b > 0 && grid[b] > x) b--;
    while (b < nA - 2 && grid[b + 1] <= x) b++;
    lo[k] = b;
    wt[k] = (x - grid[b]) / (grid[b + 1] - grid[b]);
  }
  let mass = new Float64Array(per);
  const erg = world.economy.chain.ergodic;
  if (initial && initial.length === per) mass.set(initial);
  else for (let z = 0; z < nZ; z++) for (let a = 0; a < nA; a++) mass[z * nA + a] = erg[z] / nA;
  let next = new Float64Array(per);
  const inner = new Float64Array(per); // mass by (z, a') before the shock
  for (let it = 0; it < maxIterations; it++) {
    inner.fill(0);
    for (let j = 0; j < M; j++) {
      for (let s = 0; s < per; s++) {
        const m = mass[s] * pi[j * per + s];
        if (m === 0) continue;
        const k = j * per + s;
        const base = s - (s % nA);
        inner[base + lo[k]] += m * (1 - wt[k]);
        inner[base + lo[k] + 1] += m * wt[k];
      }
    }
    next.fill(0);
    for (let z = 0; z < nZ; z++) {
      for (let zp = 0; zp < nZ; zp++) {
        const pr = P[z * nZ + zp];
        for (let a = 0; a < nA; a++) next[zp * nA + a] += pr * inner[z * nA + a];
      }
    }
    let diff = 0;
    for (let s = 0; s < per; s++) diff = Math.max(diff, Math.abs(next[s] - mass[s]));
    [mass, next] = [next, mass];
    if (diff < tol) break;
  }
  return mass;
}

/** Prices a household of every country faces at policy x under price-network prices. */
export function priceSet(world: World, x: ArrayLike<number>, prices: Prices): HouseholdPriceSet {
  return { R: prices.R, wages: prices.wages, rebates: prices.rebates, delivered: deliveredPrices(world, x, prices.wages) };
}

/** The networks' stationary equilibrium at policy x (prices from the price network unless given). */
export function solveNetwork(model: HaTradeDeqn, net: Mlp, x: ArrayLike<number>, opts: SolveNetworkOptions & { prices?: Prices; initialMass?: Float64Array[] } = {}): NetworkEquilibrium {
  const { world } = model;
  const prices = opts.prices ?? decodePrices(world, priceRaw(model, net, x));
  const set = priceSet(world, x, prices);
  const grids = assetGrids(world, opts.points ?? 200);
  const policies = gridPolicies(model, net, grids, set, x, opts.choices);
  return equilibriumOfPolicies(world, x, prices, policies, opts);
}

/**
 * Stationary distribution, aggregates and market residuals of given grid policies at policy x and
 * prices (any source: the networks, or the reference solver's, whose arrays share the [j][z][a] order).
 */
export function equilibriumOfPolicies(world: World, x: ArrayLike<number>, prices: Prices, policies: GridPolicies, opts: { tol?: number; maxIterations?: number; initialMass?: Float64Array[] } = {}): NetworkEquilibrium {
  const { M, nZ } = world;
  const set = priceSet(world, x, prices);
  const grids = policies.grids;
  const nA = grids[0].length;
  const per = nZ * nA;
  const z = world.economy.chain.values;
  const L = world.economy.labor;
  const mass = grids.map((g, i) => lotteryDistribution(world, g, policies.aNext[i], policies.pi[i], opts.tol ?? 1e-11, opts.maxIterations ?? 20000, opts.initialMass?.[i]));
  const imports = new Float64Array(M * M);
  const efficiency = new Float64Array(M);
  const assets = new Float64Array(M);
  const assetsNext = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    for (let s = 0; s < per; s++) {
      const m = mass[i][s];
      efficiency[i] += m * z[Math.floor(s / nA)];
      assets[i] += m * grids[i][s % nA];
      for (let j = 0; j < M; j++) {
        const w = m * policies.pi[i][j * per + s];
        imports[i * M + j] += L[i] * w * set.delivered[i * M + j] * policies.c[i][j * per + s];
        assetsNext[i] += w * policies.aNext[i][j * per + s];
      }
    }
  }
  const importShares = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    let total = 0;
    for (let j = 0; j < M; j++) total += imports[i * M + j];
    for (let j = 0; j < M; j++) importShares[i * M + j] = imports[i * M + j] / total;
  }
  const t = tariffsAt(world, x);
  let worldIncome = 0;
  for (let i = 0; i < M; i++) worldIncome += prices.wages[i] * L[i] * efficiency[i];
  const goods = new Float64Array(M);
  const government = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    goods[i] = prices.wages[i] * L[i] * efficiency[i];
    government[i] = L[i] * prices.rebates[i];
  }
  for (let k = 0; k < M; k++) {
    for (let i = 0; i < M; i++) {
      const tk = t[k * M + i];
      goods[i] -= imports[k * M + i] / (1 + tk);
      government[k] -= (tk / (1 + tk)) * imports[k * M + i];
    }
  }
  const bonds = world.nR === 1 ? Float64Array.of(assetsNext.reduce((s, a, i) => s + L[i] * a, 0)) : Float64Array.from(assetsNext, (a, i) => L[i] * a);
  const scale = (v: Float64Array) => v.map((x) => x / worldIncome);
  return { policy: Float64Array.from(x), prices, delivered: set.delivered, policies, mass, imports, importShares, efficiency, assets, assetsNext, goods: scale(goods), bonds: scale(bonds), government: scale(government) };
}

/**
 * Ex-ante values of the networks' policies at given prices by exact policy evaluation on the grid
 * (MODELS.md §C.3 with the logsum identity): V = r + beta T V with
 * r = sum_j pi_j (u(c_j) + psi_j - sigma log pi_j) and T moving (a, z) to (a'_j, z') by lottery
 * weights. The value network's own levels are pinned by the Bellman residual only weakly (a uniform
 * level error d costs (1 - beta)^2 d), so welfare uses these values of the learned allocation.
 */
export function evaluatePolicies(model: HaTradeDeqn, policies: GridPolicies, tol = 1e-10, maxIterations = 5000, initial?: Float64Array[]): Float64Array[] {
  const { world } = model;
  const { M, nZ } = world;
  const { gamma, beta, chain } = world.economy;
  const P = chain.P;
  return policies.grids.map((grid, i) => {
    const nA = grid.length;
    const per = nZ * nA;
    const sigma = world.economy.sigmaEps[i];
    const psi = world.economy.quality[i];
    const lo = new Int32Array(M * per);
    const wt = new Float64Array(M * per);
    const reward = new Float64Array(per);
    for (let j = 0; j < M; j++) {
      for (let s = 0; s < per; s++) {
        const k = j * per + s;
        const x = Math.min(Math.max(policies.aNext[i][k], grid[0]), grid[nA - 1]);
        let b = Math.min(nA - 2, Math.max(0, Math.floor(((x - grid[0]) / (grid[nA - 1] - grid[0])) * (nA - 1))));
        while (b > 0 && grid[b] > x) b--;
        while (b < nA - 2 && grid[b + 1] <= x) b++;
        lo[k] = b;
        wt[k] = (x - grid[b]) / (grid[b + 1] - grid[b]);
        const pr = policies.pi[i][k];
        const c = policies.c[i][k];
        const u = gamma === 1 ? Math.log(c) : Math.pow(c, 1 - gamma) / (1 - gamma);
        if (pr > 0) reward[s] += pr * (u + (j === i ? psi[Math.floor(s / nA)] : 0) - sigma * Math.log(pr));
      }
    }
    let V = Float64Array.from(initial?.[i] ?? policies.V[i]);
    let next = new Float64Array(per);
    const EV = new Float64Array(per); // E[V(a', z') | z] on the grid of a'
    for (let it = 0; it < maxIterations; it++) {
      EV.fill(0);
      for (let z = 0; z < nZ; z++) for (let zp = 0; zp < nZ; zp++) {
        const pr = P[z * nZ + zp];
        for (let a = 0; a < nA; a++) EV[z * nA + a] += pr * V[zp * nA + a];
      }
      let diff = 0;
      for (let s = 0; s < per; s++) {
        const base = s - (s % nA);
        let cont = 0;
        for (let j = 0; j < M; j++) {
          const k = j * per + s;
          cont += policies.pi[i][k] * ((1 - wt[k]) * EV[base + lo[k]] + wt[k] * EV[base + lo[k] + 1]);
        }
        next[s] = reward[s] + beta * cont;
        diff = Math.max(diff, Math.abs(next[s] - V[s]));
      }
      [V, next] = [next, V];
      if (diff < tol) break;
    }
    return V;
  });
}
