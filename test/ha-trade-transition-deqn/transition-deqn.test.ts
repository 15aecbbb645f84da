// Transition DEQN (src/models/ha-trade-transition-deqn/) on a 40-point asset grid, seeded:
// - untrained networks are the old steady state: after a zero policy change the path is flat, every
//   market clears every period and the date-0 values are the old steady state's (float32 shares);
// - the budget identity (Walras' law) holds on the histogram at any prices and policies: the goods
//   markets, government budgets and bond market residuals of a date add up to R_t times the assets held;
// - the Euler residual code at the old steady state's policy and prices is the EGM interpolation error
//   (mean interior relative error below 1e-3), and with R_{t+1} raised by 20 bp the tensor residuals of
//   every interior grid household match an independent float64 evaluation of the dated Euler equation
//   (shares interpolated, tomorrow's budget at R_1) to 2e-4 (float32);
// - a checkpoint round trip reproduces the path bit for bit; two seeded training episodes are deterministic;
//   networks widened to a second tariff input reproduce the path while that tariff is zero.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '../../src/tensor/backend.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { parseTransitionParams, type TransitionDeqnParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, oldPolicy, setupFrom, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { createNetworks, networkWeights, widenPolicyInputs } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { dateMarkets, networkPath } from '../../src/models/ha-trade-transition-deqn/path.ts';
import { eulerResiduals, loadCheckpoint, restoreNetworks, saveCheckpoint, train, type Row } from '../../src/models/ha-trade-transition-deqn/train.ts';
import { SMALL_TRANSITION_CONFIG } from './small-config.ts';

const RAW = SMALL_TRANSITION_CONFIG;

let params: TransitionDeqnParams;
let setup: TransitionSetup;

beforeAll(async () => {
  await initBackend();
  params = parseTransitionParams(RAW);
  setup = buildSetup(params);
}, 120_000);

describe('transition DEQN', () => {
  it('untrained networks after a zero change: flat path, markets clear, old values (float32 level)', () => {
    const nets = createNetworks(setup, Rng.fromSeed(1));
    const path = networkPath(setup, nets, oldPolicy(setup), 2);
    for (const d of path.dates) {
      for (let i = 0; i < setup.M; i++) expect(Math.abs(d.moments[i][0] - setup.oldMoments[i][0])).toBeLessThan(1e-5);
      expect(Math.abs(d.prices.Rnext - setup.oldR)).toBe(0);
      for (const r of dateMarkets(setup, d, path.tariffs).residuals) expect(Math.abs(r)).toBeLessThan(1e-5);
    }
    for (let i = 0; i < setup.M; i++) for (let s = 0; s < path.values[0][i].length; s++) expect(Math.abs(path.values[0][i][s] - setup.oldSlices[i].phi[s])).toBeLessThan(1e-4);
    nets.household.dispose();
    nets.price.dispose();
  });

  it('Walras: goods, government and bond residuals add up to R_t times assets held at every date', () => {
    const nets = createNetworks(setup, Rng.fromSeed(2));
    // Perturb the price network so prices are off equilibrium and move over time.
    nets.price.setWeightValues(nets.price.weightValues().map((w) => Float32Array.from(w, (v, k) => v + 0.3 * Math.sin(k + 1))));
    const path = networkPath(setup, nets, Float64Array.of(0.2), 1);
    for (const d of path.dates) {
      const mk = dateMarkets(setup, d, path.tariffs);
      let sum = 0;
      for (let i = 0; i < setup.M; i++) sum += mk.income[i] * mk.goods[i] + mk.income[i] * mk.residuals[setup.M + i] + setup.econ.labor[i] * d.Rcur * d.moments[i][0];
      sum -= mk.residuals[setup.M - 1] * mk.worldIncome;
      expect(Math.abs(sum) / mk.worldIncome).toBeLessThan(1e-10);
    }
    nets.household.dispose();
    nets.price.dispose();
  });

  it('Euler residuals: EGM interpolation level at the old steady state; match a float64 evaluation when R_{t+1} rises', () => {
    const nets = createNetworks(setup, Rng.fromSeed(4));
    const rows: Row[] = [];
    for (let i = 0; i < setup.M; i++) for (let z = 0; z < setup.nZ; z++) for (let k = 0; k < setup.nA; k++) rows.push({ t: 0, country: i, z, k });
    const interiorMean = (path: ReturnType<typeof networkPath>) =>
      tf.tidy(() => {
        const r = eulerResiduals(setup, nets, path, rows);
        const rel = r.relative.dataSync();
        const slack = r.slack.dataSync();
        let s = 0;
        let n = 0;
        for (let k = 0; k < rel.length; k++) if (slack[k] > 1e-3) {
          s += rel[k];
          n++;
        }
        return s / n;
      });
    const base = interiorMean(networkPath(setup, nets, oldPolicy(setup), 1));
    expect(Math.abs(base)).toBeLessThan(1e-3);
    // Raise R_{t+1} at date 0 only by setting the price network's R output bias: every date then has R + dR,
    // but the date-0 Euler equation depends on R_1 directly (R_0 is fixed): e moves by (1 + dR/R)^(-1/gamma) - 1
    // up to the (small) change of tomorrow's consumption through its wealth R_1 a'.
    const dR = 2e-3;
    const w = nets.price.weightValues();
    w[w.length - 1][setup.M - 1] = dR / params.scales.R;
    nets.price.setWeightValues(w);
    const path = networkPath(setup, nets, oldPolicy(setup), 1);
    const rel = tf.tidy(() => eulerResiduals(setup, nets, path, rows).relative.dataSync());
    // Independent float64 evaluation: with a zero network correction the share at any a is the old
    // share interpolated linearly, so tomorrow's consumption follows from the dated budget directly.
    const { econ, nZ, nA, M, phi } = setup;
    const d0 = path.dates[0];
    const d1 = path.dates[1];
    let checked = 0;
    rows.forEach((r, b) => {
      const grid = econ.agrids[r.country];
      const nS = nZ * nA;
      for (let j = 0; j < M; j++) {
        const idx = (j * nZ + r.z) * nA + r.k;
        const ap = d0.aNext[r.country][idx];
        if (ap + phi[r.country] < 1e-3 || ap >= grid[nA - 1]) continue;
        const h = (grid[nA - 1] - grid[0]) / (nA - 1);
        const lo = Math.min(nA - 2, Math.floor((ap - grid[0]) / h));
        const t = (ap - grid[lo]) / (grid[lo + 1] - grid[lo]);
        let expected = 0;
        for (let zp = 0; zp < nZ; zp++) {
          const wealth = d1.Rcur * ap + d1.prices.wages[r.country] * econ.chain.values[zp] + d1.prices.rebates[r.country] + phi[r.country];
          let mu = 0;
          for (let jj = 0; jj < M; jj++) {
            const base = (jj * nZ + zp) * nA + lo;
            const share = (1 - t) * setup.oldShares[r.country][base] + t * setup.oldShares[r.country][base + 1];
            const pi = (1 - t) * path.choice[1][r.country][jj * nS + zp * nA + lo] + t * path.choice[1][r.country][jj * nS + zp * nA + lo + 1];
            const c = ((1 - share) * wealth) / d1.delivered[r.country][jj];
            mu += (pi * Math.pow(c, -econ.gamma)) / d1.delivered[r.country][jj];
          }
          expected += econ.chain.P[r.z * nZ + zp] * mu;
        }
        const cEuler = Math.pow(d0.delivered[r.country][j] * econ.beta * d0.prices.Rnext * expected, -1 / econ.gamma);
        expect(Math.abs(rel[b * M + j] - (cEuler / d0.c[r.country][idx] - 1))).toBeLessThan(2e-4);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(500);
    nets.household.dispose();
    nets.price.dispose();
  });

  it('checkpoint round trip reproduces the path; seeded training is deterministic', () => {
    const a = train(setup, { episodes: 2 });
    const b = train(setup, { episodes: 2 });
    expect(a.history.map((h) => h.euler)).toEqual(b.history.map((h) => h.euler));
    const dir = mkdtempSync(join(tmpdir(), 'transition-deqn-'));
    saveCheckpoint(dir, params, a);
    const ck = loadCheckpoint(dir);
    const nets = restoreNetworks(setup, ck.weights);
    expect(networkWeights(nets)).toEqual(networkWeights(a.nets));
    const p1 = networkPath(setup, a.nets, Float64Array.of(0.25), 2);
    const p2 = networkPath(setup, nets, Float64Array.of(0.25), 2);
    expect(p2.dates.map((d) => d.prices.Rnext)).toEqual(p1.dates.map((d) => d.prices.Rnext));
    // Widened to both tariffs as inputs, the networks give the same path while FOREIGN's tariff stays zero.
    const both = parseTransitionParams({ ...RAW, policy: { tariffs: [...RAW.policy.tariffs, { importer: 'FOREIGN', exporter: 'HOME', range: [0, 0.3] }] } });
    const setup2 = setupFrom(both, setup.econ, setup.oldEq);
    const nets2 = restoreNetworks(setup2, widenPolicyInputs(setup2, ck.weights, 1));
    const p3 = networkPath(setup2, nets2, Float64Array.of(0.25, 0), 2);
    p3.dates.forEach((d, t) => {
      expect(Math.abs(d.prices.Rnext - p1.dates[t].prices.Rnext)).toBeLessThan(1e-9);
      expect(Math.abs(d.prices.wages[0] - p1.dates[t].prices.wages[0])).toBeLessThan(1e-9);
    });
  });
});
