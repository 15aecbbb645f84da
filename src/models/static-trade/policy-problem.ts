// The static trade model seen through the generic PolicyObjective interface (src/policy): which
// wedges are instruments, who sets them, their bounds, and welfare / gradients by the adjoint.
//
// Instruments of player i (MODELS.md §D.3 "Instruments"):
//   tariffs      t^j_{hi} on imports from h in sector j — one per sector ('uniform' across partners) or
//                one per (partner, sector) ('discriminatory'); tradable sectors only;
//   subsidies    s^j_i, one per chosen sector (negative = production tax);
//   exportTaxes  e^j_{in}, uniform across destinations or discriminatory; tradable sectors only.
import type { PolicyObjective } from '../../policy/objective.ts';
import type { StaticTradeModel, Equilibrium } from './model.ts';
import type { Wedges } from './hat-system.ts';

export type InstrumentKind = 'tariffs' | 'subsidies' | 'exportTaxes';

export interface InstrumentSpec {
  kinds: InstrumentKind[];
  /** Countries that set policy (indices); the others keep their wedges. */
  players: number[];
  tariffMode: 'uniform' | 'discriminatory';
  exportTaxMode: 'uniform' | 'discriminatory';
  /** Sectors (indices) with tariff / export-tax instruments; default: the data's tradable sectors. */
  tradeSectors?: number[];
  /** Sectors (indices) with subsidy instruments; default: all sectors. */
  subsidySectors?: number[];
  bounds: { tariff: [number, number]; subsidy: [number, number]; exportTax: [number, number] };
  /** Coordinates to leave out (held at their base value), e.g. to pin a normalisation. */
  exclude?: (c: Coordinate) => boolean;
}

export const DEFAULT_BOUNDS: InstrumentSpec['bounds'] = { tariff: [-0.9, 5], subsidy: [-5, 0.9], exportTax: [-0.9, 5] };

export interface Coordinate {
  player: number;
  kind: InstrumentKind;
  sector: number;
  /** Trading partner for discriminatory instruments, −1 when uniform. */
  partner: number;
}

export class StaticTradePolicyProblem implements PolicyObjective {
  readonly coords: Coordinate[] = [];
  readonly dimension: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly owner: Int32Array;
  readonly players: readonly string[];
  private last: { a: Float64Array; eq: Equilibrium } | null = null;
  evaluations = 0;

  constructor(
    readonly model: StaticTradeModel,
    readonly spec: InstrumentSpec,
    /** Wedges of everything that is not an instrument (and the instruments' starting values). */
    readonly baseWedges: Wedges = model.dataWedges(),
  ) {
    const { N, J } = model.base;
    const data = model.base.data;
    const tradeSectors = spec.tradeSectors ?? data.tradable.flatMap((t, j) => (t ? [j] : []));
    const subsidySectors = spec.subsidySectors ?? Array.from({ length: J }, (_, j) => j);
    for (const i of spec.players) {
      for (const kind of spec.kinds) {
        const sectors = kind === 'subsidies' ? subsidySectors : tradeSectors;
        const discriminatory = (kind === 'tariffs' && spec.tariffMode === 'discriminatory') || (kind === 'exportTaxes' && spec.exportTaxMode === 'discriminatory');
        for (const j of sectors) {
          const add = (c: Coordinate) => (spec.exclude?.(c) ? undefined : this.coords.push(c));
          if (kind === 'subsidies' || !discriminatory) add({ player: i, kind, sector: j, partner: -1 });
          else for (let h = 0; h < N; h++) if (h !== i) add({ player: i, kind, sector: j, partner: h });
        }
      }
    }
    this.dimension = this.coords.length;
    const bound = (c: Coordinate) => (c.kind === 'tariffs' ? spec.bounds.tariff : c.kind === 'subsidies' ? spec.bounds.subsidy : spec.bounds.exportTax);
    this.lower = Float64Array.from(this.coords, (c) => bound(c)[0]);
    this.upper = Float64Array.from(this.coords, (c) => bound(c)[1]);
    // Players are all countries (so welfare vectors index by country); only spec.players own coordinates.
    this.players = data.countries;
    this.owner = Int32Array.from(this.coords, (c) => c.player);
  }

  /** Instruments read off the base wedges; a uniform instrument starts at the flow-weighted mean over partners. */
  initial(): Float64Array {
    return Float64Array.from(this.coords, (c) => this.read(this.baseWedges, c));
  }

  private read(w: Wedges, c: Coordinate): number {
    const { N, J } = this.model.base;
    const spending = this.model.base.data.spending;
    const i = c.player;
    const j = c.sector;
    if (c.kind === 'subsidies') return w.subsidy[i * J + j];
    const at = (h: number) => (c.kind === 'tariffs' ? (h * N + i) * J + j : (i * N + h) * J + j);
    const values = c.kind === 'tariffs' ? w.tariff : w.exportTax;
    if (c.partner >= 0) return values[at(c.partner)];
    let sum = 0;
    let weight = 0;
    for (let h = 0; h < N; h++) {
      if (h === i) continue;
      sum += spending[at(h)] * values[at(h)];
      weight += spending[at(h)];
    }
    return weight > 0 ? sum / weight : values[at((i + 1) % N)];
  }

  /** Wedges implied by instrument vector a (own-country tariffs and export taxes stay zero). */
  wedges(a: Float64Array): Wedges {
    const { N, J } = this.model.base;
    const w: Wedges = {
      tariff: Float64Array.from(this.baseWedges.tariff),
      exportTax: Float64Array.from(this.baseWedges.exportTax),
      subsidy: Float64Array.from(this.baseWedges.subsidy),
      iceberg: this.baseWedges.iceberg,
    };
    this.coords.forEach((c, k) => {
      const i = c.player;
      const j = c.sector;
      if (c.kind === 'subsidies') w.subsidy[i * J + j] = a[k];
      else {
        for (let h = 0; h < N; h++) {
          if (h === i || (c.partner >= 0 && h !== c.partner)) continue;
          if (c.kind === 'tariffs') w.tariff[(h * N + i) * J + j] = a[k];
          else w.exportTax[(i * N + h) * J + j] = a[k];
        }
      }
    });
    return w;
  }

  equilibrium(a: Float64Array): Equilibrium {
    if (this.last && sameArray(this.last.a, a)) return this.last.eq;
    const eq = this.model.solve(this.wedges(a));
    this.evaluations++;
    this.last = { a: Float64Array.from(a), eq };
    return eq;
  }

  /** Factorises the equilibrium Jacobian at a: the nearby solves of a finite-difference Jacobian then take few Krylov iterations. */
  localize(a: Float64Array): void {
    const eq = this.equilibrium(a);
    this.model.solver.refreshDense(eq.system, eq.z);
  }

  /** Nearby policies continue from the equilibrium at a: other selections within localRadius of it are forgotten. */
  anchor(a: Float64Array): void {
    this.equilibrium(a);
    this.model.anchor(this.wedges(a));
  }

  welfare(a: Float64Array): Float64Array {
    return Float64Array.from(this.equilibrium(a).logWelfare);
  }

  gradient(a: Float64Array, weights: Float64Array): Float64Array {
    const adj = this.model.welfareGradient(this.equilibrium(a), weights);
    for (const arr of [adj.tariff, adj.exportTax, adj.subsidy]) {
      // A degenerate equilibrium (every sector of some kind vanished to underflow) has no usable adjoint.
      if (!arr.every(Number.isFinite)) throw new Error('equilibrium not found: the welfare gradient is not finite at this policy');
    }
    const { N, J } = this.model.base;
    return Float64Array.from(this.coords, (c) => {
      const i = c.player;
      const j = c.sector;
      if (c.kind === 'subsidies') return adj.subsidy[i * J + j];
      let g = 0;
      for (let h = 0; h < N; h++) {
        if (h === i || (c.partner >= 0 && h !== c.partner)) continue;
        g += c.kind === 'tariffs' ? adj.tariff[(h * N + i) * J + j] : adj.exportTax[(i * N + h) * J + j];
      }
      return g;
    });
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
