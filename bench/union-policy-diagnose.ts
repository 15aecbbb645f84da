// What limits the full-mix optimisation at the full synthetic size (MODELS.md §E.4 optimiser). Run:
//   npx tsx bench/union-policy-diagnose.ts [--regions 235] [--sectors 54] [--at file.json [--at-iteration k]] [--per-group 8] [--probes 10] [--json]
// At a point a (the origin, or the instrument vector saved by `bench/union-policy.ts --save-path`):
// 1. Noise of the objective and gradient from the equilibrium solver's tolerance: the same point solved
//    from the laissez-faire point and warm-started from a nearby policy; f and ∇f compared.
// 2. Exact Hessian columns H e_k of −100 ln Ŵ_EU for a sample of instruments of each group (tariffs,
//    net taxes, public demand; the largest sector-regions and random ones), by central differences of
//    the adjoint gradient (2 solves and gradients each). Reported per column: the diagonal H_kk, the
//    analytic size proxy, how much of the column lies off the diagonal (‖H_:k‖ − |H_kk|, and in which
//    group), and the relative error a P-probe Rademacher diagonal estimate has on that entry,
//    √(Σ_{j≠k} H²_jk / P)/|H_kk| (the estimator of src/policy/lbfgsb.ts probeDiagonal).
// 3. The probed diagonal itself (P probes) against the exact entries.
import { readFileSync } from 'node:fs';
import { syntheticUnionData } from '../src/models/union-policy/synthetic.ts';
import { UnionModel } from '../src/models/union-policy/model.ts';
import { UnionPolicyObjective, EXPERIMENTS } from '../src/models/union-policy/objective.ts';
import { probeDiagonal } from '../src/policy/lbfgsb.ts';
import { instrumentCurvatureProxy, equilibriumCurvatureState } from '../src/models/union-policy/curvature.ts';
import { UnionHatSystem } from '../src/models/union-policy/hat-system.ts';
import { toMarkdown } from '../src/io/tables.ts';
import { flag } from './args.ts';

const args = process.argv.slice(2);
const log = (msg: string) => process.stderr.write(`${msg}\n`);
let cpuMark = process.cpuUsage();
const cpu = () => {
  const d = process.cpuUsage(cpuMark);
  cpuMark = process.cpuUsage();
  return ((d.user + d.system) / 1e6).toFixed(1);
};
const regions = Number(flag('regions', '235'));
const sectors = Number(flag('sectors', '54'));
const perGroup = Number(flag('per-group', '8'));
const probes = Number(flag('probes', '10'));
const model = new UnionModel(syntheticUnionData({ regions, sectors, seed: 1 }), { tolerance: 1e-9 });
const objective = new UnionPolicyObjective(model, EXPERIMENTS.full);
const n = objective.dimension;
log(`model built, ${n} instruments (cpu ${cpu()} s)`);
const at = flag('at', '');
// --at: a JSON file with {a}, or the path file of `bench/union-policy.ts --save-path` ({path: [{iteration, a}], final: {a}}),
// of which --at-iteration k picks the saved iterate k (default: the final point).
const atFile = at ? JSON.parse(readFileSync(at, 'utf8')) : null;
const atIteration = flag('at-iteration', '');
const saved: number[] | undefined = !atFile ? undefined : atFile.a ?? (atIteration ? atFile.path.find((p: { iteration: number }) => p.iteration === Number(atIteration))?.a : atFile.final?.a);
if (atFile && !saved) throw new Error(`${at}: no saved point${atIteration ? ` at iteration ${atIteration}` : ''}`);
const a0 = saved ? Float64Array.from(saved) : objective.initial();
const weight = Float64Array.of(100);
const fg = (a: Float64Array) => {
  const w = objective.welfare(a)[0];
  return { value: -100 * w, gradient: objective.gradient(a, weight).map((v) => -v) };
};

// 1. Noise: the same point from the laissez-faire point and warm-started from a policy 1 % away.
const maxAbs = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const cold = model.solve(objective.policy(a0), new UnionHatSystem(model.base, objective.policy(a0)).baselinePoint());
const gCold = model.welfareGradient(cold);
objective.welfare(a0.map((v, k) => v + 0.01 * (k % 2 ? 1 : -1) * 0.05));
const warm = model.solve(objective.policy(a0));
const gWarm = model.welfareGradient(warm);
const flat = (g: { tariff: Float64Array; tax: Float64Array; publicDemand: Float64Array }) => Float64Array.of(...g.tariff, ...g.tax, ...g.publicDemand);
const dg = flat(gCold).map((v, k) => (v - flat(gWarm)[k]) * (100 / cold.welfare));
const noise = {
  residualCold: cold.residualMax, residualWarm: warm.residualMax,
  objectiveDifference: Math.abs(100 * Math.log(cold.welfare) - 100 * Math.log(warm.welfare)),
  gradientDifferenceMax: maxAbs(dg), gradientMax: maxAbs(flat(gCold)) * (100 / cold.welfare),
};
log(`noise: ${JSON.stringify(noise)} (cpu ${cpu()} s)`);

// 2. Exact Hessian columns of a sample of instruments.
// The analytic shape at the point's own equilibrium (outputs, imports and wedges there).
const proxy = instrumentCurvatureProxy(model.base, objective, equilibriumCurvatureState(warm));
const groups = objective.blocks.map((b) => ({ kind: b.kind, offset: b.offset, length: b.length }));
const groupOf = (k: number) => groups.find((g) => k >= g.offset && k < g.offset + g.length)!.kind;
const sample: number[] = [];
let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
for (const g of groups) {
  const order = Array.from({ length: g.length }, (_, i) => g.offset + i).sort((x, y) => proxy[y] - proxy[x]);
  const picks = new Set<number>(order.slice(0, Math.min(2, order.length)));
  while (picks.size < Math.min(perGroup, g.length)) picks.add(order[Math.floor(rand() * order.length)]);
  sample.push(...picks);
}
const h = 1e-4;
const rows = sample.map((k) => {
  const plus = Float64Array.from(a0);
  plus[k] += h;
  const minus = Float64Array.from(a0);
  minus[k] -= h;
  const gp = fg(plus).gradient;
  const gm = fg(minus).gradient;
  const col = gp.map((v, j) => (v - gm[j]) / (2 * h));
  const byGroup: Record<string, number> = { tariff: 0, tax: 0, public: 0 };
  let off2 = 0;
  for (let j = 0; j < n; j++) {
    if (j === k) continue;
    byGroup[groupOf(j)] += col[j] * col[j];
    off2 += col[j] * col[j];
  }
  // Where the off-diagonal mass sits: the same sector-region's instrument in the other place-based
  // group (tax ↔ public of one (n, s)), the same region's other instruments, the largest single entry.
  const S = model.S;
  const block = objective.blocks.find((b) => k >= b.offset && k < b.offset + b.length)!;
  const local = k - block.offset;
  let partner = 0;
  let sameRegion2 = 0;
  let largest = 0;
  let largestAt = -1;
  for (const b of objective.blocks) {
    if (b.kind === 'tariff' || block.kind === 'tariff') continue;
    if (b.kind !== block.kind) partner = col[b.offset + local];
    const region = Math.floor(local / S);
    for (let s = 0; s < S; s++) {
      const j = b.offset + region * S + s;
      if (j !== k) sameRegion2 += col[j] * col[j];
    }
  }
  for (let j = 0; j < n; j++) if (j !== k && Math.abs(col[j]) > largest) (largest = Math.abs(col[j])), (largestAt = j);
  const row = {
    partner, sameRegion: Math.sqrt(sameRegion2), largest, largestAt: largestAt >= 0 ? `${groupOf(largestAt)}:${largestAt}` : '',
    k, group: groupOf(k), diagonal: col[k], proxy: proxy[k], offDiagonalNorm: Math.sqrt(off2),
    offTariff: Math.sqrt(byGroup.tariff), offTax: Math.sqrt(byGroup.tax), offPublic: Math.sqrt(byGroup.public),
    probeRelativeError: Math.sqrt(off2 / probes) / Math.abs(col[k]),
  };
  log(`column ${k} (${row.group}): H_kk ${col[k].toExponential(3)}, proxy ${proxy[k].toExponential(3)}, off-diagonal norm ${row.offDiagonalNorm.toExponential(3)}, ${probes}-probe rel. error ${row.probeRelativeError.toFixed(2)} (cpu ${cpu()} s)`);
  return row;
});

// 3. The probed diagonal at a0 against the exact entries.
const probed = probeDiagonal(fg, a0, objective.lower, objective.upper, probes, 1e-4, 'union-probe-0').diagonal;
const probedRows = rows.map((r) => probed[r.k] / r.diagonal);
log(`probe done (cpu ${cpu()} s)`);

const result = { regions, sectors, instruments: n, noise, columns: rows.map((r, i) => ({ ...r, probedOverExact: probedRows[i] })) };
if (args.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
else {
  process.stdout.write(`noise at the point: ${JSON.stringify(noise)}\n\n`);
  process.stdout.write(toMarkdown({
    k: rows.map((r) => r.k), group: rows.map((r) => r.group), 'H_kk': rows.map((r) => r.diagonal), proxy: rows.map((r) => r.proxy),
    'H_kk/proxy': rows.map((r) => r.diagonal / r.proxy), 'off-diag norm': rows.map((r) => r.offDiagonalNorm),
    'off in tariffs': rows.map((r) => r.offTariff), 'off in taxes': rows.map((r) => r.offTax), 'off in public': rows.map((r) => r.offPublic),
    'partner (tax<->public same n,s)': rows.map((r) => r.partner), 'off in same region': rows.map((r) => r.sameRegion), 'largest off': rows.map((r) => r.largest), 'at': rows.map((r) => r.largestAt),
    [`${probes}-probe rel. err`]: rows.map((r) => r.probeRelativeError), 'probed/exact': probedRows,
  }));
}
