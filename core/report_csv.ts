/**
 * The -f CSV, column for column as perf_analyzer writes it (reference §3.2, tests/golden/*.csv).
 * Times are µs (integer division of ns); rows are sorted by increasing throughput.
 */
import type { ModelStats } from "./backend.ts";
import { emptyStats } from "./server_stats.ts";
import {
  formatCpp,
  formatLoadValue,
  type ReportContext,
  serverAveragesNs,
  usec,
} from "./format.ts";
import type { ClientStats, LevelResult } from "./results.ts";

function sortedPercentiles(client: ClientStats): number[] {
  return [...client.percentilesNs.keys()].sort((a, b) => a - b);
}

/** Header; the percentile columns come from the first reported level, as in perf_analyzer. */
function header(first: LevelResult, ctx: ReportContext): string {
  const cols = [first.mode === "concurrency" ? "Concurrency" : "Request Rate", "Inferences/Second"];
  if (ctx.model.decoupled) cols.push("Response Throughput");
  cols.push("Client Send");
  if (ctx.serverStats) {
    cols.push(
      "Network+Server Send/Recv",
      "Server Queue",
      "Server Compute Input",
      "Server Compute Infer",
      "Server Compute Output",
    );
    if (ctx.model.responseCache) cols.push("Server Cache Hit", "Server Cache Miss");
  }
  cols.push("Client Recv");
  for (const p of sortedPercentiles(first.client)) cols.push(`p${p} latency`);
  if (ctx.config.verboseCsv) {
    if (ctx.config.percentile === -1) cols.push("Avg latency");
    cols.push("request/response", "response wait");
  }
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
  if (ctx.model.responseCache) cells.push(String(usec(a.cacheHit)), String(usec(a.cacheMiss)));
  return cells;
}

function row(level: LevelResult, ctx: ReportContext): string {
  const c = level.client;
  const cells = [formatLoadValue(level.mode, level.value), formatCpp(c.throughput)];
  if (ctx.model.decoupled) cells.push(formatCpp(c.responseThroughput));
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
  }
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
  const rows = [...reported]
    .sort((a, b) => a.client.throughput - b.client.throughput)
    .map((l) => row(l, ctx));
  return [header(reported[0], ctx), ...rows].join("\n") + "\n";
}
