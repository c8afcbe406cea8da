/** The command line with the built-in kinds, for each kind's descriptor tests. */
import { parseCommandLine } from "../../core/cli/command_line.ts";
import type { RunConfig } from "../../core/cli/config.ts";
import { isUsageError } from "../../core/errors.ts";
import { BUILT_IN_BACKENDS } from "../mod.ts";

export function configOf(args: string[]): RunConfig {
  const r = parseCommandLine(["-m", "simple", ...args], BUILT_IN_BACKENDS);
  if (r.action !== "run") throw new Error(`expected a run, got ${r.action}`);
  return r.config;
}

export function usageErrorOf(args: string[]): string {
  try {
    parseCommandLine(["-m", "simple", ...args], BUILT_IN_BACKENDS);
  } catch (e) {
    if (isUsageError(e)) return e.message;
    throw e;
  }
  throw new Error(`expected a usage error for: ${args.join(" ")}`);
}
