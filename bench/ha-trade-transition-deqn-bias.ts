// Why the transition DEQN's bond market pins R weakly: what a UNIFORM shift of every household's savings
// does to the Euler residuals the household network is trained on versus the bond market the price network
// clears. Zero-output networks reproduce the old steady state exactly (the old EGM policy, old prices); a
// constant added to every logit correction (--shift, default -0.002: everyone saves a little less) moves mean
// consumption, the mass-weighted signed Euler residual (measured from the old EGM policy's own residual,
// training.eulerOffset 'reference') and the bond market at dates 0 and T, prices held at the old ones.
//   npx tsx bench/ha-trade-transition-deqn-bias.ts [--config models/ha-trade-transition-deqn.json] [--shift -0.002] [--points N] [--json]
// --points N solves the old steady state and measures the residuals on an N-point asset grid (the
// economy's assets.points; the residual's interpolation error should fall like h^2 with the grid).
//   npx tsx bench/ha-trade-transition-deqn-bias.ts --checkpoint DIR [--tariff 0,0.1,0.25] [--points N] [--markets] [--by-wealth] [--at-reference] [--json]
// --checkpoint DIR: instead, the trained networks' population-weighted SIGNED relative Euler residual per
// country (validate.ts dateEulerResiduals, raw residuals; the quantity training.aggregateEulerWeight
// penalises) at dates 0, 1, 2, 5, 10, 20, 40, T-1 of their own path after each tariff (HOME on FOREIGN).
// --markets adds the same dates' market residuals (path.ts dateMarkets: goods of countries 2..M, bonds,
// government budgets; each over income, in units of 1e-4): welfare moves ~0.01 points per 1e-4 of income
// a household is over- or under-paid, so residuals of this size decide the transition effect's sign at 0.10.
// --by-wealth adds the signed residual weighted by mass, by spending p_j c_j and by assets a + phi, and by
// wealth quintile (ha-trade-transition-deqn-demand.ts). --at-reference adds the household network on the
// reference price path (solved per tariff, ~20 s CPU each): its market residuals and net foreign assets
// there, and the goods market's response to the first country's t = 0 wage (its demand error in wage units).
import { initBackend } from '../src/tensor/backend.ts';
import { Rng } from '../src/tensor/rng.ts';
import { loadTransitionParams } from '../src/models/ha-trade-transition-deqn/params.ts';
import { buildSetup, oldPolicy, type TransitionSetup } from '../src/models/ha-trade-transition-deqn/setup.ts';
import { loadCheckpoint, restoreNetworks, withEulerOffset } from '../src/models/ha-trade-transition-deqn/train.ts';
import { dateEulerResiduals } from '../src/models/ha-trade-transition-deqn/validate.ts';
import { createNetworks } from '../src/models/ha-trade-transition-deqn/networks.ts';
import { dateMarkets, networkPath, type NetworkPath } from '../src/models/ha-trade-transition-deqn/path.ts';
import { cpuSeconds, flag } from './args.ts';
import { atReference, wealthBias, type AtReference, type WealthBias } from './ha-trade-transition-deqn-demand.ts';

interface Row_ {
  shift: number;
  t: number;
  meanConsumption: number;
  signedEuler: number;
  bondResidual: number;
}

/** Per tariff and date, each country's population-weighted signed relative Euler residual of the checkpoint's networks. */
function checkpointBias(dir: string): void {
  const ck = loadCheckpoint(dir);
  const points = flag('points');
  const setup = buildSetup(points === undefined ? ck.params : { ...ck.params, economySets: [...ck.params.economySets, `assets.points=${points}`] });
  const nets = restoreNetworks(setup, ck.weights);
  const T = setup.params.periods;
  const dates = [...new Set([0, 1, 2, 5, 10, 20, 40, T - 1].filter((t) => t < T))];
  const rows: { tariff: number; t: number; signed: number[] }[] = [];
  const withMarkets = process.argv.includes('--markets');
  const markets: { tariff: number; t: number; residuals: number[] }[] = [];
  const withWealth = process.argv.includes('--by-wealth');
  const byWealth: WealthBias[] = [];
  const atRef: AtReference[] = [];
  for (const x of flag('tariff', '0,0.1,0.25').split(',').map(Number)) {
    const path = networkPath(setup, nets, [x], setup.params.training.passes);
    if (process.argv.includes('--at-reference')) atRef.push(atReference(setup, nets, x, dates, setup.params.training.passes));
    for (const t of dates) {
      if (withMarkets) markets.push({ tariff: x, t, residuals: Array.from(dateMarkets(setup, path.dates[t], path.tariffs).residuals) });
      if (withWealth) byWealth.push(wealthBias(setup, nets, path, x, t));
      const num = new Float64Array(setup.M);
      const den = new Float64Array(setup.M);
      for (const r of dateEulerResiduals(setup, nets, path, t)) {
        num[r.country] += r.weight * r.relative;
        den[r.country] += r.weight;
      }
      rows.push({ tariff: x, t, signed: Array.from(num, (v, i) => v / den[i]) });
    }
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ checkpoint: dir, episode: ck.episode, points: setup.nA, rows, ...(withMarkets ? { markets } : {}), ...(withWealth ? { byWealth } : {}), ...(atRef.length > 0 ? { atReference: atRef } : {}), cpuSeconds: cpuSeconds() }) + '\n');
    return;
  }
  process.stdout.write(`${dir} (episode ${ck.episode}, ${setup.nA}-point grid): population-weighted signed relative Euler residual by country\n\n| tariff | ${dates.map((t) => `t=${t}`).join(' | ')} | mean abs |\n|---|${dates.map(() => '---').join('|')}|---|\n`);
  for (const x of [...new Set(rows.map((r) => r.tariff))]) {
    const mine = rows.filter((r) => r.tariff === x);
    const meanAbs = mine.reduce((a, r) => a + r.signed.reduce((b, v) => b + Math.abs(v), 0), 0) / (mine.length * setup.M);
    process.stdout.write(`| ${x} | ${mine.map((r) => r.signed.map((v) => v.toExponential(1)).join(' / ')).join(' | ')} | ${meanAbs.toExponential(2)} |\n`);
  }
  if (withMarkets) marketsMarkdown(setup, dates, markets);
  if (withWealth) wealthMarkdown(setup, byWealth);
  if (atRef.length > 0) atReferenceMarkdown(setup, atRef);
  process.stdout.write(`\n${cpuSeconds().toFixed(1)} s CPU\n`);
}

/** Per tariff and date: the market residuals in units of 1e-4 of income. */
function marketsMarkdown(setup: TransitionSetup, dates: number[], markets: { tariff: number; t: number; residuals: number[] }[]): void {
  const c = setup.econ.countries;
  const names = [...c.slice(1).map((n) => `goods ${n}`), 'bonds', ...c.map((n) => `budget ${n}`)];
  process.stdout.write(`\nMarket residuals over income (1e-4): ${names.join(' / ')}\n\n| tariff | ${dates.map((t) => `t=${t}`).join(' | ')} |\n|---|${dates.map(() => '---').join('|')}|\n`);
  for (const x of [...new Set(markets.map((m) => m.tariff))]) {
    const mine = markets.filter((m) => m.tariff === x);
    process.stdout.write(`| ${x} | ${mine.map((m) => m.residuals.map((v) => (1e4 * v).toFixed(2)).join(' / ')).join(' | ')} |\n`);
  }
}

/** Per tariff and date: the three weightings and the quintiles, 1e-4. */
function wealthMarkdown(setup: TransitionSetup, rows: WealthBias[]): void {
  const c = setup.econ.countries;
  process.stdout.write(`\nSigned relative Euler residual (1e-4) weighted by mass / spending / assets, and by wealth quintile (mass-weighted, lowest first), per country (${c.join(', ')})\n\n| tariff | t | ${c.map((n) => `${n} mass / spending / assets | ${n} quintiles`).join(' | ')} |\n|---|---|${c.map(() => '---|---').join('|')}|\n`);
  for (const r of rows) {
    const cells = c.map((_, i) => `${r.weighted[i].map((v) => (1e4 * v).toFixed(2)).join(' / ')} | ${r.quintiles[i].map((v) => (1e4 * v).toFixed(1)).join(' ')}`);
    process.stdout.write(`| ${r.tariff} | ${r.t} | ${cells.join(' | ')} |\n`);
  }
}

/** Per tariff: the network's households on the reference prices. */
function atReferenceMarkdown(setup: TransitionSetup, refs: AtReference[]): void {
  const c = setup.econ.countries;
  const names = [...c.slice(1).map((n) => `goods ${n}`), 'bonds', ...c.map((n) => `budget ${n}`)];
  for (const r of refs) {
    process.stdout.write(`\nHousehold network at the REFERENCE prices, tariff ${r.tariff}: market residuals over income (1e-4: ${names.join(' / ')}); net foreign assets over income, network / reference (${c.join(', ')})\n\n| t | residuals | NFA network | NFA reference |\n|---|---|---|---|\n`);
    for (const row of r.rows) process.stdout.write(`| ${row.t} | ${row.residuals.map((v) => (1e4 * v).toFixed(2)).join(' / ')} | ${row.nfaNetwork.map((v) => v.toFixed(5)).join(', ')} | ${row.nfaReference.map((v) => v.toFixed(5)).join(', ')} |\n`);
    process.stdout.write(`\nd(residuals at t = 0) / d(log relative wage of ${c[0]} at t = 0): ${r.wageResponse.map((v) => v.toFixed(3)).join(' / ')}\n`);
  }
}

function measure(setup: TransitionSetup, path: NetworkPath, nets: ReturnType<typeof createNetworks>, t: number, shift: number): Row_ {
  const d = path.dates[t];
  const { M, nZ, nA } = setup;
  let num = 0;
  let den = 0;
  for (const { weight, relative } of dateEulerResiduals(setup, nets, path, t)) {
    num += weight * relative;
    den += weight;
  }
  let c = 0;
  for (let i = 0; i < M; i++) for (let q = 0; q < d.c[i].length; q++) c += (d.mass[i][q % (nZ * nA)] * d.pi[i][q] * d.c[i][q]) / M;
  return { shift, t, meanConsumption: c, signedEuler: num / den, bondResidual: dateMarkets(setup, d, path.tariffs).residuals[M - 1] };
}

await initBackend();
const cpu0 = cpuSeconds();
const checkpoint = flag('checkpoint');
if (checkpoint !== undefined) {
  checkpointBias(checkpoint);
  process.exit(0);
}
const loaded = loadTransitionParams(flag('config', 'models/ha-trade-transition-deqn.json'));
const points = flag('points');
const params = points === undefined ? loaded : { ...loaded, economySets: [...loaded.economySets, `assets.points=${points}`] };
const setup = withEulerOffset(buildSetup({ ...params, training: { ...params.training, eulerOffset: 'reference' } }));
const shift = Number(flag('shift', '-0.002'));
const out: Row_[] = [];
for (const s of [0, shift]) {
  const nets = createNetworks(setup, Rng.fromSeed(1));
  const w = nets.household.weightValues();
  w[w.length - 1].fill(s); // output bias: the same constant added to every logit correction
  nets.household.setWeightValues(w);
  const path = networkPath(setup, nets, oldPolicy(setup), 2);
  for (const t of [0, setup.params.periods - 1]) out.push(measure(setup, path, nets, t, s));
  nets.household.dispose();
  nets.price.dispose();
}
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ points: setup.nA, eulerOffsetMean: setup.eulerOffsetMean, rows: out, cpuSeconds: cpuSeconds() - cpu0 }) + '\n');
else {
  const base = out[0].meanConsumption;
  process.stdout.write(`${setup.nA}-point asset grid; old EGM policy's own mean relative Euler residual under the network's residual code: ${(setup.eulerOffsetMean as number[]).map((v) => v.toExponential(2)).join(', ')}\n\n`);
  process.stdout.write('| logit shift | date | mean consumption change | signed Euler residual (from EGM) | bond residual / world income |\n|---|---|---|---|---|\n');
  for (const r of out) process.stdout.write(`| ${r.shift} | ${r.t} | ${((r.meanConsumption / base - 1) * 100).toFixed(4)} % | ${r.signedEuler.toExponential(2)} | ${r.bondResidual.toExponential(2)} |\n`);
  process.stdout.write(`\n${(cpuSeconds() - cpu0).toFixed(1)} s CPU\n`);
}
