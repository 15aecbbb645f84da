// Nash equilibria that survive deviation checks (src/policy/nash.ts globalNash) in small games with
// non-concave welfare whose local and global Nash equilibria are known in closed form: Newton alone
// stops at a local Nash; the deviation check from the status quo finds the profitable large deviation,
// and the outer loop reaches the global equilibrium — or reports the cycle when best responses cycle
// (no pure equilibrium).
import { describe, it, expect } from 'vitest';
import type { PolicyObjective } from '../../src/policy/objective.ts';
import { globalNash, type GlobalNashSettings } from '../../src/policy/nash.ts';

/**
 * Two players, one instrument each, a ∈ [−2, 2]²:
 *   W_1 = −(a_1² − 1)² + c_1 a_1 + d a_1 a_2,   W_2 = −(a_2² − 1)² + c_2 a_2 + e a_1 a_2 − f (a_2 − g a_1)².
 */
function quarticGame(p: { c1: number; d: number; c2: number; e: number; f: number; g: number }, statusQuo: [number, number]): PolicyObjective {
  const w1 = (a: Float64Array) => -((a[0] ** 2 - 1) ** 2) + p.c1 * a[0] + p.d * a[0] * a[1];
  const w2 = (a: Float64Array) => -((a[1] ** 2 - 1) ** 2) + p.c2 * a[1] + p.e * a[0] * a[1] - p.f * (a[1] - p.g * a[0]) ** 2;
  return {
    dimension: 2,
    lower: Float64Array.from([-2, -2]),
    upper: Float64Array.from([2, 2]),
    players: ['P1', 'P2'],
    owner: Int32Array.from([0, 1]),
    initial: () => Float64Array.from(statusQuo),
    welfare: (a) => Float64Array.of(w1(a), w2(a)),
    gradient: (a, w) => {
      const d1 = [-4 * a[0] * (a[0] ** 2 - 1) + p.c1 + p.d * a[1], p.d * a[0]];
      const r = a[1] - p.g * a[0];
      const d2 = [p.e * a[1] + 2 * p.f * p.g * r, -4 * a[1] * (a[1] ** 2 - 1) + p.c2 + p.e * a[0] - 2 * p.f * r];
      return Float64Array.from([0, 1], (k) => w[0] * d1[k] + w[1] * d2[k]);
    },
  };
}

const SETTINGS: GlobalNashSettings = {
  warmupRounds: 0,
  warmupIterations: 20,
  damping: 1,
  update: 'gauss-seidel',
  optimizer: { method: 'lbfgsb', maxIterations: 200, tolerance: 1e-11, learningRate: 0.01, maxStep: 0.25 },
  newtonTolerance: 1e-11,
  newtonMaxIterations: 50,
  finiteDifferenceStep: 1e-6,
  maxStep: 0.5,
  verify: false,
  deviationTolerance: 1e-8,
  maxOuterRounds: 8,
  restartWarmupRounds: 0,
};

/** Real roots of x³ + b x + c = 0 by bisection on sign changes over [−2, 2]. */
function cubicRoots(b: number, c: number): number[] {
  const f = (x: number) => x ** 3 + b * x + c;
  const roots: number[] = [];
  for (let k = 0; k < 400; k++) {
    let lo = -2 + k * 0.01;
    let hi = lo + 0.01;
    if (f(lo) * f(hi) > 0) continue;
    for (let it = 0; it < 200; it++) {
      const mid = (lo + hi) / 2;
      if (f(lo) * f(mid) <= 0) hi = mid;
      else lo = mid;
    }
    roots.push((lo + hi) / 2);
  }
  return roots;
}

describe('global Nash: Newton, deviation checks, move the deviator, Newton again', () => {
  it('a local Nash that is not global is left for the unique global one (closed-form roots, 1e-8)', () => {
    // Player 2's best response is a_2 = a_1/2 (c2 = e = 0, large f makes its welfare concave):
    // W_2 = −(a_2² − 1)² − f(a_2 − a_1/2)²: FOC −4a_2(a_2² − 1) − 2f(a_2 − a_1/2) = 0.
    // Player 1 given a_2: −4a_1(a_1² − 1) + 0.3 + 0.1 a_2 = 0, so its global maximum is on the positive
    // side whenever 0.3 + 0.1 a_2 > 0. Newton from (−1, −0.5) stops at the local Nash on the negative side.
    const game = quarticGame({ c1: 0.3, d: 0.1, c2: 0, e: 0, f: 20, g: 0.5 }, [0.5, 0]);
    const r = globalNash(game, Float64Array.from([-1, -0.5]), game.initial(), SETTINGS);
    expect(r.global).toBe(true);
    expect(r.outer.length).toBe(2);
    expect(r.outer[0].moved).toBe('P1');
    expect(r.outer[0].welfare[0]).toBeLessThan(r.welfare[0]);
    // The equilibrium: a_1 solves −4a_1(a_1² − 1) + 0.3 + 0.1 a_2 = 0 with a_2 = BR_2(a_1); check both FOCs.
    const [a1, a2] = r.a;
    expect(Math.abs(-4 * a1 * (a1 * a1 - 1) + 0.3 + 0.1 * a2)).toBeLessThan(1e-8);
    expect(Math.abs(-4 * a2 * (a2 * a2 - 1) - 40 * (a2 - a1 / 2))).toBeLessThan(1e-8);
    expect(a1).toBeGreaterThan(0.9);
    // Player 1's welfare given a_2 at the end is maximised globally: its FOC's largest root.
    const roots = cubicRoots(-1, -(0.3 + 0.1 * a2) / 4);
    expect(Math.abs(a1 - Math.max(...roots))).toBeLessThan(1e-8);
    expect(r.deviations!.every((d) => Math.max(d.localGain, d.globalGain) <= 1e-8)).toBe(true);
  });

  it('matching-pennies incentives: the best responses cycle through the four local equilibria and the cycle is reported', () => {
    // Player 1 wants sign(a_1) = sign(a_2), player 2 the opposite sign: no pure Nash equilibrium, four
    // local ones near (±1, ±1). The status quo (0, 0) lets each deviation check find the other basin.
    const game = quarticGame({ c1: 0, d: 0.5, c2: 0, e: -0.5, f: 0, g: 0 }, [0, 0]);
    const r = globalNash(game, Float64Array.from([1, 1]), game.initial(), SETTINGS);
    expect(r.global).toBe(false);
    expect(r.cycle).toMatch(/repeats that of round 1/);
    expect(r.outer.length).toBe(5);
    expect(r.outer.slice(0, 4).map((o) => o.moved)).toEqual(['P2', 'P1', 'P2', 'P1']);
    // The local equilibria visited: (+,+) → (+,−) → (−,−) → (−,+) → (+,+), each a strict local Nash.
    expect(r.outer.map((o) => o.a.map(Math.sign))).toEqual([[1, 1], [1, -1], [-1, -1], [-1, 1], [1, 1]]);
    expect(r.outer.every((o) => o.newtonConverged)).toBe(true);
  });
});
