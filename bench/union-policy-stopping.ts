// Checks stopping rules of the union optimisation against a finished run (MODELS.md §E.4 optimiser). Run:
//   npx tsx bench/union-policy-stopping.ts --log run.log --path path.json [--tols 1e-6,1e-7,1e-8] [--json]
// where run.log is the stderr of `bench/union-policy.ts --save-path path.json` (one line per L-BFGS
// iteration: 100 ln Ŵ_EU, projected gradient, the decrease the quasi-Newton model predicted at the start
// of the iteration and the one achieved) and path.json holds the iterate every 10 iterations and the final one.
// For each tolerance τ of the predicted-decrease rule (src/policy/lbfgsb.ts predictedDecreaseTol: predicted
// and achieved decrease ≤ τ · |100 ln Ŵ_EU| at 3 iteration starts in a row) it reports where the rule
// would have stopped, and what the remaining iterations of the run still changed: 100 ln Ŵ_EU (final −
// at the stop) and the instruments (max and RMS |a_final − a_stop|, at the saved iterate at or after the stop).
import { readFileSync } from 'node:fs';
import { toMarkdown } from '../src/io/tables.ts';
import { flag } from './args.ts';

const args = process.argv.slice(2);
const logFile = flag('log', '');
const pathFile = flag('path', '');
const tols = flag('tols', '1e-5,1e-6,1e-7,1e-8').split(',').map(Number);
const re = /iteration (\d+): 100 ln W_EU ([-\d.e+]+), projected gradient ([-\d.e+]+), predicted ([-\d.e+]+), achieved ([-\d.e+]+)/;
const its = readFileSync(logFile, 'utf8')
  .split('\n')
  .map((l) => re.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ it: Number(m[1]), f: Number(m[2]), pg: Number(m[3]), predicted: Number(m[4]), achieved: Number(m[5]) }));
if (its.length === 0) throw new Error(`${logFile}: no iteration lines`);
const saved = JSON.parse(readFileSync(pathFile, 'utf8')) as { path: { iteration: number; objective: number; a: number[] }[]; final?: { iterations: number; objective: number; a: number[] } };
const last = its[its.length - 1];
const finalA = saved.final?.a ?? saved.path[saved.path.length - 1].a;
// The log's own last value (same rounding as the values at the stop).
const finalF = last.f;

// The rule at the start of iteration k uses the prediction made there (logged with iteration k) and the
// decrease achieved by iteration k − 1.
const rows = tols.map((tol) => {
  let quiet = 0;
  let stopAt = -1;
  for (let i = 1; i < its.length; i++) {
    const scale = Math.max(1, Math.abs(its[i - 1].f));
    const small = its[i].predicted <= tol * scale && its[i - 1].achieved <= tol * scale;
    quiet = small ? quiet + 1 : 0;
    if (quiet >= 3) {
      stopAt = its[i - 1].it; // stops before iteration i runs: the iterate of iteration i − 1
      break;
    }
  }
  if (stopAt < 0) return { tol, stopAt: NaN, objectiveAtStop: NaN, remainingGain: NaN, savedIteration: NaN, maxChange: NaN, rmsChange: NaN };
  const fStop = its.find((r) => r.it === stopAt)!.f;
  const snap = saved.path.find((p) => p.iteration >= stopAt);
  let maxChange = NaN;
  let rmsChange = NaN;
  if (snap) {
    let m = 0;
    let s2 = 0;
    for (let k = 0; k < finalA.length; k++) {
      const d = Math.abs(finalA[k] - snap.a[k]);
      m = Math.max(m, d);
      s2 += d * d;
    }
    maxChange = m;
    rmsChange = Math.sqrt(s2 / finalA.length);
  }
  return { tol, stopAt, objectiveAtStop: fStop, remainingGain: finalF - fStop, savedIteration: snap?.iteration ?? NaN, maxChange, rmsChange };
});

const summary = { iterations: last.it, finalObjective: finalF, finalProjectedGradient: last.pg, rules: rows };
if (args.includes('--json')) process.stdout.write(JSON.stringify(summary) + '\n');
else {
  process.stdout.write(`run: ${last.it} iterations, final 100 ln W_EU ${finalF.toFixed(8)}, projected gradient ${last.pg.toExponential(2)}\n\n`);
  process.stdout.write(toMarkdown({
    'predicted-decrease tol': rows.map((r) => r.tol),
    'would stop after iteration': rows.map((r) => r.stopAt),
    '100 ln W there': rows.map((r) => r.objectiveAtStop),
    'gain of the remaining iterations': rows.map((r) => r.remainingGain),
    'saved iterate used': rows.map((r) => r.savedIteration),
    'max |Δa| to the end': rows.map((r) => r.maxChange),
    'RMS |Δa| to the end': rows.map((r) => r.rmsChange),
  }));
}
