// Analytic shape of the Hessian diagonal of −100 ln Ŵ_EU (MODELS.md §E.4) over the instruments of an
// experiment, up to one constant per instrument group: second-order (Harberger) losses at the
// laissez-faire baseline, with the union objective's weights ω̄_n ≈ the regions' shares of union final
// spending Y (so Σ_n ω̄_n ln Ŵ_n ≈ real spending / Y):
//   net tax τ̃^r_n:   V^r_n/Y · η^r/(1 − φ^r η^r)   (a wedge on a sector-region's output V; its
//                     output moves by d ln Q = −η/(1−φη) d ln(1+τ̃) once scale economies feed back);
//   public demand:    P^s_nG^s_n/Y                  ((1−ς_n) δ^s_n ln Ĝ weighted by ω̄_n, E.4);
//   tariff t^r:       M^r/Y · η^r/(1 − φ^r η^r)     (union imports M^r from the rest of the world).
// The constants (GE feedback, terms of trade, the 100) are fitted to Hessian–vector products: a few
// Rademacher probes give a diagonal estimate whose per-instrument error is large when the dimension
// is large (an entry's error is √(Σ_{j≠k} H²_jk / P)), but whose ratio to this shape, pooled over a
// whole group of thousands of instruments, is accurate (see fitGroupScales).
import type { UnionBaseline } from './baseline.ts';
import type { UnionPolicyObjective, InstrumentKind } from './objective.ts';
import type { UnionEquilibrium } from './model.ts';

/** Where the shape is evaluated: outputs V'^r_n [U·S at least], union imports M'^r from RoW [S], and the instruments. */
export interface CurvatureState {
  output: Float64Array;
  imports: Float64Array;
  tariff: Float64Array;
  tax: Float64Array;
  publicDemand: Float64Array;
}

/** The laissez-faire state of the baseline. */
export function baselineCurvatureState(base: UnionBaseline): CurvatureState {
  const { N, S, U, pi, absorption } = base;
  const imports = Float64Array.from({ length: S }, (_, r) => {
    let m = 0;
    for (let n = 0; n < U; n++) m += pi[(r * N + (N - 1)) * N + n] * absorption[n * S + r];
    return m;
  });
  return { output: base.output, imports, tariff: new Float64Array(S), tax: new Float64Array(U * S), publicDemand: new Float64Array(U * S).fill(1) };
}

/** The state at an equilibrium: the curvature follows the sector-regions' current sizes and wedges. */
export function equilibriumCurvatureState(eq: UnionEquilibrium): CurvatureState {
  const output = eq.system.accounts(eq.z).output;
  return { output, imports: eq.system.importsFromRoW(eq.z), tariff: eq.policy.tariff, tax: eq.policy.tax, publicDemand: eq.policy.publicDemand };
}

/**
 * The shape proxy_k of diag(∇²(−100 ln Ŵ_EU)) at `state` (file comment); the wedges enter through
 * d ln(1+t) = dt/(1+t) and d ln Ĝ = dĜ/Ĝ, hence the factors 1/(1+t)² and 1/Ĝ².
 */
export function instrumentCurvatureProxy(base: UnionBaseline, objective: Pick<UnionPolicyObjective, 'blocks' | 'dimension'>, state: CurvatureState = baselineCurvatureState(base)): Float64Array {
  const { S, U, publicSpending, income } = base;
  const { eta, phi } = base.data;
  let Y = 0;
  for (let n = 0; n < U; n++) {
    Y += income[n];
    for (let s = 0; s < S; s++) Y += publicSpending[n * S + s];
  }
  const elasticity = Float64Array.from({ length: S }, (_, r) => eta[r] / Math.max(1e-3, 1 - phi[r] * eta[r]));
  const out = new Float64Array(objective.dimension);
  for (const b of objective.blocks) {
    for (let k = 0; k < b.length; k++) {
      let v: number;
      if (b.kind === 'tariff') v = ((state.imports[k] / Y) * elasticity[k]) / (1 + state.tariff[k]) ** 2;
      else if (b.kind === 'tax') v = ((state.output[k] / Y) * elasticity[k % S]) / (1 + state.tax[k]) ** 2;
      else v = publicSpending[k] / Y / state.publicDemand[k] ** 2;
      out[b.offset + k] = v;
    }
  }
  return out;
}

/**
 * Group constants c_g of D_k = c_g · proxy_k from a probed diagonal (numerators Σ_p δ_k Δg_k and
 * denominators Σ_p δ_k², src/policy/lbfgsb.ts): the pooled ratio c_g = Σ_{k∈g} num_k / Σ_{k∈g} proxy_k den_k,
 * i.e. the least-squares fit of the probes' gradient differences by a diagonal of the given shape
 * (errors from off-diagonal terms, independent across instruments, average out over the group).
 */
export function fitGroupScales(
  proxy: Float64Array,
  numerator: Float64Array,
  denominator: Float64Array,
  blocks: readonly { kind: InstrumentKind; offset: number; length: number }[],
): Map<InstrumentKind, number> {
  const scales = new Map<InstrumentKind, number>();
  for (const b of blocks) {
    let num = 0;
    let den = 0;
    for (let k = b.offset; k < b.offset + b.length; k++) {
      num += numerator[k];
      den += proxy[k] * denominator[k];
    }
    scales.set(b.kind, den > 0 && num > 0 ? num / den : NaN);
  }
  return scales;
}
