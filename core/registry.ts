/**
 * Finds the backend descriptor for --service-kind. Built-in kinds come from the list the
 * composition root (main.ts, via backends/mod.ts) injects, so core names none of them;
 * third-party plugins are modules loaded by dynamic import() from a path or URL, whose default
 * export is a plugin function (core/plugin_api.ts) or a descriptor.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor, type BackendFlag } from "./backend.ts";
import { isRunError, isUsageError, RunError } from "./errors.ts";
import { PLUGIN_API } from "./plugin.ts";
import type { PluginApi } from "./plugin_api.ts";

export const PLUGIN_PREFIX = "plugin:";

/** A plugin loaded for the command line: the --service-kind value given, and its descriptor. */
export interface LoadedPlugin {
  /** `plugin:<path-or-URL>` as given; it owns the plugin's flags in messages and --help. */
  serviceKind: string;
  descriptor: BackendDescriptor;
}

/** The built-in descriptor for `kind`, if any. */
export function findBuiltIn(
  builtIn: readonly BackendDescriptor[],
  kind: string,
): BackendDescriptor | undefined {
  return builtIn.find((d) => d.kind === kind);
}

/**
 * A path or URL as the user typed it, made importable (relative paths from the cwd). node:url is
 * imported here, not at the top: the command line (and so --help) loads this module.
 */
async function pluginSpecifier(target: string, cwd: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return target;
  const absolute = target.startsWith("/") ? target : `${cwd}/${target}`;
  const { pathToFileURL } = await import("node:url");
  return pathToFileURL(absolute).href;
}

const EXPORTS = "a plugin function (api) => BackendDescriptor (see core/plugin_api.ts) or a " +
  "BackendDescriptor ({ contractVersion, kind, title, protocols, defaultUrl, capabilities, " +
  "help, create })";

function checkDescriptor(value: unknown, source: string): BackendDescriptor {
  const d = value as Partial<BackendDescriptor> | undefined;
  if (!d || typeof d !== "object" || typeof d.create !== "function" || typeof d.kind !== "string") {
    throw new RunError(`backend module ${source} must default-export ${EXPORTS}`);
  }
  if (d.contractVersion !== BACKEND_CONTRACT_VERSION) {
    const v1 = d.contractVersion === 1
      ? " (a v1 BackendFactory: default-export a plugin function typed with core/plugin_api.ts " +
        "instead, see plugins/example/backend.ts)"
      : "";
    throw new RunError(
      `backend module ${source} implements backend contract version ${d.contractVersion}, ` +
        `but this tool implements version ${BACKEND_CONTRACT_VERSION}${v1}`,
    );
  }
  if (!Array.isArray(d.protocols) || typeof d.capabilities !== "object" || !d.defaultUrl) {
    throw new RunError(`backend module ${source} must default-export ${EXPORTS}`);
  }
  checkFlags(d, source);
  return d as BackendDescriptor;
}

/** What is wrong with one declared flag, or "" (a plugin's flags are parsed like built-ins'). */
function flagProblem(f: Partial<BackendFlag<unknown>> | undefined, i: number): string {
  if (typeof f?.long !== "string" || f.long === "" || typeof f.apply !== "function") {
    return `flags[${i}] needs a non-empty long name and an apply(options, value) function`;
  }
  if (f.short !== undefined && !/^[A-Za-z0-9]$/.test(f.short)) {
    return `flags[${i}] (--${f.long}): short must be one letter or digit`;
  }
  return "";
}

/** Flags are parsed before the run, so a malformed one is refused at load, not mid-parse. */
function checkFlags(d: Partial<BackendDescriptor>, source: string): void {
  if (d.flags === undefined) return;
  if (!Array.isArray(d.flags)) {
    throw new RunError(`backend module ${source}: flags is not an array`);
  }
  const problem = d.flags.map(flagProblem).find((m) => m !== "");
  if (problem) throw new RunError(`backend module ${source}: ${problem}`);
  if (d.flags.length > 0 && typeof d.defaults !== "function") {
    throw new RunError(
      `backend module ${source} declares flags but no defaults() for the options they fill`,
    );
  }
}

/** Loads a plugin: `plugin:<path-or-URL>` (relative paths from `cwd`). */
export async function loadPlugin(serviceKind: string, cwd: string): Promise<BackendDescriptor> {
  const target = serviceKind.slice(PLUGIN_PREFIX.length);
  const specifier = await pluginSpecifier(target, cwd);
  // Name the module as typed, and where that led when it differs (a relative path).
  const named = target === specifier ? specifier : `${target} (${specifier})`;
  let module: { default?: unknown };
  try {
    module = await import(specifier);
  } catch (e) {
    throw new RunError(`cannot load backend module ${named}: ${(e as Error).message}`);
  }
  return checkDescriptor(pluginDescriptor(module.default, specifier), specifier);
}

/**
 * What a plugin module's default export describes: a plugin function is given the tool's
 * runtime API (PLUGIN_API) and returns its descriptor; a descriptor exported as it is (the
 * older way, importing core/plugin.ts by path) is taken as it is.
 */
function pluginDescriptor(exported: unknown, source: string): unknown {
  if (typeof exported !== "function") return exported;
  try {
    return (exported as (api: PluginApi) => unknown)(PLUGIN_API);
  } catch (e) {
    if (isRunError(e) || isUsageError(e)) throw e;
    throw new RunError(`backend module ${source}: its plugin function threw: ${e}`);
  }
}

/** The descriptor for --service-kind: a built-in one, or a plugin module loaded now. */
export async function loadBackend(
  serviceKind: string,
  builtIn: readonly BackendDescriptor[],
  cwd = Deno.cwd(),
): Promise<BackendDescriptor> {
  const found = findBuiltIn(builtIn, serviceKind);
  if (found) return found;
  if (!serviceKind.startsWith(PLUGIN_PREFIX)) {
    const kinds = builtIn.map((d) => d.kind).join(", ");
    throw new RunError(
      `unknown service kind '${serviceKind}'; built-in kinds: ${kinds}, ` +
        `or ${PLUGIN_PREFIX}<path-or-URL> for a backend module`,
    );
  }
  return await loadPlugin(serviceKind, cwd);
}
