// Stationary distribution over (assets, efficiency) by the lottery (Young 2010) method, MODELS.md §C.3:
// a household at (a, z) choosing variety j with probability pi_j moves to a' = g(a, z, j), split between
// the two neighbouring grid points so the mean is preserved; efficiency then moves with P(z, z').
// Indexing matches household-egm.ts: state s = z * nA + a.
import type { HouseholdSolution } from './household-egm.ts';
import { bracket } from './household-egm.ts';

/** Sparse asset transition: for each state s, entries start[s]..start[s+1]-1 of (target a', weight). */
export interface AssetTransition {
  nA: number;
  nZ: number;
  start: Int32Array;
  target: Int32Array;
  weight: Float64Array;
}

export interface StationaryOptions {
  tol?: number;
  maxIterations?: number;
  /** Warm start: an earlier distribution on the same grid. */
  guess?: Float64Array;
}

export interface StationaryDistribution {
  /** Mass at (z, a), index z * nA + a; sums to one. */
  mass: Float64Array;
  iterations: number;
  /** Final sup-norm change between iterations. */
  residual: number;
}

/** Builds the lottery transition over assets (merging choices that land on the same grid point). */
export function assetTransition(hh: HouseholdSolution, agrid: Float64Array): AssetTransition {
  const { nA, nZ, nJ } = hh;
  const nS = nA * nZ;
  const dense = new Float64Array(nA);
  const touched = new Int32Array(nA);
  const start = new Int32Array(nS + 1);
  // At most two grid points per choice; trimmed at the end. No allocation inside the loops.
  const target = new Int32Array(2 * nJ * nS);
  const weight = new Float64Array(2 * nJ * nS);
  let count = 0;
  const add = (idx: number, w: number, nTouched: number): number => {
    if (w === 0) return nTouched;
    if (dense[idx] === 0) touched[nTouched++] = idx;
    dense[idx] += w;
    return nTouched;
  };
  for (let s = 0; s < nS; s++) {
    start[s] = count;
    let nTouched = 0;
    for (let j = 0; j < nJ; j++) {
      const k = j * nS + s;
      const pr = hh.choiceProb[k];
      if (pr === 0) continue;
      const ap = hh.assetPolicy[k];
      let lo: number;
      let wLo: number;
      if (ap <= agrid[0]) {
        lo = 0;
        wLo = 1;
      } else if (ap >= agrid[nA - 1]) {
        lo = nA - 2;
        wLo = 0;
      } else {
        lo = bracket(agrid, ap);
        wLo = (agrid[lo + 1] - ap) / (agrid[lo + 1] - agrid[lo]);
      }
      nTouched = add(lo, pr * wLo, nTouched);
      nTouched = add(lo + 1, pr * (1 - wLo), nTouched);
    }
    for (let t = 0; t < nTouched; t++) {
      const idx = touched[t];
      target[count] = idx;
      weight[count] = dense[idx];
      count++;
      dense[idx] = 0;
    }
  }
  start[nS] = count;
  return { nA, nZ, start, target: target.slice(0, count), weight: weight.slice(0, count) };
}

/** One step of the law of motion: next = (asset lottery, then efficiency transition) applied to mass. */
export function advanceDistribution(tr: AssetTransition, P: Float64Array, mass: Float64Array, next: Float64Array, scratch: Float64Array): void {
  const { nA, nZ, start, target, weight } = tr;
  scratch.fill(0);
  for (let z = 0; z < nZ; z++) {
    const base = z * nA;
    for (let a = 0; a < nA; a++) {
      const s = base + a;
      const m = mass[s];
      if (m === 0) continue;
      for (let e = start[s]; e < start[s + 1]; e++) scratch[base + target[e]] += m * weight[e];
    }
  }
  next.fill(0);
  for (let z = 0; z < nZ; z++) {
    for (let zp = 0; zp < nZ; zp++) {
      const pr = P[z * nZ + zp];
      if (pr === 0) continue;
      const src = z * nA;
      const dst = zp * nA;
      for (let a = 0; a < nA; a++) next[dst + a] += pr * scratch[src + a];
    }
  }
}

/** Iterates the law of motion to its fixed point (sup-norm change below tol, default 1e-10). */
export function stationaryDistribution(hh: HouseholdSolution, agrid: Float64Array, P: Float64Array, ergodicZ: Float64Array, opts: StationaryOptions = {}): StationaryDistribution {
  const tol = opts.tol ?? 1e-10;
  const maxIterations = opts.maxIterations ?? 200_000;
  const tr = assetTransition(hh, agrid);
  const nS = hh.nA * hh.nZ;
  let mass = new Float64Array(nS);
  if (opts.guess && opts.guess.length === nS) mass.set(opts.guess);
  else {
    // Start from the ergodic efficiency distribution, everyone at zero assets (or the nearest point).
    const a0 = Math.max(0, Math.min(hh.nA - 1, agrid[0] < 0 ? bracket(agrid, 0) : 0));
    for (let z = 0; z < hh.nZ; z++) mass[z * hh.nA + a0] = ergodicZ[z];
  }
  let next = new Float64Array(nS);
  const scratch = new Float64Array(nS);
  let residual = Infinity;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    advanceDistribution(tr, P, mass, next, scratch);
    residual = 0;
    for (let s = 0; s < nS; s++) {
      const d = Math.abs(next[s] - mass[s]);
      if (d > residual) residual = d;
    }
    [mass, next] = [next, mass];
    if (residual < tol) break;
  }
  let total = 0;
  for (let s = 0; s < nS; s++) total += mass[s];
  for (let s = 0; s < nS; s++) mass[s] /= total;
  return { mass, iterations, residual };
}
