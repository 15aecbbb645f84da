// Where the network's welfare changes differ from the part-1 reference (MODELS.md §C.5): at each
// validation point, the change of population-weighted ex-ante values over the status-quo
// distribution (in % of resources, divided by the reference slope dV/dtau) for (1) the reference,
// (2) the networks (markets cleared on the household network, values of its savings by the logsum
// fixed point) and (3) the reference household problem solved at the networks' equilibrium prices.
// (2) ~ (3) means the household side is accurate and the gap is the equilibrium prices (R).
// (2) ~ (3) with both off the reference means the gap is the prices; (2) off (3) is the households' own
// response (their savings at the counterfactual prices).
// --tariff T: the status quo and every input tariff at T (the 19-country bench's point) instead of the
// five validation points; --only 1,3: just these validation points (each costs a market clearing, ~2-5
// CPU min for 19 countries).
//   npx tsx bench/ha-trade-deqn-welfare-diagnose.ts [--checkpoint checkpoints/ha-trade-two-country] [--tariff T | --only K,...]
import { initBackend } from '../src/tensor/backend.ts';
import { TrainingRun } from '../src/run/training-run.ts';
import { toMarkdown } from '../src/io/tables.ts';
import type { HaTradeDeqn } from '../src/models/ha-trade-deqn/index.ts';
import { referenceAt, validationPoints } from '../src/models/ha-trade-deqn/validation.ts';
import { clearMarkets, type ClearedEquilibrium } from '../src/models/ha-trade-deqn/clearing.ts';
import { evaluatePolicies } from '../src/models/ha-trade-deqn/solution.ts';
import { baselinePolicy, economyAt, uniformTariffPolicy } from '../src/models/ha-trade-deqn/world.ts';
import { evaluateWorld, solveHousehold } from '../src/models/ha-trade/index.ts';
import { flag } from './args.ts';

await initBackend();
const run = TrainingRun.load(flag('checkpoint', 'checkpoints/ha-trade-two-country'));
const model = run.model as HaTradeDeqn;
const { world } = model;
const tariff = flag('tariff');
const only = flag('only');
const allPoints = tariff === undefined ? validationPoints(world) : [baselinePolicy(world), uniformTariffPolicy(world, Number(tariff))];
const points = only === undefined ? allPoints : [allPoints[0], ...only.split(',').map((k) => allPoints[Number(k)])];
if (points.some((x) => x === undefined)) throw new Error(`--only ${only}: expected indices 1-${allPoints.length - 1}`);
const per = world.nZ * world.config.assets.points;
const ref0 = referenceAt(world, points[0]);
const net0 = clearMarkets(model, run.net, points[0], { points: world.config.assets.points });
const m0 = ref0.states.map((s) => s.distribution.mass);
const mean = (V: ArrayLike<number>, i: number) => m0[i].reduce((s, m, k) => s + m * V[k], 0);
const scaled = (t: number) => ref0.states.map((st) => solveHousehold(st.params, { ...st.prices, incomeScale: t }, { tol: 1e-11, guess: st.household }).value);
const [up, down] = [scaled(1.001), scaled(0.999)];
const slope = ref0.states.map((_, i) => (mean(up[i], i) - mean(down[i], i)) / 0.002);
const referenceAtNetworkPrices = (x: Float64Array, eq: ClearedEquilibrium) =>
  evaluateWorld(economyAt(world, x), { wages: eq.prices.wages, R: eq.prices.R, rebates: eq.prices.rebates }, ref0.states, { household: 1e-11, distribution: 1e-12 });
const vNet0 = evaluatePolicies(model, net0.policies, 1e-11);
const rn0 = referenceAtNetworkPrices(points[0], net0);
const table: Record<string, string[]> = { policy: [], 'R ref / network': [] };
for (const c of world.countries) for (const k of ['reference', 'network', 'reference HH at network prices']) table[`${c} dW % ${k}`] = [];
for (let p = 1; p < points.length; p++) {
  const x = points[p];
  const ref = referenceAt(world, x, ref0);
  const net = clearMarkets(model, run.net, x, { points: world.config.assets.points, initialMass: net0.mass });
  const vNet = evaluatePolicies(model, net.policies, 1e-11);
  const rn = referenceAtNetworkPrices(x, net);
  table.policy.push(Array.from(x).join(' / '));
  table['R ref / network'].push(`${ref.prices.R[0].toFixed(5)} / ${net.prices.R[0].toFixed(5)} (status quo ${ref0.prices.R[0].toFixed(5)} / ${net0.prices.R[0].toFixed(5)})`);
  world.countries.forEach((c, i) => {
    const pct = (d: number) => ((100 * d) / slope[i]).toFixed(4);
    table[`${c} dW % reference`].push(pct(mean(ref.states[i].household.value, i) - mean(ref0.states[i].household.value, i)));
    table[`${c} dW % network`].push(pct(mean(vNet[i], i) - mean(vNet0[i], i)));
    table[`${c} dW % reference HH at network prices`].push(pct(mean(rn[i].household.value, i) - mean(rn0[i].household.value, i)));
  });
}
process.stdout.write(`first-order welfare changes (population-weighted dV over the status-quo distribution / reference dV/dtau, in %); ${per} states per country\n\n`);
process.stdout.write(toMarkdown(table) + '\n');
