/**
 * The console summary of a periodic-concurrency run. perf_analyzer prints no statistics for the
 * mode (only its profile export); this tool says what the run did, then gives the whole run's
 * client block (and the token table for an LLM stream), measured like any level's.
 */
import type { LevelResult } from "../measure/results.ts";
import type { BatchStart } from "../load/periodic.ts";
import { formatLevelResult, type ReportContext } from "./console.ts";
import { formatFixed } from "./format.ts";

/**
 * "  Batches started at (ms, requests in flight): 0.00 (2), 14.21 (4), 28.93 (6)": when each batch
 * went out after the first, and the concurrency it brought the run to (fewer than planned when
 * earlier requests had completed by then).
 */
function batchLine(batches: readonly BatchStart[]): string {
  if (batches.length === 0) return "";
  const first = batches[0].ns;
  const list = batches.map((b) => `${formatFixed((b.ns - first) / 1e6, 2)} (${b.inFlight})`);
  return `  Batches started at (ms after the first, requests in flight): ${list.join(", ")}\n`;
}

/** "Periodic concurrency 2:8:2, request period 10: 8 requests started in 4 batches" + blocks. */
export function formatPeriodic(
  level: LevelResult,
  ctx: ReportContext,
  batches: readonly BatchStart[],
): string {
  const { periodic: r, requestPeriod } = ctx.config;
  const planned = 1 + (r.end - r.start) / r.step;
  const head = `Periodic concurrency ${r.start}:${r.end}:${r.step}, request period ` +
    `${requestPeriod}: ${r.end} requests started in ${planned} batch${planned > 1 ? "es" : ""} ` +
    `(${r.start} concurrent, then ${r.step} more each time the latest batch had ` +
    `${requestPeriod} responses per request)\n`;
  return head + batchLine(batches) + formatLevelResult(level, ctx);
}
