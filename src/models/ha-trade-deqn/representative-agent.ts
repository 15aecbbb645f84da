// The representative-agent benchmark of MODELS.md §C.6 (C4, ACR): a static Armington economy with
// the same labour, TFP, trade costs and tariffs and trade elasticity 1/sigma_eps, where each
// country's spending is its labour income plus tariff revenue (balanced trade) and welfare is real
// spending. Used for its optimal and Nash tariffs (compare D3-D5: t* = 1/(theta lambda*_FF) with
// two countries).
import type { World } from './world.ts';
import { tariffsAt, tradeCostsAt } from './world.ts';

export interface RaEquilibrium {
  wages: Float64Array;
  /** Spending shares lambda[i * M + j] of buyer i on variety j. */
  shares: Float64Array;
  /** Real spending (w_i L_i + revenue_i) / P_i per country. */
  realIncome: Float64Array;
}

/** Solves the RA Armington equilibrium at policy x by damped wage iteration (mean wage 1). */
export function solveRepresentativeAgent(world: World, x: ArrayLike<number>, tol = 1e-13): RaEquilibrium {
  const { M } = world;
  const theta = 1 / world.config.preferences.sigmaEps;
  const L = world.economy.labor;
  const A = world.economy.tfp;
  const t = tariffsAt(world, x);
  const d = tradeCostsAt(world, x);
  let w = new Float64Array(M).fill(1);
  const shares = new Float64Array(M * M);
  const spending = new Float64Array(M);
  const P = new Float64Array(M);
  for (let it = 0; it < 100_000; it++) {
    for (let i = 0; i < M; i++) {
      let sum = 0;
      for (let j = 0; j < M; j++) sum += Math.pow((1 + t[i * M + j]) * d[i * M + j] * (w[j] / A[j]), -theta);
      for (let j = 0; j < M; j++) shares[i * M + j] = Math.pow((1 + t[i * M + j]) * d[i * M + j] * (w[j] / A[j]), -theta) / sum;
      P[i] = Math.pow(sum, -1 / theta);
      // Spending X_i = w_i L_i + sum_j t/(1+t) lambda_ij X_i  =>  X_i = w_i L_i / (1 - sum_j t/(1+t) lambda_ij).
      let revenueShare = 0;
      for (let j = 0; j < M; j++) revenueShare += (t[i * M + j] / (1 + t[i * M + j])) * shares[i * M + j];
      spending[i] = (w[i] * L[i]) / (1 - revenueShare);
    }
    const next = new Float64Array(M);
    for (let j = 0; j < M; j++) {
      let sales = 0;
      for (let i = 0; i < M; i++) sales += (shares[i * M + j] * spending[i]) / (1 + t[i * M + j]);
      next[j] = sales / L[j];
    }
    const mean = next.reduce((s, v) => s + v, 0) / M;
    let diff = 0;
    for (let j = 0; j < M; j++) {
      const v = 0.5 * w[j] + 0.5 * (next[j] / mean);
      diff = Math.max(diff, Math.abs(v - w[j]));
      next[j] = v;
    }
    w = next;
    if (diff < tol) break;
  }
  return { wages: w, shares, realIncome: Float64Array.from(spending, (X, i) => X / P[i]) };
}

/** Welfare change in % (real income) of every country at x relative to x0. */
export function representativeWelfare(world: World, x: ArrayLike<number>, x0: ArrayLike<number>): Float64Array {
  const a = solveRepresentativeAgent(world, x).realIncome;
  const b = solveRepresentativeAgent(world, x0).realIncome;
  return Float64Array.from(a, (v, i) => 100 * (v / b[i] - 1));
}
