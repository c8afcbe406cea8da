/**
 * ModelInfo for tests: a batching (max 8), stateless model with one response per request and
 * no inputs or outputs unless the overrides give them. Tests name only what they are about.
 */
import type { ModelInfo } from "../backend.ts";

export function modelInfo(overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    name: "simple",
    version: "1",
    platform: "",
    inputs: [],
    outputs: [],
    maxBatchSize: 8,
    sequence: false,
    responses: "one",
    dynamicBatching: false,
    responseCache: false,
    notes: [],
    ...overrides,
  };
}
