// Welfare including the transition (transition.ts) next to the steady-state comparison, with part 1's
// measures (MODELS.md §C.5, welfare.ts) applied to two targets for every household of the old
// stationary distribution: V_0(a, z), its value at t = 0 along the transition path, and V_new(a, z),
// its value if the economy jumped to the new steady state at once (the paper's comparison).
// Reported per country: the utilitarian consumption equivalent (one wealth scaling tau of every
// household's period resources at the old prices with sum_s m_s V_old(s; tau) = sum_s m_s V'(s), the
// definition the DEQN optimiser uses), the mean household consumption equivalent (Lucas, old
// allocation; defined for every household), the mean wealth-scaling equivalent (where defined), the
// share who gain, and all of these by decile of wealth (assets) and of labour income (w z).
import { solveHousehold } from './household-egm.ts';
import type { CountryState } from './economy.ts';
import type { HaTradeEquilibrium } from './index.ts';
import type { TransitionPath } from './transition.ts';
import { welfareAgainstValues } from './welfare.ts';
import { bandMeans } from './bands.ts';

export interface DecileTable {
  /** Mean Lucas consumption-equivalent gain (%) by decile, poorest first. */
  consumption: number[];
  /** Mean wealth-scaling gain (%) over the households where it is defined. */
  wealthMeasure: number[];
  /** Share (%) of the decile with V' > V. */
  gainers: number[];
}

export interface WelfareSide {
  /** Utilitarian wealth-scaling equivalent (%). */
  utilitarian: number;
  /** Mean household Lucas consumption equivalent (%). */
  meanConsumption: number;
  /** Mean household wealth-scaling equivalent (%) where defined. */
  meanWealthMeasure: number;
  gainersPercent: number;
  byWealthDecile: DecileTable;
  byIncomeDecile: DecileTable;
}

export interface TransitionWelfareCountry {
  country: string;
  transition: WelfareSide;
  steadyState: WelfareSide;
  /** Percent of households whose period wealth is not positive (wealth measure undefined there). */
  wealthMeasureUndefinedPercent: number;
}

/** tau with sum_s m_s V_old(s; tau) = sum_s m_s target(s), by the secant method on household solves. */
export function utilitarianEquivalent(before: CountryState, mass: Float64Array, target: Float64Array, tol = 1e-11): number {
  let goal = 0;
  for (let s = 0; s < mass.length; s++) goal += mass[s] * target[s];
  const f = (tau: number): number => {
    const v = solveHousehold(before.params, { ...before.prices, incomeScale: tau }, { tol, guess: before.household }).value;
    let w = 0;
    for (let s = 0; s < mass.length; s++) w += mass[s] * v[s];
    return w - goal;
  };
  let t0 = 1;
  let f0 = f(t0);
  let t1 = 1.001;
  let f1 = f(t1);
  for (let it = 0; it < 30 && Math.abs(t1 - t0) > 1e-12; it++) {
    const t2 = t1 - (f1 * (t1 - t0)) / (f1 - f0);
    [t0, f0] = [t1, f1];
    t1 = t2;
    f1 = f(t1);
  }
  return 100 * (t1 - 1);
}

function side(name: string, before: CountryState, target: Float64Array, valueOld: Float64Array, mass: Float64Array, homeShares: [number, number]): { w: WelfareSide; undefinedPercent: number } {
  const cw = welfareAgainstValues(name, before, target, homeShares[0], homeShares[1], { acrElasticity: 1 });
  const { agrid, chain } = before.params;
  const nA = agrid.length;
  const wealth = Float64Array.from(mass, (_, s) => agrid[s % nA]);
  const income = Float64Array.from(mass, (_, s) => before.prices.wage * chain.values[Math.floor(s / nA)]);
  const gains = Float64Array.from(target, (v, s) => (v > valueOld[s] ? 100 : 0));
  const deciles = (key: Float64Array): DecileTable => ({
    consumption: bandMeans(key, mass, cw.consumptionCeByState, 10),
    wealthMeasure: bandMeans(key, mass, cw.ceByState, 10),
    gainers: bandMeans(key, mass, gains, 10),
  });
  let gainers = 0;
  for (let s = 0; s < mass.length; s++) gainers += (mass[s] * gains[s]) / 100;
  return {
    w: {
      utilitarian: utilitarianEquivalent(before, mass, target),
      meanConsumption: cw.averageConsumptionGain,
      meanWealthMeasure: cw.averageGain,
      gainersPercent: 100 * gainers,
      byWealthDecile: deciles(wealth),
      byIncomeDecile: deciles(income),
    },
    undefinedPercent: cw.undefinedPercent,
  };
}

/** Welfare of every country including the transition and steady state to steady state. */
export function transitionWelfare(oldEq: HaTradeEquilibrium, newEq: HaTradeEquilibrium, path: TransitionPath): TransitionWelfareCountry[] {
  const M = oldEq.countries.length;
  return oldEq.countries.map((country, i) => {
    const before = oldEq.states[i];
    const mass = path.massOld[i];
    const shares: [number, number] = [oldEq.importShares[i * M + i], newEq.importShares[i * M + i]];
    const tr = side(country, before, path.valueAtStart[i], path.valueOld[i], mass, shares);
    const ss = side(country, before, path.valueNew[i], path.valueOld[i], mass, shares);
    return { country, transition: tr.w, steadyState: ss.w, wealthMeasureUndefinedPercent: tr.undefinedPercent };
  });
}
