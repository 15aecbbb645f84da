// Welfare as a function of tariffs through the trained networks (MODELS.md §C.5, §D.4), as a
// PolicyObjective of src/policy. Policy x -> price tower (wages, R, rebates) -> delivered prices ->
// household network savings and consumption on the status-quo asset grid -> ex-ante values V(x),
// the fixed point of the logsum Bellman operator with those savings (choices.ts) -> a country's
// welfare: the utilitarian consumption equivalent (default; one scaling of every household's period
// resources at the status-quo prices that equates population-weighted values over the status-quo
// distribution) or the mean of household consumption equivalents.
//
// Baseline and counterfactual values come from the same networks and the same evaluation (grid,
// interpolation, choice fixed point), so approximation errors common to both cancel in the change.
// Gradients: automatic differentiation through the tower and the household network with the adjoint
// of the value fixed point (welfare-gradient.ts), or central differences of the same function.
// The welfare is ex ante over the fixed status-quo distribution, so it does not depend on the
// counterfactual distribution (no derivative through the simulated panel is needed).
import type { Mlp } from '../../deqn/network.ts';
import type { PolicyObjective } from '../../policy/objective.ts';
import { baselinePolicy, decodePrices } from './world.ts';
import { gridPolicies, priceRaw, priceSet, solveNetwork, type GridPolicies, type NetworkEquilibrium } from './solution.ts';
import { discountedOccupation } from './choices.ts';
import { solveTau, tauInterpolant, utilitarianSolve } from './welfare.ts';
import { adjointPolicyGradient, disposeGridTensors, gridTensors, type GridTensors } from './welfare-gradient.ts';
import type { HaTradeDeqn } from './index.ts';

export interface NetworkPolicyObjective extends PolicyObjective {
  readonly baseline: NetworkEquilibrium;
  /** Full policy vector (tariffs of the instruments, other coordinates at the status quo) for instruments a. */
  policyOf(a: Float64Array): Float64Array;
  /** Evaluations of welfare and gradients so far. */
  evaluations: number;
  /** Frees the constant tensors the autodiff gradient keeps. */
  dispose(): void;
}

export interface ObjectiveOptions {
  /** "autodiff" (default): adjoint + tf.grad through the networks; "central-differences": of the same welfare (step `step`). */
  gradient?: 'autodiff' | 'central-differences';
  step?: number;
  /** Asset grid points of the status-quo distribution the welfare is averaged over (default 100). */
  points?: number;
  /** "utilitarian" (default): utilitarian consumption equivalent; "mean": mean of household consumption equivalents. */
  measure?: 'utilitarian' | 'mean';
}

interface Evaluation {
  x: Float64Array;
  policies: GridPolicies;
  /** Values concatenated by country ([country][z][a]). */
  values: Float64Array;
}

/**
 * Instruments: every input tariff (owned by its importer), the trade-cost scale fixed at the status
 * quo. Welfare in % relative to the status quo.
 */
export function networkPolicyObjective(model: HaTradeDeqn, net: Mlp, opts: ObjectiveOptions = {}): NetworkPolicyObjective {
  const { world } = model;
  const { M, nZ } = world;
  const x0 = baselinePolicy(world);
  const baseline = solveNetwork(model, net, x0, { points: opts.points ?? 100 });
  // tau nodes spanning the welfare changes the tariff box produces (a few %), so tau is interpolated, not extrapolated.
  const tauInterp = tauInterpolant(model, net, baseline, [0.95, 1.05], 5);
  const h = opts.step ?? 1e-3;
  const measure = opts.measure ?? 'utilitarian';
  const nA = baseline.policies.grids[0].length;
  const per = nZ * nA;
  const rows = M * per;
  const mass = Float64Array.from({ length: rows }, (_, r) => baseline.mass[Math.floor(r / per)][r % per]);
  const dim = world.pairs.length;
  let grid: GridTensors | undefined;
  let warm: Float64Array[] | undefined;
  const policyOf = (a: Float64Array) => {
    const x = Float64Array.from(x0);
    for (let k = 0; k < dim; k++) x[k] = a[k];
    return x;
  };
  // The optimiser asks for welfare and gradient at the same point: one cached evaluation.
  let last: Evaluation | undefined;
  const evaluate = (a: Float64Array): Evaluation => {
    const x = policyOf(a);
    if (last && last.x.every((v, k) => v === x[k])) return last;
    const prices = decodePrices(world, priceRaw(model, net, x));
    const policies = gridPolicies(model, net, baseline.policies.grids, priceSet(world, x, prices), x, 'consistent', warm);
    warm = policies.V;
    last = { x, policies, values: Float64Array.from(policies.V.flatMap((v) => Array.from(v))) };
    return last;
  };
  const welfareOf = (v: Float64Array) => {
    if (measure === 'utilitarian') return Float64Array.from({ length: M }, (_, i) => utilitarianSolve(tauInterp, baseline.mass[i], i * per, v).gain);
    const { tau } = solveTau(tauInterp, v);
    const w = new Float64Array(M);
    for (let r = 0; r < rows; r++) w[Math.floor(r / per)] += mass[r] * 100 * (tau[r] - 1);
    return w;
  };
  /** d(sum_p weight_p welfare_p)/dV_s: the weights mu of the adjoint. */
  const valueWeights = (v: Float64Array, weights: Float64Array): Float64Array[] => {
    if (measure === 'utilitarian') {
      return Array.from({ length: M }, (_, i) => {
        const { slope } = utilitarianSolve(tauInterp, baseline.mass[i], i * per, v);
        return Float64Array.from(baseline.mass[i], (m) => (weights[i] * 100 * m) / slope);
      });
    }
    const { slope } = solveTau(tauInterp, v);
    return Array.from({ length: M }, (_, i) => Float64Array.from(baseline.mass[i], (m, s) => (weights[i] * 100 * m) / slope[i * per + s]));
  };
  const autodiff = (a: Float64Array, weights: Float64Array) => {
    const e = evaluate(a);
    const lambda = discountedOccupation(world, e.policies, e.policies.pi, valueWeights(e.values, weights));
    // E[V(a, z') | z] on the grid, per country block, in the row order of the grid tensors.
    const P = world.economy.chain.P;
    const EV = new Float64Array(rows);
    for (let i = 0; i < M; i++) {
      for (let z = 0; z < nZ; z++) for (let zp = 0; zp < nZ; zp++) for (let k = 0; k < nA; k++) EV[i * per + z * nA + k] += P[z * nZ + zp] * e.values[i * per + zp * nA + k];
    }
    grid ??= gridTensors(model, baseline.policies.grids, tauInterp.states);
    const full = adjointPolicyGradient(model, net, grid, EV, Float64Array.from(lambda.flatMap((l) => Array.from(l))), e.x);
    return Float64Array.from({ length: dim }, (_, k) => full[k]);
  };
  const central = (a: Float64Array, weights: Float64Array) =>
    Float64Array.from({ length: dim }, (_, k) => {
      const up = Float64Array.from(a);
      const down = Float64Array.from(a);
      up[k] = Math.min(world.upper[k], a[k] + h);
      down[k] = Math.max(world.lower[k], a[k] - h);
      const [wu, wd] = [welfareOf(evaluate(up).values), welfareOf(evaluate(down).values)];
      let g = 0;
      for (let p = 0; p < M; p++) g += (weights[p] * (wu[p] - wd[p])) / (up[k] - down[k]);
      return g;
    });
  const objective: NetworkPolicyObjective = {
    dimension: dim,
    lower: world.lower.slice(0, dim),
    upper: world.upper.slice(0, dim),
    players: world.countries,
    owner: Int32Array.from(world.pairs, ([importer]) => importer),
    // Welfare (%) through float32 networks scatters by up to ~8e-6 between policies 1e-5 apart while its
    // autodiff gradient stays smooth (two-country checkpoint, near HOME's best response): below this the
    // policy layer's line searches judge steps by the gradient.
    resolution: 2e-5,
    baseline,
    evaluations: 0,
    policyOf,
    initial: () => x0.slice(0, dim),
    welfare(a) {
      objective.evaluations++;
      return welfareOf(evaluate(a).values);
    },
    gradient(a, weights) {
      objective.evaluations++;
      return (opts.gradient ?? 'autodiff') === 'autodiff' ? autodiff(a, weights) : central(a, weights);
    },
    dispose() {
      if (grid) disposeGridTensors(grid);
      grid = undefined;
    },
  };
  return objective;
}

