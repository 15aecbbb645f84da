// Efficiency process of MODELS.md §C.2: a persistent AR(1) (Rouwenhorst) times a transitory
// i.i.d. part (a Rouwenhorst chain with rho = 0), levels rescaled so the ergodic mean is 1.
// Follows the author's `mix-MarkovChain.jl` (QuantEcon conventions) so numbers are comparable.

export interface MarkovChain {
  /** Number of states. */
  readonly n: number;
  /** Transition matrix, row-major: P[s * n + t] = Pr(t tomorrow | s today). */
  readonly P: Float64Array;
  /** State values (levels for the mixture, log values for a bare Rouwenhorst chain). */
  readonly values: Float64Array;
  /** Ergodic distribution. */
  readonly ergodic: Float64Array;
}

export interface MixtureSpec {
  persistentStates: number;
  rho: number;
  /** Variance of the AR(1) innovation (sigma_P^2). */
  persistentVariance: number;
  transitoryStates: number;
  /** Variance of the i.i.d. component (sigma_T^2). */
  transitoryVariance: number;
}

export interface EfficiencyChain extends MarkovChain {
  /** Log of the persistent component of each state (before the mean rescaling); drives the quality shifter. */
  readonly persistentLog: Float64Array;
}

/**
 * Rouwenhorst approximation of y' = rho y + e, e ~ N(0, sigma^2): QuantEcon convention,
 * grid half-width sqrt(N-1) * sigma / sqrt(1 - rho^2), values are log levels.
 */
export function rouwenhorst(n: number, rho: number, sigma: number): MarkovChain {
  if (!Number.isInteger(n) || n < 1) throw new Error(`rouwenhorst: need n >= 1 states, got ${n}`);
  if (n === 1) return { n, P: Float64Array.of(1), values: Float64Array.of(0), ergodic: Float64Array.of(1) };
  const p = (1 + rho) / 2;
  const q = p;
  let theta = new Float64Array([p, 1 - p, 1 - q, q]);
  for (let m = 3; m <= n; m++) {
    const prev = theta;
    const k = m - 1; // size of prev
    theta = new Float64Array(m * m);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const v = prev[i * k + j];
        theta[i * m + j] += p * v;
        theta[i * m + j + 1] += (1 - p) * v;
        theta[(i + 1) * m + j] += (1 - q) * v;
        theta[(i + 1) * m + j + 1] += q * v;
      }
    }
    for (let i = 1; i < m - 1; i++) for (let j = 0; j < m; j++) theta[i * m + j] /= 2;
  }
  const halfWidth = Math.sqrt(n - 1) * (sigma / Math.sqrt(1 - rho * rho));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = -halfWidth + (2 * halfWidth * i) / (n - 1);
  return { n, P: theta, values, ergodic: ergodicDistribution(theta, n) };
}

/** Ergodic distribution by power iteration (chains here are small and irreducible). */
export function ergodicDistribution(P: Float64Array, n: number): Float64Array {
  let pi = new Float64Array(n).fill(1 / n);
  let next = new Float64Array(n);
  for (let iter = 0; iter < 100_000; iter++) {
    next.fill(0);
    for (let s = 0; s < n; s++) for (let t = 0; t < n; t++) next[t] += pi[s] * P[s * n + t];
    let diff = 0;
    for (let t = 0; t < n; t++) diff = Math.max(diff, Math.abs(next[t] - pi[t]));
    [pi, next] = [next, pi];
    if (diff < 1e-15) break;
  }
  let total = 0;
  for (const v of pi) total += v;
  for (let t = 0; t < n; t++) pi[t] /= total;
  return pi;
}

/** The persistent x transitory mixture of §C.2, persistent index outer, transitory inner (as the source). */
export function efficiencyChain(spec: MixtureSpec): EfficiencyChain {
  const persistent = rouwenhorst(spec.persistentStates, spec.rho, Math.sqrt(spec.persistentVariance));
  const transitory = rouwenhorst(spec.transitoryStates, 0, Math.sqrt(spec.transitoryVariance));
  const nP = persistent.n;
  const nT = transitory.n;
  const n = nP * nT;
  const levels = new Float64Array(n);
  const persistentLog = new Float64Array(n);
  const P = new Float64Array(n * n);
  for (let i = 0; i < nP; i++) {
    for (let j = 0; j < nT; j++) {
      const s = i * nT + j;
      levels[s] = Math.exp(persistent.values[i]) * Math.exp(transitory.values[j]);
      persistentLog[s] = persistent.values[i];
      for (let k = 0; k < nP; k++) {
        for (let l = 0; l < nT; l++) P[s * n + k * nT + l] = persistent.P[i * nP + k] * transitory.P[j * nT + l];
      }
    }
  }
  for (let s = 0; s < n; s++) {
    let row = 0;
    for (let t = 0; t < n; t++) row += P[s * n + t];
    for (let t = 0; t < n; t++) P[s * n + t] /= row;
  }
  const ergodic = ergodicDistribution(P, n);
  let mean = 0;
  for (let s = 0; s < n; s++) mean += ergodic[s] * levels[s];
  for (let s = 0; s < n; s++) levels[s] /= mean; // mean efficiency = 1 (§C.2)
  return { n, P, values: levels, ergodic, persistentLog };
}
