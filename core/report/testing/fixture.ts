/**
 * Run summaries for the report, compare and screenshot tests, built through the real
 * summary code from the golden-run levels of core/report/testing/testdata.ts (plus open-loop numbers).
 */
import { buildRunSummary, type RunSummary } from "../json.ts";
import { context, plainLevels, rateLevels } from "./testdata.ts";
import type { LevelResult } from "../../measure/results.ts";

export const FIXED_DATE = new Date("2026-01-02T03:04:05.000Z");

/** Concurrency 1 and 2 of the golden run, with the server breakdown. */
export function closedLoopSummary(): RunSummary {
  return buildRunSummary(plainLevels(), context({}), FIXED_DATE);
}

/** Rate 200 and 400 with send lateness, as an open-loop run reports it. */
export function openLoopLevels(): LevelResult[] {
  return rateLevels().map((l, i) => {
    const k = i + 1;
    l.client.openLoop = {
      delayedCount: 3 * k,
      servicePercentilesNs: new Map([[50, 250_000 * k], [90, 300_000 * k], [99, 400_000 * k]]),
      avgServiceNs: 260_000 * k,
      latenessPercentilesNs: new Map([[50, 2_000 * k], [90, 9_000 * k], [99, 40_000 * k]]),
      maxLatenessNs: 120_000 * k,
    };
    return l;
  });
}

export function openLoopSummary(): RunSummary {
  const ctx = context(
    { loadMode: "request_rate", percentile: 95 },
    { rate: { range: { start: 200, end: 400, step: 200 }, distribution: "constant" } },
  );
  return buildRunSummary(openLoopLevels(), ctx, FIXED_DATE);
}
