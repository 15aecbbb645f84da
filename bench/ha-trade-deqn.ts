// Validation of the shipped heterogeneous-agent trade DEQN checkpoint against the part-1 reference
// solver (MODELS.md §C) at five policy points of its box: wages and R (target: within 0.5 %),
// import shares (within 1 % relative), country welfare changes (within 5 % of their size), mean
// relative Euler error of simulated households (below 0.1 %).
//   npx tsx bench/ha-trade-deqn.ts [--checkpoint checkpoints/ha-trade-two-country] [--households 4000] [--periods 20] [--grid-points 400] [--json]
// --grid-points N: the reference and the network's stationary distributions on N asset grid points.
// Default 400, as `deqn counterfactual`: the reference's own grid error at the config's 100 points is
// 1-4 % of the welfare changes (3.5 % at the box's last point), a large part of the 5 % target, while
// 400 and 800 points agree to ~0.3 %; `--grid-points 100` validates against the config's grid.
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { compareAtPoints, simulatedEulerErrors, validationPoints } from '../src/models/ha-trade-deqn/validation.ts';
import { flag } from './args.ts';

await initBackend();
const checkpoint = flag('checkpoint', 'checkpoints/ha-trade-two-country');
const households = Number(flag('households', '4000'));
const periods = Number(flag('periods', '20'));
const gridPoints = flag('grid-points', '400');
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const started = performance.now();
const points = validationPoints(model.world);
const grid = Number(gridPoints);
if (!Number.isInteger(grid) || grid < 10) throw new Error(`--grid-points ${gridPoints}: expected an integer >= 10`);
const rows = compareAtPoints(model, run.net, points, { points: grid });
const euler = rows.map((r) => simulatedEulerErrors(model, run.net, r.network, households, periods));
// The same households with the consistent choice probabilities (choices.ts) inside the Euler expectation.
const eulerConsistent = rows.map((r) => simulatedEulerErrors(model, run.net, r.network, households, periods, 7, 'consistent'));
const names = model.world.countries;
const pct = (v: number) => (100 * v).toFixed(3);
const table = {
  policy: rows.map((r) => r.policy.map((v) => v.toFixed(2)).join(' / ')),
  'wage err %': rows.map((r) => pct(r.wageError)),
  'R err %': rows.map((r) => pct(r.RError)),
  'import share err %': rows.map((r) => pct(r.importShareError)),
  'price-net wage / R err %': rows.map((r) => `${pct(r.priceNetworkWageError)} / ${pct(r.priceNetworkRError)}`),
  ...Object.fromEntries(names.map((c, i) => [`welfare ${c} net/ref (CE %)`, rows.map((r, p) => (p === 0 ? '(baseline)' : `${r.welfareNetwork[i].toFixed(4)} / ${r.welfareReference[i].toFixed(4)}`)) as string[]])),
  'welfare err %': rows.map((r, p) => (p === 0 ? '-' : pct(r.welfareError))),
  ...Object.fromEntries(names.map((c, i) => [`welfare |CE|<=5% ${c} net/ref`, rows.map((r, p) => (p === 0 ? '-' : `${r.welfareNetworkConditioned[i].toFixed(4)} / ${r.welfareReferenceConditioned[i].toFixed(4)}`)) as string[]])),
  'welfare |CE|<=5% err %': rows.map((r, p) => (p === 0 ? '-' : pct(r.welfareErrorConditioned))),
  ...Object.fromEntries(names.map((c, i) => [`utilitarian CE ${c} net/ref`, rows.map((r, p) => (p === 0 ? '-' : `${r.utilitarianNetwork[i].toFixed(4)} / ${r.utilitarianReference[i].toFixed(4)}`)) as string[]])),
  'utilitarian CE err %': rows.map((r, p) => (p === 0 ? '-' : pct(r.utilitarianError))),
  'mean rel. Euler %': euler.map((e) => pct(e.meanRelative)),
  'mean rel. Euler %, consistent pi': eulerConsistent.map((e) => pct(e.meanRelative)),
  'p99 rel. Euler %': euler.map((e) => pct(e.p99Relative)),
  'mean FB %': euler.map((e) => pct(e.meanFB)),
  'at limit %': euler.map((e) => pct(e.constrainedShare)),
  'market resid. (max)': rows.map((r) => Math.max(...[...r.network.goods, ...r.network.bonds, ...r.network.government].map(Math.abs)).toExponential(2)),
};
const targets = {
  wages: rows.every((r) => r.wageError < 0.005),
  R: rows.every((r) => r.RError < 0.005),
  importShares: rows.every((r) => r.importShareError < 0.01),
  welfare: rows.every((r, p) => p === 0 || r.welfareError < 0.05),
  utilitarianWelfare: rows.every((r, p) => p === 0 || r.utilitarianError < 0.05),
  euler: euler.every((e) => e.meanRelative < 0.001),
};
if (process.argv.includes('--json')) {
  process.stdout.write(
    JSON.stringify({
      checkpoint,
      episode: run.trainer.episode,
      gridPoints: grid,
      policyOrder: [...model.world.pairs.map(([i, j]) => `tariff.${names[i]}.${names[j]}`), 'tradeCostScale'],
      points: rows.map((r, p) => ({
        policy: r.policy,
        wageError: r.wageError,
        RError: r.RError,
        importShareError: r.importShareError,
        priceNetworkWageError: r.priceNetworkWageError,
        priceNetworkRError: r.priceNetworkRError,
        welfareNetwork: r.welfareNetwork,
        welfareReference: r.welfareReference,
        welfareError: r.welfareError,
        welfareNetworkConditioned: r.welfareNetworkConditioned,
        welfareReferenceConditioned: r.welfareReferenceConditioned,
        welfareErrorConditioned: r.welfareErrorConditioned,
        utilitarianNetwork: r.utilitarianNetwork,
        utilitarianReference: r.utilitarianReference,
        utilitarianError: r.utilitarianError,
        euler: euler[p],
        eulerConsistentChoices: eulerConsistent[p],
        network: { wages: Array.from(r.network.prices.wages), R: r.network.prices.R[0], importShares: Array.from(r.network.importShares) },
        reference: { wages: Array.from(r.reference.wages), R: r.reference.prices.R[0], importShares: Array.from(r.reference.importShares) },
      })),
      targets,
      seconds: (performance.now() - started) / 1000,
    }) + '\n',
  );
} else {
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}; ${grid} asset grid points); policy = ${[...model.world.pairs.map(([i, j]) => `t(${names[i]}<-${names[j]})`), 'trade-cost scale'].join(' / ')}\n\n`);
  process.stdout.write(toMarkdown(table) + '\n');
  process.stdout.write(`targets met: ${Object.entries(targets).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}; ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
