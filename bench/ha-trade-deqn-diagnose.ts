// Where the network equilibrium's import shares differ from the part-1 reference (MODELS.md §C.3-C.4),
// at one validation point and at the REFERENCE prices (so price errors play no part): the import
// share recomputed with one ingredient at a time taken from the networks (choice probabilities,
// consumption, stationary distribution), for the network's own continuation outputs and for the
// choice probabilities of the logsum fixed point of the network's savings (choices.ts), plus
// mass-weighted state-by-state errors and a table by (efficiency, assets).
//   npx tsx bench/ha-trade-deqn-diagnose.ts [--checkpoint checkpoints/ha-trade-two-country] [--point 0..4] [--country 0]
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { referenceAt, validationPoints } from '../src/models/ha-trade-deqn/validation.ts';
import { gridPolicies, lotteryDistribution, type ChoiceSource } from '../src/models/ha-trade-deqn/solution.ts';
import { deliveredPrices } from '../src/models/ha-trade-deqn/world.ts';
import { flag } from './args.ts';

await initBackend();
const run = TrainingRun.load(flag('checkpoint', 'checkpoints/ha-trade-two-country'));
const model = run.model as HaTradeDeqn;
const { world } = model;
const { M, nZ } = world;
const x = validationPoints(world)[Number(flag('point', '0'))];
const i = Number(flag('country', '0'));
const ref = referenceAt(world, x);
const grids = world.economy.agrids;
const nA = grids[0].length;
const per = nZ * nA;
const set = { R: ref.prices.R, wages: ref.wages, rebates: ref.rebates, delivered: deliveredPrices(world, x, ref.wages) };
const p = set.delivered.subarray(i * M, (i + 1) * M);
const hh = ref.states[i].household;
const refMass = ref.states[i].distribution.mass;
/** Share of buyer i's spending on the first foreign variety. */
const f = i === 0 ? 1 : 0;
const share = (pi: Float64Array, c: Float64Array, mass: Float64Array) => {
  const sp = new Float64Array(M);
  for (let j = 0; j < M; j++) for (let s = 0; s < per; s++) sp[j] += mass[s] * pi[j * per + s] * c[j * per + s] * p[j];
  return sp[f] / sp.reduce((a, b) => a + b, 0);
};
const base = share(hh.choiceProb, hh.consumption, refMass);
const rel = (v: number) => (100 * (v / base - 1)).toFixed(3);
const sources: ChoiceSource[] = ['network', 'consistent'];
const rows = sources.map((source) => {
  const pol = gridPolicies(model, run.net, grids, set, x, source);
  const mass = lotteryDistribution(world, grids[i], pol.aNext[i], pol.pi[i], 1e-12, 50000);
  let piErr = 0;
  let aErr = 0;
  let cErr = 0;
  for (let s = 0; s < per; s++) {
    piErr += refMass[s] * Math.abs(pol.pi[i][f * per + s] / hh.choiceProb[f * per + s] - 1);
    for (let j = 0; j < M; j++) {
      const k = j * per + s;
      aErr += refMass[s] * hh.choiceProb[k] * Math.abs(pol.aNext[i][k] - hh.assetPolicy[k]);
      cErr += refMass[s] * hh.choiceProb[k] * Math.abs(pol.c[i][k] / hh.consumption[k] - 1);
    }
  }
  let meanA = 0;
  for (let s = 0; s < per; s++) meanA += mass[s] * grids[i][s % nA];
  return {
    source,
    'share err %: network pi only': rel(share(pol.pi[i], hh.consumption, refMass)),
    'network c only': rel(share(hh.choiceProb, pol.c[i], refMass)),
    'network distribution only': rel(share(hh.choiceProb, hh.consumption, mass)),
    'all network': rel(share(pol.pi[i], pol.c[i], mass)),
    'mean |rel pi_F err| %': (100 * piErr).toFixed(3),
    "mean |a' err|": aErr.toExponential(2),
    'mean |rel c err| %': (100 * cErr).toFixed(3),
    'mean assets net (ref 0 at R ref)': meanA.toFixed(4),
  };
});
process.stdout.write(`policy ${Array.from(x).join(' / ')}, buyer ${world.countries[i]}, reference import share ${base.toFixed(5)}, at the reference prices\n\n`);
process.stdout.write(toMarkdown(Object.fromEntries(Object.keys(rows[0]).map((k) => [k, rows.map((r) => (r as Record<string, string>)[k])]))) + '\n');
const net = gridPolicies(model, run.net, grids, set, x, 'network');
const fixed = gridPolicies(model, run.net, grids, set, x, 'consistent');
const byState = { z: [] as number[], a: [] as string[], mass: [] as string[], 'pi_F ref': [] as string[], 'pi_F network': [] as string[], 'pi_F consistent': [] as string[], "a'_H ref": [] as string[], "a'_H net": [] as string[] };
for (const z of [0, 5, 9]) {
  for (const a of [0, 5, 10, 20, 40, 70]) {
    const s = z * nA + a;
    byState.z.push(z);
    byState.a.push(grids[i][a].toFixed(2));
    byState.mass.push(refMass[s].toExponential(1));
    byState['pi_F ref'].push(hh.choiceProb[f * per + s].toFixed(4));
    byState['pi_F network'].push(net.pi[i][f * per + s].toFixed(4));
    byState['pi_F consistent'].push(fixed.pi[i][f * per + s].toFixed(4));
    byState["a'_H ref"].push(hh.assetPolicy[i * per + s].toFixed(3));
    byState["a'_H net"].push(net.aNext[i][i * per + s].toFixed(3));
  }
}
process.stdout.write('\n' + toMarkdown(byState) + '\n');
