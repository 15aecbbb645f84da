// Parsing of numeric flags shared by commands: a bad value is a UsageError naming the flag.
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../io/errors.ts';

export function integerOption(flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} ${value}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** True for an existing directory: commands that take a config file or a checkpoint directory dispatch on it. */
export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
