// The `deqn` command line: one file per command under src/cli/, registered here.
// Bad input raises UsageError: one line on stderr, exit code 2, no stack trace.
import { Command, CommanderError } from 'commander';
import { UsageError, USAGE_EXIT_CODE } from '../io/errors.ts';
import { COMMANDS } from './commands.ts';

export function buildProgram(): Command {
  const program = new Command('deqn')
    .description('Deep equilibrium nets and trade policy: train, evaluate, solve, optimise.')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    // A command may end without an error but with a non-zero status (an interrupted run: 130).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version arrive here too, with exit code 0; commander already printed its message.
    return err.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`deqn: error: ${err.message}\n`);
    return USAGE_EXIT_CODE;
  }
  const e = err as Error;
  process.stderr.write(`deqn: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.DEQN_DEBUG) process.stderr.write(`${e?.stack}\n`);
  else process.stderr.write('(set DEQN_DEBUG=1 for the stack trace)\n');
  return 1;
}
