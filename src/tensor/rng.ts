// Seeded random numbers for everything random in a run (weights, shocks, shuffles), so the same
// config and seed give the same run, and a resumed run continues the same stream.
import seedrandom from 'seedrandom';

export type RngState = { c: number; s0: number; s1: number; s2: number };

export class Rng {
  private readonly prng: seedrandom.PRNG;

  private constructor(prng: seedrandom.PRNG) {
    this.prng = prng;
  }

  static fromSeed(seed: number | string): Rng {
    return new Rng(seedrandom.alea(String(seed), { state: true }));
  }

  static fromState(state: RngState): Rng {
    return new Rng(seedrandom.alea('', { state }));
  }

  state(): RngState {
    return (this.prng as unknown as { state(): RngState }).state();
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Standard normal by Box-Muller. */
  normal(): number {
    const u = 1 - this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.prng());
  }

  /** Index drawn from a discrete distribution given by its cumulative probabilities. */
  categorical(cumulative: ArrayLike<number>): number {
    const u = this.prng() * cumulative[cumulative.length - 1];
    let i = 0;
    while (i < cumulative.length - 1 && u >= cumulative[i]) i++;
    return i;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
