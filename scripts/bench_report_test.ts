import assert from "node:assert/strict";
import {
  evaluateTargets,
  formatTable,
  problemsOf,
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
  connections: 64,
  seconds: 60,
  requests: 6_000_000,
  reqPerSec: 100_000,
  cpuUsPerReq: 9,
  rssStartMb: 80,
  rssPeakMb: 120,
  rssEndMb: 118,
  nginxCpuPct: 70,
  otherCpuPct: 1,
  newConnections: 65,
  failures: 0,
  firstError: "",
};

Deno.test("targets pass at their limits and fail just past them", () => {
  const pass = evaluateTargets([row({ pctOfWrk: 70, cpuUsPerReq: 15 })], {
    ...SOAK,
    rssPeakMb: 149.9,
  });
  assert.deepEqual(pass.map((t) => t.pass), [true, true, true]);
  const fail = evaluateTargets([row({ pctOfWrk: 69.9, cpuUsPerReq: 15.01 })], {
    ...SOAK,
    rssPeakMb: 150,
  });
  assert.deepEqual(fail.map((t) => t.pass), [false, false, false]);
  assert.deepEqual(fail.map((t) => t.name), [
    "throughput at 8 connections",
    "client CPU at 8 connections",
    "peak RSS over 60 s at 64 connections",
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
    "soak: 66 connections for 64 (no keep-alive?)",
  ]);
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
  assert.match(lines[0], /^tool\s+conns\s+req\/s\s+% of wrk\s+CPU µs\/req/);
  assert.match(lines[1], /^wrk\s+8\s+100000\s+100\.0\s+9\.00\s+-\s+90\s+0\s+9\s+0$/);
  assert.equal(lines[1].length, lines[0].length);
  assert.ok(text.includes("RSS start 80.0 MB / peak 120.0 MB / end 118.0 MB"));
  assert.ok(text.includes("  PASS  client CPU at 8 connections: 9 µs (<= 15 µs per request)"));
});

Deno.test("rounded trims fractions to 3 digits and leaves integers and text alone", () => {
  assert.deepEqual(rounded({ a: 1.23456, b: 7, c: "x", d: null }), {
    a: 1.235,
    b: 7,
    c: "x",
    d: null,
  });
});
