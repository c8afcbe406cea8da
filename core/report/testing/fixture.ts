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

/**
 * Rate 200 and 400 as an open-loop run reports them: send lateness, service time below the
 * latency from the intended send, a latency spectrum, every window (a slow first one), and at
 * rate 400 failed requests of two kinds.
 */
export function openLoopLevels(): LevelResult[] {
  return rateLevels().map((l, i) => {
    const k = i + 1;
    const c = l.client;
    c.openLoop = {
      delayedCount: 3 * k,
      droppedCount: 0,
      connections: 4 * k,
      servicePercentilesNs: new Map([
        [50, 250_000 - 20_000 * k],
        [90, 300_000 - 20_000 * k],
        [99, 400_000 - 20_000 * k],
      ]),
      avgServiceNs: 240_000 - 20_000 * k,
      latenessPercentilesNs: new Map([[50, 2_000 * k], [90, 9_000 * k], [99, 40_000 * k]]),
      maxLatenessNs: 120_000 * k,
    };
    const p = (q: number) => c.percentilesNs.get(q)!;
    const tail: [number, number][] = [
      [0, 100_000],
      [25, 0.8 * p(50)],
      [50, p(50)],
      [75, (p(50) + p(90)) / 2],
      [90, p(90)],
      [95, p(95)],
      [99, p(99)],
      [99.5, 1.3 * p(99)],
      [99.9, 2 * p(99)],
      [99.95, 3 * p(99)],
      [99.99, 6 * p(99)],
      [100, 10 * p(99)],
    ];
    c.spectrumNs = tail.map(([percentile, ns]) => ({ percentile, ns }));
    const errors = k === 2 ? [0, 3, 2, 2] : [0, 0, 0, 0, 0];
    l.passes = errors.map((errorCount, j) => ({
      throughput: c.throughput * (j === 0 ? 0.9 : 1 + 0.01 * (j % 2)),
      avgLatencyNs: c.avgLatencyNs * (j === 0 ? 1.2 : 1),
      stdLatencyNs: c.stdLatencyNs,
      stabilizingLatencyNs: p(95),
      errorCount,
    }));
    l.reportedPasses = 3;
    if (k === 2) {
      c.errorCount = 7;
      c.errors = new Map([["HTTP 503: server overloaded", 5], ["request timed out", 2]]);
    }
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
