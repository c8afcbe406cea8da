import assert from "node:assert/strict";
import {
  evaluateTargets,
  formatTable,
  problemsOf,
  quantile,
  rounded,
  type Row,
  type SoakRow,
} from "./bench_report.ts";
import { bestRows } from "./bench_run.ts";

function row(over: Partial<Row>): Row {
  return {
    tool: "ours",
    connections: 8,
    seconds: 10,
    requests: 1_000_000,
    reqPerSec: 100_000,
    pctOfWrk: 80,
    cpuUsPerReq: 9,
    peakRssMb: 60,
    nginxCpuPct: 90,
    otherCpuPct: 0,
    newConnections: 9,
    failures: 0,
    firstError: "",
    ...over,
  };
}

const SOAK: SoakRow = {
  process: "the perf_analyzer CLI",
  command: "deno run -A main.ts -m simple -u 127.0.0.1:1 --concurrency-range 64 " +
    "--request-count 6000000",
  connections: 64,
  requestCountAsked: 6_000_000,
  requests: 6_000_000,
  seconds: 60,
  wallS: 61.2,
  reqPerSec: 100_000,
  cpuUsPerReq: 9,
  rssStartMb: 80,
  rssAt25Mb: 110,
  rssPeakMb: 120,
  rssEndMb: 118,
  rssGrowthMb: 8,
  rssGrowthPct: 7.27,
  rssPeakGrowthMb: 2,
  rssPeakGrowthPct: 1.67,
  rssSeriesMb: Array.from({ length: 22 }, (_, i) => 60 + i),
  nginxCpuPct: 70,
  otherCpuPct: 1,
  newConnections: 65,
  exitCode: 0,
  failures: 0,
  firstError: "",
};

Deno.test("targets pass at their limits and fail just past them", () => {
  const pass = evaluateTargets([row({ pctOfWrk: 70, cpuUsPerReq: 15 })], {
    ...SOAK,
    rssPeakMb: 149.9,
    rssPeakGrowthPct: 10,
    // The single-sample figure is reported, not judged: the GC sawtooth moves it alone.
    rssGrowthPct: 25,
  });
  assert.deepEqual(pass.map((t) => t.pass), [true, true, true, true]);
  const fail = evaluateTargets([row({ pctOfWrk: 69.9, cpuUsPerReq: 15.01 })], {
    ...SOAK,
    rssPeakMb: 150,
    rssPeakGrowthPct: 10.01,
  });
  assert.deepEqual(fail.map((t) => t.pass), [false, false, false, false]);
  const soakWhat = "of the CLI process over a 60 s --request-count window at 64 connections";
  assert.deepEqual(fail.map((t) => t.name), [
    "throughput at 8 connections",
    "client CPU at 8 connections",
    `peak RSS (VmHWM) ${soakWhat}`,
    `RSS peak growth, 2nd quarter to last quarter, ${soakWhat}`,
  ]);
  // wrk's rows are the yardstick, not a subject.
  assert.equal(evaluateTargets([row({ tool: "wrk", pctOfWrk: 1 })], null).length, 0);
});

Deno.test("problemsOf flags failures and connections beyond one extra", () => {
  assert.deepEqual(problemsOf([row({}), row({ tool: "wrk", newConnections: 9 })], SOAK), []);
  const problems = problemsOf(
    [row({ failures: 3, firstError: "server_error (HTTP 500): boom" })],
    { ...SOAK, newConnections: 66 },
  );
  assert.deepEqual(problems, [
    "ours at 8 connections: 3 failed requests (first: server_error (HTTP 500): boom)",
    "soak (CLI process): 66 connections for 64 (no keep-alive?)",
  ]);
  // A failed CLI is reported once, by its own explanation, not again as a failure count.
  const failed = problemsOf([], { ...SOAK, exitCode: 3, failures: 10, firstError: "exit 3" });
  assert.deepEqual(failed, ["soak (CLI process): exit 3"]);
});

Deno.test("bestRows keeps each tool's fastest run and relates ours to wrk's best", () => {
  const rows = bestRows([
    row({ tool: "wrk", connections: 64, reqPerSec: 150_000 }),
    row({ connections: 64, reqPerSec: 90_000 }),
    row({ tool: "wrk", connections: 8, reqPerSec: 100_000 }),
    row({ connections: 8, reqPerSec: 80_000 }),
    row({ tool: "wrk", connections: 64, reqPerSec: 120_000 }),
    row({ connections: 64, reqPerSec: 120_000 }),
  ]);
  assert.deepEqual(rows.map((r) => [r.tool, r.connections, r.reqPerSec, r.pctOfWrk]), [
    ["wrk", 8, 100_000, 100],
    ["ours", 8, 80_000, 80],
    ["wrk", 64, 150_000, 100],
    ["ours", 64, 120_000, 80],
  ]);
});

Deno.test("formatTable aligns rows and lists soak and targets", () => {
  const rows = [row({ tool: "wrk", pctOfWrk: 100, peakRssMb: null }), row({})];
  const text = formatTable(rows, SOAK, evaluateTargets(rows, SOAK));
  const lines = text.split("\n");
  assert.match(lines[0], /^Throughput \(ours = the HTTP backend \+ Dispatcher/);
  assert.match(lines[1], /^tool\s+conns\s+req\/s\s+% of wrk\s+CPU µs\/req/);
  assert.match(lines[2], /^wrk\s+8\s+100000\s+100\.0\s+9\.00\s+-\s+90\s+0\s+9\s+0$/);
  assert.equal(lines[2].length, lines[1].length);
  assert.ok(text.includes("Memory soak: measured process = the perf_analyzer CLI\n"));
  assert.ok(text.includes(`\n  command: ${SOAK.command}\n`));
  assert.ok(
    text.includes(
      "RSS MB: start 80.0 (2 s) / at 25% 110.0 / peak 120.0 (VmHWM) / end 118.0; " +
        "growth 25%→end +8.0 MB (+7.3%)",
    ),
  );
  // 22 samples: one full line of 20 and one of 2, each saying which second it starts at.
  assert.ok(text.includes("\n    from   1 s:  60  61  62"));
  assert.ok(text.includes("\n    from  21 s:  80  81\n"));
  assert.ok(text.includes("  PASS  client CPU at 8 connections: 9 µs (<= 15 µs per request)"));
  assert.ok(text.includes("\n  RSS peak growth, 2nd quarter → last quarter: +2.0 MB (+1.7%)\n"));
  assert.ok(text.includes("  PASS  RSS peak growth, 2nd quarter to last quarter, of the CLI"));
});

Deno.test("formatTable with only a soak prints no throughput table", () => {
  const text = formatTable([], SOAK, evaluateTargets([], SOAK));
  assert.ok(text.startsWith("Memory soak: measured process ="));
  assert.ok(!text.includes("% of wrk"));
  assert.equal(evaluateTargets([], SOAK).length, 2);
});

Deno.test("rounded trims fractions to 3 digits and leaves integers and text alone", () => {
  assert.deepEqual(rounded({ a: 1.23456, b: 7, c: "x", d: null }), {
    a: 1.235,
    b: 7,
    c: "x",
    d: null,
  });
});

Deno.test("quantile: nearest rank", () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(quantile(xs, 0.5), 50);
  assert.equal(quantile(xs, 0.99), 99);
  assert.equal(quantile(xs, 1), 100);
  assert.equal(quantile([7], 0.99), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});
