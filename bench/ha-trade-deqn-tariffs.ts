// Optimal and Nash tariffs of the two-country heterogeneous-agent trade economy three ways: through
// the trained networks (welfare gradient by automatic differentiation, policy-objective.ts; the
// policy layer's bounded L-BFGS and damped best responses), by the part-1 reference solver (golden
// section on the utilitarian consumption equivalent; Nash of the symmetric economy as the fixed
// point of the best response), and in the representative-agent Armington economy.
//   npx tsx bench/ha-trade-deqn-tariffs.ts [--checkpoint checkpoints/ha-trade-two-country] [--gradient autodiff|central-differences] [--no-reference] [--grid-points N] [--json]
// --grid-points N: the status-quo distribution and the reference on N asset grid points (default: the config's).
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import { bestResponse, nashEquilibrium, DEFAULT_NASH, DEFAULT_OPTIMIZER } from '../src/policy/equilibria.ts';
import type { PolicyObjective } from '../src/policy/objective.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { networkPolicyObjective } from '../src/models/ha-trade-deqn/policy-objective.ts';
import { representativeObjective } from '../src/models/ha-trade-deqn/ra-objective.ts';
import { referenceAt, referenceTauInterpolant, referenceUtilitarianWelfare, withAssetPoints } from '../src/models/ha-trade-deqn/validation.ts';
import { baselinePolicy } from '../src/models/ha-trade-deqn/world.ts';
import { cpuSeconds, flag } from './args.ts';

await initBackend();
const checkpoint = flag('checkpoint', 'checkpoints/ha-trade-two-country');
const gradient = flag('gradient', 'autodiff') as 'autodiff' | 'central-differences';
const run = TrainingRun.load(checkpoint);
const model = run.model as HaTradeDeqn;
const gridPoints = Number(flag('grid-points', String(model.world.config.assets.points)));
const world = withAssetPoints(model, gridPoints);
// The settings of `deqn optimize` (src/cli/optimize-checkpoint.ts).
const settings = { ...DEFAULT_OPTIMIZER, maxIterations: 30, tolerance: 1e-4 };
const nash = { ...DEFAULT_NASH, damping: 0.5, tolerance: 1e-3, maxRounds: 30, optimizer: settings };

const cpu = cpuSeconds;
function solveBoth(objective: PolicyObjective) {
  let c0 = cpu();
  const uni = bestResponse(objective, objective.initial(), 0, settings);
  const uniCpu = cpu() - c0;
  c0 = cpu();
  const ne = nashEquilibrium(objective, objective.initial(), nash, (m) => process.stderr.write(m + '\n'));
  return { unilateral: { tariffs: Array.from(uni.a), welfare: Array.from(uni.welfare), converged: uni.converged, cpuSeconds: uniCpu }, nash: { tariffs: Array.from(ne.a), welfare: Array.from(ne.welfare), converged: ne.converged, cpuSeconds: cpu() - c0 } };
}

const net = networkPolicyObjective(model, run.net, { gradient, points: gridPoints });
const network = { ...solveBoth(net), evaluations: net.evaluations };
net.dispose();
const ra = solveBoth(representativeObjective(world));

/** Golden-section maximum of f on [lo, hi] (unimodal), to `tol`. */
function golden(f: (t: number) => number, lo: number, hi: number, tol = 2e-4): { t: number; value: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let [a, b] = [lo, hi];
  let [c, d] = [b - g * (b - a), a + g * (b - a)];
  let [fc, fd] = [f(c), f(d)];
  while (b - a > tol) {
    if (fc > fd) {
      [b, d, fd] = [d, c, fc];
      c = b - g * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return fc > fd ? { t: c, value: fc } : { t: d, value: fd };
}

let reference: { unilateral: { tariff: number; welfare: number }; nash: { tariff: number; welfare: number; rounds: number }; cpuSeconds: number } | undefined;
if (!process.argv.includes('--no-reference')) {
  const c0 = cpu();
  const x0 = baselinePolicy(world);
  const base = referenceAt(world, x0);
  const interp = referenceTauInterpolant(base, [0.95, 0.975, 1, 1.025, 1.05]);
  const W = (tH: number, tF: number) => referenceUtilitarianWelfare(world, base, interp, [tH, tF, 1]);
  // HOME's best response to a FOREIGN tariff, by golden section over HOME's own welfare.
  const br = (tF: number) => golden((t) => W(t, tF)[0], 0, 0.4);
  const uni = br(0);
  // Symmetric economy: the symmetric Nash tariff is the fixed point t = BR(t) (secant iteration).
  let [t0, t1] = [0.3, br(0.3).t];
  let f0 = t1 - t0;
  let rounds = 1;
  for (; rounds < 12 && Math.abs(f0) > 5e-4; rounds++) {
    const f1 = br(t1).t - t1;
    const t2 = f1 === f0 ? t1 + f1 : t1 - (f1 * (t1 - t0)) / (f1 - f0);
    [t0, t1, f0] = [t1, Math.min(0.4, Math.max(0, t2)), f1];
  }
  reference = { unilateral: { tariff: uni.t, welfare: uni.value }, nash: { tariff: t1, welfare: W(t1, t1)[0], rounds }, cpuSeconds: cpu() - c0 };
}

const result = { checkpoint, gradient, gridPoints, network, representativeAgent: ra, reference };
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result) + '\n');
else {
  const f = (v: number) => v.toFixed(4);
  process.stdout.write(
    toMarkdown({
      method: ['network (' + gradient + ')', 'reference HA (part 1)', 'representative agent'],
      'HOME unilateral t (FOREIGN 0)': [f(network.unilateral.tariffs[0]), reference ? f(reference.unilateral.tariff) : '-', f(ra.unilateral.tariffs[0])],
      'HOME CE % there': [f(network.unilateral.welfare[0]), reference ? f(reference.unilateral.welfare) : '-', f(ra.unilateral.welfare[0])],
      'Nash t HOME / FOREIGN': [`${f(network.nash.tariffs[0])} / ${f(network.nash.tariffs[1])}`, reference ? `${f(reference.nash.tariff)} (symmetric)` : '-', `${f(ra.nash.tariffs[0])} / ${f(ra.nash.tariffs[1])}`],
      'Nash CE % HOME': [f(network.nash.welfare[0]), reference ? f(reference.nash.welfare) : '-', f(ra.nash.welfare[0])],
      'CPU s (unilateral / Nash)': [`${network.unilateral.cpuSeconds.toFixed(1)} / ${network.nash.cpuSeconds.toFixed(1)}`, reference ? reference.cpuSeconds.toFixed(1) + ' (both)' : '-', `${ra.unilateral.cpuSeconds.toFixed(1)} / ${ra.nash.cpuSeconds.toFixed(1)}`],
    }) + '\n',
  );
  process.stdout.write(`network: ${network.evaluations} welfare/gradient evaluations; converged unilateral ${network.unilateral.converged}, Nash ${network.nash.converged}\n`);
}
