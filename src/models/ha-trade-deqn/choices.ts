// Logit choice probabilities and ex-ante values consistent with the household network's savings
// policies (MODELS.md §C.3): with the choice-specific savings a'_j(a, z) and consumption c_j(a, z)
// held at the network's, the ex-ante value solves the logsum Bellman equation
//   V(a, z) = sigma log sum_j exp((u(c_j) + psi_j + beta E[V(a'_j, z') | z]) / sigma),
// a contraction with modulus beta, and the choice probabilities are its softmax.
//
// Why not the network's own continuation outputs: the probabilities depend on DIFFERENCES of
// continuation values across varieties divided by sigma_eps, and an error d in a difference moves
// log(pi_F / pi_H) by d / sigma. The continuation outputs are trained on a Bellman residual that pins
// each level only to ~1e-2 utils (a level error costs (1 - beta)^2 d^2), i.e. the log-odds to ~4 %:
// measured at the status quo of the shipped checkpoint, the network's probabilities alone put the
// import share 3.3 % below the reference while the probabilities implied by exactly evaluated values
// of the same network savings policies are within 0.02 % (bench/ha-trade-deqn-diagnose.ts). The
// savings policy is pinned by the Euler equation (first order in c), so it is the well-conditioned
// part of the network; the choice is made on values computed from it.
import type { World } from './world.ts';
import type { GridPolicies } from './solution.ts';

export interface ConsistentChoices {
  /** Per country, [j][z][a] flat choice probabilities and [z][a] ex-ante values. */
  pi: Float64Array[];
  V: Float64Array[];
  /** Fixed-point iterations used (largest over countries) and final sup-norm change. */
  iterations: number;
  change: number;
}

/** Linear-interpolation bracket and upper weight of x on an evenly spaced grid (clamped). */
export function gridBracket(grid: Float64Array, x: number): [number, number] {
  const n = grid.length;
  const xc = Math.min(Math.max(x, grid[0]), grid[n - 1]);
  let b = Math.min(n - 2, Math.max(0, Math.floor(((xc - grid[0]) / (grid[n - 1] - grid[0])) * (n - 1))));
  while (b > 0 && grid[b] > xc) b--;
  while (b < n - 2 && grid[b + 1] <= xc) b++;
  return [b, (xc - grid[b]) / (grid[b + 1] - grid[b])];
}

export function crra(c: number, gamma: number): number {
  return gamma === 1 ? Math.log(c) : Math.pow(c, 1 - gamma) / (1 - gamma);
}

/**
 * The fixed point of the logsum Bellman equation with the savings and consumption of `policies`
 * (E V(a'_j, z') by linear interpolation on the grid, as the reference solver), started from
 * `initial` values (default: the network's V).
 */
export function consistentChoices(world: World, policies: GridPolicies, tol = 1e-10, maxIterations = 5000, initial?: Float64Array[]): ConsistentChoices {
  const { M, nZ } = world;
  const { gamma, beta, chain } = world.economy;
  const P = chain.P;
  let iterations = 0;
  let change = 0;
  const pi: Float64Array[] = [];
  const values: Float64Array[] = [];
  policies.grids.forEach((grid, i) => {
    const nA = grid.length;
    const per = nZ * nA;
    const sigma = world.economy.sigmaEps[i];
    const psi = world.economy.quality[i];
    const lo = new Int32Array(M * per);
    const wt = new Float64Array(M * per);
    const flow = new Float64Array(M * per); // u(c_j) + psi_j
    for (let j = 0; j < M; j++) {
      for (let s = 0; s < per; s++) {
        const k = j * per + s;
        [lo[k], wt[k]] = gridBracket(grid, policies.aNext[i][k]);
        flow[k] = crra(policies.c[i][k], gamma) + (j === i ? psi[Math.floor(s / nA)] : 0);
      }
    }
    let V = Float64Array.from(initial?.[i] ?? policies.V[i]);
    let next = new Float64Array(per);
    const EV = new Float64Array(per);
    const v = new Float64Array(M);
    const choice = new Float64Array(M * per);
    const evaluate = (write: boolean) => {
      EV.fill(0);
      for (let z = 0; z < nZ; z++) {
        for (let zp = 0; zp < nZ; zp++) {
          const pr = P[z * nZ + zp];
          if (pr === 0) continue;
          for (let a = 0; a < nA; a++) EV[z * nA + a] += pr * V[zp * nA + a];
        }
      }
      let diff = 0;
      for (let s = 0; s < per; s++) {
        const base = s - (s % nA);
        let vmax = -Infinity;
        for (let j = 0; j < M; j++) {
          const k = j * per + s;
          v[j] = flow[k] + beta * ((1 - wt[k]) * EV[base + lo[k]] + wt[k] * EV[base + lo[k] + 1]);
          if (v[j] > vmax) vmax = v[j];
        }
        let sum = 0;
        for (let j = 0; j < M; j++) sum += Math.exp((v[j] - vmax) / sigma);
        if (write) for (let j = 0; j < M; j++) choice[j * per + s] = Math.exp((v[j] - vmax) / sigma) / sum;
        next[s] = vmax + sigma * Math.log(sum);
        diff = Math.max(diff, Math.abs(next[s] - V[s]));
      }
      return diff;
    };
    let it = 0;
    let diff = Infinity;
    while (it < maxIterations && diff >= tol) {
      diff = evaluate(false);
      [V, next] = [next, V];
      it++;
    }
    // Probabilities at the converged values (and V one more application, consistent with them).
    evaluate(true);
    [V, next] = [next, V];
    iterations = Math.max(iterations, it);
    change = Math.max(change, diff);
    pi.push(choice);
    values.push(V);
  });
  return { pi, V: values, iterations, change };
}

/**
 * The adjoint of the logsum Bellman fixed point: lambda = mu + beta Q' lambda, where Q moves state
 * (a, z) to (a'_j, z') with probability pi_j P(z, z') split by the linear-interpolation weights (the
 * derivative of the Bellman operator with respect to V). lambda is the discounted occupation measure
 * started from `mu`, so d(sum_s mu_s V_s)/dx = sum_s lambda_s dT_s/dx at fixed V (the implicit
 * function theorem), which welfare-gradient.ts evaluates by automatic differentiation.
 */
export function discountedOccupation(world: World, policies: GridPolicies, pi: Float64Array[], mu: Float64Array[], tol = 1e-12, maxIterations = 5000): Float64Array[] {
  const { M, nZ } = world;
  const { beta, chain } = world.economy;
  const P = chain.P;
  return policies.grids.map((grid, i) => {
    const nA = grid.length;
    const per = nZ * nA;
    const lo = new Int32Array(M * per);
    const wt = new Float64Array(M * per);
    for (let k = 0; k < M * per; k++) [lo[k], wt[k]] = gridBracket(grid, policies.aNext[i][k]);
    let lambda = Float64Array.from(mu[i]);
    const inner = new Float64Array(per);
    let next = new Float64Array(per);
    for (let it = 0; it < maxIterations; it++) {
      inner.fill(0);
      for (let j = 0; j < M; j++) {
        for (let s = 0; s < per; s++) {
          const k = j * per + s;
          const m = lambda[s] * pi[i][k];
          if (m === 0) continue;
          const base = s - (s % nA);
          inner[base + lo[k]] += m * (1 - wt[k]);
          inner[base + lo[k] + 1] += m * wt[k];
        }
      }
      next.set(mu[i]);
      for (let z = 0; z < nZ; z++) {
        for (let zp = 0; zp < nZ; zp++) {
          const pr = beta * P[z * nZ + zp];
          if (pr === 0) continue;
          for (let a = 0; a < nA; a++) next[zp * nA + a] += pr * inner[z * nA + a];
        }
      }
      let diff = 0;
      let scale = 0;
      for (let s = 0; s < per; s++) {
        diff = Math.max(diff, Math.abs(next[s] - lambda[s]));
        scale = Math.max(scale, Math.abs(next[s]));
      }
      [lambda, next] = [next, lambda];
      if (diff <= tol * Math.max(scale, 1e-300)) break;
    }
    return lambda;
  });
}
