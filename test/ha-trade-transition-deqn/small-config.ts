// A transition DEQN small enough for unit tests: the two-country economy on a 40-point asset grid,
// 12 periods, tiny networks, two short training episodes. Tests spread it and override fields.
import type { TransitionDeqnParams } from '../../src/models/ha-trade-transition-deqn/params.ts';
import type { TransitionSetup } from '../../src/models/ha-trade-transition-deqn/setup.ts';

export const SMALL_TRANSITION_CONFIG = {
  name: 'test-transition-deqn',
  economy: 'models/ha-trade-two-country.json',
  economySets: ['assets.points=40'],
  policy: { tariffs: [{ importer: 'HOME', exporter: 'FOREIGN', range: [0, 0.3] as [number, number] }] },
  periods: 12,
  household: { hidden: [16, 16] },
  price: { hidden: [8] },
  training: { seed: 3, episodes: 2, householdSteps: 3, batchSize: 32, priceSteps: 3 },
};

/** A solved setup with training fields overridden (the solved old equilibrium is shared, not re-solved). */
export function withTraining(base: TransitionSetup, training: Partial<TransitionDeqnParams['training']>): TransitionSetup {
  return { ...base, params: { ...base.params, training: { ...base.params.training, ...training } } };
}
