/**
 * perf_analyzer's "is this load level done" rule (docs/perf_analyzer.md §2.3), as pure functions
 * over the windows measured so far so it is tested without time passing.
 */
import type { PassSummary } from "./results.ts";

/** The rule looks at this many most recent windows. */
export const STABILITY_WINDOWS = 3;

export interface StabilityRule {
  /** -s / 100. */
  threshold: number;
  /** -l in ns; 0 = no limit. */
  latencyLimitNs: number;
}

/** max / min of the values: how far apart the windows are (the rule's measure). */
function ratio(values: number[]): number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max / min;
}

/** max / min − 1: the windows' spread as a fraction, as the live progress line shows it. */
export function spread(values: number[]): number {
  return ratio(values) - 1;
}

function ratioWithin(values: number[], threshold: number): boolean {
  return ratio(values) <= 1 + threshold;
}

function lastWindows(passes: PassSummary[]): PassSummary[] | undefined {
  if (passes.length < STABILITY_WINDOWS) return undefined;
  const last = passes.slice(-STABILITY_WINDOWS);
  return last.some((p) => p.throughput === 0) ? undefined : last;
}

/** Throughput of the last three windows agrees within the threshold. */
export function throughputStable(passes: PassSummary[], rule: StabilityRule): boolean {
  const last = lastWindows(passes);
  return last !== undefined && ratioWithin(last.map((p) => p.throughput), rule.threshold);
}

/** Throughput and stabilizing latency of the last three windows both agree. */
export function isStable(passes: PassSummary[], rule: StabilityRule): boolean {
  const last = lastWindows(passes);
  return last !== undefined &&
    ratioWithin(last.map((p) => p.throughput), rule.threshold) &&
    ratioWithin(last.map((p) => p.stabilizingLatencyNs), rule.threshold);
}

/** Any of the last three windows reached the latency limit (the sweep ends there). */
export function overLatencyLimit(passes: PassSummary[], rule: StabilityRule): boolean {
  if (rule.latencyLimitNs <= 0) return false;
  return passes.slice(-STABILITY_WINDOWS).some((p) =>
    p.stabilizingLatencyNs >= rule.latencyLimitNs
  );
}
