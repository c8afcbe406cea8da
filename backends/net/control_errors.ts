/**
 * perf_analyzer's prefixes for a failed control-plane call, shared by every backend so a
 * failure reads the same whatever the service kind or protocol.
 */
export const METADATA_FAILED = "failed to get model metadata: ";
export const CONFIG_FAILED = "failed to get model config: ";
export const STATS_FAILED = "failed to get model statistics: ";
