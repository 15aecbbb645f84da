// Minimal CSV reading for the calibration tables: header row, comma-separated, optional double
// quotes, a UTF-8 byte-order mark tolerated. Every problem becomes a UsageError naming file and line.
import { readFileSync, existsSync } from 'node:fs';
import { UsageError } from '../../../io/errors.ts';

export interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
  /** 1-based line number of each row in the file (for error messages). */
  lines: number[];
}

function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',').map((c) => c.trim());
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k];
    if (quoted) {
      if (ch === '"' && line[k + 1] === '"') (cur += '"'), k++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cur.trim()), (cur = '');
    else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

export function readCsv(file: string, requiredColumns: readonly string[]): CsvTable {
  if (!existsSync(file)) throw new UsageError(`${file}: data file not found`);
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const all = text.split(/\r?\n/);
  const header = splitCsvLine(all[0] ?? '');
  for (const col of requiredColumns) {
    if (!header.includes(col)) {
      throw new UsageError(`${file}: missing column "${col}" (found: ${header.join(', ') || 'nothing'})`);
    }
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let k = 1; k < all.length; k++) {
    if (all[k].trim() === '') continue;
    const cells = splitCsvLine(all[k]);
    if (cells.length !== header.length) {
      throw new UsageError(`${file}: line ${k + 1} has ${cells.length} fields, the header has ${header.length}`);
    }
    rows.push(cells);
    lines.push(k + 1);
  }
  if (rows.length === 0) throw new UsageError(`${file}: no data rows`);
  return { file, header, rows, lines };
}

/** Column accessor that parses numbers and reports bad cells precisely. */
export function column(table: CsvTable, name: string): { text(r: number): string; num(r: number): number } {
  const c = table.header.indexOf(name);
  if (c < 0) throw new UsageError(`${table.file}: missing column "${name}"`);
  return {
    text: (r) => table.rows[r][c],
    num: (r) => {
      const raw = table.rows[r][c];
      const v = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) {
        throw new UsageError(`${table.file}: line ${table.lines[r]}, column "${name}": "${raw}" is not a finite number`);
      }
      return v;
    },
  };
}
