/**
 * The command-line front end: argv in, a RunConfig (or help/version text) out. Usage problems
 * are thrown as UsageError with perf_analyzer's wording; main prints them and exits 99.
 */
import { defaultConfig, type RunConfig } from "./config.ts";
import { RunError, UsageError } from "../errors.ts";
import type { BackendDescriptor } from "../backend.ts";
import { type LoadedPlugin, loadPlugin, PLUGIN_PREFIX } from "../registry.ts";
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
 * The core options, the built-ins' flags and the plugin's. A plugin flag that takes a name
 * already in use is the module's fault, reported naming both owners.
 */
function optionTable(backends: readonly BackendDescriptor[], plugin?: LoadedPlugin): OptionTable {
  try {
    return new OptionTable(backends, plugin);
  } catch (e) {
    if (plugin === undefined) throw e;
    throw new RunError(
      `backend module ${plugin.serviceKind.slice(PLUGIN_PREFIX.length)} cannot add its flags: ` +
        (e as Error).message,
    );
  }
}

/**
 * Parses argv (without the program name) with the flags of the built-in `backends` (the first
 * one is the default --service-kind) and of `plugin`, the module argv selects, already loaded
 * (see {@link readCommandLine}). Options are applied in argv order, so the first bad option is
 * the one reported; --help and --version end the parse where they appear, as perf_analyzer's
 * --version does.
 */
export function parseCommandLine(
  argv: string[],
  backends: readonly BackendDescriptor[],
  plugin?: LoadedPlugin,
): CliResult {
  const config = defaultConfig();
  const state = newParseState(backends, plugin);
  for (const { spec, value, typed } of scanArgs(argv, optionTable(backends, plugin))) {
    checkLoadMode(state, spec);
    if (spec.id === "help") return { action: "help", text: usageText(backends, plugin) };
    if (spec.id === "version") return { action: "version", text: versionText() };
    if (spec.id === "backend") applyBackendFlag(state, spec.owner!, typed, value ?? "");
    else applyOption(config, state, spec.id, value ?? "");
  }
  finishConfig(config, state);
  return { action: "run", config, warnings: state.warnings };
}

/**
 * The `plugin:` value of the --service-kind that the parse will keep (the last one before any
 * --help or --version, however it is spelled), or undefined when that is a built-in kind. argv
 * is read tolerantly: the plugin's own flags are not known yet.
 */
export function selectedPlugin(
  argv: readonly string[],
  backends: readonly BackendDescriptor[],
): string | undefined {
  let kind: string | undefined;
  for (const { spec, value } of scanArgs(argv, new OptionTable(backends), true)) {
    if (spec.id === "help" || spec.id === "version") break;
    if (spec.id === "service-kind") kind = value;
  }
  // An empty "plugin:" is left to the parse, which says so.
  if (kind === undefined || kind === PLUGIN_PREFIX || !kind.startsWith(PLUGIN_PREFIX)) return;
  return kind;
}

/**
 * Parses argv after loading the plugin it selects (relative paths from `cwd`), so the plugin's
 * flags, rules, default URL and --help section are a built-in's equals. A module that cannot be
 * loaded is a RunError naming it and why, before any other option is checked.
 */
export async function readCommandLine(
  argv: string[],
  backends: readonly BackendDescriptor[],
  cwd: string,
): Promise<CliResult> {
  const kind = selectedPlugin(argv, backends);
  const plugin = kind === undefined
    ? undefined
    : { serviceKind: kind, descriptor: await loadPlugin(kind, cwd) };
  return parseCommandLine(argv, backends, plugin);
}
