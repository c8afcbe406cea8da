/**
 * The -f CSV, column for column as perf_analyzer writes it (docs/perf_analyzer.md §3.2,
 * tests/golden/*.csv). Times are µs (integer division of ns); rows are sorted by increasing
 * throughput.
 */
import type { ModelStats } from "../backend.ts";
import { emptyStats } from "../measure/server_stats.ts";
import {
  formatCpp,
  formatLoadValue,
  type ReportContext,
  responseCacheShown,
  serverAveragesNs,
  usec,
} from "./format.ts";
import type { ClientStats, LevelResult } from "../measure/results.ts";
import { METRICS_CSV_HEADER, metricsCells } from "./metrics.ts";

function sortedPercentiles(client: ClientStats): number[] {
  return [...client.percentilesNs.keys()].sort((a, b) => a - b);
}

/**
 * This tool's verbose-CSV columns, after all of perf_analyzer's so its columns keep their
 * places: failed requests (only when some level had failures) and, for open-loop levels,
 * service time and send lateness (what the console's extra lines say).
 */
interface Extensions {
  failures: boolean;
  openLoop: boolean;
}

function extensionsOf(levels: LevelResult[], ctx: ReportContext): Extensions {
  const verbose = ctx.config.verboseCsv;
  return {
    failures: verbose && levels.some((l) => l.client.errorCount > 0),
    openLoop: verbose && levels[0].mode === "request_rate" && !!levels[0].client.openLoop,
  };
}

function extensionHeader(ext: Extensions): string[] {
  const cols = ext.failures ? ["Failed Requests"] : [];
  if (ext.openLoop) {
    cols.push(
      "Service p50 latency",
      "Service p99 latency",
      "Send lateness p99",
      "Dropped Requests",
      "Connections",
    );
  }
  return cols;
}

function extensionCells(c: ClientStats, ext: Extensions): string[] {
  const cells = ext.failures ? [String(c.errorCount)] : [];
  const ol = c.openLoop;
  if (ext.openLoop && ol) {
    cells.push(
      String(usec(ol.servicePercentilesNs.get(50) ?? 0)),
      String(usec(ol.servicePercentilesNs.get(99) ?? 0)),
      String(usec(ol.latenessPercentilesNs.get(99) ?? 0)),
      String(ol.droppedCount),
      String(ol.connections),
    );
  }
  return cells;
}

/** Header; the percentile columns come from the first reported level, as in perf_analyzer. */
function header(first: LevelResult, ctx: ReportContext, ext: Extensions): string {
  const cols = [first.mode === "concurrency" ? "Concurrency" : "Request Rate", "Inferences/Second"];
  if (ctx.model.responses === "many") cols.push("Response Throughput");
  cols.push("Client Send");
  if (ctx.serverStats) {
    cols.push(
      "Network+Server Send/Recv",
      "Server Queue",
      "Server Compute Input",
      "Server Compute Infer",
      "Server Compute Output",
    );
    if (responseCacheShown(ctx.model)) cols.push("Server Cache Hit", "Server Cache Miss");
  }
  cols.push("Client Recv");
  for (const p of sortedPercentiles(first.client)) cols.push(`p${p} latency`);
  if (ctx.config.verboseCsv) {
    if (ctx.config.percentile === -1) cols.push("Avg latency");
    cols.push("request/response", "response wait");
    if (ctx.config.collectMetrics) cols.push(...METRICS_CSV_HEADER);
  }
  cols.push(...extensionHeader(ext));
  return cols.join(",");
}

/**
 * Server columns. "Network+Server Send/Recv" is computed in ns before the µs division:
 * avg latency − send − recv − (queue + compute + cache hit + cache miss), where compute is the
 * summed compute ns over the compute count (golden: 171.9 − 24 − 0 − 1 − 25.7 µs → 121).
 * perf_analyzer's unsigned subtraction could wrap; we clamp at 0 instead.
 */
function serverCells(client: ClientStats, s: ModelStats, ctx: ReportContext): string[] {
  const a = serverAveragesNs(s);
  const clientWaitNs = Math.floor(client.avgLatencyNs) - Math.floor(client.avgSendNs) -
    Math.floor(client.avgRecvNs);
  const accountedNs = a.queue + a.compute + a.cacheHit + a.cacheMiss;
  const networkNs = Math.max(0, clientWaitNs - accountedNs);
  const cells = [networkNs, a.queue, a.computeInput, a.computeInfer, a.computeOutput].map((ns) =>
    String(usec(ns))
  );
  if (responseCacheShown(ctx.model)) {
    cells.push(String(usec(a.cacheHit)), String(usec(a.cacheMiss)));
  }
  return cells;
}

function row(level: LevelResult, ctx: ReportContext, ext: Extensions): string {
  const c = level.client;
  const cells = [formatLoadValue(level.mode, level.value), formatCpp(c.throughput)];
  if (ctx.model.responses === "many") cells.push(formatCpp(c.responseThroughput));
  const send = usec(c.avgSendNs);
  const recv = usec(c.avgRecvNs);
  cells.push(String(send));
  if (ctx.serverStats) cells.push(...serverCells(c, level.server ?? emptyStats(), ctx));
  cells.push(String(recv));
  // Each row walks its own percentile map, as perf_analyzer does (same keys for every level).
  for (const p of sortedPercentiles(c)) cells.push(String(usec(c.percentilesNs.get(p) ?? 0)));
  if (ctx.config.verboseCsv) {
    if (ctx.config.percentile === -1) cells.push(String(usec(c.avgLatencyNs)));
    cells.push(String(send + recv), String(Math.max(0, usec(c.avgRequestNs) - send - recv)));
    if (ctx.config.collectMetrics) cells.push(...metricsCells(level.metrics));
  }
  cells.push(...extensionCells(c, ext));
  return cells.join(",");
}

/**
 * Header plus one row per reported (stable) level, sorted by increasing Inferences/Second
 * (stable sort, so equal throughputs keep measured order). Returns "" when nothing was reported:
 * perf_analyzer writes no file at all then.
 */
export function formatCsv(levels: LevelResult[], ctx: ReportContext): string {
  const reported = levels.filter((l) => l.status === "stable");
  if (reported.length === 0) return "";
  const ext = extensionsOf(reported, ctx);
  const rows = [...reported]
    .sort((a, b) => a.client.throughput - b.client.throughput)
    .map((l) => row(l, ctx, ext));
  return [header(reported[0], ctx, ext), ...rows].join("\n") + "\n";
}

/** One extra CSV of an ensemble or BLS model: a composing model's rows. */
export interface ComposingCsv {
  /** `<model>_v<version>`, the prefix perf_analyzer puts before the -f file name. */
  prefix: string;
  text: string;
}

/**
 * perf_analyzer's per-composing-model files (its direct composing models only): the ensemble's
 * load value, its throughput scaled by the model's share of successful requests, client send and
 * receive as 0, and the model's server overhead in the Network+Server column. Rows follow the
 * main file's order (increasing throughput); a level in which the model did not appear under
 * that version gets zeros.
 */
export function formatComposingCsvs(levels: LevelResult[], ctx: ReportContext): ComposingCsv[] {
  const reported = levels.filter((l) => l.status === "stable" && l.server !== undefined)
    .sort((a, b) => a.client.throughput - b.client.throughput);
  if (!ctx.serverStats || reported.length === 0) return [];
  const cache = responseCacheShown(ctx.model);
  const cols = [reported[0].mode === "concurrency" ? "Concurrency" : "Request Rate"];
  cols.push(
    "Inferences/Second",
    "Client Send",
    "Network+Server Send/Recv",
    "Server Queue",
    "Server Compute Input",
    "Server Compute Infer",
    "Server Compute Output",
  );
  if (cache) cols.push("Server Cache Hit", "Server Cache Miss");
  cols.push("Client Recv");
  return (reported[0].server!.composing ?? []).map(({ name, version }) => {
    const rows = reported.map((level) => {
      const top = level.server!;
      const s = top.composing?.find((c) => c.name === name && c.version === version)?.stats ??
        emptyStats();
      const a = serverAveragesNs(s);
      const accounted = a.queue + a.compute + a.cacheHit + a.cacheMiss;
      const share = top.successCount > 0 ? s.successCount / top.successCount : 0;
      const cells = [
        formatLoadValue(level.mode, level.value),
        formatCpp(share * level.client.throughput),
        "0",
        ...[
          Math.max(0, a.request - accounted),
          a.queue,
          a.computeInput,
          a.computeInfer,
          a.computeOutput,
        ]
          .map((ns) => String(usec(ns))),
      ];
      if (cache) cells.push(String(usec(a.cacheHit)), String(usec(a.cacheMiss)));
      cells.push("0");
      return cells.join(",");
    });
    return { prefix: `${name}_v${version}`, text: [cols.join(","), ...rows].join("\n") + "\n" };
  });
}

/**
 * `<prefix>.<file name>` in the -f file's folder. perf_analyzer prepends the prefix to the whole
 * path it was given, which only works when that path has no folder in it; there the two agree.
 */
export function composingCsvPath(csvFile: string, prefix: string): string {
  const slash = csvFile.lastIndexOf("/");
  return `${csvFile.slice(0, slash + 1)}${prefix}.${csvFile.slice(slash + 1)}`;
}
