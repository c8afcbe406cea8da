/**
 * The console summary of a periodic-concurrency run. perf_analyzer prints no statistics for the
 * mode (only its profile export); this tool says what the run did, then gives the whole run's
 * client block (and the token table for an LLM stream), measured like any level's.
 */
import type { LevelResult } from "../measure/results.ts";
import { formatLevelResult, type ReportContext } from "./console.ts";

/** "Periodic concurrency 2:8:2, request period 10: 8 requests started in 4 batches" + blocks. */
export function formatPeriodic(level: LevelResult, ctx: ReportContext): string {
  const { periodic: r, requestPeriod } = ctx.config;
  const batches = 1 + (r.end - r.start) / r.step;
  const head = `Periodic concurrency ${r.start}:${r.end}:${r.step}, request period ` +
    `${requestPeriod}: ${r.end} requests started in ${batches} batch${batches > 1 ? "es" : ""} ` +
    `(${r.start} concurrent, then ${r.step} more each time the latest batch had ` +
    `${requestPeriod} responses per request)\n`;
  return head + formatLevelResult(level, ctx);
}
