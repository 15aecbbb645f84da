// Validation of a 19-country heterogeneous-agent trade DEQN (models/ha-trade-ek19-deqn.json, MODELS.md
// §C.2) against the part-1 reference solver at the status quo and at a uniform tariff of the input pairs
// (the USA's tariffs on every partner): wages and R, import shares, welfare changes (utilitarian CE) of
// every country, the mean relative Euler error of simulated households, and the market residuals the
// price network's own prices leave (per unit of each country's labour income). Prints CPU seconds of
// every part.
//
// Cost: a reference point is one stationary solve (the status quo from the config's solver start,
// ~6 world evaluations of ~3.3 s CPU; the tariff point by Broyden from the status quo). Clearing the
// household network's markets (clearing.ts) costs a 38-column finite-difference Jacobian of network
// stationary distributions (~2 min CPU) per Newton step, so it is optional: --clear N allows N Newton
// steps (default 0: the price network's prices are the network's equilibrium).
// --grid-points N: the reference and the networks' stationary distributions on N asset points (default:
// the config's 100). The 100-point reference is itself off by up to ~4 % in the utilitarian welfare
// changes at USA tariffs 0.1 (JPN -0.0881 vs -0.0843 at 400 points, USA 0.692 vs 0.670) and 0.05 % in R;
// 400 points costs ~4x the CPU.
// --points five: the issue's five policy points of the box (validation.ts validationPoints: the status quo
// and four points whose tariffs alternate across the USA's partners, two of them with the trade costs
// scaled by 0.95 / 1.05) instead of the status quo and --tariff; ~2.5x the CPU of the two-point default.
//   npx tsx bench/ha-trade-deqn-ek19.ts --checkpoint DIR [--tariff 0.1 | --points five] [--clear 0] [--grid-points 100] [--households 1900] [--periods 10] [--json]
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { baselinePolicy, decodePrices, uniformTariffPolicy } from '../src/models/ha-trade-deqn/world.ts';
import { priceRaw, solveNetwork } from '../src/models/ha-trade-deqn/solution.ts';
import { compareAtPoints, simulatedEulerErrors, validationPoints } from '../src/models/ha-trade-deqn/validation.ts';
import { cpuSeconds, flag } from './args.ts';

await initBackend();
const checkpoint = flag('checkpoint');
if (!checkpoint) throw new Error('--checkpoint DIR is required (a run of models/ha-trade-ek19-deqn.json)');
const tariff = Number(flag('tariff', '0.1'));
const clear = Number(flag('clear', '0'));
const households = Number(flag('households', '1900'));
const periods = Number(flag('periods', '10'));
const gridFlag = flag('grid-points', '');
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const { world } = model;
const M = world.M;
const L = world.economy.labor;
const grid = gridFlag === '' ? world.config.assets.points : Number(gridFlag);
if (!Number.isInteger(grid) || grid < 10) throw new Error(`--grid-points ${gridFlag}: expected an integer >= 10`);
const base = baselinePolicy(world);
const pointsFlag = flag('points', 'two');
if (pointsFlag !== 'two' && pointsFlag !== 'five') throw new Error(`--points ${pointsFlag}: expected two (status quo and --tariff) or five (validation.ts validationPoints)`);
const points = pointsFlag === 'five' ? validationPoints(world) : [base, uniformTariffPolicy(world, tariff)];
const policyName = (x: Float64Array, p: number) => {
  if (p === 0) return 'status quo';
  const tariffs = [...new Set(Array.from(x.subarray(0, world.pairs.length)))];
  const kappa = x[world.policyDim - 1];
  return `USA tariffs ${tariffs.join(' / ')}${tariffs.length > 1 ? ' alternating' : ''}${kappa === 1 ? '' : `, trade costs x${kappa}`}`;
};

// The price network's own prices: market residuals of the household network there, per unit of each country's income.
let t = cpuSeconds();
const priceNet = points.map((x) => {
  const eq = solveNetwork(model, run.net, x, { prices: decodePrices(world, priceRaw(model, run.net, x)), points: grid, tol: 1e-11, maxIterations: 20000 });
  let income = 0;
  for (let i = 0; i < M; i++) income += eq.prices.wages[i] * L[i] * eq.efficiency[i];
  const ownGoods = Array.from(eq.goods, (g, i) => (g * income) / (eq.prices.wages[i] * L[i] * eq.efficiency[i]));
  return { goodsOwnMax: Math.max(...ownGoods.map(Math.abs)), goodsWorldMax: Math.max(...Array.from(eq.goods, Math.abs)), bonds: eq.bonds[0] };
});
const priceNetCpu = cpuSeconds() - t;
process.stderr.write(`price-network markets (${priceNetCpu.toFixed(1)} s CPU): ${JSON.stringify(priceNet)}\n`);

t = cpuSeconds();
const rows = compareAtPoints(model, run.net, points, {
  maxNewton: clear,
  points: grid,
  onStep: (s) => process.stderr.write(`  clearing: Newton step ${s.iteration}${s.jacobianRebuilt ? ' (new Jacobian)' : ''}, market residual ${s.residualNorm.toExponential(2)}, ${(cpuSeconds() - t).toFixed(0)} s CPU\n`),
});
const compareCpu = cpuSeconds() - t;
process.stderr.write(`compare (${compareCpu.toFixed(1)} s CPU): wage err ${rows.map((r) => r.wageError).join(', ')}; R err ${rows.map((r) => r.RError).join(', ')}; utilitarian CE network ${rows[1].utilitarianNetwork.map((v) => v.toFixed(4)).join(' ')} reference ${rows[1].utilitarianReference.map((v) => v.toFixed(4)).join(' ')}\n`);
t = cpuSeconds();
const euler = rows.map((r) => simulatedEulerErrors(model, run.net, r.network, households, periods));
const eulerCpu = cpuSeconds() - t;

const rel = (a: number, b: number) => Math.abs(a / b - 1);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const details = rows.map((r) => {
  const wage = Array.from({ length: M }, (_, i) => rel(r.network.prices.wages[i], r.reference.wages[i]));
  const shares: number[] = [];
  const bigShares: number[] = [];
  let worst = '';
  let worstError = -1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) {
      if (i === j) continue;
      const e = rel(r.network.importShares[i * M + j], r.reference.importShares[i * M + j]);
      shares.push(e);
      if (e > worstError) [worstError, worst] = [e, `${world.countries[i]} buys ${world.countries[j]}: ${r.network.importShares[i * M + j].toExponential(3)} vs ${r.reference.importShares[i * M + j].toExponential(3)}`];
      if (r.reference.importShares[i * M + j] >= 0.01) bigShares.push(e);
    }
  }
  return { wageMedian: median(wage), wage, shareMedian: median(shares), bigShareMax: Math.max(...bigShares), bigShareCount: bigShares.length, worst };
});
const pct = (v: number) => (100 * v).toFixed(3);
// Countries whose utilitarian CE change is within `tol` of the reference's, relative to its size (the issue's 5 % target).
const within = (r: (typeof rows)[number], tol: number) => r.utilitarianNetwork.filter((v, i) => rel(v, r.utilitarianReference[i]) <= tol).length;
const table = {
  policy: points.map(policyName),
  'wage err % max / median': rows.map((r, p) => `${pct(r.wageError)} / ${pct(details[p].wageMedian)}`),
  'R err %': rows.map((r) => pct(r.RError)),
  'import share err % max / median': rows.map((r, p) => `${pct(r.importShareError)} / ${pct(details[p].shareMedian)}`),
  'import share err % max (shares >= 1 %)': rows.map((_, p) => `${pct(details[p].bigShareMax)} (${details[p].bigShareCount} pairs)`),
  'worst import share (network vs reference)': details.map((q) => q.worst),
  'price-net wage / R err %': rows.map((r) => `${pct(r.priceNetworkWageError)} / ${pct(r.priceNetworkRError)}`),
  // Far above ~1e-7 the clearing stopped without descent: the row's errors are the price network's.
  'cleared market residual (Newton steps)': rows.map((r) => `${r.clearing.residualNorm.toExponential(2)} (${r.clearing.newtonIterations})`),
  'price-net goods residual max % own income': priceNet.map((q) => pct(q.goodsOwnMax)),
  'price-net bonds % world income': priceNet.map((q) => pct(q.bonds)),
  'mean rel. Euler %': euler.map((e) => pct(e.meanRelative)),
  'p99 rel. Euler %': euler.map((e) => pct(e.p99Relative)),
  'at limit or cap %': euler.map((e) => pct(e.constrainedShare)),
  'utilitarian welfare within 5 % / 15 % (countries)': rows.map((r, p) => (p === 0 ? '(baseline)' : `${within(r, 0.05)} / ${within(r, 0.15)} of ${M}`)),
};
const welfare = rows[1];
const names = world.countries;
const welfareTable = {
  country: names,
  'wage err % (status quo)': details[0].wage.map((v) => pct(v)),
  'wage err % (tariff)': details[1].wage.map((v) => pct(v)),
  'import share err % max as buyer (status quo)': names.map((_, i) => pct(Math.max(...names.map((__, j) => (i === j ? 0 : rel(rows[0].network.importShares[i * M + j], rows[0].reference.importShares[i * M + j])))))),
  'utilitarian CE % network': welfare.utilitarianNetwork.map((v) => v.toFixed(4)),
  'utilitarian CE % reference': welfare.utilitarianReference.map((v) => v.toFixed(4)),
  'utilitarian CE % network, reference tau values': welfare.utilitarianNetworkReferenceTau.map((v) => v.toFixed(4)),
  'utilitarian CE % network, reference tau curve at its own status quo': welfare.utilitarianNetworkReferenceCurve.map((v) => v.toFixed(4)),
  'mean CE % network': welfare.welfareNetwork.map((v) => v.toFixed(4)),
  'mean CE % reference': welfare.welfareReference.map((v) => v.toFixed(4)),
};
// Every counterfactual point's utilitarian CE change by country, network / reference (relative error %).
const welfareByPoint = {
  country: names,
  ...Object.fromEntries(
    rows.slice(1).map((r, q) => [policyName(points[q + 1], q + 1), names.map((_, i) => `${r.utilitarianNetwork[i].toFixed(4)} / ${r.utilitarianReference[i].toFixed(4)} (${pct(rel(r.utilitarianNetwork[i], r.utilitarianReference[i]))})`)]),
  ),
};
const cpu = { priceNetwork: priceNetCpu, compare: compareCpu, euler: eulerCpu };
if (process.argv.includes('--json')) {
  process.stdout.write(
    JSON.stringify({
      checkpoint,
      episode: run.trainer.episode,
      clearNewtonSteps: clear,
      gridPoints: grid,
      policyOrder: [...world.pairs.map(([i, j]) => `tariff.${names[i]}.${names[j]}`), 'tradeCostScale'],
      points: rows.map((r, p) => ({
        policy: r.policy,
        wageError: r.wageError,
        wageErrorByCountry: details[p].wage,
        RError: r.RError,
        importShareError: r.importShareError,
        importShareErrorMedian: details[p].shareMedian,
        importShareErrorLargeShares: details[p].bigShareMax,
        worstImportShare: details[p].worst,
        priceNetworkWageError: r.priceNetworkWageError,
        priceNetworkRError: r.priceNetworkRError,
        priceNetworkMarkets: priceNet[p],
        clearing: r.clearing,
        utilitarianNetwork: r.utilitarianNetwork,
        utilitarianReference: r.utilitarianReference,
        utilitarianError: r.utilitarianError,
        utilitarianNetworkReferenceTau: r.utilitarianNetworkReferenceTau,
        utilitarianNetworkReferenceCurve: r.utilitarianNetworkReferenceCurve,
        welfareNetwork: r.welfareNetwork,
        welfareReference: r.welfareReference,
        euler: euler[p],
      })),
      cpuSeconds: cpu,
    }) + '\n',
  );
} else {
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}); ${world.pairs.length} input tariffs + trade-cost scale; clearing Newton steps ${clear}; ${grid} asset grid points\n\n`);
  process.stdout.write(toMarkdown(table) + '\n\n');
  if (rows.length > 2) process.stdout.write(`utilitarian CE change % by point, network / reference (relative error %)\n\n${toMarkdown(welfareByPoint)}\n\n`);
  process.stdout.write(`welfare changes at ${policyName(points[1], 1)} (vs the status quo); largest relative error ${pct(welfare.utilitarianError)} % (utilitarian), ${pct(welfare.welfareError)} % (mean CE)\n\n`);
  process.stdout.write(toMarkdown(welfareTable) + '\n');
  process.stdout.write(`CPU: price-network markets ${cpu.priceNetwork.toFixed(1)} s, reference solves + clearing + welfare ${cpu.compare.toFixed(1)} s, Euler simulation ${cpu.euler.toFixed(1)} s\n`);
}
