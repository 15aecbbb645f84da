// Where a 19-country heterogeneous-agent trade DEQN's Euler errors live (MODELS.md §C.3, §0): the
// relative Euler errors of the validation (validation.ts simulatedEulerRows: households drawn from the
// networks' stationary distribution at the status quo, simulated `--periods` periods, the variety each
// chooses; households within 1 % of a wage of the limit or the top excluded) broken down by country,
// by assets held (fraction of the grid [-phi, amax]), by the chosen savings' distance to the limit, by
// efficiency state and by the chosen variety's choice probability; and the same check on the
// checkpoint's own training panel (its status-quo lane and all lanes), with the panel's asset
// distribution beside the stationary one (are the validated states the trained states?).
//
// Prices: the price network's own status-quo prices (no clearing Newton steps; the validation's cleared
// prices are within ~0.5 % of them), so the whole bench costs ~1 min CPU.
// --tariff T: the validation's households at every input tariff = T instead of the status quo, at the
// reference solver's equilibrium prices there (two reference solves, ~1 CPU min more): which countries'
// households carry the Euler error away from the centre prices. --point K: the same at the validation's
// K-th point (validation.ts validationPoints; 0 is the status quo, 1-4 the heterogeneous tariff vectors).
//   npx tsx bench/ha-trade-deqn-ek19-euler.ts --checkpoint DIR [--tariff T | --point K] [--households 1900] [--periods 10] [--json]
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { baselinePolicy, decodePrices, uniformTariffPolicy } from '../src/models/ha-trade-deqn/world.ts';
import { priceRaw, solveNetwork } from '../src/models/ha-trade-deqn/solution.ts';
import { panelShape } from '../src/models/ha-trade-deqn/panel.ts';
import { eulerRowsAt, referenceAt, simulatedEulerRows, summariseEulerRows, validationPoints, type EulerRow } from '../src/models/ha-trade-deqn/validation.ts';
import { cpuSeconds, flag } from './args.ts';

await initBackend();
const checkpoint = flag('checkpoint');
if (!checkpoint) throw new Error('--checkpoint DIR is required (a run of models/ha-trade-ek19-deqn*.json)');
const households = Number(flag('households', '1900'));
const periods = Number(flag('periods', '10'));
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const { world, layout: lay } = model;
const { M } = world;
const names = world.countries;
const A = world.economy.tfp;

let t = cpuSeconds();
const tariffFlag = flag('tariff');
const pointFlag = flag('point');
if (tariffFlag !== undefined && pointFlag !== undefined) throw new Error('give --tariff T or --point K, not both');
const points = validationPoints(world);
if (pointFlag !== undefined && !(Number(pointFlag) >= 0 && Number(pointFlag) < points.length && Number.isInteger(Number(pointFlag)))) {
  throw new Error(`--point must be an integer in [0, ${points.length - 1}], got ${pointFlag}`);
}
const sq = baselinePolicy(world);
const base = pointFlag !== undefined ? points[Number(pointFlag)] : tariffFlag === undefined ? sq : uniformTariffPolicy(world, Number(tariffFlag));
const atCentre = tariffFlag === undefined && (pointFlag === undefined || Number(pointFlag) === 0);
const reference = atCentre ? undefined : referenceAt(world, base, referenceAt(world, sq));
const prices = reference ? { wages: reference.wages, R: new Float64Array(M).fill(reference.R as number), rebates: reference.rebates } : decodePrices(world, priceRaw(model, run.net, base));
const eq = solveNetwork(model, run.net, base, { prices, points: world.config.assets.points, tol: 1e-11, maxIterations: 20000 });
const solveCpu = cpuSeconds() - t;
t = cpuSeconds();
const validation = simulatedEulerRows(model, run.net, eq, households, periods);
const validationCpu = cpuSeconds() - t;

// The checkpoint's training panel: lane 0 is the status-quo market lane (no price jitter).
const panel = run.trainer.simulator.states;
const shape = panelShape(world, model.params, run.trainer.simulator.paths);
const d = lay.dim;
const lane0 = panel.slice(0, shape.rowsPerLane * d);
t = cpuSeconds();
const panelRows = eulerRowsAt(model, run.net, run.net, lane0, (i) => lane0[i * shape.householdsPerCountry * d + lay.w]);
const allRows = eulerRowsAt(model, run.net, run.net, panel, (i) => eq.prices.wages[i]);
const panelCpu = cpuSeconds() - t;

/** Which policy point the validation households are at, and at whose prices. */
function where(): string {
  if (atCentre) return "status quo at the price network's prices";
  const what = pointFlag !== undefined ? `validation point ${pointFlag}` : `USA tariffs ${tariffFlag}`;
  return `${what} at the reference equilibrium prices`;
}

/** Position of assets a in country i's grid [-phi, amax]: 0 at the limit, 1 at the top. */
const position = (i: number, a: number) => (a + world.phi[i]) / (world.amax[i] + world.phi[i]);
const positionBins = [0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1];
const binLabel = (edges: number[], k: number, fmt = (v: number) => String(v)) => (k === 0 ? `< ${fmt(edges[0])}` : k === edges.length ? `>= ${fmt(edges[k - 1])}` : `${fmt(edges[k - 1])}-${fmt(edges[k])}`);
const binOf = (edges: number[], v: number) => {
  let k = 0;
  while (k < edges.length && v >= edges[k]) k++;
  return k;
};

interface Group {
  label: string;
  rows: EulerRow[];
}
const pct = (v: number) => (100 * v).toFixed(3);
const totalError = (rows: EulerRow[]) => rows.filter((r) => !r.constrained).reduce((s, r) => s + r.relative, 0);
const squaredFB = (rows: EulerRow[]) => rows.reduce((s, r) => s + r.fb * r.fb, 0);
function breakdown(title: string, groups: Group[], all: EulerRow[]) {
  const total = totalError(all);
  const free = all.filter((r) => !r.constrained).length;
  return {
    [title]: groups.map((g) => g.label),
    households: groups.map((g) => String(g.rows.length)),
    'constrained %': groups.map((g) => pct(g.rows.filter((r) => r.constrained).length / Math.max(1, g.rows.length))),
    'mean rel. Euler %': groups.map((g) => pct(summariseEulerRows(g.rows).meanRelative)),
    'p99 rel. Euler %': groups.map((g) => pct(summariseEulerRows(g.rows).p99Relative)),
    'share of unconstrained %': groups.map((g) => pct(g.rows.filter((r) => !r.constrained).length / Math.max(1, free))),
    'share of error sum %': groups.map((g) => pct(totalError(g.rows) / total)),
    // What a mean-square FB loss spends its effort on (all households, constrained ones included).
    'share of FB^2 sum %': groups.map((g) => pct(squaredFB(g.rows) / squaredFB(all))),
  };
}
const byCountry = (rows: EulerRow[]) => names.map((n, i) => ({ label: n, rows: rows.filter((r) => r.country === i) }));
const byPosition = (rows: EulerRow[]) => Array.from({ length: positionBins.length + 1 }, (_, k) => ({ label: binLabel(positionBins, k), rows: rows.filter((r) => binOf(positionBins, position(r.country, r.a)) === k) }));
const slackBins = [0.02, 0.05, 0.1, 0.3, 1, 3];
const bySlack = (rows: EulerRow[]) => Array.from({ length: slackBins.length + 1 }, (_, k) => ({ label: binLabel(slackBins, k), rows: rows.filter((r) => binOf(slackBins, r.slack / A[r.country]) === k) }));
const byZ = (rows: EulerRow[]) => Array.from({ length: world.nZ }, (_, z) => ({ label: `z = ${z} (${world.economy.chain.values[z].toFixed(3)})`, rows: rows.filter((r) => r.z === z) }));
const piBins = [0.001, 0.01, 0.05, 0.2, 0.5];
const byPi = (rows: EulerRow[]) => [
  ...Array.from({ length: piBins.length + 1 }, (_, k) => ({ label: `pi ${binLabel(piBins, k)}`, rows: rows.filter((r) => binOf(piBins, r.pi) === k) })),
  { label: 'home variety', rows: rows.filter((r) => r.variety === r.country) },
  { label: 'imported variety', rows: rows.filter((r) => r.variety !== r.country) },
];

// Asset distributions: the stationary mass (grid), the validation's simulated households, the panel's status-quo lane.
const gridShare = (i: number) => {
  const shares = new Float64Array(positionBins.length + 1);
  const grid = eq.policies.grids[i];
  const nA = grid.length;
  eq.mass[i].forEach((m, s) => (shares[binOf(positionBins, position(i, grid[s % nA]))] += m));
  return shares;
};
const sampleShare = (rows: { country: number; a: number }[], i: number) => {
  const mine = rows.filter((r) => r.country === i);
  const shares = new Float64Array(positionBins.length + 1);
  mine.forEach((r) => (shares[binOf(positionBins, position(i, r.a))] += 1 / mine.length));
  return shares;
};
const meanAssets = (rows: { country: number; a: number }[], i: number) => {
  const mine = rows.filter((r) => r.country === i);
  return mine.reduce((s, r) => s + r.a / A[i], 0) / Math.max(1, mine.length);
};
const stationaryMean = (i: number) => {
  const grid = eq.policies.grids[i];
  return eq.mass[i].reduce((s, m, k) => s + (m * grid[k % grid.length]) / A[i], 0);
};
const positionTable = {
  'assets position': Array.from({ length: positionBins.length + 1 }, (_, k) => binLabel(positionBins, k)),
  'stationary mass % (all countries, equal weight)': Array.from({ length: positionBins.length + 1 }, (_, k) => pct(names.reduce((s, _n, i) => s + gridShare(i)[k], 0) / M)),
  'validation households %': Array.from({ length: positionBins.length + 1 }, (_, k) => pct(names.reduce((s, _n, i) => s + sampleShare(validation, i)[k], 0) / M)),
  'training panel lane 0 %': Array.from({ length: positionBins.length + 1 }, (_, k) => pct(names.reduce((s, _n, i) => s + sampleShare(panelRows, i)[k], 0) / M)),
  'training panel all lanes %': Array.from({ length: positionBins.length + 1 }, (_, k) => pct(names.reduce((s, _n, i) => s + sampleShare(allRows, i)[k], 0) / M)),
};
const meanTable = {
  country: names,
  'stationary mean a/A': names.map((_, i) => stationaryMean(i).toFixed(3)),
  'validation mean a/A': names.map((_, i) => meanAssets(validation, i).toFixed(3)),
  'panel lane 0 mean a/A': names.map((_, i) => meanAssets(panelRows, i).toFixed(3)),
  'panel all lanes mean a/A': names.map((_, i) => meanAssets(allRows, i).toFixed(3)),
  'validation mean rel. Euler %': names.map((_, i) => pct(summariseEulerRows(validation.filter((r) => r.country === i)).meanRelative)),
  'panel lane 0 mean rel. Euler %': names.map((_, i) => pct(summariseEulerRows(panelRows.filter((r) => r.country === i)).meanRelative)),
  'panel all lanes mean rel. Euler %': names.map((_, i) => pct(summariseEulerRows(allRows.filter((r) => r.country === i)).meanRelative)),
};
const summary = {
  sample: [`validation (stationary, ${where()})`, 'training panel lane 0', 'training panel all lanes'],
  households: [validation, panelRows, allRows].map((r) => String(r.length)),
  'mean rel. Euler %': [validation, panelRows, allRows].map((r) => pct(summariseEulerRows(r).meanRelative)),
  'p99 rel. Euler %': [validation, panelRows, allRows].map((r) => pct(summariseEulerRows(r).p99Relative)),
  'mean |FB| %': [validation, panelRows, allRows].map((r) => pct(summariseEulerRows(r).meanFB)),
  'constrained %': [validation, panelRows, allRows].map((r) => pct(summariseEulerRows(r).constrainedShare)),
};
// Every variety of every validation household, chosen or not (unconstrained pairs): the savings of the
// imported varieties set import demand through the choice probabilities but are rarely chosen.
const varietyMean = (rows: EulerRow[], keep: (r: EulerRow, v: number) => boolean, weight: (r: EulerRow, v: number) => number = () => 1) => {
  let sum = 0;
  let mass = 0;
  for (const r of rows) {
    r.byVariety.relative.forEach((e, v) => {
      if (r.byVariety.constrained[v] || !keep(r, v)) return;
      sum += weight(r, v) * e;
      mass += weight(r, v);
    });
  }
  return pct(sum / Math.max(1e-300, mass));
};
const everyVariety = {
  country: names,
  'home variety mean rel. Euler %': names.map((_, i) => varietyMean(validation.filter((r) => r.country === i), (r, v) => v === r.country)),
  'imported varieties mean rel. Euler %': names.map((_, i) => varietyMean(validation.filter((r) => r.country === i), (r, v) => v !== r.country)),
  'imported varieties, choice-probability weighted %': names.map((_, i) => varietyMean(validation.filter((r) => r.country === i), (r, v) => v !== r.country, (r, v) => r.byVariety.pi[v])),
};
const tables = {
  summary,
  everyVariety,
  country: breakdown('country', byCountry(validation), validation),
  position: breakdown('assets position in [-phi, amax]', byPosition(validation), validation),
  slack: breakdown("chosen (a' + phi) / A", bySlack(validation), validation),
  efficiency: breakdown('efficiency state', byZ(validation), validation),
  choice: breakdown('chosen variety', byPi(validation), validation),
  panelPosition: breakdown('panel lane 0: assets position', byPosition(panelRows), panelRows),
  panelChoice: breakdown('panel lane 0: chosen variety', byPi(panelRows), panelRows),
  distribution: positionTable,
  means: meanTable,
};
const cpu = { solve: solveCpu, validation: validationCpu, panel: panelCpu };
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ checkpoint, episode: run.trainer.episode, households, periods, tables, cpuSeconds: cpu }) + '\n');
} else {
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}): ${where()}; ${households} households x ${periods} periods; panel ${shape.lanes} lanes x ${shape.rowsPerLane}\n\n`);
  for (const [name, table] of Object.entries(tables)) process.stdout.write(`${name}\n\n${toMarkdown(table)}\n\n`);
  process.stdout.write(`CPU: network equilibrium ${cpu.solve.toFixed(1)} s, validation households ${cpu.validation.toFixed(1)} s, training panel ${cpu.panel.toFixed(1)} s\n`);
}
