// Transition dynamics of the heterogeneous-agent trade model (src/models/ha-trade/transition.ts):
// a zero change gives the flat steady-state path, the path reaches the new stationary equilibrium of
// part 1's solver, every market clears every period (including the one Walras' law leaves out), and
// for a tiny tariff the exact change in every household's date-0 value matches the envelope-theorem
// first-order change computed independently from the OLD policies and the solved price path.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/models/ha-trade/config.ts';
import { buildEconomy, solveEquilibrium, type HaTradeEquilibrium } from '../../src/models/ha-trade/index.ts';
import { deliveredPrices } from '../../src/models/ha-trade/economy.ts';
import { assetTransition } from '../../src/models/ha-trade/distribution.ts';
import { hasRebateUnknowns, prepareTransition, solveTransition, startValuesAlong } from '../../src/models/ha-trade/transition.ts';
import { pathSeries, unknownsFromSeries } from '../../src/models/ha-trade/transition-aggregate.ts';
import { transitionWelfare } from '../../src/models/ha-trade/transition-welfare.ts';

const CONFIG = 'models/ha-trade-two-country.json';

function solvePair(tariff: number, points = 60): { old: HaTradeEquilibrium; next: HaTradeEquilibrium } {
  const { config, baseDir } = loadConfig(CONFIG, [`assets.points=${points}`]);
  config.solver.householdTolerance = 1e-12;
  config.solver.distributionTolerance = 1e-13;
  const old = solveEquilibrium(config, { baseDir, tol: 1e-11 });
  const tariffs = Float64Array.from(buildEconomy(config, baseDir).tariffs);
  tariffs[1] = tariff; // HOME (row 0) on FOREIGN's variety (column 1)
  const next = solveEquilibrium(config, { baseDir, tol: 1e-11, tariffs, initial: { wages: old.wages, R: old.R as number } });
  return { old, next };
}

describe('ha-trade transition', () => {
  it('a zero policy change gives the flat steady-state path (1e-10) and unchanged values', () => {
    const { old } = solvePair(0);
    const path = solveTransition(old, old, { periods: 40, tol: 1e-12 });
    for (let t = 0; t < 40; t++) {
      expect(Math.abs(path.wages[t][0] - old.wages[0])).toBeLessThan(1e-10);
      expect(Math.abs(path.R[t + 1][0] - (old.R as number))).toBeLessThan(1e-10);
      expect(Math.abs(path.assets[t][0] - path.assets[0][0])).toBeLessThan(1e-10);
    }
    for (let i = 0; i < 2; i++) for (let s = 0; s < path.valueOld[i].length; s++) expect(Math.abs(path.valueAtStart[i][s] - path.valueOld[i][s])).toBeLessThan(1e-9);
  });

  it('HOME tariff 0.25: markets clear every period and the path ends at part 1 new equilibrium', () => {
    const { old, next } = solvePair(0.25);
    const T = 80;
    const path = solveTransition(old, next, { periods: T, tol: 1e-10 });
    expect(path.residualNorm).toBeLessThan(1e-10);
    // The goods market left out of the system clears too (budgets + law of motion consistent).
    for (const r of path.walrasResidual) expect(Math.abs(r)).toBeLessThan(1e-8);
    // World bonds: mean assets entering every date sum to zero across countries.
    for (const a of path.assets) expect(Math.abs(a[0] + a[1])).toBeLessThan(1e-9);
    for (let i = 0; i < 2; i++) expect(Math.abs(path.wages[T - 1][i] - next.wages[i])).toBeLessThan(1e-6);
    expect(Math.abs(path.R[T][0] - (next.R as number))).toBeLessThan(1e-6);
    expect(Math.abs(path.rebates[T - 1][0] - next.rebates[0])).toBeLessThan(1e-6);
    for (const gap of path.terminalDistributionGap) expect(gap).toBeLessThan(1e-6);
    // On impact the relative wage jumps most of the way; HOME then accumulates net foreign assets.
    expect(path.wages[0][0]).toBeGreaterThan(old.wages[0] + 0.5 * (next.wages[0] - old.wages[0]));
    expect(path.assets[T][0]).toBeGreaterThan(path.assets[0][0]);
    // The path's own price series, through the aggregate-state module's unknown layout, give back the
    // date-0 values exactly (the forecast-welfare comparison starts from this identity).
    const st = prepareTransition(old, next, T);
    const again = startValuesAlong(st, unknownsFromSeries(path, pathSeries(path), hasRebateUnknowns(st)));
    for (let i = 0; i < 2; i++) for (let s = 0; s < again[i].length; s++) expect(Math.abs(again[i][s] - path.valueAtStart[i][s])).toBeLessThan(1e-12);
    const welfare = transitionWelfare(old, next, path);
    // Welfare including the transition is close to, but not equal to, the steady-state comparison.
    for (const w of welfare) {
      expect(Math.sign(w.transition.utilitarian)).toBe(Math.sign(w.steadyState.utilitarian));
      expect(Math.abs(w.transition.utilitarian - w.steadyState.utilitarian)).toBeGreaterThan(1e-4);
      expect(Math.abs(w.transition.utilitarian - w.steadyState.utilitarian)).toBeLessThan(0.2 * Math.abs(w.steadyState.utilitarian));
    }
  }, 120_000);

  it('tiny tariff: exact date-0 value changes match the envelope-theorem first-order change', () => {
    const tariff = 1e-3;
    const { old, next } = solvePair(tariff);
    const T = 60;
    const path = solveTransition(old, next, { periods: T, tol: 1e-12 });
    const econOld = old.economy;
    const econNew = next.economy;
    for (let i = 0; i < 2; i++) {
      const hh = old.states[i].household;
      const { agrid, chain, gamma, beta } = old.states[i].params;
      const { nA, nZ, nJ } = hh;
      const nS = nA * nZ;
      const pOld = deliveredPrices(econOld, old.wages, i);
      const Rold = old.R as number;
      // Per-state first-order utility change at date t: sum_j pi_j u'(c_j)/p_j (a dR + z dw + dT - p_j c_j dlog p_j).
      const flow = (wages: Float64Array, R: number, rebate: number): Float64Array => {
        const p = deliveredPrices(econNew, wages, i);
        return Float64Array.from({ length: nS }, (_, s) => {
          const a = agrid[s % nA];
          const z = chain.values[Math.floor(s / nA)];
          let x = 0;
          for (let j = 0; j < nJ; j++) {
            const k = j * nS + s;
            const c = hh.consumption[k];
            const dIncome = a * (R - Rold) + z * (wages[i] - old.wages[i]) + rebate - pOld[j] * c * Math.log(p[j] / pOld[j]);
            x += (hh.choiceProb[k] * Math.pow(c, -gamma) * dIncome) / pOld[j];
          }
          return x;
        });
      };
      const tr = assetTransition(hh, agrid);
      const pullback = (g: Float64Array): Float64Array => {
        const ep = new Float64Array(nS);
        for (let z = 0; z < nZ; z++) for (let zp = 0; zp < nZ; zp++) for (let a = 0; a < nA; a++) ep[z * nA + a] += chain.P[z * nZ + zp] * g[zp * nA + a];
        return Float64Array.from({ length: nS }, (_, s) => {
          let v = 0;
          for (let e = tr.start[s]; e < tr.start[s + 1]; e++) v += tr.weight[e] * ep[Math.floor(s / nA) * nA + tr.target[e]];
          return v;
        });
      };
      // Beyond T: the new steady state forever, G = X_inf + beta Lambda G.
      const xInf = flow(next.wages, next.R as number, next.rebates[i]);
      let G = Float64Array.from(xInf, (x) => x / (1 - beta));
      for (let it = 0; it < 3000; it++) {
        const pb = pullback(G);
        G = Float64Array.from(xInf, (x, s) => x + beta * pb[s]);
      }
      for (let t = T - 1; t >= 0; t--) {
        const pb = pullback(G);
        const x = flow(path.wages[t], path.R[t][0], path.rebates[t][i]);
        G = Float64Array.from(x, (v, s) => v + beta * pb[s]);
      }
      const exact = Float64Array.from(path.valueAtStart[i], (v, s) => v - path.valueOld[i][s]);
      let scale = 0;
      let worst = 0;
      let meanExact = 0;
      let meanEnvelope = 0;
      const mass = path.massOld[i];
      for (let s = 0; s < nS; s++) {
        scale = Math.max(scale, Math.abs(exact[s]));
        worst = Math.max(worst, Math.abs(exact[s] - G[s]));
        meanExact += mass[s] * exact[s];
        meanEnvelope += mass[s] * G[s];
      }
      expect(scale).toBeGreaterThan(1e-5);
      // Measured: worst state 0.63 % (HOME) and 0.90 % (FOREIGN) of the largest change, means 0.47 % and
      // 0.24 %. The gap does not shrink with the size of the change (same at tariffs 5e-4 and 2.5e-4), so
      // it is the envelope error of the discretised problem (EGM marginal utilities vs linearly
      // interpolated values), not a second-order term; for HOME it falls with the grid (30/60/120 points:
      // mean 1.2/0.47/0.04 %).
      expect(worst / scale).toBeLessThan(0.015);
      expect(Math.abs(meanExact - meanEnvelope)).toBeLessThan(0.008 * Math.abs(meanExact));
    }
  }, 120_000);
});

describe('ha-trade transition: sequence-space Jacobian', () => {
  // Measured: 3e-9 to 5e-8 relative for every unknown at dates 0, 7 and the last (T = 30).
  it('fake-news columns match brute-force central differences of the whole path (every unknown, news at dates 0, 7, T-1)', async () => {
    const { prepareTransition, jacobianColumnCheck } = await import('../../src/models/ha-trade/transition.ts');
    const { old, next } = solvePair(0.25, 40);
    const st = prepareTransition(old, next, 30);
    for (const [date, unknown] of [[0, 1], [7, 0], [7, 1], [7, 2], [7, 3], [29, 1]]) {
      const { bruteForce, fakeNews } = jacobianColumnCheck(st, date, unknown);
      let scale = 0;
      let worst = 0;
      for (let r = 0; r < bruteForce.length; r++) {
        scale = Math.max(scale, Math.abs(bruteForce[r]));
        worst = Math.max(worst, Math.abs(bruteForce[r] - fakeNews[r]));
      }
      expect(scale).toBeGreaterThan(1e-3);
      expect(worst / scale).toBeLessThan(1e-6);
    }
  }, 60_000);
});
