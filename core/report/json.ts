/**
 * --report-json: this tool's own run summary (not a perf_analyzer format). One JSON document
 * with the run's settings and, per reported level, throughput, latency percentiles, open-loop
 * lateness, errors and the server-side breakdown. `compare` reads it and the HTML report
 * renders it, so both work from saved files without re-running anything.
 *
 * Times are µs as decimals (ns / 1000, kept to the ns), so nothing is lost to the integer
 * division the console report does.
 */
import type { ModelStats } from "../backend.ts";
import { type ReportContext, serverAveragesNs } from "./format.ts";
import {
  type ClientStats,
  type LevelResult,
  type OpenLoopStats,
  TOKEN_PERCENTILES,
} from "../measure/results.ts";
import { VERSION } from "../version.ts";
import type { TokenStat, TokenStats } from "../measure/tokens.ts";

/** The `format` key: compare refuses any other document. */
export const SUMMARY_FORMAT = "perf-analyzer-ts/run-summary";
/** Bumped when a key changes meaning or goes away (added keys keep the version). */
export const SUMMARY_VERSION = 1;

/** Scalar settings, in the order the HTML table shows them. */
export type RunSettings = Record<string, string | number | boolean>;

export interface ServerBreakdownUs {
  request: number;
  queue: number;
  computeInput: number;
  computeInfer: number;
  computeOutput: number;
  /** request − queue − compute (cache time included in compute), never negative. */
  overhead: number;
  cacheHit: number;
  cacheMiss: number;
}

/**
 * Where a level's token counts came from, in requests: a client tokenizer (its name), the server's
 * usage, the events; and for requests with both a tokenizer count and usage, their totals, how
 * many differ and the largest difference (server − tokenizer, by size).
 */
export interface TokenCountsJson {
  tokenizer: string;
  tokenizer_requests: number;
  server_usage_requests: number;
  event_requests: number;
  mismatch: {
    requests: number;
    tokenizer_tokens: number;
    server_tokens: number;
    differing_requests: number;
    max_difference: number;
  };
}

export interface LevelSummary {
  mode: LevelResult["mode"];
  value: number;
  status: LevelResult["status"];
  requestCount: number;
  responseCount: number;
  errorCount: number;
  /** Failed requests per error text, most frequent first. */
  errors: { text: string; count: number }[];
  durationMs: number;
  /** infer/sec */
  throughput: number;
  responseThroughput: number;
  sendRate: number;
  clientOverheadPct: number;
  /** "avg", "std" (null with fewer than two requests) and "p50", "p90", ... */
  latencyUs: Record<string, number | null>;
  /**
   * The latency distribution from min (percentile 0) to max (100), dense toward the tail, from
   * the same histogram as `latencyUs`. Absent in files of older builds.
   */
  spectrumUs?: { percentile: number; us: number }[];
  clientUs: { send: number; recv: number };
  /**
   * Every measurement window of the level in order (infer/sec, average latency and the latency
   * stability was judged on); the reported numbers merge the last `reportedWindows` of them.
   * `compare` reads their spread as the run's noise. Absent in files of older builds.
   */
  windows?: {
    throughput: number;
    avgLatencyUs: number;
    stabilizingLatencyUs: number;
    /** Failed requests that ended in the window (absent in files of older builds). */
    errorCount?: number;
  }[];
  reportedWindows?: number;
  /** Open-loop levels only. */
  openLoop?: {
    delayedCount: number;
    /** Due requests skipped at the in-flight cap (--overload drop); absent in older files. */
    droppedCount?: number;
    /** Connections (gRPC: streams) open at the level's end; absent in older files. */
    connections?: number;
    serviceUs: Record<string, number>;
    /** "p50", "p90", "p99" and "max". */
    latenessUs: Record<string, number>;
  };
  /**
   * Token metrics (backends whose responses are tokens), keyed by GenAI-Perf's metric names:
   * distributions as `{unit, count, avg, min, max, std, p25 ... p99}`, throughputs as
   * `{unit, avg}`; `std` is null below two values and every statistic null when count is 0.
   * `token_counts` says where the lengths came from and how a client tokenizer's output counts
   * differ from the server's usage.
   */
  tokens?: Record<string, TokenJson | { unit: string; avg: number } | number | TokenCountsJson>;
  /** When the server reported statistics for the level. */
  server?: {
    inferenceCount: number;
    executionCount: number;
    successCount: number;
    avgUs: ServerBreakdownUs;
  };
}

export interface TokenJson {
  unit: string;
  count: number;
  [stat: string]: number | string | null;
}

export interface RunSummary {
  format: typeof SUMMARY_FORMAT;
  version: typeof SUMMARY_VERSION;
  settings: RunSettings;
  levels: LevelSummary[];
}

/** ns → µs, to the ns (three decimals). */
export function us(ns: number): number {
  return Math.round(ns) / 1000;
}

function percentileKeys(m: Map<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of [...m.keys()].sort((a, b) => a - b)) out[`p${p}`] = us(m.get(p) ?? 0);
  return out;
}

function latencyOf(c: ClientStats): Record<string, number | null> {
  const std = Number.isFinite(c.stdLatencyNs) ? us(c.stdLatencyNs) : null;
  return { avg: us(c.avgLatencyNs), std, ...percentileKeys(c.percentilesNs) };
}

function openLoopOf(ol: OpenLoopStats): NonNullable<LevelSummary["openLoop"]> {
  return {
    delayedCount: ol.delayedCount,
    droppedCount: ol.droppedCount,
    connections: ol.connections,
    serviceUs: { avg: us(ol.avgServiceNs), ...percentileKeys(ol.servicePercentilesNs) },
    latenessUs: { ...percentileKeys(ol.latenessPercentilesNs), max: us(ol.maxLatenessNs) },
  };
}

function serverOf(s: ModelStats): NonNullable<LevelSummary["server"]> {
  const a = serverAveragesNs(s);
  // With a response cache the console folds compute into "cache hit/miss"; same rule here.
  const cached = s.cacheHitCount + s.cacheMissCount > 0;
  const compute = cached ? a.cacheCompute : a.compute;
  return {
    inferenceCount: s.inferenceCount,
    executionCount: s.executionCount,
    successCount: s.successCount,
    avgUs: {
      request: us(a.request),
      queue: us(a.queue),
      computeInput: us(a.computeInput),
      computeInfer: us(a.computeInfer),
      computeOutput: us(a.computeOutput),
      overhead: us(Math.max(0, a.request - a.queue - compute)),
      cacheHit: us(a.cacheHit),
      cacheMiss: us(a.cacheMiss),
    },
  };
}

function tokenStatOf(unit: string, t: TokenStat): TokenJson {
  const value = (v: number) => t.count === 0 || !Number.isFinite(v) ? null : v;
  const out: TokenJson = { unit, count: t.count, avg: value(t.avg), min: value(t.min) };
  out.max = value(t.max);
  out.std = value(t.std);
  for (const p of TOKEN_PERCENTILES) out[`p${p}`] = value(t.percentiles.get(p) ?? NaN);
  return out;
}

function tokensOf(t: TokenStats): NonNullable<LevelSummary["tokens"]> {
  return {
    time_to_first_token: tokenStatOf("ms", t.timeToFirstToken),
    time_to_second_token: tokenStatOf("ms", t.timeToSecondToken),
    request_latency: tokenStatOf("ms", t.requestLatency),
    inter_token_latency: tokenStatOf("ms", t.interTokenLatency),
    output_token_throughput_per_user: tokenStatOf(
      "tokens/sec/user",
      t.outputTokenThroughputPerUser,
    ),
    output_sequence_length: tokenStatOf("tokens", t.outputSequenceLength),
    input_sequence_length: tokenStatOf("tokens", t.inputSequenceLength),
    inter_chunk_latency: tokenStatOf("ms", t.interChunkLatency),
    tokens_per_event: tokenStatOf("tokens", t.tokensPerEvent),
    output_token_throughput: { unit: "tokens/sec", avg: t.outputTokenThroughput },
    request_throughput: { unit: "per sec", avg: t.requestThroughput },
    untokenized_count: t.untokenizedCount,
    token_counts: {
      tokenizer: t.sources.counter,
      tokenizer_requests: t.sources.client,
      server_usage_requests: t.sources.server,
      event_requests: t.sources.events,
      mismatch: {
        requests: t.mismatch.requests,
        tokenizer_tokens: t.mismatch.clientTokens,
        server_tokens: t.mismatch.serverTokens,
        differing_requests: t.mismatch.differing,
        max_difference: t.mismatch.maxDifference,
      },
    },
  };
}

export function levelSummary(level: LevelResult, withServer: boolean): LevelSummary {
  const c = level.client;
  const out: LevelSummary = {
    mode: level.mode,
    value: level.value,
    status: level.status,
    requestCount: c.requestCount,
    responseCount: c.responseCount,
    errorCount: c.errorCount,
    errors: [...c.errors.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([text, count]) => ({ text, count })),
    durationMs: us(c.durationNs) / 1000,
    throughput: c.throughput,
    responseThroughput: c.responseThroughput,
    sendRate: c.sendRate,
    clientOverheadPct: c.overheadPct,
    latencyUs: latencyOf(c),
    clientUs: { send: us(c.avgSendNs), recv: us(c.avgRecvNs) },
    windows: level.passes.map((p) => ({
      throughput: p.throughput,
      avgLatencyUs: us(p.avgLatencyNs),
      stabilizingLatencyUs: us(p.stabilizingLatencyNs),
      errorCount: p.errorCount,
    })),
    reportedWindows: level.reportedPasses,
  };
  if (c.spectrumNs) {
    out.spectrumUs = c.spectrumNs.map((x) => ({ percentile: x.percentile, us: us(x.ns) }));
  }
  if (level.mode === "request_rate" && c.openLoop) out.openLoop = openLoopOf(c.openLoop);
  if (c.tokens) out.tokens = tokensOf(c.tokens);
  if (withServer && level.server && level.server.successCount > 0) {
    out.server = serverOf(level.server);
  }
  return out;
}

function settingsOf(ctx: ReportContext, createdAt: Date): RunSettings {
  const c = ctx.config;
  const s: RunSettings = {
    tool: `perf_analyzer ${VERSION} (Deno/TypeScript)`,
    createdAt: createdAt.toISOString(),
    model: c.model,
    modelVersion: ctx.model.version || c.modelVersion || "latest",
    serviceKind: ctx.backendKind ?? c.serviceKind,
    url: c.url,
    protocol: c.protocol,
    loadMode: c.loadMode,
    batchSize: c.batchSize,
    async: c.async,
    streaming: c.streaming,
    measurementMode: c.measurementMode,
  };
  if (c.requestCount > 0) s.requestCount = c.requestCount;
  else if (c.measurementMode === "count_windows") {
    s.measurementRequestCount = c.measurementRequestCount;
  } else s.measurementIntervalMs = c.measurementIntervalMs;
  s.stabilityPercent = Math.round(c.stabilityThreshold * 1e6) / 1e4;
  s.maxTrials = c.maxTrials;
  s.stopRule = c.stopRule;
  s.stabilizeOn = c.percentile === -1 ? "avg" : `p${c.percentile}`;
  if (c.latencyThresholdMs > 0) s.latencyThresholdMs = c.latencyThresholdMs;
  if (c.loadMode === "concurrency") {
    s.concurrencyRange = `${c.concurrency.start}:${c.concurrency.end}:${c.concurrency.step}`;
  } else if (c.loadMode === "session_concurrency") {
    s.sessionConcurrency = c.sessionConcurrency;
  } else {
    if (ctx.rate) {
      const r = ctx.rate.range;
      s.requestRateRange = `${r.start}:${r.end}:${r.step}`;
      s.requestDistribution = ctx.rate.distribution;
    }
    s.latencyFrom = c.latencyFrom;
    s.pacing = c.pacing;
  }
  s.serverStats = ctx.serverStats;
  if (ctx.interrupted) s.interrupted = true;
  // Last, so files of older builds list their settings in the same order.
  if (ctx.runInfo) Object.assign(s, ctx.runInfo);
  return s;
}

/** The summary of a finished run; `createdAt` is passed in so tests are deterministic. */
export function buildRunSummary(
  levels: LevelResult[],
  ctx: ReportContext,
  createdAt: Date,
): RunSummary {
  return {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    settings: settingsOf(ctx, createdAt),
    levels: levels.map((l) => levelSummary(l, ctx.serverStats)),
  };
}

export function formatRunSummary(summary: RunSummary): string {
  return JSON.stringify(summary, null, 2) + "\n";
}
