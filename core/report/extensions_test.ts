import assert from "node:assert/strict";
import { intervalLines, openLoopHeadLines, openLoopTailLines } from "./extensions.ts";
import type { ClientStats, LevelResult, OpenLoopStats } from "../measure/results.ts";

function level(delayed: number, mode: LevelResult["mode"] = "request_rate"): LevelResult {
  const openLoop: OpenLoopStats = {
    delayedCount: delayed,
    droppedCount: 35,
    connections: 128,
    servicePercentilesNs: new Map([[50, 300_400], [90, 410_000], [99, 999_999]]),
    avgServiceNs: 320_700,
    latenessPercentilesNs: new Map([[50, 1_900], [90, 20_000], [99, 88_000]]),
    maxLatenessNs: 2_500_000,
  };
  const client = {
    requestCount: 990,
    errorCount: 10,
    sendRate: 361.974,
    openLoop,
  } as unknown as ClientStats;
  return { mode, value: 400, client } as LevelResult;
}

Deno.test("perf_analyzer's send-rate line and warning appear only above 1 % delayed", () => {
  assert.deepEqual(openLoopHeadLines(level(10)), []);
  assert.deepEqual(openLoopHeadLines(level(965)), [
    "    Avg send request rate: 361.97 infer/sec",
    "    [WARNING] Perf Analyzer was not able to keep up with the desired request rate. " +
    "96.50% of the requests were delayed.",
  ]);
});

Deno.test("service time and send lateness lines in µs", () => {
  assert.deepEqual(openLoopTailLines(level(20)), [
    "    Service time (end - actual send): avg 320 usec, p50 300 usec, p90 410 usec, p99 999 usec",
    "    Send lateness (actual - intended send): p50 1 usec, p99 88 usec, max 2500 usec, " +
    "2.00% over 1 ms",
    "    Load: offered 400.00 req/s, sent 361.97 req/s, 35 dropped, 128 connections",
  ]);
});

Deno.test("closed-loop levels print none of it", () => {
  assert.deepEqual(openLoopHeadLines(level(900, "concurrency")), []);
  assert.deepEqual(openLoopTailLines(level(900, "concurrency")), []);
});

Deno.test("confidence interval line names the statistic and the sample size", () => {
  const client = {
    interval: {
      percentile: 99,
      lowNs: 1_200_900,
      highNs: 1_350_000,
      estimateNs: 1.3e6,
      samples: 4821,
    },
  } as unknown as ClientStats;
  assert.deepEqual(intervalLines(client), [
    "    p99 latency 99% confidence interval: 1200 - 1350 usec (4821 requests)",
  ]);
  const mean = { interval: { ...client.interval!, percentile: -1 } } as ClientStats;
  assert.match(intervalLines(mean)[0], /^ {4}Avg latency 99% confidence interval: /);
  assert.deepEqual(intervalLines({} as ClientStats), []);
});
