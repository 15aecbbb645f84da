// Household-side diagnostics of the transition DEQN for the bias bench (ha-trade-transition-deqn-bias.ts):
// - byWealth: the household network's signed relative Euler residual on its own path per country weighted
//   three ways (mass x choice probability as the aggregate Euler term's 'mass'; times spending p_j c_j as its
//   'spending'; times assets a + phi) and by wealth quintile of the date's population (mass-weighted);
// - atReference: the household network on the REFERENCE (exact perfect-foresight) price path: its market
//   residuals there are its aggregate demand error (zero for exact households), its net foreign assets the
//   savings response it gives at the exact prices; plus the goods market's response to a 1e-3 move of the
//   first country's log relative wage at t = 0 (to turn a goods residual into a wage error).
// Why: session 8 found the FOREIGN impact wage error at tariff 0.25 unchanged when the price path is cleared
// for the network's households (clearing.ts), so it is the households' demand, not the price network's fit.
import { tf } from '../src/tensor/backend.ts';
import { wagesFromLogRelative, type TransitionSetup } from '../src/models/ha-trade-transition-deqn/setup.ts';
import { dateRows, eulerResiduals } from '../src/models/ha-trade-transition-deqn/train.ts';
import { dateMarkets, networkPath, type NetworkPath } from '../src/models/ha-trade-transition-deqn/path.ts';
import { referenceTransition } from '../src/models/ha-trade-transition-deqn/validate.ts';
import type { DatePrices, TransitionNetworks } from '../src/models/ha-trade-transition-deqn/networks.ts';

export interface WealthBias {
  tariff: number;
  t: number;
  /** Per country: [mass, spending, assets]-weighted mean signed residual. */
  weighted: number[][];
  /** Per country, the mass-weighted mean of each wealth quintile (lowest first). */
  quintiles: number[][];
}

/** The weightings of the signed residual and the quintiles at date t of `path`. */
export function wealthBias(setup: TransitionSetup, nets: TransitionNetworks, path: NetworkPath, tariff: number, t: number): WealthBias {
  const { M, nZ, nA, econ, phi } = setup;
  const d = path.dates[t];
  const { rows, mass } = dateRows(setup, path, t);
  const [rel, slack] = tf.tidy(() => {
    const r = eulerResiduals(setup, nets, path, rows);
    return [r.relative.dataSync() as Float32Array, r.slack.dataSync() as Float32Array];
  });
  const weighted: number[][] = [];
  const quintiles: number[][] = [];
  for (let i = 0; i < M; i++) {
    // Quintile of each asset grid point by the population's cumulative mass at its midpoint.
    const massByK = new Float64Array(nA);
    rows.forEach((r, b) => { if (r.country === i) massByK[r.k] += mass[b]; });
    const total = massByK.reduce((a, v) => a + v, 0);
    const quintile = new Int32Array(nA);
    let cum = 0;
    for (let k = 0; k < nA; k++) {
      quintile[k] = Math.min(4, Math.floor((5 * (cum + massByK[k] / 2)) / total));
      cum += massByK[k];
    }
    const num = [0, 0, 0];
    const den = [0, 0, 0];
    const qNum = new Float64Array(5);
    const qDen = new Float64Array(5);
    rows.forEach((r, b) => {
      if (r.country !== i) return;
      for (let j = 0; j < M; j++) {
        if (slack[b * M + j] <= 1e-4) continue;
        const idx = (j * nZ + r.z) * nA + r.k;
        const w = mass[b] * d.pi[i][idx];
        const ws = [w, w * d.delivered[i][j] * d.c[i][idx], w * (econ.agrids[i][r.k] + phi[i])];
        ws.forEach((v, n) => { num[n] += v * rel[b * M + j]; den[n] += v; });
        qNum[quintile[r.k]] += w * rel[b * M + j];
        qDen[quintile[r.k]] += w;
      }
    });
    weighted.push(num.map((v, n) => v / Math.max(den[n], 1e-300)));
    quintiles.push(Array.from(qNum, (v, q) => v / Math.max(qDen[q], 1e-300)));
  }
  return { tariff, t, weighted, quintiles };
}

export interface AtReferenceRow {
  t: number;
  /** Market residuals (dateMarkets order: goods 2..M, bonds, budgets; over income) of the network's households at the reference prices. */
  residuals: number[];
  nfaNetwork: number[];
  nfaReference: number[];
}

export interface AtReference {
  tariff: number;
  rows: AtReferenceRow[];
  /** d(residuals at t = 0) / d(log relative wage of the first country at t = 0), the network's households. */
  wageResponse: number[];
}

/** The household network on the reference price path after `tariff`, at `dates`. */
export function atReference(setup: TransitionSetup, nets: TransitionNetworks, tariff: number, dates: number[], passes: number): AtReference {
  const { M, econ } = setup;
  const T = setup.params.periods;
  const x = Float64Array.from([tariff]);
  const ref = referenceTransition(setup, x, 200).path;
  const prices: DatePrices[] = [];
  for (let t = 0; t <= T; t++) {
    const w = ref.wages[t];
    const logRelative = Float64Array.from({ length: M - 1 }, (_, j) => Math.log(w[j] / w[M - 1]));
    prices.push({ logRelative, wages: wagesFromLogRelative(logRelative, M), Rnext: ref.R[t + 1][0], rebates: Float64Array.from(ref.rebates[t]) });
  }
  const path = networkPath(setup, nets, x, passes, prices);
  const rows = dates.map((t) => {
    const d = path.dates[t];
    return { t, residuals: Array.from(dateMarkets(setup, d, path.tariffs).residuals), nfaNetwork: d.moments.map((m, i) => m[0] / (d.prices.wages[i] * econ.labor[i])), nfaReference: Array.from(ref.netForeignAssets[t]) };
  });
  const step = 1e-3;
  const bumped = prices.map((p, t) => {
    if (t !== 0) return p;
    const logRelative = Float64Array.from(p.logRelative, (v, j) => (j === 0 ? v + step : v));
    return { ...p, logRelative, wages: wagesFromLogRelative(logRelative, M) };
  });
  const base = dateMarkets(setup, path.dates[0], path.tariffs).residuals;
  const moved = dateMarkets(setup, networkPath(setup, nets, x, passes, bumped).dates[0], path.tariffs).residuals;
  return { tariff, rows, wageResponse: Array.from(moved, (v, k) => (v - base[k]) / step) };
}
