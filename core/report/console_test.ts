import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  formatLevel,
  formatLevelHeader,
  formatPassLine,
  formatSettings,
  formatSummary,
} from "./console.ts";
import type { ReportContext } from "./format.ts";
import type { LevelResult } from "../measure/results.ts";
import {
  context,
  goldenConsole,
  grpcLevels,
  plainLevels,
  rateLevels,
  requestCountLevels,
  verboseLevels,
} from "./testing/testdata.ts";

function whole(levels: LevelResult[], ctx: ReportContext): string {
  return formatSettings(ctx) + levels.map((l) => formatLevel(l, ctx)).join("") +
    formatSummary(levels, ctx);
}

const range = (start: number, end: number) => ({ start, end, step: 1 });

Deno.test("golden: --concurrency-range 1:2 -p 1000", async () => {
  const ctx = context({ concurrency: range(1, 2) });
  assertEquals(whole(plainLevels(), ctx), await goldenConsole("http_concurrency_1-2.txt"));
});

Deno.test("golden: -v (pass lines, overhead, split send/recv)", async () => {
  const ctx = context({ concurrency: range(1, 2), verbose: 1, verboseCsv: true });
  assertEquals(whole(verboseLevels(), ctx), await goldenConsole("http_verbose.txt"));
});

Deno.test("golden: --request-rate-range 200:400:200 --percentile 95", async () => {
  const ctx = context({ percentile: 95 }, {
    rate: { range: { start: 200, end: 400, step: 200 }, distribution: "constant" },
  });
  assertEquals(whole(rateLevels(), ctx), await goldenConsole("http_rate_p95.txt"));
});

Deno.test("golden: --request-count 50", async () => {
  const ctx = context({ requestCount: 50 });
  assertEquals(
    whole(requestCountLevels(), ctx),
    await goldenConsole("http_request_count_export.txt"),
  );
});

Deno.test("golden: -i grpc --concurrency-range 2 (start only: no limit lines)", async () => {
  const ctx = context({ protocol: "grpc", concurrency: range(2, 2) }, { protocolLabel: "gRPC" });
  assertEquals(whole(grpcLevels(false), ctx), await goldenConsole("grpc_c2.txt"));
});

Deno.test("golden: -i grpc --streaming (async banner)", async () => {
  const ctx = context({ protocol: "grpc", concurrency: range(2, 2), async: true }, {
    protocolLabel: "gRPC",
  });
  assertEquals(whole(grpcLevels(true), ctx), await goldenConsole("grpc_streaming_c2.txt"));
});

/** The banner lines between "Service Kind" and the blank line. */
function bannerBody(ctx: ReportContext): string[] {
  const lines = formatSettings(ctx).split("\n");
  assertEquals(lines.at(-1), "");
  assertEquals(lines.at(-2), "");
  return lines.slice(3, -2);
}

Deno.test("banner: count_windows, async, warmup, binary search", () => {
  const ctx = context({
    measurementMode: "count_windows",
    measurementRequestCount: 80,
    async: true,
    warmupRequestCount: 1,
    binarySearch: true,
    concurrency: range(2, 0),
    latencyThresholdMs: 30,
  });
  assertEquals(bannerBody(ctx), [
    "  Sending 1 warmup request",
    '  Using "count_windows" mode for stabilization',
    "  Stabilizing using average throughput",
    "  Minimum number of samples in each window: 80",
    "  Latency limit: 30 msec",
    "  Using Binary Search algorithm",
    "  Using asynchronous calls for inference",
  ]);
});

Deno.test("banner: single concurrency prints no limits; percentile with async", () => {
  const ctx = context({ percentile: 99, async: true, warmupRequestCount: 3 });
  assertEquals(bannerBody(ctx), [
    "  Sending 3 warmup requests",
    '  Using "time_windows" mode for stabilization',
    "  Stabilizing using p99throughput",
    "  Measurement window: 1000 msec",
    "  Using asynchronous calls for inference",
  ]);
});

Deno.test("banner: concurrency limit is max(start, end); request count singular", () => {
  const ctx = context({ concurrency: range(8, 4), requestCount: 1 });
  assertEquals(bannerBody(ctx), [
    "  Sending 1 benchmark request",
    "  Latency limit: 0 msec",
    "  Concurrency limit: 8 concurrent requests",
    "  Using synchronous calls for inference",
  ]);
});

Deno.test("banner: poisson rate without end, decoupled model", () => {
  const ctx = context({}, {
    rate: { range: { start: 10.5, end: 1, step: 1 }, distribution: "poisson" },
  });
  ctx.model.responses = "many";
  const body = bannerBody(ctx);
  assertEquals(body.slice(3), [
    "  Using poisson distribution on request generation",
    "  Using synchronous calls for inference",
    "  Detected decoupled model, using the last response for measuring latency",
  ]);
});

Deno.test("banner: plugin kinds print their kind; batch size only when -b given", () => {
  const plugin = context({ serviceKind: "plugin:./x.ts" }, { banner: undefined });
  assertEquals(formatSettings(plugin).split("\n").slice(0, 2), [
    "*** Measurement Settings ***",
    "  Service Kind: PLUGIN",
  ]);
  const named = context({ serviceKind: "plugin:./x.ts", batchSize: 4, batchSizeSet: true }, {
    backendKind: "openai",
    banner: undefined,
  });
  assertEquals(formatSettings(named).split("\n").slice(1, 3), [
    "  Batch size: 4",
    "  Service Kind: OPENAI",
  ]);
});

Deno.test("banner: a kind's own name and batch-size rule come from its descriptor", () => {
  const style = { name: "TENSORFLOW_SERVING" };
  const tf = context({ serviceKind: "tfserving" }, { backendKind: "tfserving", banner: style });
  assertEquals(formatSettings(tf).split("\n")[1], "  Service Kind: TENSORFLOW_SERVING");
  const always = context({ serviceKind: "kserve" }, { banner: { batchSize: true } });
  assertEquals(formatSettings(always).split("\n").slice(1, 3), [
    "  Batch size: 1",
    "  Service Kind: KSERVE",
  ]);
});

Deno.test("level header and pass lines", () => {
  assertEquals(formatLevelHeader({ mode: "concurrency", value: 3 }), "Request concurrency: 3\n");
  assertEquals(
    formatLevelHeader({ mode: "request_rate", value: 12.5 }),
    "Request Rate: 12.5 inference requests per second\n",
  );
  const pass = {
    throughput: 200.0456,
    avgLatencyNs: 1_500,
    stdLatencyNs: NaN,
    stabilizingLatencyNs: 487_900,
    errorCount: 0,
  };
  assertEquals(
    formatPassLine(pass, 1, context({})),
    "  Pass [1] throughput: 200.046 infer/sec. Avg latency: 1 usec (std 18446744073709551615 usec). \n",
  );
  assertEquals(
    formatPassLine(pass, 2, context({ percentile: 95 })),
    "  Pass [2] throughput: 200.046 infer/sec. p95 latency: 487 usec\n",
  );
});

Deno.test("Failed requests line lists the 5 most frequent error texts", () => {
  const [l] = plainLevels();
  l.client.errorCount = 21;
  l.client.errors = new Map([
    ["a", 1],
    ["timeout", 9],
    ["HTTP 500", 5],
    ["b", 2],
    ["c", 2],
    ["d", 2],
  ]);
  const lines = formatLevel(l, context({})).split("\n");
  assertEquals(lines[2], "    Request count: 20977");
  assertEquals(lines[3], "    Failed requests: 21 (timeout: 9, HTTP 500: 5, b: 2, c: 2, d: 2)");
  assertEquals(lines[4], "    Throughput: 5733.34 infer/sec");
  const none = formatLevel(plainLevels()[0], context({}));
  ok(!none.includes("Failed requests"));
});

Deno.test("server-less report has no Server block", () => {
  const [l] = plainLevels();
  const out = formatLevel(l, context({}, { serverStats: false }));
  assertEquals(
    out.split("\n").at(-2),
    "    Avg HTTP time: 170 usec (send/recv 24 usec + response wait 146 usec)",
  );
  ok(!out.includes("Server: "));
  const noStats = { ...l, server: undefined };
  ok(!formatLevel(noStats, context({})).includes("Server: "));
});

Deno.test("server block with no successes prints only the request count", () => {
  const [l] = plainLevels();
  l.server!.successCount = 0;
  const out = formatLevel(l, context({}));
  assertEquals(out.split("\n").slice(-3), ["  Server: ", "    Request count: 0", ""]);
});

Deno.test("percentile sorted into place, overhead warning, gRPC -v line", () => {
  const [l] = plainLevels();
  l.client.percentilesNs.set(97, 250_000);
  l.client.overheadPct = 61.5;
  const ctx = context({ percentile: 97, verbose: 1 }, {
    protocolLabel: "gRPC",
    serverStats: false,
  });
  assertEquals(formatLevel(l, ctx).split("\n").slice(4), [
    "    Avg client overhead: 61.50%",
    "    p50 latency: 165 usec",
    "    p90 latency: 189 usec",
    "    p95 latency: 205 usec",
    "    p97 latency: 250 usec",
    "    p99 latency: 273 usec",
    "    Avg gRPC time: 170 usec (marshal 24 usec + response wait 146 usec + unmarshal 0 usec)",
    "[WARNING] Perf Analyzer is not able to keep up with the desired load. The results may not be accurate.",
    "",
  ]);
});

Deno.test("unstable levels print header and passes only; summary skips them", () => {
  const levels = verboseLevels();
  levels[1].status = "unstable";
  const ctx = context({ verbose: 1 });
  const out = formatLevel(levels[1], ctx);
  assertEquals(out.split("\n").length, 5);
  ok(out.startsWith("Request concurrency: 2\n  Pass [1]"));
  assertEquals(formatSummary(levels, ctx).split("\n").length, 3);
  levels[0].status = "over_threshold";
  assertEquals(formatSummary(levels, ctx), "");
});

Deno.test("response cache adds cache lines with perf_analyzer's overhead formula", () => {
  const [l] = plainLevels();
  const s = l.server!;
  Object.assign(s, { cacheHitCount: 10, cacheHitNs: 10 * 4_000, cacheMissCount: 20969 });
  s.cacheMissNs = s.cacheMissCount * 2_000;
  const ctx = context({});
  ctx.model.responseCache = true;
  assertEquals(formatLevel(l, ctx).split("\n").slice(-7, -1), [
    "    Cache hit count: 10",
    "    Cache miss count: 20969",
    "    Successful request count: 20979",
    "    Avg request latency: 25 usec (overhead 0 usec + queue 1 usec + cache hit/miss 27 usec)",
    "      Average Cache Hit Latency: 4 usec",
    "      Average Cache Miss Latency: 27 usec (cache lookup/insertion 2 usec + compute input 1 usec + compute infer 21 usec + compute output 1 usec)",
  ]);
});
