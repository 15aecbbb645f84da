// Small synthetic economies for the checkable facts of MODELS.md §D.5.
import type { TradeData } from '../../src/models/static-trade/data/types.ts';
import { validateTradeData } from '../../src/models/static-trade/data/types.ts';

export interface SyntheticSpec {
  /** Buyer spending flows[i][n][j] (origin i, destination n, sector j). */
  flows: number[][][];
  theta: number[];
  psi?: number[];
  /** Value-added share per (country, sector); default 1 (no input-output links). */
  vaShare?: number[][];
  /** ioShare[i][k][j]: share of input k in sector j's costs in country i. */
  ioShare?: number[][][];
  tariff?: number[][][];
}

export function syntheticData(spec: SyntheticSpec): TradeData {
  const N = spec.flows.length;
  const J = spec.theta.length;
  const countries = Array.from({ length: N }, (_, i) => `C${i + 1}`);
  const sectors = Array.from({ length: J }, (_, j) => `S${j + 1}`);
  const at = (i: number, n: number, j: number) => (i * N + n) * J + j;
  const spending = new Float64Array(N * N * J);
  const tariff = new Float64Array(N * N * J);
  for (let i = 0; i < N; i++)
    for (let n = 0; n < N; n++)
      for (let j = 0; j < J; j++) {
        spending[at(i, n, j)] = spec.flows[i][n][j];
        tariff[at(i, n, j)] = spec.tariff?.[i][n][j] ?? 0;
      }
  const vaShare = new Float64Array(N * J).fill(1);
  const ioShare = new Float64Array(N * J * J);
  if (spec.vaShare) for (let i = 0; i < N; i++) for (let j = 0; j < J; j++) vaShare[i * J + j] = spec.vaShare[i][j];
  if (spec.ioShare)
    for (let i = 0; i < N; i++) for (let k = 0; k < J; k++) for (let j = 0; j < J; j++) ioShare[(i * J + k) * J + j] = spec.ioShare[i][k][j];
  const data: TradeData = {
    name: 'synthetic',
    countries,
    sectors,
    theta: Float64Array.from(spec.theta),
    psi: Float64Array.from(spec.psi ?? spec.theta.map(() => 0)),
    tradable: sectors.map(() => true),
    spending,
    tariff,
    exportTax: new Float64Array(N * N * J),
    subsidy: new Float64Array(N * J),
    vaShare,
    ioShare,
    scenarios: {},
  };
  validateTradeData(data);
  return data;
}

/**
 * Free-trade Armington/EK equilibrium in levels, 1 sector (independent of the hat solver):
 * λ_in ∝ T_i (w_i τ_in)^−θ, w_i L_i = Σ_n λ_in w_n L_n, w_1 = 1. Returns flows[i][n][0] = λ_in w_n L_n.
 *
 * MODELS.md §D.5 D3 writes "T^{1/θ} = A = (1, 1.3)", but its oracles 0.2701818 (D3) and 0.2624019 (D4)
 * are reproduced (to 1e-9) with T = A = (1, 1.3), while T = A^θ gives 0.2683855 and 0.2613189, each
 * satisfying the Gros formula in its own equilibrium. So the oracle economy has T = (1, 1.3).
 */
export function armingtonFlows(T: number[], L: number[], tau: number[][], theta: number): number[][][] {
  const N = T.length;
  const w = new Array(N).fill(1);
  const lambda = (w: number[]) => {
    const lam = Array.from({ length: N }, () => new Array(N).fill(0));
    for (let n = 0; n < N; n++) {
      let S = 0;
      for (let i = 0; i < N; i++) S += T[i] * (w[i] * tau[i][n]) ** -theta;
      for (let i = 0; i < N; i++) lam[i][n] = (T[i] * (w[i] * tau[i][n]) ** -theta) / S;
    }
    return lam;
  };
  // Damped fixed point on wages until excess demand vanishes to machine precision.
  for (let it = 0; it < 100000; it++) {
    const lam = lambda(w);
    let err = 0;
    const next = w.map((_, i) => {
      let demand = 0;
      for (let n = 0; n < N; n++) demand += lam[i][n] * w[n] * L[n];
      err = Math.max(err, Math.abs(demand / (w[i] * L[i]) - 1));
      return demand / L[i];
    });
    for (let i = 0; i < N; i++) w[i] = (0.5 * w[i] + 0.5 * next[i]) / (0.5 + 0.5 * next[0]);
    if (err < 1e-15) break;
  }
  const lam = lambda(w);
  return Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, n) => [lam[i][n] * w[n] * L[n]]));
}

export const GROS_ECONOMY = { T: [1, 1.3], L: [1, 2], tau: [[1, 1.5], [1.5, 1]], theta: 4 };

/**
 * 3 countries × 2 sectors with input–output links and scale economies (θψ = 1.2 in sector 2, outside the KLR
 * region of MODELS.md §D.5 D11): used for homogeneity (D2) and for equilibrium selection, because its
 * interior equilibrium branch folds when one tariff rises past ≈ 0.103.
 */
export const IO_SCALE_3X2: SyntheticSpec = {
  flows: [
    [[5, 3], [1, 0.5], [0.7, 0.4]],
    [[0.8, 0.6], [6, 2], [0.5, 0.9]],
    [[0.6, 0.3], [0.9, 0.4], [4, 3]],
  ],
  theta: [4, 6],
  psi: [0.1, 0.2],
  vaShare: [[0.6, 0.5], [0.55, 0.45], [0.7, 0.6]],
  ioShare: [
    [[0.25, 0.2], [0.15, 0.3]],
    [[0.2, 0.3], [0.25, 0.25]],
    [[0.1, 0.2], [0.2, 0.2]],
  ],
};
