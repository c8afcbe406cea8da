/** Exit codes (perf_analyzer's, reference §5) and the errors that map onto them. */

export const ExitCode = {
  Success: 0,
  /** The first level of a linear sweep never stabilized. */
  Unstable: 2,
  /** A window ended with no valid request. */
  NoValidRequests: 3,
  /** Usage errors, unreachable server, bad model metadata, anything else fatal. */
  Generic: 99,
} as const;

export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/**
 * A command-line problem. main prints "Error: <message>" (after the usage text, as
 * perf_analyzer does) and exits 99.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A fatal problem found while running (server unreachable, bad metadata, no valid requests).
 * main prints the message as-is and exits with `code`.
 */
export class RunError extends Error {
  override name = "RunError";
  constructor(message: string, readonly code: ExitCode = ExitCode.Generic) {
    super(message);
  }
}
