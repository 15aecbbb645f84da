// Command-line flags and CPU time for the bench scripts (each bench is a standalone `npx tsx` script).

/** Value after `--name` on the command line, or `fallback` when the flag or its value is missing. */
export function flag(name: string): string | undefined;
export function flag(name: string, fallback: string): string;
export function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** CPU seconds (user + system) this process has used so far. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
