// The representative-agent Armington benchmark as a PolicyObjective (same instruments and owners as
// the network objective): welfare = % change of real spending; gradients by central differences
// (the model is a handful of equations, so they are exact to ~1e-8).
import type { PolicyObjective } from '../../policy/objective.ts';
import { baselinePolicy, type World } from './world.ts';
import { representativeWelfare } from './representative-agent.ts';

export function representativeObjective(world: World): PolicyObjective {
  const dim = world.pairs.length;
  const x0 = baselinePolicy(world);
  const full = (a: ArrayLike<number>) => {
    const x = Float64Array.from(x0);
    for (let k = 0; k < dim; k++) x[k] = a[k];
    return x;
  };
  const welfare = (a: Float64Array) => representativeWelfare(world, full(a), x0);
  return {
    dimension: dim,
    lower: world.lower.slice(0, dim),
    upper: world.upper.slice(0, dim),
    players: world.countries,
    owner: Int32Array.from(world.pairs, ([importer]) => importer),
    initial: () => x0.slice(0, dim),
    welfare,
    gradient(a, weights) {
      const h = 1e-6;
      return Float64Array.from({ length: dim }, (_, k) => {
        const up = Float64Array.from(a);
        const down = Float64Array.from(a);
        up[k] += h;
        down[k] -= h;
        const wu = welfare(up);
        const wd = welfare(down);
        let g = 0;
        for (let p = 0; p < weights.length; p++) g += (weights[p] * (wu[p] - wd[p])) / (2 * h);
        return g;
      });
    },
  };
}
