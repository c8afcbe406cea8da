/**
 * Exit codes (perf_analyzer's, docs/perf_analyzer.md §5) and the errors that map onto them.
 *
 * Errors are recognised by a brand, not by `instanceof`: a plugin loaded next to the bundle
 * (dist/perf_analyzer.js) imports its own copy of this module, so its RunError is another
 * class with the same brand. Always test with {@link isRunError} / {@link isUsageError}.
 */

export const ExitCode = {
  Success: 0,
  /** The first level of a linear sweep never stabilized. */
  Unstable: 2,
  /** A window ended with no valid request. */
  NoValidRequests: 3,
  /** Ours: the run completed, and a --threshold gate failed on some level. */
  ThresholdFailed: 4,
  /** Usage errors, unreachable server, bad model metadata, anything else fatal. */
  Generic: 99,
  /**
   * Ours: the first Ctrl-C ended the run early; what was measured is reported, the last level
   * cut short. 128 + SIGINT, what a shell reports for a process SIGINT killed. (The second
   * Ctrl-C still exits 0 at once, as perf_analyzer documents.)
   */
  Interrupted: 130,
} as const;

export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** Registry-wide symbols, so every copy of this module brands with the same keys. */
const USAGE_BRAND = Symbol.for("perf_analyzer.UsageError");
const RUN_BRAND = Symbol.for("perf_analyzer.RunError");

/**
 * A command-line problem. main prints "Error: <message>" and exits 99; the capital "Error:"
 * is perf_analyzer's spelling, pinned by tests/golden/errors.txt.
 */
export class UsageError extends Error {
  override name = "UsageError";
  readonly [USAGE_BRAND] = true;
}

/**
 * A fatal problem found while running (server unreachable, bad metadata, no valid requests).
 * main prints "error: <message>" (lower case, unlike usage errors, as perf_analyzer does for
 * run-time failures) and exits with `code`.
 */
export class RunError extends Error {
  override name = "RunError";
  readonly [RUN_BRAND] = true;
  constructor(message: string, readonly code: ExitCode = ExitCode.Generic) {
    super(message);
  }
}

function branded(e: unknown, brand: symbol): boolean {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** True for a UsageError from any copy of this module. */
export function isUsageError(e: unknown): e is UsageError {
  return branded(e, USAGE_BRAND);
}

/** True for a RunError from any copy of this module. */
export function isRunError(e: unknown): e is RunError {
  return branded(e, RUN_BRAND);
}
