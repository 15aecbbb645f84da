// Diagnosis of a 19-country DEQN checkpoint at the status quo (MODELS.md §C.4), at the reference
// equilibrium prices (the economy config's solver start, which is the reference status-quo solution):
//  1. the reference solver's own market residuals there (is the start an equilibrium?);
//  2. the DEQN's market residuals (solution.ts) of the reference EGM policies at those prices (does the
//     DEQN measure markets as the reference does: wage normalisation, units, tariff algebra?);
//  3. the price network's wages and R against them;
//  4. the household network's markets at those prices: goods excess supply per unit of each country's
//     own labour income, home import shares and mean assets against the reference.
// Costs one world evaluation (~3.3 s CPU) and one network stationary solve (~3.5 s).
// --tariff T: the same at every input tariff = T, at the reference solver's equilibrium prices there
// (two reference solves, ~1 CPU min), with the change of each country's goods excess supply from the
// status quo (what moves the networks' wages off the reference's there) and the USA's import shares.
//   npx tsx bench/ha-trade-deqn-ek19-diagnose.ts --checkpoint DIR [--tariff T] [--json]
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { baselinePolicy, decodePrices, economyAt, uniformTariffPolicy } from '../src/models/ha-trade-deqn/world.ts';
import { priceRaw, solveNetwork, equilibriumOfPolicies, type GridPolicies } from '../src/models/ha-trade-deqn/solution.ts';
import { evaluateWorld, marketResiduals } from '../src/models/ha-trade/economy.ts';
import { referenceAt } from '../src/models/ha-trade-deqn/validation.ts';
import { cpuSeconds, flag } from './args.ts';

await initBackend();
const checkpoint = flag('checkpoint');
if (!checkpoint) throw new Error('--checkpoint DIR is required (a run of models/ha-trade-ek19-deqn.json)');
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const { world } = model;
const M = world.M;
const L = world.economy.labor;
const tariffFlag = flag('tariff');
const sq = baselinePolicy(world);
const x0 = tariffFlag === undefined ? sq : uniformTariffPolicy(world, Number(tariffFlag));
const w0 = world.config.solver.initialWages;
if (!w0) throw new Error(`${checkpoint}: the economy config has no solver.initialWages (the reference prices this diagnosis uses)`);
const mean = w0.reduce((a, b) => a + b, 0) / M;
const r0 = world.config.solver.initialR;
const sqPrices = { wages: Float64Array.from(w0, (w) => w / mean), R: new Float64Array(M).fill(typeof r0 === 'number' ? r0 : 1.01), rebates: new Float64Array(M) };
const atTariff = tariffFlag === undefined ? undefined : referenceAt(world, x0, referenceAt(world, sq));
const ref = atTariff ? { wages: atTariff.wages, R: new Float64Array(M).fill(atTariff.R as number), rebates: atTariff.rebates } : sqPrices;
// The status quo's network excess supplies, for the change to the tariff point.
const eqNetSq = atTariff ? solveNetwork(model, run.net, sq, { prices: sqPrices, points: world.config.assets.points, tol: 1e-11, maxIterations: 20000 }) : undefined;
const USA = world.countries.indexOf('USA');
const sup = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

let t = cpuSeconds();
const econ = economyAt(world, x0);
const states = atTariff ? atTariff.states : evaluateWorld(econ, ref);
const mr = marketResiduals(econ, ref, states);
const referenceCpu = cpuSeconds() - t;
const policies: GridPolicies = { grids: world.economy.agrids, aNext: states.map((s) => s.household.assetPolicy), c: states.map((s) => s.household.consumption), pi: states.map((s) => s.household.choiceProb), V: states.map((s) => s.household.value) };
const eqRef = equilibriumOfPolicies(world, x0, ref, policies, { tol: 1e-12, maxIterations: 100000 });
const priceNet = decodePrices(world, priceRaw(model, run.net, x0));
t = cpuSeconds();
const eqNet = solveNetwork(model, run.net, x0, { prices: ref, points: world.config.assets.points, tol: 1e-11, maxIterations: 20000 });
const networkCpu = cpuSeconds() - t;
let income = 0;
for (let i = 0; i < M; i++) income += ref.wages[i] * L[i] * eqRef.efficiency[i];
const share = (i: number) => (ref.wages[i] * L[i] * eqRef.efficiency[i]) / income;
const summary = {
  referenceGoods: sup(mr.goods) / mr.worldIncome,
  referenceBonds: Math.abs(mr.bonds.reduce((a, b) => a + b, 0)) / mr.worldIncome,
  deqnMarketsOfReferencePolicies: { goods: sup(eqRef.goods), bonds: sup(eqRef.bonds), government: sup(eqRef.government) },
  priceNetworkR: priceNet.R[0],
  networkBonds: eqNet.bonds[0],
};
const table = {
  country: world.countries,
  'reference wage': Array.from(ref.wages, (v) => v.toPrecision(4)),
  'price-net wage err %': Array.from(priceNet.wages, (v, i) => (100 * (v / ref.wages[i] - 1)).toFixed(2)),
  'income share': world.countries.map((_, i) => share(i).toExponential(2)),
  'network goods excess % own income': Array.from(eqNet.goods, (g, i) => ((100 * g) / share(i)).toFixed(2)),
  ...(eqNetSq ? { 'change from status quo % own income': Array.from(eqNet.goods, (g, i) => ((100 * (g - eqNetSq.goods[i])) / share(i)).toFixed(3)) } : {}),
  ...(USA >= 0 ? { 'USA buys: share ref / net': world.countries.map((_, j) => `${eqRef.importShares[USA * M + j].toExponential(4)} / ${eqNet.importShares[USA * M + j].toExponential(4)}`) } : {}),
  'home share ref / net': world.countries.map((_, i) => `${eqRef.importShares[i * M + i].toFixed(4)} / ${eqNet.importShares[i * M + i].toFixed(4)}`),
  'mean assets / A ref / net': world.countries.map((_, i) => `${(eqRef.assets[i] / world.economy.tfp[i]).toFixed(3)} / ${(eqNet.assets[i] / world.economy.tfp[i]).toFixed(3)}`),
};
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ checkpoint, episode: run.trainer.episode, summary, table, cpuSeconds: { reference: referenceCpu, network: networkCpu } }) + '\n');
} else {
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}) ${atTariff ? `at USA tariffs ${tariffFlag}, reference prices = the reference solver's equilibrium there` : "at the status quo, reference prices = the config's solver start"}\n\n`);
  process.stdout.write(`reference solver residuals there: goods ${summary.referenceGoods.toExponential(2)}, bonds ${summary.referenceBonds.toExponential(2)} of world income\n`);
  process.stdout.write(`DEQN markets of the reference policies there: goods ${summary.deqnMarketsOfReferencePolicies.goods.toExponential(2)}, bonds ${summary.deqnMarketsOfReferencePolicies.bonds.toExponential(2)}, government ${summary.deqnMarketsOfReferencePolicies.government.toExponential(2)}\n`);
  process.stdout.write(`price network R ${summary.priceNetworkR.toFixed(5)} (reference ${ref.R[0]}); household network bonds ${summary.networkBonds.toFixed(4)} of world income\n\n`);
  process.stdout.write(toMarkdown(table) + '\n');
  process.stdout.write(`CPU: reference world evaluation ${referenceCpu.toFixed(1)} s, network stationary solve ${networkCpu.toFixed(1)} s\n`);
}
