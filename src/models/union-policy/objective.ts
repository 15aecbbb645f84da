// The union's policy problem seen through the generic PolicyObjective interface (src/policy): the
// instruments of one experiment (MODELS.md §E.2: common external tariff by sector, place-based net
// production taxes and public demand by sector and region), their box, ln Ŵ_EU and its gradient.
//
// Coordinates, in this order when present: tariffs t^r [S]; net taxes τ̃^r_n [U×S]; public demand as
// the change Ĝ^s_n − 1 [U×S]. The origin a = 0 is the laissez-faire baseline of every experiment.
import type { PolicyObjective } from '../../policy/objective.ts';
import type { UnionModel, UnionEquilibrium } from './model.ts';
import type { UnionPolicy } from './hat-system.ts';

export type InstrumentKind = 'tariff' | 'tax' | 'public';

export const EXPERIMENTS = {
  trade: ['tariff'],
  industrial: ['tax'],
  public: ['public'],
  'trade+industrial': ['tariff', 'tax'],
  full: ['tariff', 'tax', 'public'],
} as const satisfies Record<string, readonly InstrumentKind[]>;

export type ExperimentName = keyof typeof EXPERIMENTS;
export const EXPERIMENT_NAMES = Object.keys(EXPERIMENTS) as ExperimentName[];

export interface InstrumentBounds {
  tariff: [number, number];
  tax: [number, number];
  /** Bounds on Ĝ − 1. */
  public: [number, number];
}

export const DEFAULT_BOUNDS: InstrumentBounds = { tariff: [-0.5, 3], tax: [-0.6, 1.5], public: [-0.9, 3] };

interface Block {
  kind: InstrumentKind;
  offset: number;
  length: number;
}

export class UnionPolicyObjective implements PolicyObjective {
  readonly dimension: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly players = ['union'] as const;
  readonly owner: Int32Array;
  readonly blocks: Block[] = [];
  private last: { a: Float64Array; eq: UnionEquilibrium | null } | null = null;
  evaluations = 0;
  failures = 0;

  constructor(readonly model: UnionModel, readonly kinds: readonly InstrumentKind[], readonly bounds: InstrumentBounds = DEFAULT_BOUNDS) {
    const { U, S } = model;
    let offset = 0;
    for (const kind of (['tariff', 'tax', 'public'] as const).filter((k) => kinds.includes(k))) {
      const length = kind === 'tariff' ? S : U * S;
      this.blocks.push({ kind, offset, length });
      offset += length;
    }
    this.dimension = offset;
    this.lower = new Float64Array(offset);
    this.upper = new Float64Array(offset);
    for (const b of this.blocks) {
      this.lower.fill(bounds[b.kind][0], b.offset, b.offset + b.length);
      this.upper.fill(bounds[b.kind][1], b.offset, b.offset + b.length);
    }
    this.owner = new Int32Array(offset);
  }

  initial(): Float64Array {
    return new Float64Array(this.dimension);
  }

  block(kind: InstrumentKind): Block | undefined {
    return this.blocks.find((b) => b.kind === kind);
  }

  /** The policy mix of instrument vector a (instruments outside the experiment stay at laissez-faire). */
  policy(a: Float64Array): UnionPolicy {
    const { U, S } = this.model;
    const p: UnionPolicy = { tariff: new Float64Array(S), tax: new Float64Array(U * S), publicDemand: new Float64Array(U * S).fill(1) };
    for (const b of this.blocks) {
      const part = a.subarray(b.offset, b.offset + b.length);
      if (b.kind === 'tariff') p.tariff.set(part);
      else if (b.kind === 'tax') p.tax.set(part);
      else for (let k = 0; k < b.length; k++) p.publicDemand[k] = 1 + part[k];
    }
    return p;
  }

  /** The equilibrium at a, or null where the solver fails (extreme policies): welfare is then −∞. */
  equilibrium(a: Float64Array): UnionEquilibrium | null {
    if (this.last && sameArray(this.last.a, a)) return this.last.eq;
    let eq: UnionEquilibrium | null = null;
    try {
      eq = this.model.solve(this.policy(a));
    } catch {
      this.failures++;
    }
    this.evaluations++;
    this.last = { a: Float64Array.from(a), eq };
    return eq;
  }

  /** [ln Ŵ_EU]. */
  welfare(a: Float64Array): Float64Array {
    const eq = this.equilibrium(a);
    return Float64Array.of(eq ? Math.log(eq.welfare) : -Infinity);
  }

  gradient(a: Float64Array, weights: Float64Array): Float64Array {
    const eq = this.equilibrium(a);
    const out = new Float64Array(this.dimension);
    if (!eq) return out.fill(NaN);
    const g = this.model.welfareGradient(eq);
    const scale = weights[0] / eq.welfare; // ∇ ln Ŵ_EU = ∇Ŵ_EU / Ŵ_EU
    for (const b of this.blocks) {
      const src = b.kind === 'tariff' ? g.tariff : b.kind === 'tax' ? g.tax : g.publicDemand;
      for (let k = 0; k < b.length; k++) out[b.offset + k] = scale * src[k];
    }
    return out;
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
