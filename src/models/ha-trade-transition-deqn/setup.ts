// The fixed ingredients of the transition DEQN: the OLD stationary equilibrium of part 1's solver
// (the t = 0 distribution, the return R_0 on bonds held at the news, the old prices every network
// output is measured from, the old household policies the household network corrects), the asset
// grids the distribution lives on, and how a new policy vector x maps to tariffs and delivered prices.
import { UsageError } from '../../io/errors.ts';
import { loadConfig, buildEconomy } from '../ha-trade/config.ts';
import { solveEquilibrium, type HaTradeEquilibrium } from '../ha-trade/index.ts';
import { householdParamsFor, type Economy } from '../ha-trade/economy.ts';
import { stationaryDistribution } from '../ha-trade/distribution.ts';
import { asHouseholdSolution, stationarySlice, type PolicySlice } from '../ha-trade/transition-household.ts';
import type { HouseholdParams } from '../ha-trade/household-egm.ts';
import { tariffIndices, type TransitionDeqnParams } from './params.ts';

export interface TransitionSetup {
  params: TransitionDeqnParams;
  econ: Economy;
  oldEq: HaTradeEquilibrium;
  M: number;
  nZ: number;
  nA: number;
  household: HouseholdParams[];
  /** Old steady state as a fixed point of the dated EGM step (exactly what the reference transition starts from). */
  oldSlices: PolicySlice[];
  /** Old stationary distribution per country, index z * nA + a. */
  massOld: Float64Array[];
  oldWages: Float64Array;
  oldR: number;
  oldRebates: Float64Array;
  /** phi_i (minus the grid's first point). */
  phi: Float64Array;
  /**
   * Old savings shares s = (a' + phi) / (R a + w z + T + phi) per country, by (j * nZ + z) * nA + a,
   * clamped into (0, 1): the household network outputs a correction of their logit.
   */
  oldShares: Float64Array[];
  /** Old moments (mean, std, constrained share) per country. */
  oldMoments: Float64Array[];
  /** Indices importer * M + exporter of the tariff inputs. */
  tariffIndex: number[];
  policyDim: number;
  /** Unknown prices per date: M - 1 log relative wages, R_{t+1}, M rebates. */
  priceDim: number;
  /**
   * Relative Euler residual of the old steady state's EGM policy per country at (j * nZ + z) * nA + a
   * (0 where that household is at the borrowing limit), subtracted from the network's residuals when
   * training.eulerOffset is 'reference' (train.ts, withEulerOffset).
   */
  eulerOffset?: Float64Array[];
  /** Its mean per country over the old distribution and choice probabilities (interior households). */
  eulerOffsetMean?: number[];
}

export const SHARE_FLOOR = 1e-6;

/** Solves the old stationary equilibrium tightly and prepares everything the networks are measured from. */
export function buildSetup(params: TransitionDeqnParams): TransitionSetup {
  const { config, baseDir } = loadConfig(params.economy, params.economySets);
  if (config.closure !== 'globalisation') throw new UsageError(`${params.economy}: the transition DEQN needs closure "globalisation" (one world R), got "${config.closure}"`);
  config.solver.householdTolerance = Math.min(config.solver.householdTolerance, 1e-12);
  config.solver.distributionTolerance = Math.min(config.solver.distributionTolerance, 1e-13);
  const econ = buildEconomy(config, baseDir);
  const oldEq = solveEquilibrium(config, { baseDir, tol: Math.min(config.solver.tolerance, 1e-10) });
  return setupFrom(params, econ, oldEq);
}

/** As buildSetup, from an already solved old equilibrium (tests, the bench's reference comparison). */
export function setupFrom(params: TransitionDeqnParams, econ: Economy, oldEq: HaTradeEquilibrium): TransitionSetup {
  const M = econ.countries.length;
  const nZ = econ.chain.n;
  const nA = econ.agrids[0].length;
  const household = econ.countries.map((_, i) => householdParamsFor(econ, i));
  const oldR = oldEq.R as number;
  const oldSlices: PolicySlice[] = [];
  const massOld: Float64Array[] = [];
  oldEq.states.forEach((st, i) => {
    const dp = { Rcur: st.prices.R, Rnext: st.prices.R, wage: st.prices.wage, rebate: st.prices.rebate, prices: st.prices.prices };
    const fixed = stationarySlice(household[i], dp, st.household);
    oldSlices.push(fixed.slice);
    massOld.push(stationaryDistribution(asHouseholdSolution(fixed.slice), household[i].agrid, econ.chain.P, econ.chain.ergodic, { tol: 1e-14, guess: st.distribution.mass }).mass);
  });
  const phi = Float64Array.from(econ.agrids, (g) => -g[0]);
  const oldShares = oldSlices.map((sl, i) => {
    const grid = econ.agrids[i];
    const st = oldEq.states[i];
    const out = new Float64Array(sl.assetPolicy.length);
    for (let k = 0; k < out.length; k++) {
      const a = k % nA;
      const z = Math.floor(k / nA) % nZ;
      const wealth = oldR * grid[a] + st.prices.wage * econ.chain.values[z] + st.prices.rebate + phi[i];
      out[k] = Math.min(1 - SHARE_FLOOR, Math.max(SHARE_FLOOR, (sl.assetPolicy[k] + phi[i]) / wealth));
    }
    return out;
  });
  const tariffIndex = tariffIndices(params, econ.countries);
  return {
    params,
    econ,
    oldEq,
    M,
    nZ,
    nA,
    household,
    oldSlices,
    massOld,
    oldWages: Float64Array.from(oldEq.wages),
    oldR,
    oldRebates: Float64Array.from(oldEq.rebates),
    phi,
    oldShares,
    oldMoments: massOld.map((m, i) => moments(econ.agrids[i], m)),
    tariffIndex,
    policyDim: tariffIndex.length,
    priceDim: M - 1 + 1 + M,
  };
}

/** Mean, standard deviation and share at the borrowing limit of a distribution over (z, a). */
export function moments(grid: Float64Array, mass: Float64Array): Float64Array {
  const nA = grid.length;
  let mean = 0;
  let second = 0;
  let limit = 0;
  for (let s = 0; s < mass.length; s++) {
    const a = grid[s % nA];
    mean += mass[s] * a;
    second += mass[s] * a * a;
    if (s % nA === 0) limit += mass[s];
  }
  return Float64Array.of(mean, Math.sqrt(Math.max(0, second - mean * mean)), limit);
}

/** The full tariff matrix of policy point x (old tariffs with the input pairs replaced). */
export function tariffsOf(setup: TransitionSetup, x: ArrayLike<number>): Float64Array {
  const t = Float64Array.from(setup.econ.tariffs);
  setup.tariffIndex.forEach((k, n) => (t[k] = x[n]));
  return t;
}

/** The old policy as a point of the input box (the config's tariffs at the input pairs). */
export function oldPolicy(setup: TransitionSetup): Float64Array {
  return Float64Array.from(setup.tariffIndex, (k) => setup.econ.tariffs[k]);
}

/** Delivered prices p_ij (§C.1) for buyer i at wages and tariffs. */
export function deliveredPricesAt(setup: TransitionSetup, tariffs: Float64Array, wages: ArrayLike<number>, buyer: number): Float64Array {
  const { econ, M } = setup;
  return Float64Array.from({ length: M }, (_, j) => (1 + tariffs[buyer * M + j]) * econ.tradeCosts[buyer * M + j] * (wages[j] / econ.tfp[j]));
}

/** Mean-one wages from the M - 1 log wages relative to the last country's (the reference's numeraire). */
export function wagesFromLogRelative(logRel: ArrayLike<number>, M: number): Float64Array {
  const raw = Float64Array.from({ length: M }, (_, j) => (j < M - 1 ? Math.exp(logRel[j]) : 1));
  let sum = 0;
  for (const w of raw) sum += w;
  return raw.map((w) => (w * M) / sum);
}
