// The DEQN error table (Table 3 style) as terminal text, Markdown, CSV and Arrow columns.
import type { ErrorTable } from '../deqn/trainer.ts';
import type { ErrorStats } from '../deqn/stats.ts';
import { formatNumber, type Columns } from '../io/tables.ts';

export const STAT_KEYS = ['mean', 'max', 'p0.1', 'p10', 'p50', 'p90', 'p99.9'] as const satisfies readonly (keyof ErrorStats)[];

/** Rows: residual families, then policy errors (named "policy error: <policy>"). */
export function errorTableColumns(table: ErrorTable): Columns {
  const rows: [string, ErrorStats][] = [
    ...Object.entries(table.families),
    ...Object.entries(table.policyError).map(([k, v]) => [`policy error: ${k}`, v] as [string, ErrorStats]),
  ];
  const columns: Record<string, string[] | number[]> = { residual: rows.map(([name]) => name) };
  for (const key of STAT_KEYS) columns[key] = rows.map(([, s]) => s[key]);
  return columns;
}

/** Aligned plain-text table for the terminal. */
export function formatErrorTable(table: ErrorTable): string {
  const columns = errorTableColumns(table);
  const names = Object.keys(columns);
  const cells = names.map((k) => [k, ...Array.from(columns[k] as ArrayLike<number | string>, (v) => (typeof v === 'number' ? formatNumber(v, 3) : v))]);
  const widths = cells.map((col) => Math.max(...col.map((c) => c.length)));
  const rows = cells[0].map((_, r) => cells.map((col, c) => (c === 0 ? col[r].padEnd(widths[c]) : col[r].padStart(widths[c]))).join('  '));
  return [rows[0], widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1)].join('\n') + '\n';
}

/** The `--json` form: each family's statistics at top level, policy errors under "policyError". */
export function errorTableJson(table: ErrorTable): Record<string, unknown> {
  const out: Record<string, unknown> = { ...table.families };
  if (Object.keys(table.policyError).length) out.policyError = table.policyError;
  return out;
}
