// A float64 life-cycle prior for the two-asset OLG benchmark: the deterministic steady state of the
// same economy with one asset (capital), no adjustment cost, mean shocks and a no-borrowing limit.
// It is NOT the benchmark's solution: it only fixes the units in which the network's savings are
// decoded and the region where simulation starts, so an untrained network already implies a
// plausible economy (MODELS.md §B.5: keeping simulated paths plausible is the first obstacle).
import { labourProfile, stationaryDistribution, transitionMatrix, type OlgTwoAssetParams } from './params.ts';

export interface LifeCyclePrior {
  /** Aggregate capital K of the prior steady state. */
  capital: number;
  r: number;
  w: number;
  /** Savings a^s of ages s = 1..N-1 (so k^(s+1) = a^s). */
  savings: number[];
  /** Consumption of ages 1..N. */
  consumption: number[];
}

/** Mean depreciation and TFP under the stationary distribution of the shock chain. */
export function meanShocks(params: OlgTwoAssetParams): { delta: number; eta: number } {
  const dist = stationaryDistribution(transitionMatrix(params));
  return {
    delta: dist.reduce((s, p, z) => s + p * params.delta[z], 0),
    eta: dist.reduce((s, p, z) => s + p * params.eta[z], 0),
  };
}

/**
 * Optimal savings at gross return R and income profile y with a >= 0: households consume their
 * income until some age j, then follow the unconstrained Euler path c^(s+1) = (beta R)^(1/gamma) c^s
 * that exhausts their wealth at death. j is the first age from which that path never borrows.
 */
function householdSavings(income: number[], grossReturn: number, beta: number, gamma: number): { savings: number[]; consumption: number[] } {
  const n = income.length;
  const growth = (beta * grossReturn) ** (1 / gamma);
  for (let start = 0; start < n; start++) {
    let pvIncome = 0;
    let pvFactor = 0;
    for (let s = start; s < n; s++) {
      pvIncome += income[s] / grossReturn ** (s - start);
      pvFactor += (growth / grossReturn) ** (s - start);
    }
    const consumption = income.slice(0, start);
    const savings = new Array<number>(start).fill(0);
    let assets = 0;
    let feasible = true;
    for (let s = start; s < n; s++) {
      const c = (pvIncome / pvFactor) * growth ** (s - start);
      consumption.push(c);
      assets = grossReturn * assets + income[s] - c;
      if (s < n - 1) {
        if (assets < -1e-10) feasible = false;
        savings.push(Math.max(assets, 0));
      }
    }
    if (feasible) return { savings, consumption };
  }
  return { savings: new Array<number>(n - 1).fill(0), consumption: income.slice() };
}

/** The prior steady state: K solves K = sum of savings at the prices K implies (bisection, float64). */
export function lifeCyclePrior(params: OlgTwoAssetParams): LifeCyclePrior {
  const { alpha, beta, gamma, generations } = params;
  const labour = labourProfile(generations);
  const L = labour.reduce((s, v) => s + v, 0);
  const { delta, eta } = meanShocks(params);
  const solveAt = (K: number) => {
    const r = alpha * eta * K ** (alpha - 1) * L ** (1 - alpha) + 1 - delta;
    const w = (1 - alpha) * eta * K ** alpha * L ** -alpha;
    const household = householdSavings(labour.map((l) => l * w), r, beta, gamma);
    return { r, w, ...household, supply: household.savings.reduce((s, v) => s + v, 0) };
  };
  // Supply minus K falls with K (r falls); bracket it and bisect.
  let lo = 1e-3 * L;
  let hi = 1e3 * L;
  for (let it = 0; it < 200; it++) {
    const mid = Math.sqrt(lo * hi);
    if (solveAt(mid).supply > mid) lo = mid;
    else hi = mid;
  }
  const capital = Math.sqrt(lo * hi);
  const { r, w, savings, consumption } = solveAt(capital);
  return { capital, r, w, savings, consumption };
}
