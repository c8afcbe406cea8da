/** Window deltas of the server's cumulative statistics (docs/perf_analyzer.md §2.6). */
import type { ModelStats } from "../backend.ts";

const KEYS: (keyof ModelStats)[] = [
  "inferenceCount",
  "executionCount",
  "successCount",
  "successNs",
  "queueCount",
  "queueNs",
  "computeInputCount",
  "computeInputNs",
  "computeInferCount",
  "computeInferNs",
  "computeOutputCount",
  "computeOutputNs",
  "cacheHitCount",
  "cacheHitNs",
  "cacheMissCount",
  "cacheMissNs",
];

/** `after − before`, field by field. Counters are cumulative, so this is what a window saw. */
export function statsDelta(before: ModelStats, after: ModelStats): ModelStats {
  const out = {} as ModelStats;
  for (const k of KEYS) out[k] = after[k] - before[k];
  return out;
}

/** A ModelStats of zeros, for summing. */
export function emptyStats(): ModelStats {
  const out = {} as ModelStats;
  for (const k of KEYS) out[k] = 0;
  return out;
}
