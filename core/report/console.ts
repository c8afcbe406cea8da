/**
 * The console report, line for line as perf_analyzer prints it (docs/perf_analyzer.md §3.1 and
 * tests/golden/*.txt): settings banner, one block per load level, final summary. Every function
 * returns text ending in "\n"; the caller decides when to write it, so a runner can print the
 * level header before measuring and the result after, as perf_analyzer does.
 */
import type { ClientStats, LevelResult, PassSummary } from "../measure/results.ts";
import {
  formatCpp,
  formatFixed,
  formatLoadValue,
  type ReportContext,
  responseCacheShown,
  serverAveragesNs,
  stdUsecText,
  usec,
} from "./format.ts";
import type { ServerStats } from "../measure/server_stats.ts";
import type { Range } from "../cli/config.ts";
import { intervalLines, openLoopHeadLines, openLoopTailLines } from "./extensions.ts";
import { metricsLines } from "./metrics.ts";
import { PLUGIN_PREFIX } from "../registry.ts";
import { formatTokenTable } from "./tokens.ts";

export type { RateSettings, ReportContext } from "./format.ts";

/** perf_analyzer's default --overhead-pct-threshold (no flag for it in RunConfig yet). */
const OVERHEAD_WARNING_PCT = 50;
/** Our extension line lists the most frequent error texts, not all of them. */
const MAX_ERROR_TEXTS = 5;

/** perf_analyzer's banner name: the kind's own, else the upper-cased kind ("PLUGIN" unnamed). */
function serviceKindLabel(ctx: ReportContext): string {
  if (ctx.banner?.name !== undefined) return ctx.banner.name;
  const kind = ctx.backendKind ?? ctx.config.serviceKind;
  if (kind.startsWith(PLUGIN_PREFIX)) return "PLUGIN";
  return kind.toUpperCase();
}

function plural(n: number): string {
  return n > 1 ? "s" : "";
}

/** The "Using ... mode" / "Stabilizing ..." / window lines, replaced by --request-count. */
function stabilizationLines(ctx: ReportContext): string[] {
  const c = ctx.config;
  if (c.requestCount > 0) {
    return [`  Sending ${c.requestCount} benchmark request${plural(c.requestCount)}`];
  }
  const metric = c.async ? "throughput" : "latency and throughput";
  const stat = c.percentile === -1 ? "average " : `p${c.percentile}`;
  return [
    `  Using "${c.measurementMode}" mode for stabilization`,
    `  Stabilizing using ${stat}${metric}`,
    c.measurementMode === "time_windows"
      ? `  Measurement window: ${c.measurementIntervalMs} msec`
      : `  Minimum number of samples in each window: ${c.measurementRequestCount}`,
  ];
}

/**
 * perf_analyzer tests the raw range end: 1 means "single value" (no limit lines), 0 means "no
 * limit" (latency line only). Its parser leaves end at the default 1 when only a start is given
 * ("--concurrency-range 2", see golden grpc_c2.txt), while our CLI stores end = start; so
 * end == start also counts as a single value. (An explicit "2:2" prints the lines in
 * perf_analyzer but not here.)
 */
function isSingleValue(r: Range): boolean {
  return r.end === 1 || r.end === r.start;
}

/** Limit lines; in rate mode the concurrency range is its default 1:1, so only rate lines. */
function limitLines(ctx: ReportContext): string[] {
  const lines: string[] = [];
  const latency = `  Latency limit: ${ctx.config.latencyThresholdMs} msec`;
  if (ctx.rate === undefined) {
    const r = ctx.config.concurrency;
    if (!isSingleValue(r)) {
      lines.push(latency);
      if (r.end !== 0) {
        lines.push(`  Concurrency limit: ${Math.max(r.start, r.end)} concurrent requests`);
      }
    }
    return lines;
  }
  const r = ctx.rate.range;
  if (!isSingleValue(r)) {
    lines.push(latency);
    if (r.end !== 0) {
      lines.push(
        `  Request Rate limit: ${formatCpp(Math.max(r.start, r.end))} requests per seconds`,
      );
    }
  }
  const d = ctx.rate.distribution;
  const dist = d === "poisson"
    ? "poisson"
    : d === "gamma"
    ? `gamma (burstiness ${ctx.rate.burstiness ?? 1})`
    : "uniform";
  lines.push(`  Using ${dist} distribution on request generation`);
  return lines;
}

/** "*** Measurement Settings ***" through the blank line that ends the banner. */
export function formatSettings(ctx: ReportContext): string {
  const c = ctx.config;
  const kind = serviceKindLabel(ctx);
  const lines = ["*** Measurement Settings ***"];
  if (ctx.banner?.batchSize || c.batchSizeSet) lines.push(`  Batch size: ${c.batchSize}`);
  lines.push(`  Service Kind: ${kind}`);
  if (c.warmupRequestCount > 0) {
    lines.push(`  Sending ${c.warmupRequestCount} warmup request${plural(c.warmupRequestCount)}`);
  }
  lines.push(...stabilizationLines(ctx), ...limitLines(ctx));
  if (c.binarySearch) lines.push("  Using Binary Search algorithm");
  lines.push(`  Using ${c.async ? "asynchronous" : "synchronous"} calls for inference`);
  if (ctx.model.responses === "many") {
    // perf_analyzer prints "the first response" here but measures to the last one (reference
    // §2.2, doc≠code); this tool also measures to the last, and says so.
    lines.push("  Detected decoupled model, using the last response for measuring latency");
  }
  lines.push("");
  return lines.join("\n") + "\n";
}

/** "Request concurrency: 2" or "Request Rate: 200 inference requests per second". */
export function formatLevelHeader(level: Pick<LevelResult, "mode" | "value">): string {
  if (level.mode === "concurrency") return `Request concurrency: ${Math.trunc(level.value)}\n`;
  return `Request Rate: ${formatCpp(level.value)} inference requests per second\n`;
}

/** One -v "Pass [i]" line; `index` is 1-based. The average form ends with ". " on purpose. */
export function formatPassLine(pass: PassSummary, index: number, ctx: ReportContext): string {
  const head = `  Pass [${index}] throughput: ${formatCpp(pass.throughput)} infer/sec. `;
  const p = ctx.config.percentile;
  if (p !== -1) return `${head}p${p} latency: ${usec(pass.stabilizingLatencyNs)} usec\n`;
  return `${head}Avg latency: ${usec(pass.avgLatencyNs)} usec (std ${
    stdUsecText(pass.stdLatencyNs)
  } usec). \n`;
}

/** Our extension: failed requests with the most frequent error texts (stable on ties). */
function failedLine(client: ClientStats): string | undefined {
  if (client.errorCount <= 0) return undefined;
  const top = [...client.errors.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_ERROR_TEXTS)
    .map(([text, count]) => `${text}: ${count}`);
  const detail = top.length > 0 ? ` (${top.join(", ")})` : "";
  return `    Failed requests: ${client.errorCount}${detail}`;
}

/**
 * The client-library line ("Avg HTTP time ..."); decoupled models get perf_analyzer's bare indent.
 */
function libraryLine(client: ClientStats, ctx: ReportContext): string {
  if (ctx.model.responses === "many") return "    ";
  const request = usec(client.avgRequestNs);
  const send = usec(client.avgSendNs);
  const recv = usec(client.avgRecvNs);
  // perf_analyzer subtracts the truncated µs values (170 = 24 + 146 in the golden output).
  const wait = Math.max(0, request - send - recv);
  const verbose = ctx.config.verbose > 0;
  if (ctx.protocolLabel === "gRPC") {
    const detail = verbose
      ? `marshal ${send} usec + response wait ${wait} usec + unmarshal ${recv} usec`
      : `(un)marshal request/response ${send + recv} usec + response wait ${wait} usec`;
    return `    Avg gRPC time: ${request} usec (${detail})`;
  }
  const detail = verbose
    ? `send ${send} usec + response wait ${wait} usec + receive ${recv} usec`
    : `send/recv ${send + recv} usec + response wait ${wait} usec`;
  return `    Avg HTTP time: ${request} usec (${detail})`;
}

function clientLines(level: LevelResult, ctx: ReportContext): string[] {
  const client = level.client;
  const lines = ["  Client: ", `    Request count: ${client.requestCount}`];
  const failed = failedLine(client);
  if (failed !== undefined) lines.push(failed);
  lines.push(...openLoopHeadLines(level));
  if (ctx.model.sequence) {
    lines.push(
      `    Sequence count: ${client.sequenceCount} (${
        formatCpp(client.sequenceThroughput)
      } seq/sec)`,
    );
  }
  lines.push(`    Throughput: ${formatCpp(client.throughput)} infer/sec`);
  if (ctx.model.responses === "many") {
    lines.push(`    Response Throughput: ${formatCpp(client.responseThroughput)} infer/sec`);
  }
  if (ctx.config.verbose > 0) {
    lines.push(`    Avg client overhead: ${formatFixed(client.overheadPct, 2)}%`);
  }
  if (ctx.config.percentile === -1) {
    lines.push(
      `    Avg latency: ${usec(client.avgLatencyNs)} usec (standard deviation ${
        stdUsecText(client.stdLatencyNs)
      } usec)`,
    );
  }
  // A std::map in perf_analyzer: percentiles print in increasing order, --percentile included.
  for (const p of [...client.percentilesNs.keys()].sort((a, b) => a - b)) {
    lines.push(`    p${p} latency: ${usec(client.percentilesNs.get(p) ?? 0)} usec`);
  }
  lines.push(...intervalLines(client), ...openLoopTailLines(level));
  lines.push(libraryLine(client, ctx));
  return lines;
}

/** Per-request averages in whole µs, as perf_analyzer sums them over an ensemble's steps. */
interface StepTotalsUs {
  queue: number;
  compute: number;
  cacheHit: number;
  cacheMiss: number;
  /** (compute + hit + miss ns) / (compute count + hit count), the cache-enabled "compute". */
  combined: number;
}

/**
 * The totals an ensemble's line shows: each composing model's averages added up (a nested
 * ensemble through its own steps), plus the ensemble's own cache averages.
 */
function stepTotalsUs(s: ServerStats): StepTotalsUs {
  const own = serverAveragesNs(s);
  const t = {
    queue: 0,
    compute: 0,
    cacheHit: usec(own.cacheHit),
    cacheMiss: usec(own.cacheMiss),
    combined: 0,
  };
  for (const c of s.composing ?? []) {
    let part: StepTotalsUs;
    if (c.stats.composing !== undefined) part = stepTotalsUs(c.stats);
    else {
      const a = serverAveragesNs(c.stats);
      part = {
        queue: usec(a.queue),
        compute: usec(a.compute),
        cacheHit: usec(a.cacheHit),
        cacheMiss: usec(a.cacheMiss),
        combined: usec(a.cacheCompute),
      };
    }
    t.queue += part.queue;
    t.compute += part.compute;
    t.cacheHit += part.cacheHit;
    t.cacheMiss += part.cacheMiss;
    t.combined += part.combined;
  }
  return t;
}

/** The "(overhead ... usec)" tail and the cache lines of a model without composing models. */
function modelLatencyLines(s: ServerStats, cache: boolean, indent: string): [string, string[]] {
  const a = serverAveragesNs(s);
  const request = usec(a.request);
  const queue = usec(a.queue);
  const input = usec(a.computeInput);
  const infer = usec(a.computeInfer);
  const output = usec(a.computeOutput);
  if (!cache) {
    const overhead = Math.max(0, request - queue - usec(a.compute));
    return [
      ` (overhead ${overhead} usec + queue ${queue} usec + compute input ${input} usec + ` +
      `compute infer ${infer} usec + compute output ${output} usec)`,
      [],
    ];
  }
  const combined = usec(a.cacheCompute);
  const miss = usec(a.cacheMiss);
  return [
    ` (overhead ${Math.max(0, request - queue - combined)} usec + queue ${queue} usec + ` +
    `cache hit/miss ${combined} usec)`,
    [
      `${indent}  Average Cache Hit Latency: ${usec(a.cacheHit)} usec`,
      `${indent}  Average Cache Miss Latency: ${miss + usec(a.compute)} usec (cache ` +
      `lookup/insertion ${miss} usec + compute input ${input} usec + compute infer ${infer} ` +
      `usec + compute output ${output} usec)`,
    ],
  ];
}

/**
 * An ensemble's (or BLS model's) tail: queue and compute summed over its composing models. With a
 * response cache on the profiled ensemble itself, perf_analyzer prints no breakdown at all.
 */
function ensembleLatencyLines(
  s: ServerStats,
  cache: boolean,
  topLevelCache: boolean,
  indent: string,
): [string, string[]] {
  const request = usec(serverAveragesNs(s).request);
  const t = stepTotalsUs(s);
  if (!cache) {
    return [
      ` (overhead ${Math.max(0, request - t.queue - t.compute)} usec + queue ${t.queue} usec + ` +
      `compute ${t.compute} usec)`,
      [],
    ];
  }
  const tail = topLevelCache ? "" : ` (overhead ${Math.max(0, request - t.queue - t.combined)} ` +
    `usec + queue ${t.queue} usec + cache hit/miss ${t.combined} usec)`;
  return [tail, [
    `${indent}  Average Cache Hit Latency: ${t.cacheHit} usec`,
    // perf_analyzer ends this line with a space.
    `${indent}  Average Cache Miss Latency: ${t.cacheMiss + t.compute} usec `,
  ]];
}

/**
 * One server block at nesting `depth` (1 = the profiled model), as perf_analyzer indents it:
 * two spaces per level, cache latency lines twice that, then each composing model's block.
 */
function serverBlock(s: ServerStats, ctx: ReportContext, depth: number): string[] {
  const ident = " ".repeat(2 * depth);
  if (s.successCount === 0) return [`${ident}  Request count: 0`];
  const cache = responseCacheShown(ctx.model);
  const lines = [
    `${ident}  Inference count: ${s.inferenceCount}`,
    `${ident}  Execution count: ${s.executionCount}`,
  ];
  if (cache) {
    lines.push(
      `${ident}  Cache hit count: ${s.cacheHitCount}`,
      `${ident}  Cache miss count: ${s.cacheMissCount}`,
    );
  }
  lines.push(`${ident}  Successful request count: ${s.successCount}`);
  const head = `${ident}  Avg request latency: ${usec(serverAveragesNs(s).request)} usec`;
  const composing = s.composing;
  const [tail, more] = composing === undefined
    ? modelLatencyLines(s, cache, ident + ident)
    : ensembleLatencyLines(s, cache, ctx.model.responseCache, ident + ident);
  lines.push(head + tail, ...more);
  if (composing === undefined) return lines;
  lines.push(`${ident}Composing models: `);
  for (const c of composing) {
    lines.push(`${ident}${c.name}, version: ${c.version}`, ...serverBlock(c.stats, ctx, depth + 1));
  }
  return lines;
}

function serverLines(s: ServerStats, ctx: ReportContext): string[] {
  return ["  Server: ", ...serverBlock(s, ctx, 1)];
}

/**
 * Client block, Server block and the overhead warning of a reported level, then the LLM
 * metrics table when the backend's responses are tokens.
 */
export function formatLevelResult(level: LevelResult, ctx: ReportContext): string {
  const lines = clientLines(level, ctx);
  if (ctx.serverStats && level.server !== undefined) lines.push(...serverLines(level.server, ctx));
  if (level.metrics !== undefined) lines.push(...metricsLines(level.metrics));
  if (level.client.overheadPct > OVERHEAD_WARNING_PCT) {
    lines.push(
      "[WARNING] Perf Analyzer is not able to keep up with the desired load. " +
        "The results may not be accurate.",
    );
  }
  return lines.join("\n") + "\n" + formatTokenTable(level);
}

/**
 * A whole level: header, -v pass lines, then the result blocks. perf_analyzer reports only
 * stable levels, so an unstable or over-threshold level stops after its pass lines.
 */
export function formatLevel(level: LevelResult, ctx: ReportContext): string {
  let out = formatLevelHeader(level);
  if (ctx.config.verbose > 0) {
    level.passes.forEach((pass, i) => out += formatPassLine(pass, i + 1, ctx));
  }
  if (level.status === "stable") out += formatLevelResult(level, ctx);
  return out;
}

/** The final table, in measured order; "" when nothing was reported (perf_analyzer prints none). */
export function formatSummary(levels: LevelResult[], ctx: ReportContext): string {
  const reported = levels.filter((l) => l.status === "stable");
  if (reported.length === 0) return "";
  const p = ctx.config.percentile;
  const lines = [
    `Inferences/Second vs. Client ${p === -1 ? "Average" : `p${p}`} Batch Latency`,
  ];
  for (const l of reported) {
    const load = l.mode === "concurrency" ? "Concurrency" : "Request Rate";
    lines.push(
      `${load}: ${formatLoadValue(l.mode, l.value)}, throughput: ${
        formatCpp(l.client.throughput)
      } infer/sec, latency ${usec(l.stabilizingLatencyNs)} usec`,
    );
  }
  return lines.join("\n") + "\n";
}
