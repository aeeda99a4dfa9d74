/**
 * An error caused by what the user gave us (a file, a flag, a config field).
 * The CLI prints its message as one line and exits non-zero, with no stack trace unless --verbose.
 */
export class UserError extends Error {
  override name = "UserError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A command line that does not parse (unknown flag, missing argument, bad value): nothing was run. */
export class UsageError extends UserError {
  override name = "UsageError";
}
