/**
 * Triton's model repository index (its model_repository extension): POST /v2/repository/index
 * over HTTP, RepositoryIndex over gRPC. Every model is loaded before the listeners open, so
 * each is READY at version 1. A bare KServe server (noConfig) offers no index, as the
 * extension is Triton's.
 */
import type { ModelEntry } from "./routes.ts";

export interface IndexEntry {
  name: string;
  version: string;
  state: "READY";
}

export function repositoryIndex(models: ReadonlyMap<string, ModelEntry>): IndexEntry[] {
  return [...models.values()].map((m) => ({
    name: m.spec.name,
    version: m.spec.version,
    state: "READY",
  }));
}
