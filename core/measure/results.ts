/**
 * What measurement produces and every sink (console, CSV, export) consumes. Times are
 * nanoseconds (numbers); sinks convert to µs with integer division as perf_analyzer does.
 */
import type { ServerStats } from "./server_stats.ts";
import type { Interval } from "./confidence.ts";
import type { GpuMetrics } from "../metrics/gpu_metrics.ts";
import type { TokenStats } from "./tokens.ts";

/**
 * Where the report's percentile spectrum samples a level's latency: min, the body, and ever
 * more points per "nine" toward the max, so a tail that bends at p99.9 shows. One list for every
 * level, read once per level (never per request).
 */
export const SPECTRUM_PERCENTILES: readonly number[] = [
  0,
  25,
  50,
  75,
  90,
  95,
  99,
  99.5,
  99.9,
  99.95,
  99.99,
  100,
];

/** The percentiles every token row carries (GenAI-Perf's CSV columns; the console shows some). */
export const TOKEN_PERCENTILES = [25, 50, 75, 90, 95, 99] as const;

/** Client-side numbers for one window or for the merged (reported) windows of a level. */
export interface ClientStats {
  /** Successful requests that ended inside the window(s). */
  requestCount: number;
  /** Responses received by those requests (decoupled models get several per request). */
  responseCount: number;
  /** Failed requests that ended inside the window(s). */
  errorCount: number;
  /** Failed requests per error text (bounded: distinct texts beyond a cap are merged). */
  errors: Map<string, number>;
  /** Wall time the window(s) covered. */
  durationNs: number;
  /** infer/sec = requestCount × batch size / seconds. */
  throughput: number;
  /** responses/sec (decoupled models). */
  responseThroughput: number;
  /** Requests that ended a sequence (the END flag), and those per second. */
  sequenceCount: number;
  sequenceThroughput: number;
  /** Requests sent per second during the window(s). */
  sendRate: number;
  avgLatencyNs: number;
  /** Sample standard deviation (n − 1); NaN when fewer than 2 requests. */
  stdLatencyNs: number;
  /** Percentile (50, 90, 95, 99 and --percentile) → latency ns, perf_analyzer's rank rule. */
  percentilesNs: Map<number, number>;
  /**
   * The latency distribution at SPECTRUM_PERCENTILES (min to max, dense toward the tail), for
   * the report's percentile spectrum; hand-built stats may leave it out.
   */
  spectrumNs?: { percentile: number; ns: number }[];
  /** Average time from send start to end (the client library's "request time"). */
  avgRequestNs: number;
  /** Average time to hand the request to the transport. */
  avgSendNs: number;
  /** Average time from first response byte to the last. */
  avgRecvNs: number;
  /** Client CPU time as a percentage of the window's wall time. */
  overheadPct: number;
  /** How well sends kept to the schedule; printed for open-loop (request-rate) levels. */
  openLoop?: OpenLoopStats;
  /** 99 % interval of the stabilizing latency (--stop-rule confidence). */
  interval?: Interval;
  /** Token metrics, present only when the backend's responses are tokens. */
  tokens?: TokenStats;
}

/** Schedule keeping, from each request's intended and actual send times. */
export interface OpenLoopStats {
  /** Requests sent more than 1 ms after their intended time (perf_analyzer's "delayed"). */
  delayedCount: number;
  /** Due requests skipped because every connection was busy at the cap (--overload drop). */
  droppedCount: number;
  /** Connections (gRPC: streams) the client had open at the end of the level. */
  connections: number;
  /** End − actual send (50, 90, 99). */
  servicePercentilesNs: Map<number, number>;
  avgServiceNs: number;
  /** Actual − intended send (50, 90, 99). */
  latenessPercentilesNs: Map<number, number>;
  maxLatenessNs: number;
}

/** One window's numbers, printed as a "Pass [i]" line with -v. */
export interface PassSummary {
  throughput: number;
  avgLatencyNs: number;
  stdLatencyNs: number;
  /** Latency used for stability (average or --percentile value). */
  stabilizingLatencyNs: number;
  /** Failed requests that ended in the window. */
  errorCount: number;
  /**
   * Median time to first token, when the responses are tokens: the saturation guard's, robust
   * to the odd request slowed by something else.
   */
  p50TtftNs?: number;
}

/**
 * "slo_missed": the goodput attainment of the reported windows fell below the run's minimum;
 * "saturated": time to first token grew window over window (the server queues more and more).
 */
export type LevelStatus =
  | "stable"
  | "unstable"
  | "over_threshold"
  | "too_many_errors"
  | "slo_missed"
  | "saturated";

export interface LevelResult {
  mode: "concurrency" | "request_rate";
  /** The concurrency or the request rate of this level. */
  value: number;
  passes: PassSummary[];
  /** How many of the last passes `client` merges (3 when stable, all with confidence). */
  reportedPasses: number;
  /** Merged over the last three windows (or the single --request-count window). */
  client: ClientStats;
  /** Delta of the server's cumulative statistics over the same windows, when available. */
  server: ServerStats | undefined;
  /** --collect-metrics: GPU metrics over the same windows. */
  metrics?: GpuMetrics;
  /** Average latency or the --percentile latency, in ns. */
  stabilizingLatencyNs: number;
  status: LevelStatus;
  /**
   * When the reported windows began and ended (the run's clock, ns): a front end attributes
   * what it observed meanwhile (server metrics it scraped) to the level.
   */
  spanNs?: { start: number; end: number };
}
