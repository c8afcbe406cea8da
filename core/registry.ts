/**
 * Finds the backend descriptor for --service-kind. Built-in kinds come from the list the
 * composition root (main.ts, via backends/mod.ts) injects, so core names none of them;
 * third-party plugins are modules whose default export is a descriptor, loaded by dynamic
 * import() from a path or URL.
 */
import { pathToFileURL } from "node:url";
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "./backend.ts";
import { RunError } from "./errors.ts";

export const PLUGIN_PREFIX = "plugin:";

/** The built-in descriptor for `kind`, if any. */
export function findBuiltIn(
  builtIn: readonly BackendDescriptor[],
  kind: string,
): BackendDescriptor | undefined {
  return builtIn.find((d) => d.kind === kind);
}

/** A path or URL as the user typed it, made importable (relative paths from the cwd). */
function pluginSpecifier(target: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return target;
  const absolute = target.startsWith("/") ? target : `${cwd}/${target}`;
  return pathToFileURL(absolute).href;
}

const SHAPE =
  "({ contractVersion, kind, title, protocols, defaultUrl, capabilities, help, create })";

function checkDescriptor(value: unknown, source: string): BackendDescriptor {
  const d = value as Partial<BackendDescriptor> | undefined;
  if (!d || typeof d !== "object" || typeof d.create !== "function" || typeof d.kind !== "string") {
    throw new RunError(`backend module ${source} must default-export a BackendDescriptor ${SHAPE}`);
  }
  if (d.contractVersion !== BACKEND_CONTRACT_VERSION) {
    const v1 = d.contractVersion === 1
      ? " (a v1 BackendFactory: export a descriptor from core/plugin.ts instead, see " +
        "plugins/example/backend.ts)"
      : "";
    throw new RunError(
      `backend module ${source} implements backend contract version ${d.contractVersion}, ` +
        `but this tool implements version ${BACKEND_CONTRACT_VERSION}${v1}`,
    );
  }
  if (!Array.isArray(d.protocols) || typeof d.capabilities !== "object" || !d.defaultUrl) {
    throw new RunError(`backend module ${source} must default-export a BackendDescriptor ${SHAPE}`);
  }
  return d as BackendDescriptor;
}

/** Loads a plugin: `plugin:<path-or-URL>` (relative paths from `cwd`). */
export async function loadPlugin(serviceKind: string, cwd: string): Promise<BackendDescriptor> {
  const specifier = pluginSpecifier(serviceKind.slice(PLUGIN_PREFIX.length), cwd);
  let module: { default?: unknown };
  try {
    module = await import(specifier);
  } catch (e) {
    throw new RunError(`cannot load backend module ${specifier}: ${(e as Error).message}`);
  }
  return checkDescriptor(module.default, specifier);
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
