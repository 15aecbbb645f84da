// Small shared set-ups for the ha-trade tests (small grids where the fact does not depend on size).
import { efficiencyChain, type EfficiencyChain } from '../../src/models/ha-trade/markov.ts';
import type { HouseholdParams } from '../../src/models/ha-trade/household-egm.ts';

export function linearGrid(lo: number, hi: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

export function paperChain(): EfficiencyChain {
  return efficiencyChain({ persistentStates: 5, rho: 0.9, persistentVariance: 0.039, transitoryStates: 2, transitoryVariance: 0.0522 });
}

export function householdParams(over: Partial<HouseholdParams> = {}): HouseholdParams {
  const chain = over.chain ?? paperChain();
  return {
    gamma: 1.5,
    beta: 0.92,
    sigmaEps: 0.25,
    agrid: linearGrid(-0.5, 8, 60),
    chain,
    home: 0,
    quality: new Float64Array(chain.n),
    ...over,
  };
}
