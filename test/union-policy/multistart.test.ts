// Starting points of the multistart (MODELS.md §E.4): the origin, then spheres of radius k·radiusStep in
// the instrument metric (RMS change of every instrument) or in the curvature metric (each instrument's
// change scaled by √(median D / D_k), D the Hessian diagonal, at most ×10).
import { describe, it, expect } from 'vitest';
import { startingPoints } from '../../src/models/union-policy/multistart.ts';
import type { UnionPolicyObjective } from '../../src/models/union-policy/objective.ts';

const dim = 400;
const box = {
  dimension: dim,
  lower: new Float64Array(dim).fill(-10),
  upper: new Float64Array(dim).fill(10),
  initial: () => new Float64Array(dim),
} as unknown as UnionPolicyObjective;
// Curvatures over four decades, median 1.
const curvature = Float64Array.from({ length: dim }, (_, k) => 10 ** (-2 + (4 * k) / (dim - 1)));
const rms = (a: Float64Array, w?: Float64Array) => Math.sqrt(a.reduce((s, v, k) => s + (w ? w[k] : 1) * v * v, 0) / a.length);

describe('multistart starting points', () => {
  it('start 0 is the origin; start k has RMS instrument change k·radiusStep in the instrument metric (1e-12)', () => {
    const points = startingPoints(box, 3, 0.05, 1);
    expect(Array.from(points[0].a).every((v) => v === 0)).toBe(true);
    expect(rms(points[1].a)).toBeCloseTo(0.05, 12);
    expect(rms(points[2].a)).toBeCloseTo(0.1, 12);
  });

  it('in the curvature metric stiff instruments move less: a_k √(D_k/median D) has RMS k·radiusStep (1e-12)', () => {
    const median = Float64Array.from(curvature).sort()[dim / 2];
    const factor = curvature.map((c) => Math.min(10, Math.sqrt(median / c)));
    const points = startingPoints(box, 3, 0.01, 1, curvature);
    for (const k of [1, 2]) {
      const unscaled = points[k].a.map((v, j) => v / factor[j]);
      expect(rms(unscaled)).toBeCloseTo(0.01 * k, 12);
    }
    // The same seed gives the same direction in both metrics.
    const raw = startingPoints(box, 2, 0.01, 1)[1].a;
    points[1].a.forEach((v, j) => expect(v).toBeCloseTo(raw[j] * factor[j], 14));
    expect(Math.abs(points[1].a[dim - 1])).toBeLessThan(Math.abs(raw[dim - 1]));
  });
});
