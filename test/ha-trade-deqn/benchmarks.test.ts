// The representative-agent Armington benchmark against the closed-form oracles of MODELS.md §D.5
// (D3 Gros optimal tariff, D4 best response, D5 symmetric Nash tariff), and the policy box parsing
// of checkpoint counterfactuals.
import { describe, it, expect } from 'vitest';
import { parseConfig } from '../../src/models/ha-trade/config.ts';
import { buildWorld } from '../../src/models/ha-trade-deqn/world.ts';
import { HaTradeDeqnParamsSchema } from '../../src/models/ha-trade-deqn/params.ts';
import { solveRepresentativeAgent } from '../../src/models/ha-trade-deqn/representative-agent.ts';
import { representativeObjective } from '../../src/models/ha-trade-deqn/ra-objective.ts';
import { policyFromSets } from '../../src/models/ha-trade-deqn/counterfactual.ts';
import { bestResponse, nashEquilibrium, DEFAULT_NASH, DEFAULT_OPTIMIZER } from '../../src/policy/equilibria.ts';
import { UsageError } from '../../src/io/errors.ts';

/**
 * Two countries of MODELS.md D3-D4: theta = 4, L = (1, 2), d = 1.5 both ways, and technology
 * T = (1, 1.3) in the Eaton-Kortum form (Armington productivity A = T^(1/theta)); the oracle values
 * are reproduced with this reading.
 */
const A2 = Math.pow(1.3, 1 / 4);
function world(tfp: number[], labor: number[], d: number) {
  const config = parseConfig({
    name: 'ra-oracle',
    countries: ['H', 'F'],
    labor,
    tfp,
    tradeCosts: { symmetric: d },
    preferences: { crra: 1, beta: 0.9, sigmaEps: 0.25 },
    efficiency: { persistentStates: 1, rho: 0, persistentVariance: 0, transitoryStates: 1, transitoryVariance: 0 },
    assets: { borrowingLimit: 0.5, max: 4, points: 10 },
    closure: 'globalisation',
  });
  const params = HaTradeDeqnParamsSchema.parse({ economy: {}, panel: { householdsPerCountry: 10 }, policy: { tariffRange: [0, 1], tradeCostScale: [0.9, 1.1] } });
  return buildWorld(config, params.policy);
}

const optimizer = { ...DEFAULT_OPTIMIZER, tolerance: 1e-10, maxIterations: 200 };

describe('representative-agent Armington benchmark (MODELS.md §D.5)', () => {
  it('free trade of a symmetric economy has equal wages and the logit shares', () => {
    const w = world([1, 1], [1, 1], 1.3);
    const eq = solveRepresentativeAgent(w, [0, 0, 1]);
    expect(eq.wages[0]).toBeCloseTo(1, 12);
    expect(eq.shares[1]).toBeCloseTo(Math.pow(1.3, -4) / (1 + Math.pow(1.3, -4)), 12);
  });

  it('D3: the optimal tariff of Home is 0.2701818 (Gros formula oracle)', () => {
    const w = world([1, A2], [1, 2], 1.5);
    const br = bestResponse(representativeObjective(w), Float64Array.of(0, 0), 0, optimizer);
    expect(br.a[0]).toBeCloseTo(0.2701818, 5);
  });

  it('D4: the best response to a foreign tariff of 0.2 is 0.2624019', () => {
    const w = world([1, A2], [1, 2], 1.5);
    const br = bestResponse(representativeObjective(w), Float64Array.of(0, 0.2), 0, optimizer);
    expect(br.a[0]).toBeCloseTo(0.2624019, 5);
  });

  it('D5: symmetric Nash tariffs with theta = 4, tau = 1.3 are 0.2758883', () => {
    const w = world([1, 1], [1, 1], 1.3);
    const nash = nashEquilibrium(representativeObjective(w), Float64Array.of(0, 0), { ...DEFAULT_NASH, damping: 0.5, tolerance: 1e-8, maxRounds: 200, optimizer });
    expect(nash.converged).toBe(true);
    expect(nash.a[0]).toBeCloseTo(0.2758883, 5);
    expect(nash.a[1]).toBeCloseTo(0.2758883, 5);
  });
});

describe('checkpoint policy from --set assignments', () => {
  const w = world([1, 1], [1, 1], 1.3);
  it('sets tariffs by importer and exporter and the trade-cost scale', () => {
    expect(Array.from(policyFromSets(w, ['tariff.F.H=0.25', 'tradeCostScale=0.95']))).toEqual([0, 0.25, 0.95]);
  });
  it('rejects unknown names, countries, values outside the trained box and malformed input', () => {
    expect(() => policyFromSets(w, ['tariff.H.X=0.1'])).toThrow(/unknown country/);
    expect(() => policyFromSets(w, ['tariff.H.F=1.5'])).toThrow(/must lie in \[0, 1\]/);
    expect(() => policyFromSets(w, ['tradeCosts=1'])).toThrow(UsageError);
    expect(() => policyFromSets(w, ['tariff.H.F'])).toThrow(/NAME=VALUE/);
  });
});
