// Where do a 19-country checkpoint's small-country households save, and why (MODELS.md §C.3)?
// At the reference status-quo prices (the economy config's solver start), for the named countries:
//  1. expected savings E_j a'(a, z)/A (network vs the part-1 EGM policy) at a few asset levels, with
//     the network's mean relative Euler error there (choice-weighted), under the checkpoint's own
//     treatment of the grid top and under the cap (savingsTop "cap", household.ts boxComplementarity);
//  2. the asset at which the highest-efficiency households stop accumulating (E a' = a), network vs
//     reference, and the stationary distributions' mean assets and mass at the grid top;
//  3. the training panel stored in the checkpoint: where its households of those countries were
//     (quantiles of a/A, share above the grid top amax = 8 A, share at the panel clip assetCap x amax).
// Why: an explosive saving path can satisfy the Euler condition everywhere (no upper terminal
// condition), or the network may simply be wrong where it never trained; the two need different fixes.
//   npx tsx bench/ha-trade-deqn-ek19-top.ts --checkpoint DIR [--countries BEL,NLD,USA] [--json]
import { initBackend, tf } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { baselinePolicy, economyAt } from '../src/models/ha-trade-deqn/world.ts';
import { assetGrids, gridStates, priceSet, solveNetwork } from '../src/models/ha-trade-deqn/solution.ts';
import { householdBlock, makeConstants } from '../src/models/ha-trade-deqn/household.ts';
import { choiceResidualsAt } from '../src/models/ha-trade-deqn/residuals.ts';
import { featuresOf, inputsOf } from '../src/models/ha-trade-deqn/layout.ts';
import { evaluateWorld } from '../src/models/ha-trade/economy.ts';
import { cpuSeconds, flag } from './args.ts';

await initBackend();
const t0 = cpuSeconds();
const checkpoint = flag('checkpoint');
if (!checkpoint) throw new Error('--checkpoint DIR is required (a run of models/ha-trade-ek19-deqn*.json)');
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const { world, layout: lay } = model;
const { M, nZ } = world;
const names = flag('countries', 'BEL,NLD,USA').split(',');
const countries = names.map((n) => {
  const i = world.countries.indexOf(n);
  if (i < 0) throw new Error(`--countries: ${n} is not one of ${world.countries.join(', ')}`);
  return i;
});
const x0 = baselinePolicy(world);
const w0 = world.config.solver.initialWages;
if (!w0) throw new Error(`${checkpoint}: the economy config has no solver.initialWages (the reference prices)`);
const meanW = w0.reduce((a, b) => a + b, 0) / M;
const r0 = world.config.solver.initialR;
const ref = { wages: Float64Array.from(w0, (w) => w / meanW), R: new Float64Array(M).fill(typeof r0 === 'number' ? r0 : 1.01), rebates: new Float64Array(M) };
const nA = world.config.assets.points;
const grids = assetGrids(world, nA);
const refStates = evaluateWorld(economyAt(world, x0), ref);
const allRows = gridStates(model, grids, priceSet(world, x0, ref), x0);
const capped = makeConstants(world, { capAtGridTop: true });
const zShow = [0, Math.floor(nZ / 2) - 1, nZ - 1];
const aShow = [-0.5, 0, 1, 2, 3, 4, 5.5, 7, 8];
const per = nZ * nA;

interface CountryRows {
  /** Network and reference E_j a'/A by (z, a). */
  net: Float64Array;
  ref: Float64Array;
  /** Choice-weighted mean |relative Euler error| by (z, a): as trained, and with the cap. */
  euler: Float64Array;
  eulerCap: Float64Array;
}

function countryRows(i: number): CountryRows {
  const A = world.economy.tfp[i];
  const rows = allRows.slice(i * per * lay.dim, (i + 1) * per * lay.dim);
  const [aN, pi] = tf.tidy(() => {
    const s = tf.tensor2d(rows, [per, lay.dim]);
    const hh = householdBlock(world, model.constants, inputsOf(world, lay, s), run.net.policy(featuresOf(world, inputsOf(world, lay, s)), true));
    return [hh.aNext, hh.pi].map((t) => t.dataSync() as Float32Array);
  });
  // Residuals in chunks: every row has M x nZ successors (~40k network rows per chunk fit wasm memory).
  const e = new Float32Array(per * M);
  const eCap = new Float32Array(per * M);
  const chunk = 200;
  for (let start = 0; start < per; start += chunk) {
    const n = Math.min(chunk, per - start);
    tf.tidy(() => {
      const s = tf.tensor2d(rows.subarray(start * lay.dim, (start + n) * lay.dim), [n, lay.dim]);
      e.set(choiceResidualsAt(world, lay, model.constants, run.net, s).relativeEuler.dataSync(), start * M);
      eCap.set(choiceResidualsAt(world, lay, capped, run.net, s).euler.dataSync(), start * M);
    });
  }
  const net = new Float64Array(per);
  const refA = new Float64Array(per);
  const euler = new Float64Array(per);
  const eulerCap = new Float64Array(per);
  const hh = refStates[i].household;
  for (let s = 0; s < per; s++) {
    for (let j = 0; j < M; j++) {
      const p = pi[s * M + j];
      net[s] += (p * aN[s * M + j]) / A;
      euler[s] += p * Math.abs(e[s * M + j]);
      eulerCap[s] += p * Math.abs(eCap[s * M + j]);
      refA[s] += (hh.choiceProb[j * per + s] * hh.assetPolicy[j * per + s]) / A;
    }
  }
  return { net, ref: refA, euler, eulerCap };
}

/** Smallest a/A on the grid where E a' <= a at efficiency z (where accumulation stops), or '> amax'. */
function stopsAt(policy: Float64Array, i: number, z: number): string {
  const A = world.economy.tfp[i];
  for (let a = 0; a < nA; a++) if (policy[z * nA + a] <= grids[i][a] / A) return (grids[i][a] / A).toFixed(2);
  return '> amax';
}

const table: Record<string, string[]> = { country: [], z: [], 'a/A': [], "E a'/A net": [], "E a'/A ref": [], '|Euler| net %': [], 'box FB (cap) %': [] };
const summary: Record<string, string[]> = {
  country: [],
  'accumulation stops (top z) net / ref': [],
  'mean assets/A net / ref': [],
  'mass at grid top net / ref': [],
  'Euler mean net % / box FB %': [],
  'panel a/A p10/p50/p90/max': [],
  'panel share > amax / at clip': [],
  "panel rows: E a'/A, |Euler| % as trained / box FB %": [],
};

/** Choice-weighted mean savings and Euler residuals at (up to 200 of) the stored panel's rows of country i, at their own prices. */
function panelResiduals(i: number): { aNext: number; euler: number; box: number } {
  const picked: number[] = [];
  for (let row = 0; row < panelRows && picked.length < 200; row++) if (panel[row * lay.dim + lay.country] === i) picked.push(row);
  const rows = new Float32Array(picked.length * lay.dim);
  picked.forEach((row, k) => rows.set(panel.subarray(row * lay.dim, (row + 1) * lay.dim), k * lay.dim));
  const [aN, pi, e, box] = tf.tidy(() => {
    const s = tf.tensor2d(rows, [picked.length, lay.dim]);
    const inp = inputsOf(world, lay, s);
    const hh = householdBlock(world, model.constants, inp, run.net.policy(featuresOf(world, inp), true));
    return [hh.aNext, hh.pi, choiceResidualsAt(world, lay, model.constants, run.net, s).relativeEuler, choiceResidualsAt(world, lay, capped, run.net, s).euler].map((t) => t.dataSync() as Float32Array);
  });
  const A = world.economy.tfp[i];
  let a = 0;
  let eu = 0;
  let bx = 0;
  for (let k = 0; k < picked.length * M; k++) {
    a += (pi[k] * aN[k]) / A;
    eu += pi[k] * Math.abs(e[k]);
    bx += pi[k] * Math.abs(box[k]);
  }
  return { aNext: a / picked.length, euler: (100 * eu) / picked.length, box: (100 * bx) / picked.length };
}
const eqNet = solveNetwork(model, run.net, x0, { prices: ref, points: nA, tol: 1e-11, maxIterations: 20000 });
const panel = run.trainer.simulator.states;
const panelRows = panel.length / lay.dim;
const cap = model.params.panel.assetCap;
for (const i of countries) {
  const A = world.economy.tfp[i];
  const r = countryRows(i);
  for (const z of zShow) {
    for (const a of aShow) {
      const k = Math.round(((a + world.phi[i] / A) / ((world.amax[i] + world.phi[i]) / A)) * (nA - 1));
      const s = z * nA + k;
      table.country.push(world.countries[i]);
      table.z.push(String(z));
      table['a/A'].push((grids[i][k] / A).toFixed(2));
      table["E a'/A net"].push(r.net[s].toFixed(3));
      table["E a'/A ref"].push(r.ref[s].toFixed(3));
      table['|Euler| net %'].push((100 * r.euler[s]).toFixed(2));
      table['box FB (cap) %'].push((100 * r.eulerCap[s]).toFixed(2));
    }
  }
  const refMass = refStates[i].distribution.mass;
  let refMean = 0;
  let refTop = 0;
  let netTop = 0;
  let eulerMean = 0;
  let capMean = 0;
  for (let s = 0; s < per; s++) {
    refMean += (refMass[s] * grids[i][s % nA]) / A;
    eulerMean += eqNet.mass[i][s] * r.euler[s];
    capMean += eqNet.mass[i][s] * r.eulerCap[s];
    if (s % nA === nA - 1) {
      refTop += refMass[s];
      netTop += eqNet.mass[i][s];
    }
  }
  const assets: number[] = [];
  for (let row = 0; row < panelRows; row++) if (panel[row * lay.dim + lay.country] === i) assets.push(panel[row * lay.dim + lay.a] / A);
  assets.sort((p, q) => p - q);
  const q = (f: number) => assets[Math.min(assets.length - 1, Math.floor(f * assets.length))];
  const above = assets.filter((v) => v > world.amax[i] / A + 1e-6).length / assets.length;
  const atClip = assets.filter((v) => v >= (cap * world.amax[i]) / A - 1e-3).length / assets.length;
  summary.country.push(world.countries[i]);
  summary['accumulation stops (top z) net / ref'].push(`${stopsAt(r.net, i, nZ - 1)} / ${stopsAt(r.ref, i, nZ - 1)}`);
  summary['mean assets/A net / ref'].push(`${(eqNet.assets[i] / A).toFixed(3)} / ${refMean.toFixed(3)}`);
  summary['mass at grid top net / ref'].push(`${netTop.toFixed(3)} / ${refTop.toExponential(1)}`);
  summary['Euler mean net % / box FB %'].push(`${(100 * eulerMean).toFixed(2)} / ${(100 * capMean).toFixed(2)}`);
  summary['panel a/A p10/p50/p90/max'].push(`${q(0.1).toFixed(2)}/${q(0.5).toFixed(2)}/${q(0.9).toFixed(2)}/${assets[assets.length - 1].toFixed(2)}`);
  summary['panel share > amax / at clip'].push(`${above.toFixed(3)} / ${atClip.toFixed(3)}`);
  const pr = panelResiduals(i);
  summary["panel rows: E a'/A, |Euler| % as trained / box FB %"].push(`${pr.aNext.toFixed(2)}, ${pr.euler.toFixed(2)} / ${pr.box.toFixed(2)}`);
}
const cpu = cpuSeconds() - t0;
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ checkpoint, episode: run.trainer.episode, savingsTop: model.params.savingsTop, summary, table, cpuSeconds: cpu }) + '\n');
} else {
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}, savingsTop ${model.params.savingsTop}) at the status quo, reference prices = the config's solver start\n\n`);
  process.stdout.write(toMarkdown(summary) + '\n\n' + toMarkdown(table) + '\n');
  process.stdout.write(`CPU ${cpu.toFixed(1)} s\n`);
}
