// The five validation points of the policy box (validation.ts validationPoints): the two-country
// design (each point a pair of tariffs, the countries' tariffs on each other) and its 19-country form,
// where the same two rates alternate across the USA's 18 partners.
import { describe, it, expect } from 'vitest';
import { buildWorld } from '../../src/models/ha-trade-deqn/world.ts';
import { HaTradeDeqnParamsSchema, resolveEconomyConfig } from '../../src/models/ha-trade-deqn/params.ts';
import { validationPoints } from '../../src/models/ha-trade-deqn/validation.ts';

const DESIGN = [
  { tariffs: [0, 0], kappa: 1 },
  { tariffs: [0.1, 0], kappa: 1 },
  { tariffs: [0.25, 0.1], kappa: 1 },
  { tariffs: [0.05, 0.3], kappa: 0.95 },
  { tariffs: [0.15, 0.2], kappa: 1.05 },
];

function worldOf(economy: string, tariffs?: { importer: string; exporter: string }[]) {
  const params = HaTradeDeqnParamsSchema.parse({ economy, panel: { householdsPerCountry: 10 }, policy: { ...(tariffs ? { tariffs } : {}), tariffRange: [0, 0.4], tradeCostScale: [0.9, 1.1] } });
  return buildWorld(resolveEconomyConfig(params.economy), params.policy);
}

describe('validation points of the policy box', () => {
  it('two countries: each point is the design pair of tariffs and trade-cost scale', () => {
    const world = worldOf('models/ha-trade-two-country.json');
    expect(world.pairs.length).toBe(2);
    validationPoints(world).forEach((x, p) => expect(Array.from(x)).toEqual([...DESIGN[p].tariffs, DESIGN[p].kappa]));
  });

  it("19 countries: the USA's tariffs alternate the design's two rates across its 18 partners", () => {
    const partners = ['AUS', 'AUT', 'BEL', 'CAN', 'DNK', 'FIN', 'FRA', 'DEU', 'GRC', 'ITA', 'JPN', 'NLD', 'NZL', 'NOR', 'PRT', 'ESP', 'SWE', 'GBR'];
    const world = worldOf('models/ha-trade-ek19-2024.json', partners.map((exporter) => ({ importer: 'USA', exporter })));
    expect(world.policyDim).toBe(19);
    validationPoints(world).forEach((x, p) => {
      partners.forEach((_, k) => expect(x[k]).toBe(DESIGN[p].tariffs[k % 2]));
      expect(x[18]).toBe(DESIGN[p].kappa);
    });
  });
});
