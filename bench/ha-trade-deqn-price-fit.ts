// Maintenance script (not a speed benchmark): refits the price network of a heterogeneous-agent
// trade DEQN checkpoint to the market-clearing prices of its household network (price-fit.ts) and
// writes the result as a new checkpoint directory (the household network is unchanged).
//   npx tsx bench/ha-trade-deqn-price-fit.ts [--checkpoint checkpoints/ha-trade-two-country] --out DIR
//        [--grid 9] [--random 48] [--steps 4000] [--targets FILE.json (cache of cleared prices)]
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { clearedTargets, fitPriceTower, pricePoints, type PriceTarget } from '../src/models/ha-trade-deqn/price-fit.ts';
import { flag } from './args.ts';

await initBackend();
const source = flag('checkpoint', 'checkpoints/ha-trade-two-country')!;
const out = flag('out');
if (!out) throw new Error('--out DIR is required (the refitted checkpoint is written there)');
cpSync(source, out, { recursive: true });
const run = TrainingRun.load(out);
const model = run.model as HaTradeDeqn;
const cache = flag('targets');
const started = process.cpuUsage();
let targets: PriceTarget[];
if (cache && existsSync(cache)) {
  targets = (JSON.parse(readFileSync(cache, 'utf8')) as { x: number[]; raw: number[]; residualNorm: number }[]).map((t) => ({ x: Float64Array.from(t.x), raw: Float64Array.from(t.raw), residualNorm: t.residualNorm }));
} else {
  const points = pricePoints(model.world, Number(flag('grid', '9')), Number(flag('random', '48')));
  targets = clearedTargets(model, run.net, points, 100, (m) => process.stderr.write(m + '\n'));
  if (cache) writeFileSync(cache, JSON.stringify(targets.map((t) => ({ x: Array.from(t.x), raw: Array.from(t.raw), residualNorm: t.residualNorm }))));
}
const clearingCpu = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1e6;
const fit = fitPriceTower(model, run.net, targets, Number(flag('steps', '4000')));
const dir = run.save();
process.stdout.write(
  JSON.stringify({ source, out: dir, targets: targets.length, worstClearingResidual: Math.max(...targets.map((t) => t.residualNorm)), clearingCpuSeconds: clearingCpu, ...fit }, null, 1) + '\n',
);
