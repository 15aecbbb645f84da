// Filling dense [origin, destination, sector] arrays from long tables, with completeness checks.
import { UsageError } from '../../../io/errors.ts';
import { type CsvTable, column } from './csv.ts';

/** 0-based sector index from a 1-based integer code column, checked against J. */
export function sectorIndexOf(t: CsvTable, col: string, r: number, J: number): number {
  const code = column(t, col).num(r);
  if (!Number.isInteger(code) || code < 1 || code > J) {
    throw new UsageError(`${t.file}: line ${t.lines[r]}, column "${col}": sector code ${code} not in 1..${J}`);
  }
  return code - 1;
}

export class BilateralFiller {
  private readonly origin: Int32Array;
  private readonly dest: Int32Array;
  private readonly sector: Int32Array;

  constructor(
    private readonly t: CsvTable,
    private readonly countries: readonly string[],
    private readonly J: number,
    originCol: string,
    destCol: string,
    sectorCol: string,
    sectorNames?: readonly string[],
  ) {
    const n = t.rows.length;
    this.origin = new Int32Array(n);
    this.dest = new Int32Array(n);
    this.sector = new Int32Array(n);
    const o = column(t, originCol);
    const d = column(t, destCol);
    for (let r = 0; r < n; r++) {
      this.origin[r] = this.countryIndex(o.text(r), r, originCol);
      this.dest[r] = this.countryIndex(d.text(r), r, destCol);
      if (sectorNames) {
        const s = sectorNames.indexOf(column(t, sectorCol).text(r));
        if (s < 0) throw new UsageError(`${t.file}: line ${t.lines[r]}: unknown sector "${column(t, sectorCol).text(r)}"`);
        this.sector[r] = s;
      } else this.sector[r] = sectorIndexOf(t, sectorCol, r, J);
    }
  }

  private countryIndex(name: string, r: number, col: string): number {
    const i = this.countries.indexOf(name);
    if (i < 0) throw new UsageError(`${this.t.file}: line ${this.t.lines[r]}, column "${col}": unknown country "${name}"`);
    return i;
  }

  /** Dense array of one value column; every (origin, destination, sector) must appear exactly once. */
  fill(valueCol: string): Float64Array {
    const N = this.countries.length;
    const J = this.J;
    const out = new Float64Array(N * N * J).fill(NaN);
    const v = column(this.t, valueCol);
    for (let r = 0; r < this.t.rows.length; r++) {
      const k = (this.origin[r] * N + this.dest[r]) * J + this.sector[r];
      if (!Number.isNaN(out[k])) {
        throw new UsageError(`${this.t.file}: line ${this.t.lines[r]}: duplicate row for this origin, destination and sector`);
      }
      out[k] = v.num(r);
    }
    const missing = out.findIndex((x) => Number.isNaN(x));
    if (missing >= 0) {
      const j = missing % J;
      const n = Math.floor(missing / J) % N;
      const i = Math.floor(missing / (J * N));
      throw new UsageError(
        `${this.t.file}: no row for origin ${this.countries[i]}, destination ${this.countries[n]}, sector ${j + 1}`,
      );
    }
    return out;
  }
}
