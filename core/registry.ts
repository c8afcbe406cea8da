/**
 * Finds the backend for --service-kind. Built-in kinds and third-party plugins load the same
 * way: a dynamic import() of a module whose default export is a BackendFactory. Built-ins use
 * literal specifiers so that `deno bundle` can include them.
 */
import { pathToFileURL } from "node:url";
import { BACKEND_CONTRACT_VERSION, type BackendFactory } from "./backend.ts";
import { RunError } from "./errors.ts";

type Loader = () => Promise<{ default?: unknown }>;

const BUILT_IN: Record<string, Loader> = {
  triton: () => import("../backends/triton/mod.ts"),
  torchserve: () => import("../backends/torchserve/mod.ts"),
  tfserving: () => import("../backends/tfserving/mod.ts"),
  triton_c_api: () => import("../backends/triton_c_api/mod.ts"),
};

export const PLUGIN_PREFIX = "plugin:";

export function builtInKinds(): string[] {
  return Object.keys(BUILT_IN);
}

/** A path or URL as the user typed it, made importable (relative paths from the cwd). */
function pluginSpecifier(target: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return target;
  const absolute = target.startsWith("/") ? target : `${cwd}/${target}`;
  return pathToFileURL(absolute).href;
}

function checkFactory(value: unknown, source: string): BackendFactory {
  const f = value as Partial<BackendFactory> | undefined;
  if (!f || typeof f !== "object" || typeof f.create !== "function" || typeof f.kind !== "string") {
    throw new RunError(
      `backend module ${source} must default-export a BackendFactory ` +
        `({ contractVersion, kind, protocols, create })`,
    );
  }
  if (f.contractVersion !== BACKEND_CONTRACT_VERSION) {
    throw new RunError(
      `backend module ${source} implements backend contract version ${f.contractVersion}, ` +
        `but this tool implements version ${BACKEND_CONTRACT_VERSION}`,
    );
  }
  return f as BackendFactory;
}

export async function loadBackendFactory(
  serviceKind: string,
  cwd = Deno.cwd(),
): Promise<BackendFactory> {
  const builtIn = BUILT_IN[serviceKind];
  if (builtIn) return checkFactory((await builtIn()).default, `for '${serviceKind}'`);
  if (!serviceKind.startsWith(PLUGIN_PREFIX)) {
    throw new RunError(
      `unknown service kind '${serviceKind}'; built-in kinds: ${builtInKinds().join(", ")}, ` +
        `or ${PLUGIN_PREFIX}<path-or-URL> for a backend module`,
    );
  }
  const specifier = pluginSpecifier(serviceKind.slice(PLUGIN_PREFIX.length), cwd);
  let module: { default?: unknown };
  try {
    module = await import(specifier);
  } catch (e) {
    throw new RunError(`cannot load backend module ${specifier}: ${(e as Error).message}`);
  }
  return checkFactory(module.default, specifier);
}
