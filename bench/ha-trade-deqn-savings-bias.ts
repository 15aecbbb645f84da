// Where the network equilibrium's R error comes from (MODELS.md §C.3-C.4): at each validation point
// the household network is put at the REFERENCE solver's equilibrium prices, its stationary
// distribution is built on the reference grid (lottery method, as in market clearing), and
//   - the bond-market residual it leaves, over world labour income, and the R error that implies
//     (residual / dB/dR of the network's bond demand): the linearised gap of the network's cleared R;
//   - the direct savings bias of each country's home and import variety, sum over the reference
//     distribution of pi_ref (a'_net - a'_ref), before the distribution responds;
//   - the mean signed relative Euler error of the network's home variety off the limit (same weights);
//   - for scale, the reference's own grid error: the same direct bias of an 800-point reference
//     household solution at the same prices (interpolated to the 100-point grid).
// The tower (price network) plays no part here: validation clears markets on the household network.
//   npx tsx bench/ha-trade-deqn-savings-bias.ts [--checkpoint checkpoints/ha-trade-two-country] [--json]
import { initBackend, tf } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { referenceAt, validationPoints } from '../src/models/ha-trade-deqn/validation.ts';
import { gridStates, priceSet, solveNetwork } from '../src/models/ha-trade-deqn/solution.ts';
import { choiceResidualsAt } from '../src/models/ha-trade-deqn/residuals.ts';
import { interpolate, solveHousehold } from '../src/models/ha-trade/household-egm.ts';
import type { HaTradeEquilibrium } from '../src/models/ha-trade/index.ts';
import { cpuSeconds, flag } from './args.ts';

await initBackend();
const checkpoint = flag('checkpoint', 'checkpoints/ha-trade-two-country');
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const { world, layout: lay, constants } = model;
const { M, nZ } = world;
const nA = world.config.assets.points;
const per = nZ * nA;
const FINE = 800;
const started = cpuSeconds();

interface Row {
  policy: number[];
  bondResidual: number;
  dBdR: number;
  impliedRError: number;
  /** [country][variety] direct savings bias of the network and of the 800-point reference. */
  direct: number[][];
  directFineReference: number[][];
  signedEulerHome: number[];
}

const points = validationPoints(world);
let base: HaTradeEquilibrium | undefined;
const rows: Row[] = points.map((x) => {
  const ref = referenceAt(world, x, base);
  base ??= ref;
  const prices = { wages: Float64Array.from(ref.prices.wages), R: Float64Array.from(ref.prices.R), rebates: Float64Array.from(ref.prices.rebates) };
  const opts = { points: nA, tol: 1e-12, maxIterations: 50000 };
  const eq = solveNetwork(model, run.net, x, { ...opts, prices });
  const dR = 1e-5;
  const up = solveNetwork(model, run.net, x, { ...opts, prices: { ...prices, R: prices.R.map((r) => r + dR) }, initialMass: eq.mass });
  const dBdR = (up.bonds[0] - eq.bonds[0]) / dR;
  const grids = ref.states.map((s) => s.params.agrid);
  const states = gridStates(model, grids, priceSet(world, x, prices), x);
  const rel = tf.tidy(() => choiceResidualsAt(world, lay, constants, run.net, tf.tensor2d(states, [states.length / lay.dim, lay.dim])).relativeEuler.dataSync());
  const direct: number[][] = [];
  const directFine: number[][] = [];
  const signed: number[] = [];
  ref.states.forEach((st, i) => {
    const g = grids[i];
    const fineGrid = Float64Array.from({ length: FINE }, (_, k) => g[0] + ((g[nA - 1] - g[0]) * k) / (FINE - 1));
    const fine = solveHousehold({ ...st.params, agrid: fineGrid }, st.prices, { tol: 1e-12 });
    direct.push([]);
    directFine.push([]);
    let e = 0;
    let weight = 0;
    for (let j = 0; j < M; j++) {
      let d = 0;
      let df = 0;
      for (let s = 0; s < per; s++) {
        const k = j * per + s;
        const w = st.distribution.mass[s] * st.household.choiceProb[k];
        const a = g[s % nA];
        d += w * (eq.policies.aNext[i][k] - st.household.assetPolicy[k]);
        df += w * (interpolate(fineGrid, fine.assetPolicy, (j * nZ + Math.floor(s / nA)) * FINE, a) - st.household.assetPolicy[k]);
        if (j === i && st.household.assetPolicy[k] > g[0] + 1e-9) {
          e += w * rel[(i * per + s) * M + j];
          weight += w;
        }
      }
      direct[i].push(d);
      directFine[i].push(df);
    }
    signed.push(e / weight);
  });
  return { policy: Array.from(x), bondResidual: eq.bonds[0], dBdR, impliedRError: -eq.bonds[0] / dBdR / prices.R[0], direct, directFineReference: directFine, signedEulerHome: signed };
});

if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ checkpoint, episode: run.trainer.episode, points: rows, cpuSeconds: cpuSeconds() - started }) + '\n');
} else {
  const names = world.countries;
  const table: Record<string, string[]> = {
    policy: rows.map((r) => r.policy.map((v) => v.toFixed(2)).join(' / ')),
    'bonds at ref. prices / world income': rows.map((r) => r.bondResidual.toExponential(2)),
    'dB/dR': rows.map((r) => r.dBdR.toFixed(2)),
    'implied R err %': rows.map((r) => (100 * r.impliedRError).toFixed(4)),
    'implied R err % vs status quo': rows.map((r) => (100 * (r.impliedRError - rows[0].impliedRError)).toFixed(4)),
  };
  names.forEach((c, i) => {
    const imports = (d: number[]) => d.reduce((sum, v, j) => (j === i ? sum : sum + v), 0);
    table[`${c} da' home / imports`] = rows.map((r) => `${r.direct[i][i].toExponential(2)} / ${imports(r.direct[i]).toExponential(2)}`);
    table[`${c} home signed Euler %`] = rows.map((r) => (100 * r.signedEulerHome[i]).toFixed(4));
    table[`${c} da' ref 800 pts (home)`] = rows.map((r) => r.directFineReference[i][i].toExponential(2));
  });
  process.stdout.write(`${checkpoint} (episode ${run.trainer.episode}): household network at the reference equilibrium prices\n\n${toMarkdown(table)}\n${(cpuSeconds() - started).toFixed(1)} s CPU\n`);
}
