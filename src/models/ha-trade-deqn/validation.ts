// Checks of a trained checkpoint against the part-1 float64 reference solver (MODELS.md §C): prices,
// import shares and consumption-equivalent welfare changes at policy points, and relative Euler
// errors of simulated households. Used by bench/ha-trade-deqn.ts and the tests.
import { householdPolicy } from './baseline.ts';
import { tf } from '../../tensor/backend.ts';
import { Rng } from '../../tensor/rng.ts';
import type { Mlp } from '../../deqn/network.ts';
import { solveEconomy } from '../ha-trade/equilibrium.ts';
import { solveHousehold, withSummary, type HaTradeEquilibrium } from '../ha-trade/index.ts';
import { welfareChange } from '../ha-trade/welfare.ts';
import { baselinePolicy, buildWorld, economyAt, type World } from './world.ts';
import { choiceResidualsAt, type PolicyAt } from './residuals.ts';
import { gridBracket } from './choices.ts';
import { inputsOf } from './layout.ts';
import { householdBlock, continuationOffset, valueScaleOf, C_SCALE } from './household.ts';
import { simulatePeriod, chooseVariety } from './panel.ts';
import { priceSet, gridStates, type NetworkEquilibrium } from './solution.ts';
import { clearMarkets, type ClearingOptions } from './clearing.ts';
import { decodePrices } from './world.ts';
import { equilibriumValues, lagrange, networkWelfare, tauInterpolant, utilitarianGain, type TauInterpolant } from './welfare.ts';
import type { HaTradeDeqn } from './index.ts';

/** The model's world with `points` asset grid points (the same box and policy inputs). */
export function withAssetPoints(model: HaTradeDeqn, points: number): World {
  const { world } = model;
  if (points === world.config.assets.points) return world;
  return buildWorld({ ...world.config, assets: { ...world.config.assets, points } }, model.params.policy);
}

/** Reference stationary equilibrium at policy x (Newton, warm-started when a guess is given). */
export function referenceAt(world: World, x: ArrayLike<number>, guess?: HaTradeEquilibrium): HaTradeEquilibrium {
  const econ = economyAt(world, x);
  const solver = world.config.solver;
  // Cold starts use the config's starting point and method (the 19-country calibration needs its
  // initialWages and Broyden; a Newton step from unit wages there diverges).
  const initial = guess ? { wages: guess.wages, R: guess.R as number, rebates: guess.rebates } : { wages: solver.initialWages, R: solver.initialR as number | undefined };
  // Warm starts keep the config's method too: Newton at 19 countries rebuilds a 37-column
  // finite-difference Jacobian of world evaluations every iteration (~2 min each), Broyden does not.
  return withSummary(econ, solveEconomy(econ, { method: solver.method, tol: solver.tolerance, initial }));
}

/** The reference's values at tau nodes: household problems with resources scaled by tau at the baseline prices (§C.5). */
export function referenceTauInterpolant(baseRef: HaTradeEquilibrium, nodes: number[]): TauInterpolant {
  return {
    nodes,
    values: nodes.map((t) => Float64Array.from(baseRef.states.flatMap((st) => Array.from(solveHousehold(st.params, { ...st.prices, incomeScale: t }, { tol: 1e-11, guess: st.household }).value)))),
    states: new Float32Array(0),
  };
}

/** The reference's utilitarian consumption equivalent (%) of every country at policy x, relative to `baseRef`. */
export function referenceUtilitarianWelfare(world: World, baseRef: HaTradeEquilibrium, interp: TauInterpolant, x: ArrayLike<number>): Float64Array {
  const ref = referenceAt(world, x, baseRef);
  const per = baseRef.states[0].distribution.mass.length;
  const vNew = Float64Array.from(ref.states.flatMap((st) => Array.from(st.household.value)));
  return Float64Array.from(baseRef.states, (st, i) => utilitarianGain(interp, st.distribution.mass, i * per, vNew));
}

export interface PointComparison {
  policy: number[];
  /** Largest relative errors over countries. */
  wageError: number;
  RError: number;
  importShareError: number;
  /** Welfare change (CE %, vs the baseline) per country: network, reference, relative error. */
  welfareNetwork: number[];
  welfareReference: number[];
  welfareError: number;
  /**
   * The same on households whose reference CE is within +-5 % (the scaling tau of near-zero period
   * resources is ill-conditioned and the two CE solvers treat those few households differently).
   */
  welfareNetworkConditioned: number[];
  welfareReferenceConditioned: number[];
  welfareErrorConditioned: number;
  /** Utilitarian consumption equivalents (welfare.ts utilitarianGain): network, reference, largest relative error. */
  utilitarianNetwork: number[];
  utilitarianReference: number[];
  utilitarianError: number;
  /**
   * The network's utilitarian CE measured with the reference's values at the tau nodes (the status-quo
   * household problem with scaled resources) instead of the network's: what is left of the welfare
   * error is the networks' counterfactual equilibrium; the difference to utilitarianNetwork is the
   * network's yardstick (its policy at tau-scaled status-quo prices, far outside the training prices
   * for tau ~0.95).
   */
  utilitarianNetworkReferenceTau: number[];
  /**
   * The same with the reference's tau curve anchored at the network's own status-quo values
   * (V_net(sq) + V_ref(tau) - V_ref(1)): the network's welfare change converted to a CE by the exact
   * curve, so neither the network's policy at far tau nor a level difference between the two
   * discretisations enters.
   */
  utilitarianNetworkReferenceCurve: number[];
  /** Largest relative wage and R errors of the price network's own prices (before market clearing). */
  priceNetworkWageError: number;
  priceNetworkRError: number;
  /**
   * The market clearing behind `network`: Newton steps taken and the sup norm of the market residuals
   * left (clearing.ts units). A residual far above the float32 floor (1-6e-7; clearing stops at 1e-6 by default) means the clearing stopped
   * without descent and the errors above are the price network's, not the trained households' equilibrium.
   */
  clearing: { newtonIterations: number; residualNorm: number };
  network: NetworkEquilibrium;
  reference: HaTradeEquilibrium;
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** Compares the network's equilibrium at each policy with the reference (welfare relative to the first point). */
export function compareAtPoints(model: HaTradeDeqn, net: Mlp, points: ArrayLike<number>[], clearing: ClearingOptions = {}): PointComparison[] {
  // One asset grid for the reference and for the network's stationary distribution, so CE by state
  // compares state by state: the config's, or `clearing.points` to measure against a finer reference
  // (the 100-point reference's own discretisation error is ~1-4 % of the welfare changes here).
  const grid = clearing.points ?? model.world.config.assets.points;
  const world = withAssetPoints(model, grid);
  const M = world.M;
  const baseRef = referenceAt(world, points[0]);
  // The networks' equilibrium: the household network's markets cleared, from the price network's prices (clearing.ts).
  const baseNet = clearMarkets(model, net, points[0], { ...clearing, points: grid });
  // tau nodes spanning the welfare changes of the box (a few %), so CEs are interpolated, not extrapolated.
  const interp = tauInterpolant(model, net, baseNet, [0.95, 1.05], 5);
  // The reference's values at the same tau nodes (household problems with scaled resources, §C.5).
  const refInterp = referenceTauInterpolant(baseRef, interp.nodes);
  const vBaseNetwork = equilibriumValues(model, baseNet);
  const refAtOne = Float64Array.from(vBaseNetwork, (_, r) => lagrange(interp.nodes, refInterp.values.map((u) => u[r]), 1)[0]);
  const refCurve: TauInterpolant = {
    nodes: interp.nodes,
    values: refInterp.values.map((vk) => Float64Array.from(vk, (v, r) => v - refAtOne[r] + vBaseNetwork[r])),
    states: interp.states,
  };
  const epsilon = world.config.analysis.acrElasticity ?? 1 / world.config.preferences.sigmaEps;
  return points.map((x, p) => {
    const ref = p === 0 ? baseRef : referenceAt(world, x, baseRef);
    const net1 = p === 0 ? baseNet : clearMarkets(model, net, x, { ...clearing, points: grid, initialMass: baseNet.mass });
    const guess = decodePrices(world, net1.networkRaw);
    let wageError = 0;
    let RError = 0;
    let importShareError = 0;
    let priceNetworkWageError = 0;
    let priceNetworkRError = 0;
    for (let i = 0; i < M; i++) {
      priceNetworkWageError = Math.max(priceNetworkWageError, relErr(guess.wages[i], ref.wages[i]));
      priceNetworkRError = Math.max(priceNetworkRError, relErr(guess.R[i], ref.prices.R[i]));
      wageError = Math.max(wageError, relErr(net1.prices.wages[i], ref.wages[i]));
      RError = Math.max(RError, relErr(net1.prices.R[i], ref.prices.R[i]));
      for (let j = 0; j < M; j++) if (i !== j) importShareError = Math.max(importShareError, relErr(net1.importShares[i * M + j], ref.importShares[i * M + j]));
    }
    let welfareNetwork = new Array<number>(M).fill(0);
    let welfareReference = new Array<number>(M).fill(0);
    let welfareError = 0;
    let welfareNetworkConditioned = new Array<number>(M).fill(0);
    let welfareReferenceConditioned = new Array<number>(M).fill(0);
    let welfareErrorConditioned = 0;
    let utilitarianNetwork = new Array<number>(M).fill(0);
    let utilitarianReference = new Array<number>(M).fill(0);
    let utilitarianError = 0;
    let utilitarianNetworkReferenceTau = new Array<number>(M).fill(0);
    let utilitarianNetworkReferenceCurve = new Array<number>(M).fill(0);
    if (p > 0) {
      const nw = networkWelfare(model, net, baseNet, net1, interp);
      const rw = welfareChange(baseRef, ref, { acrElasticity: epsilon }).countries;
      welfareNetwork = nw.map((w) => w.averageGain);
      welfareReference = rw.map((w) => w.averageGain);
      welfareError = Math.max(...welfareReference.map((r, i) => relErr(welfareNetwork[i], r)));
      const conditioned = (ce: Float64Array, mass: Float64Array, i: number) => {
        let sum = 0;
        let kept = 0;
        rw[i].ceByState.forEach((r, s) => {
          if (!(Math.abs(r) <= 5)) return;
          sum += mass[s] * ce[s];
          kept += mass[s];
        });
        return sum / kept;
      };
      welfareNetworkConditioned = nw.map((w, i) => conditioned(w.ceByState, baseNet.mass[i], i));
      welfareReferenceConditioned = rw.map((w, i) => conditioned(w.ceByState, baseRef.states[i].distribution.mass, i));
      welfareErrorConditioned = Math.max(...welfareReferenceConditioned.map((r, i) => relErr(welfareNetworkConditioned[i], r)));
      utilitarianNetwork = nw.map((w) => w.utilitarianGain);
      const per = baseRef.states[0].distribution.mass.length;
      const vNew = Float64Array.from(ref.states.flatMap((st) => Array.from(st.household.value)));
      utilitarianReference = baseRef.states.map((st, i) => utilitarianGain(refInterp, st.distribution.mass, i * per, vNew));
      utilitarianError = Math.max(...utilitarianReference.map((r, i) => relErr(utilitarianNetwork[i], r)));
      const vNewNetwork = equilibriumValues(model, net1);
      utilitarianNetworkReferenceTau = baseNet.mass.map((mass, i) => utilitarianGain(refInterp, mass, i * per, vNewNetwork));
      utilitarianNetworkReferenceCurve = baseNet.mass.map((mass, i) => utilitarianGain(refCurve, mass, i * per, vNewNetwork));
    }
    return { policy: Array.from(x), wageError, RError, importShareError, welfareNetwork, welfareReference, welfareError, welfareNetworkConditioned, welfareReferenceConditioned, welfareErrorConditioned, utilitarianNetwork, utilitarianReference, utilitarianError, utilitarianNetworkReferenceTau, utilitarianNetworkReferenceCurve, priceNetworkWageError, priceNetworkRError, clearing: { newtonIterations: net1.newtonIterations, residualNorm: net1.residualNorm }, network: net1, reference: ref };
  });
}

/**
 * Five policy points of the box: the status quo and four points away from the training lanes' status-quo
 * lane. Each point's tariff pattern repeats over the input pairs (pair k gets pattern[k mod 2]): with two
 * countries the two pairs are the two countries' tariffs on each other; with the 19-country USA
 * configuration alternate partners face the two rates, so every point is a heterogeneous tariff vector.
 */
export function validationPoints(world: World): Float64Array[] {
  const base = baselinePolicy(world);
  const at = (pattern: number[], kappa: number) => {
    const x = Float64Array.from(base);
    for (let k = 0; k < world.pairs.length; k++) x[k] = pattern[k % pattern.length];
    x[world.policyDim - 1] = kappa;
    return x;
  };
  return [base, at([0.1, 0], 1), at([0.25, 0.1], 1), at([0.05, 0.3], 0.95), at([0.15, 0.2], 1.05)];
}

export interface EulerStats {
  /** Mean, max and 99th percentile of |relative Euler error| of the chosen variety over simulated households off the borrowing limit (a' + phi > 1 % of the wage). */
  meanRelative: number;
  maxRelative: number;
  p99Relative: number;
  /** Mean |FB residual| over all simulated households (constrained ones included). */
  meanFB: number;
  constrainedShare: number;
  households: number;
}

/**
 * The networks' savings with continuation values beta E[V(a'_j, z') | z] from the equilibrium's grid
 * values (the logsum fixed point, choices.ts) instead of the network's continuation outputs, so the
 * choice probabilities inside the Euler expectation are the consistent ones. For rows at eq's prices.
 */
export function consistentPolicyAt(model: HaTradeDeqn, net: Mlp, eq: NetworkEquilibrium): PolicyAt {
  const { world, layout: lay, constants } = model;
  const { M, nZ } = world;
  const { beta } = world.economy;
  const P = world.economy.chain.P;
  const C0 = continuationOffset(world);
  return (states) => {
    const policy = householdPolicy(world, constants.baseline, net, inputsOf(world, lay, states));
    const aNext = tf.tidy(() => householdBlock(world, constants, inputsOf(world, lay, states), policy).aNext.dataSync());
    const rows = states.shape[0];
    const s = states.dataSync();
    const cont = new Float32Array(rows * M);
    for (let r = 0; r < rows; r++) {
      const i = s[r * lay.dim + lay.country];
      const z = s[r * lay.dim + lay.z];
      const grid = eq.policies.grids[i];
      const nA = grid.length;
      const V = eq.policies.V[i];
      for (let j = 0; j < M; j++) {
        const [b, w] = gridBracket(grid, aNext[r * M + j]);
        let ev = 0;
        for (let zp = 0; zp < nZ; zp++) ev += P[z * nZ + zp] * ((1 - w) * V[zp * nA + b] + w * V[zp * nA + b + 1]);
        cont[r * M + j] = ((beta * ev) / valueScaleOf(world, i) - C0) / C_SCALE;
      }
    }
    return { savings: policy.savings, continuation: tf.tensor2d(cont, [rows, M]) };
  };
}

/** One simulated household's Euler check (simulatedEulerRows): who it is, where it is and its error. */
export interface EulerRow {
  country: number;
  z: number;
  /** Assets held today (levels). */
  a: number;
  /** The chosen variety, its choice probability and its savings' distance to the limit and to the grid top (levels). */
  variety: number;
  pi: number;
  slack: number;
  topSlack: number;
  /** |relative Euler error| and |FB residual| of the chosen variety. */
  relative: number;
  fb: number;
  /** Within 1 % of a period's wage of the borrowing limit (or of the grid top with savingsTop "cap"): the Euler equation is an inequality there. */
  constrained: boolean;
  /**
   * Every variety's |relative Euler error|, choice probability and constrainedness (same band), chosen
   * or not: the savings of rarely chosen varieties set those varieties' spending (resources minus
   * savings), i.e. import demand, although the chosen-variety check rarely sees them.
   */
  byVariety: { relative: number[]; pi: number[]; constrained: boolean[] };
}

/**
 * Households drawn from the network's stationary distribution at eq's policy and prices, simulated
 * `periods` periods with the networks, then the relative Euler error (MODELS.md §0) and FB residual
 * of the variety each chooses, one record per household (simulatedEulerErrors summarises them).
 */
export function simulatedEulerRows(model: HaTradeDeqn, net: Mlp, eq: NetworkEquilibrium, households: number, periods: number, seed = 7, choices: 'network' | 'consistent' = 'network'): EulerRow[] {
  const { world, layout: lay, constants } = model;
  const { M, nZ } = world;
  const rng = Rng.fromSeed(`euler:${seed}`);
  const grids = eq.policies.grids;
  const nA = grids[0].length;
  const all = gridStates(model, grids, priceSet(world, eq.policy, eq.prices), eq.policy);
  const d = lay.dim;
  const states = new Float32Array(households * d);
  for (let h = 0; h < households; h++) {
    const i = h % M;
    const mass = eq.mass[i];
    let u = rng.uniform();
    let s = 0;
    while (s < mass.length - 1 && (u -= mass[s]) > 0) s++;
    states.set(all.subarray((i * nZ * nA + s) * d, (i * nZ * nA + s + 1) * d), h * d);
  }
  for (let t = 0; t < periods; t++) simulatePeriod(world, lay, constants, net, states, rng, 3);
  for (let h = 0; h < households; h++) states[h * d + lay.u] = rng.uniform();
  return eulerRowsAt(model, choices === 'network' ? net : consistentPolicyAt(model, net, eq), net, states, (i) => eq.prices.wages[i]);
}

/**
 * Euler check of the variety each row's household picks with its uniform, for any state rows (a
 * simulated cross-section or a training panel); `wageOf(country)` sets the 1 %-of-wage band at the
 * limit and the top where the Euler equation is an inequality.
 */
export function eulerRowsAt(model: HaTradeDeqn, policy: Mlp | PolicyAt, net: Mlp, states: Float32Array, wageOf: (country: number) => number): EulerRow[] {
  const { world, layout: lay, constants } = model;
  const { M, nZ } = world;
  const d = lay.dim;
  const households = states.length / d;
  const rows: EulerRow[] = [];
  // Every row evaluates M varieties x nZ successors: ~40k network rows per chunk (2000 households at two
  // countries; 19 countries at 2000 would need ~3 GB of wasm memory).
  const chunk = Math.max(1, Math.floor(40000 / (M * nZ)));
  for (let start = 0; start < households; start += chunk) {
    const size = Math.min(chunk, households - start);
    const out = tf.tidy(() => {
      const r = choiceResidualsAt(world, lay, constants, policy, tf.tensor2d(states.subarray(start * d, (start + size) * d), [size, d]));
      return [r.relativeEuler, r.euler];
    });
    const [rel, fb] = out.map((t) => t.dataSync());
    out.forEach((t) => t.dispose());
    const pi = probabilities(model, net, states.subarray(start * d, (start + size) * d));
    for (let r = 0; r < size; r++) {
      const o = (start + r) * d;
      const country = states[o + lay.country];
      const j = chooseVariety(pi.pi, r * M, M, states[o + lay.u]);
      const slack = pi.slack[r * M + j];
      const topSlack = pi.topSlack[r * M + j];
      // At (or within 1 % of a period's labour income of) the borrowing limit, or of the grid top when
      // savings are capped there (params.savingsTop "cap"), the Euler equation is an inequality; the FB
      // residual covers those households.
      const near = 0.01 * wageOf(country);
      const isConstrained = (v: number) => pi.slack[r * M + v] < near || (constants.capAtGridTop && pi.topSlack[r * M + v] < near);
      const varieties = Array.from({ length: M }, (_, v) => v);
      const byVariety = { relative: varieties.map((v) => Math.abs(rel[r * M + v])), pi: varieties.map((v) => pi.pi[r * M + v]), constrained: varieties.map(isConstrained) };
      rows.push({ country, z: states[o + lay.z], a: states[o + lay.a], variety: j, pi: pi.pi[r * M + j], slack, topSlack, relative: Math.abs(rel[r * M + j]), fb: Math.abs(fb[r * M + j]), constrained: isConstrained(j), byVariety });
    }
  }
  return rows;
}

/** Summary of simulatedEulerRows: relative errors of unconstrained households, FB residuals of all. */
export function simulatedEulerErrors(model: HaTradeDeqn, net: Mlp, eq: NetworkEquilibrium, households: number, periods: number, seed = 7, choices: 'network' | 'consistent' = 'network'): EulerStats {
  return summariseEulerRows(simulatedEulerRows(model, net, eq, households, periods, seed, choices));
}

export function summariseEulerRows(rows: EulerRow[]): EulerStats {
  const errors = rows.filter((r) => !r.constrained).map((r) => r.relative);
  errors.sort((a, b) => a - b);
  const mean = errors.reduce((s, v) => s + v, 0) / Math.max(1, errors.length);
  return {
    meanRelative: mean,
    maxRelative: errors[errors.length - 1] ?? 0,
    p99Relative: errors[Math.floor(0.99 * (errors.length - 1))] ?? 0,
    meanFB: rows.reduce((s, r) => s + r.fb, 0) / Math.max(1, rows.length),
    constrainedShare: rows.filter((r) => r.constrained).length / Math.max(1, rows.length),
    households: rows.length,
  };
}

/** Choice probabilities, a'_j + phi (distance to the borrowing limit) and amax - a'_j (to the grid top) of rows, [rows * M] each. */
function probabilities(model: HaTradeDeqn, net: Mlp, rows: Float32Array): { pi: Float32Array; slack: Float32Array; topSlack: Float32Array } {
  const { world, layout: lay, constants } = model;
  const outs = tf.tidy(() => {
    const inp = inputsOf(world, lay, tf.tensor2d(rows, [rows.length / lay.dim, lay.dim]));
    const hh = householdBlock(world, constants, inp, householdPolicy(world, constants.baseline, net, inp));
    return [hh.pi, tf.add(hh.aNext, hh.phi), tf.sub(hh.amax, hh.aNext)];
  });
  const [pi, slack, topSlack] = outs.map((t) => t.dataSync() as Float32Array);
  outs.forEach((t) => t.dispose());
  return { pi, slack, topSlack };
}
