// Worker thread of bench/static-trade.ts --parallel: computes best responses of the 7×44 model for the
// main thread's damped Jacobi dynamics (one worker per player, so each keeps its own warm starts).
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../src/models/static-trade/config.ts';
import { buildModel, instrumentSpec } from '../src/models/static-trade/run.ts';
import { StaticTradePolicyProblem, type InstrumentKind } from '../src/models/static-trade/policy-problem.ts';
import { bestResponse } from '../src/policy/equilibria.ts';
import { coordinatesOf } from '../src/policy/objective.ts';

const { overrides, kinds } = workerData as { overrides: string[]; kinds: InstrumentKind[] };
const c = loadConfig('models/dlopt-7x44.json', overrides);
const model = buildModel(c);
const players = model.countries.map((_, i) => i);
const problem = new StaticTradePolicyProblem(model, instrumentSpec(c.config, model, players, kinds));

parentPort!.on('message', (msg: { id: number; player: number; start: number[] }) => {
  const br = bestResponse(problem, Float64Array.from(msg.start), msg.player, c.config.optimizer);
  parentPort!.postMessage({ id: msg.id, coords: coordinatesOf(problem, msg.player).map((k) => br.a[k]) });
});
