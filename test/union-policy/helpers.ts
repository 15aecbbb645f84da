// Hand-built small union economies for the checkable facts of MODELS.md §E.5.
import type { UnionData } from '../../src/models/union-policy/data.ts';

export interface TinySpec {
  /** Buyer spending flows[r][m][n] (sector r, origin m, destination n); the last location is RoW. */
  flows: number[][][];
  eta: number[];
  phi?: number[];
  /** Public spending [n][s]; default zero. */
  publicSpending?: number[][];
  laborShare?: number;
}

export function tinyUnion(spec: TinySpec): UnionData {
  const S = spec.flows.length;
  const N = spec.flows[0].length;
  const U = N - 1;
  const flows = new Float64Array(S * N * N);
  for (let r = 0; r < S; r++) for (let m = 0; m < N; m++) for (let n = 0; n < N; n++) flows[(r * N + m) * N + n] = spec.flows[r][m][n];
  const publicSpending = new Float64Array(N * S);
  if (spec.publicSpending) for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) publicSpending[n * S + s] = spec.publicSpending[n][s];
  return {
    name: 'tiny union',
    locations: [...Array.from({ length: U }, (_, n) => `R${n + 1}`), 'RoW'],
    sectors: Array.from({ length: S }, (_, r) => `S${r + 1}`),
    eta: Float64Array.from(spec.eta),
    phi: Float64Array.from(spec.phi ?? spec.eta.map(() => 0)),
    flows,
    externalTariff: new Float64Array(S),
    rowTariff: new Float64Array(S),
    netTax: new Float64Array(N * S),
    inputShare: new Float64Array(N * S),
    inputMix: new Float64Array(N * S * S),
    laborShare: new Float64Array(N).fill(spec.laborShare ?? 1),
    publicSpending,
    gniShare: new Float64Array(U).fill(1 / U),
    otherSpendingShare: new Float64Array(U).fill(1 / U),
    otherUnionSpending: 0,
  };
}
