// Welfare as a function of tariffs through the trained networks (MODELS.md §C.5, §D.4), as a
// PolicyObjective of src/policy: a country's welfare is the mean consumption-equivalent gain (in %)
// of its households over the status-quo stationary distribution. The gain tau of a household solves
// V_old(a, z; tau) = V_new(a, z; x); V_new depends on tariffs x through the price network (wages, R,
// rebates), the delivered prices and the household network. With the value network's own values
// ("network"), d tau / dx = (dV_new/dx) / (dV_old/dtau) by the implicit function theorem with
// dV_new/dx by automatic differentiation through both networks; by default values come from exact
// policy evaluation of the networks' policies and gradients from central differences (see
// evaluatePolicies for why).
import { tf } from '../../tensor/backend.ts';
import type { Mlp } from '../../deqn/network.ts';
import type { PolicyObjective } from '../../policy/objective.ts';
import { baselinePolicy } from './world.ts';
import { featuresOf, inputsOf } from './layout.ts';
import { householdBlock } from './household.ts';
import { decodePriceRows, deliveredPriceRows, own } from './prices.ts';
import { gridPolicies, priceRaw, priceSet, solveNetwork, type NetworkEquilibrium } from './solution.ts';
import { equilibriumValuesAt, solveTau, tauInterpolant, utilitarianGain } from './welfare.ts';
import { decodePrices } from './world.ts';
import type { HaTradeDeqn } from './index.ts';

/** V at the baseline grid states when the policy is the tensor x [1, policyDim] (differentiable in x). */
function valuesAtPolicy(model: HaTradeDeqn, net: Mlp, states: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  const { world, layout: lay, constants, matrices } = model;
  const P = world.policyDim;
  const rows = states.shape[0];
  const scaled = tf.concat([tf.mul(tf.slice(x, [0, 0], [1, P - 1]), 5), tf.mul(tf.sub(tf.slice(x, [0, P - 1], [1, 1]), 1), 10)], 1);
  const feats = tf.concat([tf.zeros([1, model.featureDim - P]), scaled], 1) as tf.Tensor2D;
  const prices = decodePriceRows(world, net.towerOutput('prices', feats));
  const inp = inputsOf(world, lay, states);
  const xRows = tf.tile(x, [rows, 1]) as tf.Tensor2D;
  const wages = tf.tile(prices.wages, [rows, 1]) as tf.Tensor2D;
  const priced = {
    ...inp,
    x: xRows,
    R: own(inp.countryHot, tf.tile(prices.R, [rows, 1]) as tf.Tensor2D),
    w: own(inp.countryHot, wages),
    T: own(inp.countryHot, tf.tile(prices.rebates, [rows, 1]) as tf.Tensor2D),
    p: deliveredPriceRows(world, matrices, xRows, inp.countryHot, wages),
  };
  return householdBlock(world, constants, priced, net.policy(featuresOf(world, priced), true)).V;
}

export interface NetworkPolicyObjective extends PolicyObjective {
  readonly baseline: NetworkEquilibrium;
  /** Full policy vector (tariffs of the instruments, other coordinates at the status quo) for instruments a. */
  policyOf(a: Float64Array): Float64Array;
  /** Evaluations of welfare and gradients so far. */
  evaluations: number;
}

/**
 * Instruments: every input tariff (owned by its importer), the trade-cost scale fixed at the status
 * quo. Welfare: mean CE gain in % over the status-quo distribution (relative to the status quo).
 */
export interface ObjectiveOptions {
  /**
   * "policy-evaluation" (default): values of the networks' policies by exact policy evaluation on the
   * grid, gradients by central differences (step `step`); "network": the value network's own values,
   * gradients by automatic differentiation through the price and household networks.
   */
  values?: 'policy-evaluation' | 'network';
  step?: number;
  /** Asset grid points of the status-quo distribution the welfare is averaged over (default 100). */
  points?: number;
  /** "utilitarian" (default): utilitarian consumption equivalent; "mean": mean of household consumption equivalents. */
  measure?: 'utilitarian' | 'mean';
}

export function networkPolicyObjective(model: HaTradeDeqn, net: Mlp, opts: ObjectiveOptions = {}): NetworkPolicyObjective {
  const { world } = model;
  const { M, nZ } = world;
  const x0 = baselinePolicy(world);
  const baseline = solveNetwork(model, net, x0, { points: opts.points ?? 100 });
  let warm: Float64Array[] | undefined;
  const tauInterp = tauInterpolant(model, net, baseline);
  const mode = opts.values ?? 'policy-evaluation';
  const h = opts.step ?? 1e-3;
  const nA = baseline.policies.grids[0].length;
  const per = nZ * nA;
  const rows = M * per;
  const mass = Float64Array.from({ length: rows }, (_, r) => baseline.mass[Math.floor(r / per)][r % per]);
  const dim = world.pairs.length;
  const states = tf.keep(tf.tensor2d(tauInterp.states, [rows, model.layout.dim]));
  const policyOf = (a: Float64Array) => {
    const x = Float64Array.from(x0);
    for (let k = 0; k < dim; k++) x[k] = a[k];
    return x;
  };
  const values = (a: Float64Array) => {
    const x = policyOf(a);
    if (mode === 'policy-evaluation') {
      const prices = decodePrices(world, priceRaw(model, net, x));
      const out = equilibriumValuesAt(model, gridPolicies(model, net, baseline.policies.grids, priceSet(world, x, prices), x), 1e-9, warm);
      warm = out.byCountry;
      return out.values;
    }
    const v = tf.tidy(() => valuesAtPolicy(model, net, states, tf.tensor2d([Array.from(x)])));
    const out = Float64Array.from(v.dataSync());
    v.dispose();
    return out;
  };
  const welfareAt = (a: Float64Array) => {
    const v = values(a);
    if ((opts.measure ?? 'utilitarian') === 'utilitarian') return Float64Array.from({ length: M }, (_, i) => utilitarianGain(tauInterp, baseline.mass[i], i * per, v));
    const { tau } = solveTau(tauInterp, v);
    const w = new Float64Array(M);
    for (let r = 0; r < rows; r++) w[Math.floor(r / per)] += mass[r] * 100 * (tau[r] - 1);
    return w;
  };
  const objective: NetworkPolicyObjective = {
    dimension: dim,
    lower: world.lower.slice(0, dim),
    upper: world.upper.slice(0, dim),
    players: world.countries,
    owner: Int32Array.from(world.pairs, ([importer]) => importer),
    baseline,
    evaluations: 0,
    policyOf,
    initial: () => x0.slice(0, dim),
    welfare(a) {
      objective.evaluations++;
      return welfareAt(a);
    },
    gradient(a, weights) {
      objective.evaluations++;
      if (mode === 'policy-evaluation') {
        return Float64Array.from({ length: dim }, (_, k) => {
          const up = Float64Array.from(a);
          const down = Float64Array.from(a);
          up[k] = Math.min(world.upper[k], a[k] + h);
          down[k] = Math.max(world.lower[k], a[k] - h);
          const [wu, wd] = [welfareAt(up), welfareAt(down)];
          let g = 0;
          for (let p = 0; p < M; p++) g += (weights[p] * (wu[p] - wd[p])) / (up[k] - down[k]);
          return g;
        });
      }
      const { slope } = solveTau(tauInterp, values(a));
      // d/dx sum_p weight_p sum_s mass_s 100 tau_s = sum_s c_s dV_s/dx with c_s = weight_p mass_s 100 / slope_s.
      const c = Float32Array.from({ length: rows }, (_, r) => (weights[Math.floor(r / per)] * mass[r] * 100) / slope[r]);
      const g = tf.tidy(() => {
        const coef = tf.tensor2d(c, [rows, 1]);
        const f = (x: tf.Tensor) => tf.sum(tf.mul(coef, valuesAtPolicy(model, net, states, x as tf.Tensor2D)));
        return tf.grad(f)(tf.tensor2d([Array.from(policyOf(a))]));
      });
      const full = g.dataSync();
      g.dispose();
      return Float64Array.from({ length: dim }, (_, k) => full[k]);
    },
  };
  return objective;
}
