// Reading JSON inputs (configs, checkpoint manifests) with errors that name the file and field.
import { readFileSync, existsSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { UsageError } from './errors.ts';

export function readJsonFile(file: string, what = 'file'): unknown {
  if (!existsSync(file)) throw new UsageError(`${file}: ${what} not found`);
  if (statSync(file).isDirectory()) throw new UsageError(`${file}: expected a ${what}, found a directory`);
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

/** Dotted path of a zod issue, e.g. `training.learningRate` or `network.widths[1]`. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(top level)';
}

/** Validates `data` against `schema`; the first problem becomes a one-line UsageError. */
export function parseWithSchema<S extends z.ZodType>(schema: S, data: unknown, file: string, pathPrefix: PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new UsageError(`${file}: field "${issuePath([...pathPrefix, ...issue.path])}": ${issue.message}`);
}
