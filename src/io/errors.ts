// Errors a user can fix (bad file, bad field, bad flag). The CLI prints their message on one
// line and exits with code 2, without a stack trace; anything else is a bug and exits with 1.
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Exit code for bad input, by convention of this CLI. */
export const USAGE_EXIT_CODE = 2;
