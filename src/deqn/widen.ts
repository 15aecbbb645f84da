// Function-preserving widening of a dense network's hidden layers (Net2Net-style, with zeros instead of
// split units): fine-tune a trained network at a larger width without starting over.
import type { Rng } from '../tensor/rng.ts';

/**
 * Weights ([kernel, bias] per layer, kernels row-major [fanIn, fanOut]) of a network with hidden widths
 * `oldHidden`, widened to `newHidden` (same depth, no layer narrower) without changing the function it
 * computes: each added unit gets random incoming weights (the He-uniform range of Mlp's initialisation,
 * so it is active and has a gradient) and ZERO outgoing weights (to the next layer's old units and to
 * the outputs); the old units keep their weights. The widened network starts exactly where the source
 * was (up to float32 summation order) and training can put the new units to use: their outgoing weights
 * get gradients from the new units' activations at once.
 */
export function widenHiddenLayers(weights: readonly ArrayLike<number>[], inputDim: number, oldHidden: readonly number[], newHidden: readonly number[], rng: Rng): number[][] {
  if (oldHidden.length !== newHidden.length) throw new Error(`cannot change the depth (${oldHidden.length} -> ${newHidden.length} hidden layers)`);
  oldHidden.forEach((h, l) => {
    if (newHidden[l] < h) throw new Error(`cannot narrow hidden layer ${l} from ${h} to ${newHidden[l]}`);
  });
  const outDim = weights[weights.length - 1].length;
  const oldWidths = [inputDim, ...oldHidden, outDim];
  const newWidths = [inputDim, ...newHidden, outDim];
  if (weights.length !== 2 * (oldWidths.length - 1)) throw new Error(`expected ${2 * (oldWidths.length - 1)} weight arrays, got ${weights.length}`);
  const out: number[][] = [];
  for (let l = 0; l + 1 < oldWidths.length; l++) {
    const [inOld, outOld, inNew, outNew] = [oldWidths[l], oldWidths[l + 1], newWidths[l], newWidths[l + 1]];
    const kernel = weights[2 * l];
    if (kernel.length !== inOld * outOld) throw new Error(`layer ${l}: kernel has ${kernel.length} values, expected ${inOld} x ${outOld}`);
    const limit = Math.sqrt(6 / inNew);
    const k = new Array<number>(inNew * outNew).fill(0);
    for (let r = 0; r < inNew; r++) {
      for (let c = 0; c < outNew; c++) {
        // Old unit -> old unit: copied; anything -> new unit: random; new unit -> old unit: zero.
        if (r < inOld && c < outOld) k[r * outNew + c] = kernel[r * outOld + c];
        else if (c >= outOld) k[r * outNew + c] = (2 * rng.uniform() - 1) * limit;
      }
    }
    const bias = new Array<number>(outNew).fill(0);
    for (let c = 0; c < outOld; c++) bias[c] = weights[2 * l + 1][c];
    out.push(k, bias);
  }
  return out;
}
