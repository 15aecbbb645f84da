import { describe, it, expect } from 'vitest';
import { errorStats } from '../../src/deqn/stats.ts';

describe('error statistics', () => {
  it('percentiles interpolate linearly between order statistics (numpy default)', () => {
    // |values| = 0..100; numpy.percentile(range(101), q) = q.
    const values = Array.from({ length: 101 }, (_, i) => (i % 2 ? -i : i));
    const s = errorStats(values);
    expect(s.mean).toBe(50);
    expect(s.max).toBe(100);
    expect(s['p0.1']).toBeCloseTo(0.1, 12);
    expect(s.p10).toBeCloseTo(10, 12);
    expect(s.p50).toBe(50);
    expect(s.p90).toBeCloseTo(90, 12);
    expect(s['p99.9']).toBeCloseTo(99.9, 12);
  });

  it('a NaN residual counts as an infinite error, never a small one', () => {
    const s = errorStats([0.1, NaN, 0.2]);
    expect(s.max).toBe(Infinity);
    expect(s.mean).toBe(Infinity);
  });
});
