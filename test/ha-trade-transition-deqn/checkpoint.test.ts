// The shipped transition-DEQN checkpoint (checkpoints/ha-trade-transition-deqn/): it loads, its path
// after a zero policy change stays at the old steady state's wages (the documented accuracy of the
// shipped networks: wages 0.05 % (measured 0.011 %), R within 3 bp (measured 0.26 bp), markets within 1e-3
// (measured 1.6e-4); the networks shipped before 2026-11-23 drifted 23 bp in R), and after
// HOME's tariff 0.25 its long-run wages are those of part 1's stationary solver at the new policy
// (independent reference computation) to 0.1 %, its impact wage below the long-run one as the
// reference path's (HOME's wage rises over the transition).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/tensor/backend.ts';
import { buildSetup, oldPolicy, tariffsOf, type TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';
import { dateMarkets, networkPath } from '../../src/models/ha-trade-transition-deqn/path.ts';
import { loadCheckpoint, restoreNetworks } from '../../src/models/ha-trade-transition-deqn/train.ts';
import type { TransitionNetworks } from '../../src/models/ha-trade-transition-deqn/networks.ts';
import { loadConfig } from '../../src/models/ha-trade/config.ts';
import { solveEquilibrium } from '../../src/models/ha-trade/index.ts';

const DIR = 'checkpoints/ha-trade-transition-deqn';
let setup: TransitionSetup;
let nets: TransitionNetworks;

beforeAll(async () => {
  await initBackend();
  const ck = loadCheckpoint(DIR);
  setup = buildSetup(ck.params);
  nets = restoreNetworks(setup, ck.weights);
}, 120_000);

describe('shipped transition DEQN checkpoint', () => {
  it('zero policy change: wages at the old steady state to 0.05 %, R within 3 bp, markets clear to 1e-3', () => {
    const path = networkPath(setup, nets, oldPolicy(setup), 3);
    for (const d of path.dates) {
      for (let i = 0; i < setup.M; i++) expect(Math.abs(d.prices.wages[i] - setup.oldWages[i])).toBeLessThan(5e-4);
      expect(Math.abs(d.prices.Rnext - setup.oldR)).toBeLessThan(3e-4);
      for (const r of dateMarkets(setup, d, path.tariffs).residuals) expect(Math.abs(r)).toBeLessThan(1e-3);
    }
  });

  it("HOME tariff 0.25: long-run wages are part 1's new stationary wages to 0.1 %; the wage rises after impact", () => {
    const x = Float64Array.of(0.25);
    const path = networkPath(setup, nets, x, 3);
    const { config, baseDir } = loadConfig(setup.params.economy, setup.params.economySets);
    const next = solveEquilibrium(config, { baseDir, tariffs: tariffsOf(setup, x), initial: { wages: [1.06, 0.94], R: setup.oldR } });
    const last = path.dates[path.dates.length - 1];
    for (let i = 0; i < setup.M; i++) expect(Math.abs(last.prices.wages[i] / next.wages[i] - 1)).toBeLessThan(1e-3);
    expect(path.dates[0].prices.wages[0]).toBeLessThan(last.prices.wages[0]);
  }, 60_000);
});
