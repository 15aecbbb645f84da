// Why the union optimisation needs a diagonal preconditioner (MODELS.md §E.4 optimiser). Run:
//   npx tsx bench/union-policy-conditioning.ts [--experiment industrial] [--config models/union-wiod-eu.json] [--json]
// 1. Optimises the experiment from the origin (preconditioned L-BFGS, the config's settings).
// 2. Builds the Hessian of 100 ln Ŵ_EU at that optimum by central differences of the adjoint gradient
//    (2 × dim equilibrium solves and gradients) and reports its eigenvalues, raw and scaled by its own
//    diagonal (condition numbers over the eigenvalues above 1e-6 of the largest: exactly flat directions,
//    instruments of empty sector-regions, are left out).
// 3. Minimises the quadratic model ½ (a − a*)ᵀ H (a − a*) from the multistart points with a scalar-scaled
//    L-BFGS (γI), with the probed diagonal, and with the probed diagonal updated along the path (the default),
//    counting iterations to a relative decrease of 1e-16 (2 000 at most).
import { resolve } from 'node:path';
import { loadUnionConfig, loadUnionData, configBounds, configOptimizer } from '../src/models/union-policy/config.ts';
import { UnionModel } from '../src/models/union-policy/model.ts';
import { UnionPolicyObjective, EXPERIMENTS, type ExperimentName } from '../src/models/union-policy/objective.ts';
import { optimizeStart, startingPoints } from '../src/models/union-policy/multistart.ts';
import { minimizeBounded, probeDiagonal, type BoundedMinimizeOptions } from '../src/policy/lbfgsb.ts';
import { toMarkdown } from '../src/io/tables.ts';
import { flag } from './args.ts';

const args = process.argv.slice(2);
const experiment = flag('experiment', 'industrial') as ExperimentName;
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const loaded = loadUnionConfig(resolve(flag('config', 'models/union-wiod-eu.json')));
const c = loaded.config;
const model = new UnionModel(loadUnionData(loaded), { ...c.solver, epsilon: c.epsilon });
const objective = new UnionPolicyObjective(model, EXPERIMENTS[experiment], configBounds(c));
const n = objective.dimension;
const weight = Float64Array.of(100);

const opt0 = optimizeStart(objective, objective.initial(), configOptimizer(c));
log(`${experiment}: optimum 100 ln W_EU = ${(-opt0.value).toFixed(8)} after ${opt0.iterations} iterations (${opt0.reason})`);
const aStar = opt0.x;
const h = 1e-5;
const H: Float64Array[] = [];
for (let k = 0; k < n; k++) {
  const grad = (sign: number) => {
    const a = Float64Array.from(aStar);
    a[k] += sign * h;
    objective.welfare(a);
    return objective.gradient(a, weight);
  };
  const gp = grad(1);
  const gm = grad(-1);
  H.push(gp.map((v, j) => -(v - gm[j]) / (2 * h))); // Hessian of −100 ln Ŵ_EU (minimised)
}
const A = H.map((row, i) => row.map((v, j) => (v + H[j][i]) / 2));
let asymmetry = 0;
for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asymmetry = Math.max(asymmetry, Math.abs(H[i][j] - H[j][i]));
const diag = A.map((row, i) => row[i]);
const kept = diag.map((d, i) => (d > 1e-6 * Math.max(...diag) ? i : -1)).filter((i) => i >= 0);
const raw = symmetricEigenvalues(kept.map((i) => Float64Array.from(kept, (j) => A[i][j])));
const scaled = symmetricEigenvalues(kept.map((i) => Float64Array.from(kept, (j) => A[i][j] / Math.sqrt(diag[i] * diag[j]))));
const spectrum = (ev: Float64Array) => {
  const top = ev[ev.length - 1];
  const positive = Array.from(ev).filter((v) => v > 1e-6 * top);
  return { min: positive[0], max: top, condition: top / positive[0], flat: ev.length - positive.length };
};
const rawS = spectrum(raw);
const scaledS = spectrum(scaled);

// The quadratic model from the multistart points.
const fg = (x: Float64Array) => {
  const r = x.map((v, k) => v - aStar[k]);
  const g = Float64Array.from(A, (row) => row.reduce((s, v, j) => s + v * r[j], 0));
  return { value: 0.5 * r.reduce((s, v, k) => s + v * g[k], 0), gradient: g };
};
const curvature = probeDiagonal(fg, objective.initial(), objective.lower, objective.upper).diagonal;
const points = startingPoints(objective, c.multistart.starts, c.multistart.radiusStep, c.multistart.seed, curvature);
const variants: [string, BoundedMinimizeOptions][] = [
  ['scalar γI', { diagonal: 'scalar' }],
  ['probed diagonal, fixed', { diagonal: 'probe', diagonalUpdate: false }],
  ['probed diagonal, updated (default)', { diagonal: 'probe' }],
];
const quad = variants.flatMap(([name, o]) =>
  points.map((p, start) => {
    const r = minimizeBounded(fg, p.a, objective.lower, objective.upper, { maxIterations: 2000, gradientTol: 1e-12, valueTol: 1e-16, ...o });
    return { name, start, iterations: r.iterations, value: r.value, converged: r.converged };
  }),
);

const result = {
  experiment, instruments: n, optimum: -opt0.value, hessianAsymmetry: asymmetry,
  raw: rawS, diagonalScaled: scaledS, quadraticModel: quad,
};
if (args.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
else {
  process.stdout.write(`${experiment} (${n} instruments), Hessian of −100 ln W_EU at the optimum (max asymmetry ${asymmetry.toExponential(1)}):\n\n`);
  process.stdout.write(toMarkdown({
    scaling: ['none', 'by its own diagonal'],
    'smallest eigenvalue': [rawS.min, scaledS.min],
    'largest eigenvalue': [rawS.max, scaledS.max],
    condition: [rawS.condition, scaledS.condition],
    'flat directions': [rawS.flat, scaledS.flat],
  }));
  process.stdout.write(`\nL-BFGS on the quadratic model from the ${points.length} multistart points (iterations, 2000 = limit):\n\n`);
  process.stdout.write(toMarkdown({ variant: quad.map((q) => q.name), start: quad.map((q) => q.start), iterations: quad.map((q) => q.iterations), 'final f': quad.map((q) => q.value) }));
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (ascending). */
function symmetricEigenvalues(M: Float64Array[]): Float64Array {
  const m = M.length;
  const a = M.map((row) => Float64Array.from(row));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p][q] ** 2;
    if (off < 1e-22 * a.reduce((s, row, i) => s + row[i] ** 2, 0)) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < m; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = cs * akp - sn * akq;
          a[k][q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = cs * apk - sn * aqk;
          a[q][k] = sn * apk + cs * aqk;
        }
      }
    }
  }
  return Float64Array.from(a, (row, i) => row[i]).sort();
}
