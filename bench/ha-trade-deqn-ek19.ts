// Validation of a 19-country heterogeneous-agent trade DEQN (models/ha-trade-ek19-deqn.json, MODELS.md
// §C.2) against the part-1 reference solver at the status quo and at uniform tariffs of the input pairs
// (the USA's tariffs on every partner): wages and R (largest relative error over countries), import
// shares (largest relative error over the off-diagonal pairs), welfare changes of every country, and the
// mean relative Euler error of simulated households. Prints CPU seconds of every part.
// Cost: clearing a 19-country point is Newton with a 38-column finite-difference Jacobian of the
// stationary distribution; on the 360-episode checkpoint (prices far from clearing) it had not finished
// after 20 min CPU, so budget accordingly.
//   npx tsx bench/ha-trade-deqn-ek19.ts --checkpoint DIR [--tariff 0.1] [--households 3800] [--periods 20] [--json]
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { baselinePolicy } from '../src/models/ha-trade-deqn/world.ts';
import { compareAtPoints, simulatedEulerErrors } from '../src/models/ha-trade-deqn/validation.ts';
import { flag } from './args.ts';

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

await initBackend();
const checkpoint = flag('checkpoint');
if (!checkpoint) throw new Error('--checkpoint DIR is required (a run of models/ha-trade-ek19-deqn.json)');
const tariff = Number(flag('tariff', '0.1'));
const households = Number(flag('households', '3800'));
const periods = Number(flag('periods', '20'));
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const { world } = model;
const base = baselinePolicy(world);
const shocked = Float64Array.from(base, (v, k) => (k < world.pairs.length ? tariff : v));
const started = process.cpuUsage();
const rows = compareAtPoints(model, run.net, [base, shocked]);
const compareCpu = cpuSeconds(started);
const eulerStart = process.cpuUsage();
const euler = rows.map((r) => simulatedEulerErrors(model, run.net, r.network, households, periods));
const eulerCpu = cpuSeconds(eulerStart);
const names = world.countries;
const pct = (v: number) => (100 * v).toFixed(3);
const welfare = rows[1];
const table = {
  policy: ['status quo', `input tariffs ${tariff}`],
  'wage err %': rows.map((r) => pct(r.wageError)),
  'R err %': rows.map((r) => pct(r.RError)),
  'import share err %': rows.map((r) => pct(r.importShareError)),
  'price-net wage / R err %': rows.map((r) => `${pct(r.priceNetworkWageError)} / ${pct(r.priceNetworkRError)}`),
  'mean rel. Euler %': euler.map((e) => pct(e.meanRelative)),
  'p99 rel. Euler %': euler.map((e) => pct(e.p99Relative)),
  'at limit %': euler.map((e) => pct(e.constrainedShare)),
};
const welfareTable = {
  country: names,
  'CE % network': welfare.welfareNetwork.map((v) => v.toFixed(4)),
  'CE % reference': welfare.welfareReference.map((v) => v.toFixed(4)),
  'utilitarian CE % network': welfare.utilitarianNetwork.map((v) => v.toFixed(4)),
  'utilitarian CE % reference': welfare.utilitarianReference.map((v) => v.toFixed(4)),
};
if (process.argv.includes('--json')) {
  process.stdout.write(
    JSON.stringify({
      checkpoint,
      episode: run.trainer.episode,
      policyOrder: [...world.pairs.map(([i, j]) => `tariff.${names[i]}.${names[j]}`), 'tradeCostScale'],
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
        utilitarianNetwork: r.utilitarianNetwork,
        utilitarianReference: r.utilitarianReference,
        utilitarianError: r.utilitarianError,
        euler: euler[p],
      })),
      cpuSeconds: { compare: compareCpu, euler: eulerCpu },
    }) + '\n',
  );
} else {
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}); ${world.pairs.length} input tariffs + trade-cost scale\n\n`);
  process.stdout.write(toMarkdown(table) + '\n\n');
  process.stdout.write(`welfare changes at input tariffs ${tariff} (relative to the status quo); largest relative error ${pct(welfare.welfareError)} % (average CE), ${pct(welfare.utilitarianError)} % (utilitarian)\n\n`);
  process.stdout.write(toMarkdown(welfareTable) + '\n');
  process.stdout.write(`CPU: reference solves + clearing + welfare ${compareCpu.toFixed(1)} s, Euler simulation ${eulerCpu.toFixed(1)} s\n`);
}
