/**
 * The command-line front end: argv in, a RunConfig (or help/version text) out. Usage problems
 * are thrown as UsageError with perf_analyzer's wording; main prints them and exits 99.
 */
import { defaultConfig, type RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";
import type { BackendDescriptor } from "../backend.ts";
import { type LoadMode, type OptionSpec, OptionTable } from "./spec.ts";
import { scanArgs } from "./parse.ts";
import { applyBackendFlag, applyOption, newParseState, type ParseState } from "./apply.ts";
import { finishConfig } from "./validate.ts";
import { usageText, versionText } from "./help.ts";

export { usageText, versionText };

export type CliResult =
  | { action: "run"; config: RunConfig; warnings: string[] }
  | { action: "help"; text: string }
  | { action: "version"; text: string };

/**
 * The load mode is checked as each option is met, before anything else about it (even whether
 * this build supports it), so two modes always give perf_analyzer's conflict message.
 */
function checkLoadMode(state: ParseState, spec: OptionSpec): void {
  const mode: LoadMode | undefined = spec.loadMode;
  if (mode === undefined) return;
  if (state.loadMode !== undefined && state.loadMode !== mode) {
    throw new UsageError(`Cannot use both ${state.loadMode} and ${mode} inference load modes.`);
  }
  state.loadMode = mode;
}

/**
 * Parses argv (without the program name) with the flags of the built-in `backends` (the first
 * one is the default --service-kind). Options are applied in argv order, so the first bad
 * option is the one reported; --help and --version end the parse where they appear, as
 * perf_analyzer's --version does. A recognized-but-unsupported option is reported after the
 * scan (so a load-mode conflict later on the line still wins), before cross-option checks.
 */
export function parseCommandLine(
  argv: string[],
  backends: readonly BackendDescriptor[],
): CliResult {
  const config = defaultConfig();
  const state = newParseState(backends);
  for (const { spec, value, typed } of scanArgs(argv, new OptionTable(backends))) {
    checkLoadMode(state, spec);
    if (spec.id === "help") return { action: "help", text: usageText(backends) };
    if (spec.id === "version") return { action: "version", text: versionText() };
    if (spec.id === "unsupported") {
      state.unsupported ??= typed;
      continue;
    }
    if (spec.id === "backend") applyBackendFlag(state, spec.owner!, typed, value ?? "");
    else applyOption(config, state, spec.id, value ?? "");
  }
  if (state.unsupported !== undefined) {
    throw new UsageError(`Option '${state.unsupported}' is not supported by this build yet.`);
  }
  finishConfig(config, state);
  return { action: "run", config, warnings: state.warnings };
}
