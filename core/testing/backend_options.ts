/**
 * BackendOptions for tests: HTTP to localhost:8000, no headers, quiet, and the backend's own
 * options as given (`own`; undefined for backends without flags).
 */
import type { BackendOptions } from "../backend.ts";

export function backendOptions(
  overrides?: Partial<BackendOptions<undefined>>,
): BackendOptions<undefined>;
export function backendOptions<O>(
  overrides: Partial<BackendOptions<O>> & { own: O },
): BackendOptions<O>;
export function backendOptions(overrides: Partial<BackendOptions> = {}): BackendOptions {
  return {
    url: "localhost:8000",
    protocol: "http",
    headers: [],
    verbose: false,
    own: undefined,
    ...overrides,
  };
}
