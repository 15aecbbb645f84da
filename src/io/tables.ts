// Result tables a researcher can open: CSV (spreadsheets), Arrow IPC files (pandas, polars, R,
// DuckDB) and Markdown (reports). One column-oriented input feeds all three.
import { writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { tableFromArrays, tableToIPC, tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';

/** Columns of equal length: numbers become float64, strings become utf8. */
export type Columns = Record<string, ArrayLike<number> | readonly string[]>;

function rowCount(columns: Columns): number {
  const lengths = Object.values(columns).map((c) => c.length);
  if (lengths.some((n) => n !== lengths[0])) {
    throw new Error(`table columns differ in length: ${Object.keys(columns).map((k, i) => `${k}=${lengths[i]}`).join(', ')}`);
  }
  return lengths[0] ?? 0;
}

/** Writes `data` to `file` through a temporary name, so a killed process never leaves half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function csvCell(v: number | string): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(columns: Columns): string {
  const names = Object.keys(columns);
  const n = rowCount(columns);
  const lines = [names.map(csvCell).join(',')];
  for (let i = 0; i < n; i++) lines.push(names.map((k) => csvCell(columns[k][i] as number | string)).join(','));
  return lines.join('\n') + '\n';
}

export function toArrowIpc(columns: Columns): Uint8Array {
  rowCount(columns);
  const arrays: Record<string, Float64Array | string[]> = {};
  for (const [k, c] of Object.entries(columns)) {
    arrays[k] = typeof c[0] === 'string' ? Array.from(c as readonly string[]) : Float64Array.from(c as ArrayLike<number>);
  }
  return tableToIPC(tableFromArrays(arrays), 'file');
}

/** Reads an Arrow IPC file back into plain columns (used by tests and by `report`). */
export function readArrowFile(file: string): Record<string, number[] | string[]> {
  const table = tableFromIPC(readFileSync(file));
  const out: Record<string, number[] | string[]> = {};
  for (const field of table.schema.fields) out[field.name] = Array.from(table.getChild(field.name)!.toArray()) as number[] | string[];
  return out;
}

export interface MarkdownOptions {
  /** Significant digits for numbers (default 4). */
  digits?: number;
}

export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  return abs >= 1e-3 && abs < 1e6 ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1);
}

export function toMarkdown(columns: Columns, opts: MarkdownOptions = {}): string {
  const names = Object.keys(columns);
  const n = rowCount(columns);
  const cell = (v: number | string) => (typeof v === 'number' ? formatNumber(v, opts.digits) : v);
  const lines = [`| ${names.join(' | ')} |`, `|${names.map(() => '---').join('|')}|`];
  for (let i = 0; i < n; i++) lines.push(`| ${names.map((k) => cell(columns[k][i] as number | string)).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/** Writes `<base>.csv` and `<base>.arrow` (and `<base>.md` when asked); returns the paths written. */
export function writeTable(base: string, columns: Columns, opts: { markdown?: boolean } = {}): string[] {
  const written = [`${base}.csv`, `${base}.arrow`];
  writeFileAtomic(written[0], toCsv(columns));
  writeFileAtomic(written[1], toArrowIpc(columns));
  if (opts.markdown) {
    written.push(`${base}.md`);
    writeFileAtomic(written[2], toMarkdown(columns));
  }
  return written;
}
