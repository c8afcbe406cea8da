/**
 * The Server block and CSV files of ensembles and BLS models. No captured perf_analyzer output
 * has an ensemble, so the expected text is written line by line from perf_analyzer's report
 * code (docs/perf_analyzer.md §3.1, §3.2): indentation two spaces per level, the ensemble line's
 * summed queue and compute, "Composing models: " and the cache lines' trailing spaces.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatLevelResult } from "./console.ts";
import { composingCsvPath, formatComposingCsvs, formatCsv } from "./csv.ts";
import type { ComposingModel, ModelStats } from "../backend.ts";
import type { ServerStats } from "../measure/server_stats.ts";
import { client, context, level, server } from "./testing/testdata.ts";
import type { ReportContext } from "./format.ts";

function leaf(name: string, version: string, responseCache = false): ComposingModel {
  return { name, version, responseCache, sequence: false, composing: [] };
}

/** An ensemble of 10 requests of 2000 µs over `a` (queue 100, compute 530) and `b` (50, 410). */
function ensembleStats(): ServerStats {
  return {
    ...server(10, [2_000_000, 0, 0, 0, 0]),
    composing: [
      { name: "a", version: "1", stats: server(10, [800_000, 100_000, 10_000, 500_000, 20_000]) },
      { name: "b", version: "2", stats: server(10, [600_000, 50_000, 5_000, 400_000, 5_000]) },
    ],
  };
}

function ensembleContext(composing: ComposingModel[], responseCache = false): ReportContext {
  const ctx = context({});
  ctx.model = { ...ctx.model, name: "ens", platform: "ensemble", composing, responseCache };
  return ctx;
}

function serverPart(out: string): string[] {
  const lines = out.trimEnd().split("\n");
  return lines.slice(lines.indexOf("  Server: "));
}

const CLIENT_SPEC = {
  count: 10,
  throughput: 100,
  latencyNs: 2_500_000,
  stdNs: 1000,
  percentiles: [[50, 2_400_000], [90, 2_600_000], [95, 2_700_000], [99, 2_800_000]] as [
    number,
    number,
  ][],
  requestNs: 2_450_000,
  sendNs: 20_000,
  recvNs: 10_000,
};

const CLIENT = client(CLIENT_SPEC);

Deno.test("ensemble: summed queue and compute, then each composing model indented", () => {
  const ctx = ensembleContext([leaf("a", ""), leaf("b", "2")]);
  assertEquals(serverPart(formatLevelResult(level(1, CLIENT, ensembleStats()), ctx)), [
    "  Server: ",
    "    Inference count: 10",
    "    Execution count: 10",
    "    Successful request count: 10",
    "    Avg request latency: 2000 usec (overhead 910 usec + queue 150 usec + compute 940 usec)",
    "  Composing models: ",
    "  a, version: 1",
    "      Inference count: 10",
    "      Execution count: 10",
    "      Successful request count: 10",
    "      Avg request latency: 800 usec (overhead 170 usec + queue 100 usec + compute input 10 usec + compute infer 500 usec + compute output 20 usec)",
    "  b, version: 2",
    "      Inference count: 10",
    "      Execution count: 10",
    "      Successful request count: 10",
    "      Avg request latency: 600 usec (overhead 140 usec + queue 50 usec + compute input 5 usec + compute infer 400 usec + compute output 5 usec)",
  ]);
});

Deno.test("ensemble in an ensemble: totals recurse, blocks nest, an idle model prints its count", () => {
  const inner: ServerStats = {
    ...server(10, [1_000_000, 0, 0, 0, 0]),
    composing: [
      { name: "c", version: "1", stats: server(10, [700_000, 100_000, 0, 500_000, 0]) },
      { name: "d", version: "1", stats: server(0, [0, 0, 0, 0, 0]) },
    ],
  };
  const s: ServerStats = {
    ...server(10, [1_500_000, 0, 0, 0, 0]),
    composing: [
      { name: "a", version: "1", stats: inner },
      { name: "b", version: "1", stats: server(10, [300_000, 20_000, 0, 200_000, 0]) },
    ],
  };
  const ctx = ensembleContext([
    {
      name: "a",
      version: "1",
      responseCache: false,
      sequence: false,
      composing: [leaf("c", ""), leaf("d", "")],
    },
    leaf("b", ""),
  ]);
  assertEquals(serverPart(formatLevelResult(level(1, CLIENT, s), ctx)), [
    "  Server: ",
    "    Inference count: 10",
    "    Execution count: 10",
    "    Successful request count: 10",
    "    Avg request latency: 1500 usec (overhead 680 usec + queue 120 usec + compute 700 usec)",
    "  Composing models: ",
    "  a, version: 1",
    "      Inference count: 10",
    "      Execution count: 10",
    "      Successful request count: 10",
    "      Avg request latency: 1000 usec (overhead 400 usec + queue 100 usec + compute 500 usec)",
    "    Composing models: ",
    "    c, version: 1",
    "        Inference count: 10",
    "        Execution count: 10",
    "        Successful request count: 10",
    "        Avg request latency: 700 usec (overhead 100 usec + queue 100 usec + compute input 0 usec + compute infer 500 usec + compute output 0 usec)",
    "    d, version: 1",
    "        Request count: 0",
    "  b, version: 1",
    "      Inference count: 10",
    "      Execution count: 10",
    "      Successful request count: 10",
    "      Avg request latency: 300 usec (overhead 80 usec + queue 20 usec + compute input 0 usec + compute infer 200 usec + compute output 0 usec)",
  ]);
});

/** 4 cache hits of 30 µs and 6 misses of 50 µs on `a`, whose 6 computes take 500 µs. */
function cachedStats(): ServerStats {
  const a: ModelStats = {
    ...server(10, [800_000, 100_000, 0, 0, 0]),
    computeInputCount: 6,
    computeInputNs: 0,
    computeInferCount: 6,
    computeInferNs: 6 * 500_000,
    computeOutputCount: 6,
    computeOutputNs: 0,
    inferenceCount: 6,
    executionCount: 6,
    cacheHitCount: 4,
    cacheHitNs: 4 * 30_000,
    cacheMissCount: 6,
    cacheMissNs: 6 * 50_000,
  };
  return {
    ...server(10, [2_000_000, 0, 0, 0, 0]),
    composing: [{ name: "a", version: "1", stats: a }],
  };
}

Deno.test("ensemble whose composing model caches: cache counts and latencies at both levels", () => {
  const ctx = ensembleContext([leaf("a", "1", true)]);
  // combined = (6 × 500 + 4 × 30 + 6 × 50) µs / (6 + 4) = 342 µs.
  assertEquals(serverPart(formatLevelResult(level(1, CLIENT, cachedStats()), ctx)), [
    "  Server: ",
    "    Inference count: 10",
    "    Execution count: 10",
    "    Cache hit count: 0",
    "    Cache miss count: 0",
    "    Successful request count: 10",
    "    Avg request latency: 2000 usec (overhead 1558 usec + queue 100 usec + cache hit/miss 342 usec)",
    "      Average Cache Hit Latency: 30 usec",
    "      Average Cache Miss Latency: 550 usec ",
    "  Composing models: ",
    "  a, version: 1",
    "      Inference count: 6",
    "      Execution count: 6",
    "      Cache hit count: 4",
    "      Cache miss count: 6",
    "      Successful request count: 10",
    "      Avg request latency: 800 usec (overhead 358 usec + queue 100 usec + cache hit/miss 342 usec)",
    "          Average Cache Hit Latency: 30 usec",
    "          Average Cache Miss Latency: 550 usec (cache lookup/insertion 50 usec + compute input 0 usec + compute infer 500 usec + compute output 0 usec)",
  ]);
});

Deno.test("ensemble with its own response cache: perf_analyzer prints no breakdown", () => {
  const ctx = ensembleContext([leaf("a", "1")], true);
  const lines = serverPart(formatLevelResult(level(1, CLIENT, cachedStats()), ctx));
  assertEquals(lines.slice(5, 9), [
    "    Successful request count: 10",
    "    Avg request latency: 2000 usec",
    "      Average Cache Hit Latency: 30 usec",
    "      Average Cache Miss Latency: 550 usec ",
  ]);
});

Deno.test("CSV: one file per direct composing model, rows in the main file's order", () => {
  const ctx = ensembleContext([leaf("a", ""), leaf("b", "2")]);
  const slow = client({ ...CLIENT_SPEC, throughput: 50 });
  const half: ServerStats = { ...ensembleStats() };
  // At concurrency 2, `b` served only half of the ensemble's requests.
  half.composing = [
    half.composing![0],
    { name: "b", version: "2", stats: server(5, [600_000, 50_000, 5_000, 400_000, 5_000]) },
  ];
  const levels = [level(1, CLIENT, ensembleStats()), level(2, slow, half)];
  const files = formatComposingCsvs(levels, ctx);
  const header = "Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv," +
    "Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv";
  assertEquals(files, [
    {
      prefix: "a_v1",
      text: `${header}\n2,50,0,170,100,10,500,20,0\n1,100,0,170,100,10,500,20,0\n`,
    },
    { prefix: "b_v2", text: `${header}\n2,25,0,140,50,5,400,5,0\n1,100,0,140,50,5,400,5,0\n` },
  ]);
  // The ensemble's own file keeps perf_analyzer's layout: its own counters, no composing column.
  assertEquals(
    formatCsv(levels, ctx).split("\n")[0],
    `${header},p50 latency,p90 latency,p95 latency,p99 latency`,
  );
});

Deno.test("CSV: cache columns when a composing model caches; no files without composing", () => {
  const ctx = ensembleContext([leaf("a", "1", true)]);
  const [file] = formatComposingCsvs([level(1, CLIENT, cachedStats())], ctx);
  assertEquals(file.text.split("\n").slice(0, 2), [
    "Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue," +
    "Server Compute Input,Server Compute Infer,Server Compute Output,Server Cache Hit," +
    "Server Cache Miss,Client Recv",
    // overhead = 800 − (100 + 500 + 30 + 50).
    "1,100,0,120,100,0,500,0,30,50,0",
  ]);
  assertEquals(
    formatComposingCsvs([level(1, CLIENT, server(10, [1, 1, 1, 1, 1]))], context({})),
    [],
  );
});

Deno.test("CSV: composing files sit beside the -f file", () => {
  assertEquals(composingCsvPath("out.csv", "a_v1"), "a_v1.out.csv");
  assertEquals(composingCsvPath("runs/x/out.csv", "a_v1"), "runs/x/a_v1.out.csv");
});
