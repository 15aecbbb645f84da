// Stationary general equilibrium of MODELS.md §C.4: unknowns are relative wages (one normalisation:
// mean wage = 1, as the author's code), the gross return(s) and, with tariffs, the lump-sum rebates;
// residuals are goods markets 2..M (one is redundant by Walras' law), the bond market(s) and the
// government budgets. Root finding: Newton with a finite-difference Jacobian for small economies; for
// many countries a Broyden method started from a Jacobian that combines exact finite-difference columns
// where a perturbation touches one country (or is the world R) with the Armington/logit approximation
// for the wage block, falling back to a full finite-difference Jacobian if Broyden stalls.
import { UsageError } from '../../io/errors.ts';
import { countryCount, evaluateCountry, evaluateWorld, hasTariffs, marketResiduals, type CountryState, type Economy, type MarketResiduals, type Tolerances, type WorldPrices } from './economy.ts';
import { broydenUpdate, maxAbs, solveLinear } from './linalg.ts';

export interface EquilibriumOptions {
  /** Sup-norm tolerance on the scaled residuals (default 1e-8). */
  tol?: number;
  maxIterations?: number;
  /** Starting wages (any scale; normalised to mean 1), R (one or per country) and rebates. */
  initial?: { wages?: ArrayLike<number>; R?: number | ArrayLike<number>; rebates?: ArrayLike<number> };
  method?: 'broyden' | 'newton';
  /** Forward finite-difference step in the unknowns (default 1e-5). */
  fdStep?: number;
  /** Economies with at most this many countries use finite differences for the wage block (default 4). */
  fdWageLimit?: number;
  log?: (message: string) => void;
}

export interface EquilibriumSolution {
  economy: Economy;
  prices: WorldPrices;
  states: CountryState[];
  residuals: MarketResiduals;
  /** Sup norm of the scaled residual vector at the solution. */
  residualNorm: number;
  iterations: number;
  /** Evaluations of the whole world (household problems of every country). */
  worldEvaluations: number;
  householdSolves: number;
  seconds: number;
}

interface Layout {
  M: number;
  nR: number;
  nT: number;
  n: number;
}

function layoutOf(econ: Economy): Layout {
  const M = countryCount(econ);
  const nR = econ.closure === 'autarky' ? M : 1;
  const nT = hasTariffs(econ) ? M : 0;
  return { M, nR, nT, n: M - 1 + nR + nT };
}

/** Normalises wages to mean one (§C.4: the code fixes w_M = 1 then rescales the mean to 1). */
function normalisedWages(raw: ArrayLike<number>): Float64Array {
  let sum = 0;
  for (let i = 0; i < raw.length; i++) sum += raw[i];
  return Float64Array.from(raw, (w) => (w * raw.length) / sum);
}

function unpack(lay: Layout, x: Float64Array): WorldPrices {
  const { M, nR, nT } = lay;
  const raw = new Float64Array(M);
  for (let j = 0; j < M - 1; j++) raw[j] = Math.exp(x[j]);
  raw[M - 1] = 1;
  const R = new Float64Array(M);
  for (let i = 0; i < M; i++) R[i] = x[M - 1 + (nR === 1 ? 0 : i)];
  const rebates = new Float64Array(M);
  for (let i = 0; i < nT; i++) rebates[i] = x[M - 1 + nR + i];
  return { wages: normalisedWages(raw), R, rebates };
}

function pack(lay: Layout, prices: WorldPrices): Float64Array {
  const { M, nR, nT, n } = lay;
  const x = new Float64Array(n);
  for (let j = 0; j < M - 1; j++) x[j] = Math.log(prices.wages[j] / prices.wages[M - 1]);
  for (let i = 0; i < nR; i++) x[M - 1 + i] = prices.R[i];
  for (let i = 0; i < nT; i++) x[M - 1 + nR + i] = prices.rebates[i];
  return x;
}

/** Residual vector, each market scaled by the relevant labour income so tolerances are relative. */
function residualVector(econ: Economy, lay: Layout, prices: WorldPrices, res: MarketResiduals, states: CountryState[]): Float64Array {
  const { M, nR, nT, n } = lay;
  const F = new Float64Array(n);
  const income = (i: number) => prices.wages[i] * econ.labor[i] * states[i].aggregates.efficiency;
  for (let i = 1; i < M; i++) F[i - 1] = res.goods[i] / income(i);
  if (nR === 1) {
    let total = 0;
    for (let i = 0; i < M; i++) total += res.bonds[i];
    F[M - 1] = total / res.worldIncome;
  } else for (let i = 0; i < M; i++) F[M - 1 + i] = res.bonds[i] / income(i);
  for (let i = 0; i < nT; i++) F[M - 1 + nR + i] = res.government[i] / income(i);
  return F;
}

interface Point {
  /** Tolerances the point was evaluated with (loose far from the solution, the config's near it). */
  tol: Tolerances;
  x: Float64Array;
  prices: WorldPrices;
  states: CountryState[];
  res: MarketResiduals;
  F: Float64Array;
}

/**
 * Inner tolerances follow the outer residual: far from the solution the household and distribution
 * problems need not be solved to 1e-10 (saves most of the time); the config's tolerances apply once the
 * residual is small, and convergence is only declared on a point evaluated with them.
 */
function tolerancesFor(econ: Economy, residual: number, adaptive: boolean): Tolerances {
  if (!adaptive) return { household: econ.householdTol, distribution: econ.distributionTol };
  return {
    household: Math.max(econ.householdTol, Math.min(1e-7, 1e-5 * residual)),
    distribution: Math.max(econ.distributionTol, Math.min(1e-8, 1e-6 * residual)),
  };
}

function isTight(econ: Economy, tol: Tolerances): boolean {
  return tol.household <= econ.householdTol && tol.distribution <= econ.distributionTol;
}

class Evaluator {
  worldEvaluations = 0;
  householdSolves = 0;
  constructor(
    private econ: Economy,
    private lay: Layout,
  ) {}

  full(x: Float64Array, tol: Tolerances, warm?: CountryState[]): Point {
    const prices = unpack(this.lay, x);
    const states = evaluateWorld(this.econ, prices, warm, tol);
    this.worldEvaluations++;
    this.householdSolves += this.lay.M;
    const res = marketResiduals(this.econ, prices, states);
    return { tol, x, prices, states, res, F: residualVector(this.econ, this.lay, prices, res, states) };
  }

  /** Re-solves only country i (its R_i or T_i moved); the rest is reused from base. */
  single(x: Float64Array, base: Point, i: number): Point {
    const prices = unpack(this.lay, x);
    const states = base.states.slice();
    states[i] = evaluateCountry(this.econ, prices, i, base.states[i], base.tol);
    this.householdSolves++;
    const res = marketResiduals(this.econ, prices, states);
    return { tol: base.tol, x, prices, states, res, F: residualVector(this.econ, this.lay, prices, res, states) };
  }
}

/** Finite-difference column k of the Jacobian at base. */
function fdColumn(ev: Evaluator, lay: Layout, base: Point, k: number, h0: number): Float64Array {
  // The step must dominate the noise of loosely solved inner problems.
  const h = Math.max(h0, 1e2 * base.tol.household);
  const x = Float64Array.from(base.x);
  x[k] += h;
  const { M, nR } = lay;
  // R_i (autarky) and T_i move one country's household problem only; wages and a world R move all.
  let singleCountry = -1;
  if (k >= M - 1 + nR) singleCountry = k - (M - 1 + nR);
  else if (k >= M - 1 && nR > 1) singleCountry = k - (M - 1);
  const pt = singleCountry >= 0 ? ev.single(x, base, singleCountry) : ev.full(x, base.tol, base.states);
  return Float64Array.from(pt.F, (f, r) => (f - base.F[r]) / h);
}

/**
 * Wage block approximated by the logit/Armington demand system (§C.6, log-utility limit): imports
 * M_ki respond to buyer k's wage through spending and to every wage through shares with elasticity
 * 1/sigma_k; rows of bonds are left at zero for Broyden to learn.
 */
function armingtonWageBlock(econ: Economy, lay: Layout, base: Point, J: Float64Array): void {
  const { M, n } = lay;
  const imp = base.res.imports;
  const dG = new Float64Array(M * M); // d goods_i / d ln W_m (unscaled)
  const dGov = new Float64Array(M * M);
  for (let k = 0; k < M; k++) {
    let total = 0;
    for (let j = 0; j < M; j++) total += imp[k * M + j];
    const theta = 1 / econ.sigmaEps[k];
    for (let i = 0; i < M; i++) {
      const mki = imp[k * M + i];
      const t = econ.tariffs[k * M + i];
      for (let m = 0; m < M; m++) {
        const dM = mki * ((k === m ? 1 : 0) - theta * ((i === m ? 1 : 0) - imp[k * M + m] / total));
        dG[i * M + m] -= dM / (1 + t);
        dGov[k * M + m] -= (t / (1 + t)) * dM;
      }
    }
  }
  const income = (i: number) => base.prices.wages[i] * econ.labor[i] * base.states[i].aggregates.efficiency;
  for (let i = 0; i < M; i++) dG[i * M + i] += income(i);
  const W = base.prices.wages;
  // d ln W_m / d x_j = delta_mj - W_j / M (mean-one normalisation)
  const chain = (row: Float64Array, r: number, j: number) => {
    let s = 0;
    for (let m = 0; m < M; m++) s += row[r * M + m] * ((m === j ? 1 : 0) - W[j] / M);
    return s;
  };
  for (let j = 0; j < M - 1; j++) {
    for (let i = 1; i < M; i++) J[(i - 1) * n + j] = chain(dG, i, j) / income(i);
    for (let i = 0; i < lay.nT; i++) J[(M - 1 + lay.nR + i) * n + j] = chain(dGov, i, j) / income(i);
  }
}

function jacobian(ev: Evaluator, econ: Economy, lay: Layout, base: Point, h: number, approximateWages: boolean): Float64Array {
  const { M, n } = lay;
  const J = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    if (approximateWages && k < M - 1) continue;
    const col = fdColumn(ev, lay, base, k, h);
    for (let r = 0; r < n; r++) J[r * n + k] = col[r];
  }
  if (approximateWages) armingtonWageBlock(econ, lay, base, J);
  return J;
}

/** Caps the Newton step so log wages move at most 0.3 and returns at most 0.01 per iteration. */
function limitStep(lay: Layout, dx: Float64Array, x: Float64Array, beta: number): void {
  const { M, nR } = lay;
  let scale = 1;
  for (let k = 0; k < dx.length; k++) {
    const cap = k < M - 1 ? 0.3 : k < M - 1 + nR ? 0.01 : Infinity;
    if (Math.abs(dx[k]) * scale > cap) scale = cap / Math.abs(dx[k]);
  }
  for (let k = 0; k < dx.length; k++) dx[k] *= scale;
  // Keep R strictly below 1/beta, where savings would run to the top of the asset grid.
  for (let k = M - 1; k < M - 1 + nR; k++) {
    const ceiling = 1 / beta - 1e-6;
    if (x[k] + dx[k] > ceiling) dx[k] = (ceiling - x[k]) / 2;
  }
}

function initialPrices(econ: Economy, lay: Layout, init: EquilibriumOptions['initial']): WorldPrices {
  const M = lay.M;
  const wages = init?.wages ? normalisedWages(Float64Array.from(init.wages)) : new Float64Array(M).fill(1);
  const r0 = init?.R ?? Math.min(1.01, 0.5 * (1 + 1 / econ.beta));
  const R = typeof r0 === 'number' ? new Float64Array(M).fill(r0) : Float64Array.from(r0);
  const rebates = init?.rebates ? Float64Array.from(init.rebates) : new Float64Array(M);
  if (wages.length !== M || R.length !== M || rebates.length !== M) throw new UsageError(`initial guess must have one entry per country (${M})`);
  return { wages, R, rebates };
}

/** Solves the stationary equilibrium of `econ` (MODELS.md §C.4). */
export function solveEconomy(econ: Economy, opts: EquilibriumOptions = {}): EquilibriumSolution {
  const started = performance.now();
  const tol = opts.tol ?? 1e-8;
  const maxIterations = opts.maxIterations ?? 60;
  const h = opts.fdStep ?? 1e-5;
  const log = opts.log ?? (() => {});
  const lay = layoutOf(econ);
  const approximateWages = lay.M > (opts.fdWageLimit ?? 4);
  // Loose inner tolerances far from the solution only pay when Jacobians are not finite differences.
  const adaptive = approximateWages && opts.method !== 'newton';
  const ev = new Evaluator(econ, lay);
  // Tightens the inner tolerances of a point until they match its residual (cheap: warm started).
  const refine = (p: Point): Point => {
    let q = p;
    for (;;) {
      const want = tolerancesFor(econ, maxAbs(q.F), adaptive);
      if (want.household >= q.tol.household && want.distribution >= q.tol.distribution) return q;
      q = ev.full(q.x, want, q.states);
    }
  };
  let point = refine(ev.full(pack(lay, initialPrices(econ, lay, opts.initial)), tolerancesFor(econ, 1e-2, adaptive)));
  type JacobianKind = 'finite-difference' | 'approximate' | 'broyden';
  const build = (kind: 'finite-difference' | 'approximate') => {
    J = jacobian(ev, econ, lay, point, h, kind === 'approximate');
    jacobianKind = kind;
  };
  let J: Float64Array = new Float64Array(0);
  let jacobianKind = 'broyden' as JacobianKind;
  build(approximateWages && opts.method !== 'newton' ? 'approximate' : 'finite-difference');
  /** On failure: approximate Jacobian again (cheap) after Broyden updates, then finite differences, then give up. */
  const escalate = (why: string): boolean => {
    if (jacobianKind === 'finite-difference') return false;
    const kind = jacobianKind === 'broyden' && approximateWages ? 'approximate' : 'finite-difference';
    log(`iteration ${iterations}: ${why}; rebuilding the Jacobian (${kind})`);
    build(kind);
    return true;
  };
  let iterations = 0;
  while (iterations < maxIterations) {
    if (maxAbs(point.F) < tol) {
      if (isTight(econ, point.tol)) break;
      point = ev.full(point.x, tolerancesFor(econ, 0, adaptive), point.states); // confirm with the config's tolerances
      continue;
    }
    iterations++;
    if (opts.method === 'newton' && jacobianKind !== 'finite-difference') build('finite-difference');
    let dx: Float64Array;
    try {
      dx = solveLinear(J, Float64Array.from(point.F, (f) => -f), lay.n);
    } catch {
      if (!escalate('singular Jacobian')) break;
      continue;
    }
    limitStep(lay, dx, point.x, econ.beta);
    const before = maxAbs(point.F);
    let next: Point | undefined;
    for (let halvings = 0; halvings < 4; halvings++) {
      const trial = ev.full(Float64Array.from(point.x, (v, k) => v + dx[k]), tolerancesFor(econ, before, adaptive), point.states);
      if (Number.isFinite(maxAbs(trial.F)) && maxAbs(trial.F) < before) {
        next = trial;
        break;
      }
      for (let k = 0; k < dx.length; k++) dx[k] /= 2;
    }
    if (!next) {
      const refined = refine(point);
      if (refined !== point) {
        point = refined; // the residual was noise from loose inner tolerances: tighten and retry
        continue;
      }
      if (!escalate('no progress')) break;
      continue;
    }
    const dF = Float64Array.from(next.F, (f, r) => f - point.F[r]);
    const step = Float64Array.from(next.x, (v, k) => v - point.x[k]);
    broydenUpdate(J, step, dF, lay.n);
    jacobianKind = 'broyden';
    point = next;
    log(`iteration ${iterations}: residual ${maxAbs(point.F).toExponential(3)} (goods ${maxAbs(point.F.subarray(0, lay.M - 1)).toExponential(2)}, bonds ${maxAbs(point.F.subarray(lay.M - 1, lay.M - 1 + lay.nR)).toExponential(2)}; world evaluations ${ev.worldEvaluations})`);
  }
  const residualNorm = maxAbs(point.F);
  if (!(residualNorm < tol)) {
    throw new UsageError(
      `ha-trade equilibrium did not converge: residual norm ${residualNorm.toExponential(3)} > tolerance ${tol} after ${iterations} iterations ` +
        `(${ev.worldEvaluations} world evaluations). Try: a starting point closer to the solution (solver.initialWages, solver.initialR), ` +
        `more solver.maxIterations, solver.method "newton", a looser solver.tolerance, or a lower preferences.beta if R approaches 1/beta.`,
    );
  }
  return {
    economy: econ,
    prices: point.prices,
    states: point.states,
    residuals: point.res,
    residualNorm,
    iterations,
    worldEvaluations: ev.worldEvaluations,
    householdSolves: ev.householdSolves,
    seconds: (performance.now() - started) / 1000,
  };
}
