// Speed of one training step of the 56-generation two-asset OLG benchmark (MODELS.md §B) for a
// grid of network widths and minibatch sizes, on the current backend; and, with --checkpoint, the
// error table of a trained run. Timings on a shared machine are noisy: the median of --steps is shown.
//   npx tsx bench/olg-two-asset.ts [--hidden 128,256] [--batch 128,256,512] [--steps 10] [--json]
//   npx tsx bench/olg-two-asset.ts --checkpoint checkpoints/olg-two-asset-cpu [--states 10000] [--json]
//     (error table as `deqn evaluate`, plus mean Euler errors by age and the guard's restarts)
import { tf, initBackend } from '../src/tensor/backend.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Mlp } from '../src/deqn/network.ts';
import { Trainer, errorTable } from '../src/deqn/trainer.ts';
import { evaluateResiduals, networkPolicy } from '../src/deqn/residuals.ts';
import { TrainingSchema } from '../src/deqn/config.ts';
import { createOlgTwoAsset } from '../src/models/olg-two-asset/index.ts';
import { OlgTwoAssetParamsSchema } from '../src/models/olg-two-asset/params.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { formatErrorTable } from '../src/report/error-table.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const list = (s: string) => s.split(',').map(Number);
const json = process.argv.includes('--json');

interface Row {
  hidden: string;
  batch: number;
  msPerStep: number;
  statesPerSecond: number;
  msPerSimulatedPeriod: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeStep(hidden: number[], batch: number, steps: number): Row {
  const model = createOlgTwoAsset(OlgTwoAssetParamsSchema.parse({}));
  const rng = Rng.fromSeed(1);
  const net = new Mlp({ inputDim: model.featureDim, outputs: model.outputs, hidden, activation: 'relu', outputInit: 'zeros' }, rng);
  const config = TrainingSchema.parse({ episodes: 1, paths: batch, periodsPerEpisode: 1, batchSize: batch, learningRate: 1e-4, clipGradients: { byGlobalNorm: 1 } });
  const trainer = new Trainer(model, net, config, 1, rng);
  const states = tf.tensor2d(trainer.simulator.states, [batch, model.stateDim]);
  const stepTimes: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const t0 = performance.now();
    trainer.trainStep(states, 1e-4);
    if (i >= 2) stepTimes.push(performance.now() - t0);
  }
  const simTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    trainer.simulator.step(net, rng);
    simTimes.push(performance.now() - t0);
  }
  states.dispose();
  trainer.adam.dispose();
  net.dispose();
  const ms = median(stepTimes);
  return { hidden: hidden.join('x'), batch, msPerStep: ms, statesPerSecond: (1000 * batch) / ms, msPerSimulatedPeriod: median(simTimes) };
}

/** Mean |e| of the capital and bond Euler errors by age s = 1..N-1 at `states` (chunked). */
function eulerErrorsByAge(run: TrainingRun, states: Float32Array): { capital: number[]; bond: number[] } {
  const dim = run.model.stateDim;
  const n = states.length / dim;
  const sums = { capital: [] as number[], bond: [] as number[] };
  for (let start = 0; start < n; start += 2048) {
    const size = Math.min(2048, n - start);
    tf.tidy(() => {
      const x = tf.tensor2d(states.subarray(start * dim, (start + size) * dim), [size, dim]);
      const { residuals } = evaluateResiduals(run.model, networkPolicy(run.model, run.net), x);
      const add = (into: number[], e: tf.Tensor2D) => tf.sum(tf.abs(e), 0).dataSync().forEach((v, s) => (into[s] = (into[s] ?? 0) + v / n));
      add(sums.capital, residuals.capitalEuler);
      add(sums.bond, residuals.bondEuler);
    });
  }
  return sums;
}

/** Error table of a trained run, with the Euler errors by age and the guard's restarts. */
function evaluateCheckpoint(checkpoint: string, count: number): void {
  const run = TrainingRun.load(checkpoint);
  const t0 = performance.now();
  const fresh = run.trainer.freshStates(count, run.config.evaluation.burnInPeriods, 'evaluate');
  const table = errorTable(run.model, run.net, fresh);
  const byAge = eulerErrorsByAge(run, fresh);
  const resets = (run.model as ReturnType<typeof createOlgTwoAsset>).guardResets();
  if (json) {
    process.stdout.write(JSON.stringify({ episode: run.trainer.episode, guardResets: resets, table, eulerByAge: byAge }) + '\n');
    return;
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`episode ${run.trainer.episode}, ${count} fresh states, ${seconds} s, guard restarts during evaluation ${resets}\n${formatErrorTable(table)}`);
  process.stdout.write('mean |Euler error| by age s (capital / bond), in %:\n');
  byAge.capital.forEach((c, s) => process.stdout.write(`${String(s + 1).padStart(3)} ${(100 * c).toFixed(3).padStart(8)} ${(100 * byAge.bond[s]).toFixed(3).padStart(8)}${(s + 1) % 4 === 0 ? '\n' : '   '}`));
  process.stdout.write('\n');
}

async function main(): Promise<void> {
  await initBackend(option('backend', 'wasm'));
  const checkpoint = option('checkpoint', '');
  if (checkpoint) {
    evaluateCheckpoint(checkpoint, Number(option('states', '10000')));
    return;
  }
  const rows: Row[] = [];
  const steps = Number(option('steps', '10'));
  for (const width of list(option('hidden', '128,256'))) {
    for (const batch of list(option('batch', '128,256,512'))) {
      rows.push(timeStep([width, width], batch, steps));
      if (!json) {
        const r = rows[rows.length - 1];
        process.stdout.write(
          `${r.hidden.padEnd(9)} batch ${String(r.batch).padStart(5)}  ${r.msPerStep.toFixed(1).padStart(8)} ms/step  ${r.statesPerSecond.toFixed(0).padStart(7)} states/s  ${r.msPerSimulatedPeriod.toFixed(1).padStart(7)} ms/simulated period (${r.batch} paths)\n`,
        );
      }
    }
  }
  if (json) process.stdout.write(JSON.stringify(rows) + '\n');
}

await main();
