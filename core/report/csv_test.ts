import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatCsv } from "./csv.ts";
import { context, goldenText, plainLevels, rateLevels, verboseLevels } from "./testing/testdata.ts";

const range = (start: number, end: number) => ({ start, end, step: 1 });

Deno.test("golden CSV: --concurrency-range 1:2", async () => {
  const ctx = context({ concurrency: range(1, 2) });
  assertEquals(formatCsv(plainLevels(), ctx), await goldenText("http_c1-2.csv"));
});

Deno.test("golden CSV: --verbose-csv", async () => {
  const ctx = context({ concurrency: range(1, 2), verbose: 1, verboseCsv: true });
  assertEquals(formatCsv(verboseLevels(), ctx), await goldenText("http_verbose.csv"));
});

Deno.test("golden CSV: request rate with --percentile 95", async () => {
  const ctx = context({ percentile: 95 }, {
    rate: { range: { start: 200, end: 400, step: 200 }, distribution: "constant" },
  });
  assertEquals(formatCsv(rateLevels(), ctx), await goldenText("http_rate.csv"));
});

Deno.test("CSV rows are sorted by throughput, not by load value", () => {
  const levels = plainLevels();
  levels[0].client.throughput = 7000;
  const rows = formatCsv(levels, context({})).split("\n");
  assertEquals(rows.length, 4);
  assertEquals(rows[1].split(",").slice(0, 2), ["2", "6064.76"]);
  assertEquals(rows[2].split(",").slice(0, 2), ["1", "7000"]);
  assertEquals(rows[3], "");
});

Deno.test("CSV without server stats drops the server columns", () => {
  const out = formatCsv(plainLevels(), context({}, { serverStats: false }));
  assertEquals(out.split("\n"), [
    "Concurrency,Inferences/Second,Client Send,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency",
    "1,5733.34,24,0,165,189,205,273",
    "2,6064.76,22,0,311,374,410,547",
    "",
  ]);
});

Deno.test("CSV: --percentile column sorted into place; verbose drops Avg latency", () => {
  const levels = rateLevels();
  for (const l of levels) l.client.percentilesNs.set(75, 300_000);
  const ctx = context({ percentile: 75, verboseCsv: true }, { serverStats: false });
  const [head, first] = formatCsv(levels, ctx).split("\n");
  assertEquals(
    head,
    "Request Rate,Inferences/Second,Client Send,Client Recv,p50 latency,p75 latency," +
      "p90 latency,p95 latency,p99 latency,request/response,response wait",
  );
  assertEquals(first, "200,200.046,55,0,318,300,459,487,573,55,276");
});

Deno.test("CSV: decoupled and cache columns; network time clamps at 0", () => {
  const [l] = plainLevels();
  l.client.responseThroughput = 11466.68;
  l.server!.cacheHitCount = 1;
  l.server!.cacheHitNs = 200_000;
  l.client.avgLatencyNs = 20_000; // less than send + server time: would wrap in C++
  const ctx = context({});
  ctx.model.responses = "many";
  ctx.model.responseCache = true;
  assertEquals(formatCsv([l], ctx).split("\n"), [
    "Concurrency,Inferences/Second,Response Throughput,Client Send,Network+Server Send/Recv," +
    "Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output," +
    "Server Cache Hit,Server Cache Miss,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency",
    "1,5733.34,11466.7,24,0,1,1,21,1,200,0,0,165,189,205,273",
    "",
  ]);
});

Deno.test("CSV is empty when no level was reported", () => {
  const levels = plainLevels();
  for (const l of levels) l.status = "unstable";
  assertEquals(formatCsv(levels, context({})), "");
  assertEquals(formatCsv([], context({})), "");
});

Deno.test("verbose CSV adds our columns only when there is something to say", () => {
  const ctx = context({ concurrency: range(1, 2), verbose: 1, verboseCsv: true });
  const levels = verboseLevels();
  levels[1].client.errorCount = 7;
  const lines = formatCsv(levels, ctx).split("\n");
  assertEquals(
    lines[0].endsWith(",Avg latency,request/response,response wait,Failed Requests"),
    true,
  );
  assertEquals(lines[1].endsWith(",0"), true);
  assertEquals(lines[2].endsWith(",7"), true);
  // Not verbose: perf_analyzer's columns only, whatever failed.
  const plain = formatCsv(levels, context({ concurrency: range(1, 2) })).split("\n")[0];
  assertEquals(plain.includes("Failed"), false);
});

Deno.test("verbose CSV of open-loop levels carries service time and send lateness", () => {
  const ctx = context({ percentile: 95, verboseCsv: true }, {
    rate: { range: { start: 200, end: 400, step: 200 }, distribution: "constant" },
  });
  const levels = rateLevels();
  for (const l of levels) {
    l.client.openLoop = {
      delayedCount: 0,
      droppedCount: 7,
      connections: 12,
      servicePercentilesNs: new Map([[50, 250_000], [90, 300_000], [99, 410_999]]),
      avgServiceNs: 260_000,
      latenessPercentilesNs: new Map([[50, 2_000], [90, 5_000], [99, 61_500]]),
      maxLatenessNs: 900_000,
    };
  }
  const lines = formatCsv(levels, ctx).split("\n");
  assertEquals(
    lines[0].endsWith(
      "request/response,response wait,Service p50 latency,Service p99 latency,Send lateness p99," +
        "Dropped Requests,Connections",
    ),
    true,
  );
  assertEquals(lines[1].endsWith(",250,410,61,7,12"), true);
});
