// Seeded synthetic calibration of the union model at any size, by default the slides' full size
// (235 regions + the rest of the world, 54 sectors; MODELS.md §E.1). The slides' regional MRIO data
// (RHOMOLO) are not public, so this generator exists for scale and speed measurements and for tests.
//
// Consistency by construction: origin shares π, input shares γ, χ and final demands are drawn first;
// sector spending then solves the trade-and-input-output (Leontief) system
//   X^r_n = FD^r_n + Σ_s γ^s_n χ^{rs}_n V^s_n/(1+τ̃^s_n),   V^r_m = Σ_n π^r_{mn} X^r_n/(1+t^r_{mn}),
// and the flows are Z = π X, so every accounting identity of the baseline holds exactly and all budget
// shares are non-negative. Final demand is rescaled a few times so each location spends about its
// value added plus its tax revenue (small imbalances remain and are carried as net foreign income).
import seedrandom from 'seedrandom';
import type { UnionData } from './data.ts';

export interface SyntheticSpec {
  regions: number;
  sectors: number;
  seed: number;
  /** RoW's size relative to the whole union (value added). */
  rowScale: number;
  /** Mean share of union spending on RoW goods, per sector before noise. */
  importShare: number;
  /** Mean share of RoW's spending on union goods (the slides: below 5 %). */
  rowUnionShare: number;
  /** Include data-year tariffs and net taxes (the model's baseline is laissez-faire either way). */
  dataYearWedges: boolean;
}

export const FULL_SIZE: SyntheticSpec = { regions: 235, sectors: 54, seed: 1, rowScale: 3, importShare: 0.12, rowUnionShare: 0.04, dataYearWedges: true };

export function syntheticUnionData(spec: Partial<SyntheticSpec> = {}): UnionData {
  const p = { ...FULL_SIZE, ...spec };
  const rng = seedrandom(`union-${p.seed}`);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const normal = () => {
    const u = Math.max(rng(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  const U = p.regions;
  const N = U + 1;
  const S = p.sectors;
  const RoW = N - 1;
  // Sectors: varieties elasticity σ, origin elasticity η ≤ 0.7σ and, where scale economies operate,
  // φ = 1/σ (Krugman free entry, [RECON]); φη ≤ 0.7 keeps the uniqueness condition with a margin.
  const sigma = Float64Array.from({ length: S }, () => uniform(4, 10));
  const eta = sigma.map((s) => 2 + rng() * (0.7 * s - 2));
  const phi = sigma.map((s, r) => (r % 4 === 0 ? 0 : 1 / s));
  const gammaBar = Float64Array.from({ length: S }, () => uniform(0.35, 0.6));
  const baseMix = Array.from({ length: S }, (_, r) => Float64Array.from({ length: S }, (_, s) => Math.exp(normal()) * (s === r ? 4 : 1)));
  // Regions: sizes, positions, sector comparative advantage.
  const size = Float64Array.from({ length: N }, () => Math.exp(0.8 * normal()));
  const unionSize = size.subarray(0, U).reduce((a, b) => a + b, 0);
  size[RoW] = p.rowScale * unionSize;
  const x = Float64Array.from({ length: U }, () => rng());
  const yPos = Float64Array.from({ length: U }, () => rng());
  const advantage = Float64Array.from({ length: N * S }, () => Math.exp(0.5 * normal()));
  const inputShare = new Float64Array(N * S);
  const inputMix = new Float64Array(N * S * S);
  const laborShare = Float64Array.from({ length: N }, () => uniform(0.5, 0.7));
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < S; r++) {
      inputShare[n * S + r] = Math.min(0.7, Math.max(0.2, gammaBar[r] + 0.05 * normal()));
      let total = 0;
      for (let s = 0; s < S; s++) total += inputMix[(n * S + s) * S + r] = baseMix[r][s] * Math.exp(0.2 * normal());
      for (let s = 0; s < S; s++) inputMix[(n * S + s) * S + r] /= total;
    }
  }
  // Origin shares π^r_{mn}: gravity inside the union, a sector-specific RoW share on both sides.
  const pi = new Float64Array(S * N * N);
  for (let r = 0; r < S; r++) {
    const fromRow = Math.min(0.4, Math.max(0.02, p.importShare * Math.exp(0.4 * normal())));
    const toUnion = Math.min(0.2, Math.max(0, p.rowUnionShare * Math.exp(0.3 * normal())));
    for (let n = 0; n < U; n++) {
      let total = 0;
      for (let m = 0; m < U; m++) {
        const d = Math.hypot(x[m] - x[n], yPos[m] - yPos[n]);
        const k = size[m] * advantage[m * S + r] * Math.exp(-6 * d) * (m === n ? 8 : 1);
        pi[(r * N + m) * N + n] = k;
        total += k;
      }
      for (let m = 0; m < U; m++) pi[(r * N + m) * N + n] *= (1 - fromRow) / total;
      pi[(r * N + RoW) * N + n] = fromRow;
    }
    let total = 0;
    for (let m = 0; m < U; m++) total += size[m] * advantage[m * S + r];
    for (let m = 0; m < U; m++) pi[(r * N + m) * N + RoW] = (toUnion * size[m] * advantage[m * S + r]) / total;
    pi[(r * N + RoW) * N + RoW] = 1 - toUnion;
  }
  const externalTariff = Float64Array.from({ length: S }, () => (p.dataYearWedges ? uniform(0, 0.06) : 0));
  const rowTariff = Float64Array.from({ length: S }, () => (p.dataYearWedges ? uniform(0, 0.06) : 0));
  const netTax = Float64Array.from({ length: N * S }, (_, k) => (p.dataYearWedges && k < U * S ? Math.min(0.1, Math.max(-0.1, 0.01 + 0.02 * normal())) : 0));
  // Final demand: household shares and a public share concentrated in the last third of sectors.
  const privateMix = Float64Array.from({ length: N * S }, () => Math.exp(normal()));
  const publicMix = Float64Array.from({ length: N * S }, (_, k) => (k % S >= (2 * S) / 3 ? Math.exp(0.5 * normal()) : 0.02 * rng()));
  const publicShare = Float64Array.from({ length: N }, () => uniform(0.15, 0.25));
  normalizeRows(privateMix, N, S);
  normalizeRows(publicMix, N, S);
  let budget = Float64Array.from(size);
  let used = budget;
  let X: Float64Array = new Float64Array(N * S);
  let V: Float64Array = new Float64Array(N * S);
  for (let round = 0; round < 6; round++) {
    used = budget;
    const FD = new Float64Array(N * S);
    for (let n = 0; n < N; n++) {
      for (let r = 0; r < S; r++) FD[n * S + r] = used[n] * ((1 - publicShare[n]) * privateMix[n * S + r] + publicShare[n] * publicMix[n * S + r]);
    }
    ({ X, V } = solveLeontief(FD, pi, inputShare, inputMix, netTax, externalTariff, rowTariff, N, S));
    // Next budget: value added + tax revenue, times a small region-specific imbalance; the fixed
    // point is only defined up to a scalar, so RoW keeps its size.
    const next = new Float64Array(N);
    for (let n = 0; n < N; n++) for (let r = 0; r < S; r++) next[n] += (1 - inputShare[n * S + r] / (1 + netTax[n * S + r])) * V[n * S + r];
    const scale = size[RoW] / next[RoW];
    budget = next.map((v, n) => v * scale * (n === RoW ? 1 : 1 + 0.02 * Math.sin(7 * n + 1)));
  }
  const flows = new Float64Array(S * N * N);
  for (let r = 0; r < S; r++) for (let m = 0; m < N; m++) for (let n = 0; n < N; n++) flows[(r * N + m) * N + n] = pi[(r * N + m) * N + n] * X[n * S + r];
  // Public spending of the budget the final Leontief solve used, so flows and final demand agree exactly.
  const publicSpending = new Float64Array(N * S);
  for (let n = 0; n < N; n++) for (let r = 0; r < S; r++) publicSpending[n * S + r] = used[n] * publicShare[n] * publicMix[n * S + r];
  const va = new Float64Array(U);
  for (let n = 0; n < U; n++) for (let r = 0; r < S; r++) va[n] += (1 - inputShare[n * S + r]) * V[n * S + r] / (1 + netTax[n * S + r]);
  const vaTotal = va.reduce((a, b) => a + b, 0);
  const gniShare = va.map((v) => v / vaTotal);
  return {
    name: `synthetic union (${U} regions + RoW, ${S} sectors, seed ${p.seed})`,
    locations: [...Array.from({ length: U }, (_, n) => `R${String(n + 1).padStart(3, '0')}`), 'RoW'],
    sectors: Array.from({ length: S }, (_, r) => `S${String(r + 1).padStart(2, '0')}`),
    eta, phi, flows, externalTariff, rowTariff, netTax, inputShare, inputMix, laborShare,
    publicSpending,
    gniShare, otherSpendingShare: Float64Array.from(gniShare), otherUnionSpending: 0.005 * vaTotal,
  };
}

function normalizeRows(a: Float64Array, N: number, S: number): void {
  for (let n = 0; n < N; n++) {
    let t = 0;
    for (let r = 0; r < S; r++) t += a[n * S + r];
    for (let r = 0; r < S; r++) a[n * S + r] /= t;
  }
}

/** Solves X = FD + intermediate demand(V(X)) by fixed-point iteration (a contraction: γ < 1). */
function solveLeontief(
  FD: Float64Array, pi: Float64Array, inputShare: Float64Array, inputMix: Float64Array, netTax: Float64Array,
  externalTariff: Float64Array, rowTariff: Float64Array, N: number, S: number,
): { X: Float64Array; V: Float64Array } {
  const U = N - 1;
  let X = Float64Array.from(FD);
  const V = new Float64Array(N * S);
  for (let it = 0; it < 500; it++) {
    V.fill(0);
    for (let r = 0; r < S; r++) {
      for (let m = 0; m < N; m++) {
        const row = (r * N + m) * N;
        let v = 0;
        for (let n = 0; n < U; n++) v += pi[row + n] * X[n * S + r];
        if (m === U) v = v / (1 + externalTariff[r]) + pi[row + U] * X[U * S + r];
        else v += (pi[row + U] * X[U * S + r]) / (1 + rowTariff[r]);
        V[m * S + r] = v;
      }
    }
    const next = Float64Array.from(FD);
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const c = (inputShare[n * S + s] * V[n * S + s]) / (1 + netTax[n * S + s]);
        for (let r = 0; r < S; r++) next[n * S + r] += c * inputMix[(n * S + r) * S + s];
      }
    }
    let change = 0;
    for (let k = 0; k < next.length; k++) change = Math.max(change, Math.abs(next[k] - X[k]) / Math.max(next[k], 1e-300));
    X = next;
    if (change < 1e-13) break;
  }
  return { X, V };
}
