// Preconditioners for the Krylov solves of newton-krylov.ts, built from an explicit Jacobian at some
// point and reused while they stay good: a dense LU (small systems) or block-Jacobi LUs over a partition
// of the unknowns that the system supplies (e.g. one block per country; equations and unknowns share
// the partition). Both provide M⁻¹ (Newton steps) and M⁻ᵀ (adjoint solves).
import { DenseLU } from '../../../numeric/dense-lu.ts';
import type { LinearOperator } from './gmres.ts';

export interface Preconditioner {
  forward: LinearOperator;
  transposed: LinearOperator;
}

export function denseLuPreconditioner(n: number, jacobian: Float64Array): Preconditioner | null {
  const lu = new DenseLU(n, jacobian);
  if (lu.singular) return null;
  return { forward: (x, out) => lu.solve(x, out), transposed: (x, out) => lu.solveTransposed(x, out) };
}

/**
 * Block-Jacobi: LU of each diagonal block J[B, B] for the blocks B of `blockOf` (block id per index).
 * `column(c, out)` must write column c of the Jacobian.
 */
export function blockJacobiPreconditioner(n: number, blockOf: Int32Array, column: (c: number, out: Float64Array) => void): Preconditioner | null {
  const count = blockOf.reduce((m, b) => Math.max(m, b), -1) + 1;
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let k = 0; k < n; k++) members[blockOf[k]].push(k);
  const position = new Int32Array(n);
  members.forEach((idx) => idx.forEach((k, p) => (position[k] = p)));
  const blocks = members.map((idx) => new Float64Array(idx.length * idx.length));
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    column(c, col);
    const q = blockOf[c];
    const b = members[q].length;
    const pc = position[c];
    for (const r of members[q]) blocks[q][position[r] * b + pc] = col[r];
  }
  const lus = blocks.map((a, q) => new DenseLU(members[q].length, a));
  if (lus.some((lu) => lu.singular)) return null;
  const applyWith = (transposed: boolean): LinearOperator => (x, out) => {
    members.forEach((idx, q) => {
      const rhs = Float64Array.from(idx, (k) => x[k]);
      const s = transposed ? lus[q].solveTransposed(rhs) : lus[q].solve(rhs);
      idx.forEach((k, p) => (out[k] = s[p]));
    });
  };
  return { forward: applyWith(false), transposed: applyWith(true) };
}
