import assert from "node:assert/strict";
import type { GrpcBenchRow } from "../backends/grpc_channel_bench.ts";
import {
  GRPC_TITLE,
  grpcLines,
  grpcPlan,
  grpcProblems,
  type GrpcSection,
  mergeGrpc,
} from "./bench_grpc.ts";

function row(over: Partial<GrpcBenchRow> = {}): GrpcBenchRow {
  return {
    transport: "h2",
    mode: "unary",
    channels: 16,
    connections: 1,
    seconds: 3.001,
    requests: 75_600,
    rate: 25_192,
    cpuUsPerRequest: 8.24,
    serverCpuUsPerRequest: 31.06,
    failed: 0,
    ...over,
  };
}

function section(rows: GrpcBenchRow[]): GrpcSection {
  return { date: "d", plan: grpcPlan(false), method: "m", rows, problems: grpcProblems(rows) };
}

Deno.test("grpcPlan: both modes at 16 and 64 channels, h2 first, --quick shortens rows", () => {
  const full = grpcPlan(false);
  assert.deepEqual(full, {
    seconds: 3,
    modes: ["unary", "stream"],
    channels: [16, 64],
    transports: ["h2", "grpc-js"],
  });
  assert.equal(grpcPlan(true).seconds, 1);
});

Deno.test("grpcLines: titled table, columns aligned, CPU to one decimal", () => {
  const lines = grpcLines([
    row(),
    row({ transport: "grpc-js", mode: "stream", channels: 64, rate: 9_876, failed: 2 }),
  ]);
  assert.equal(lines[0], GRPC_TITLE);
  assert.deepEqual(lines.slice(1), [
    "transport  mode    channels  conns  infer/s  client CPU µs/req  server CPU µs/req  failed",
    "h2         unary         16      1    25192                8.2               31.1       0",
    "grpc-js    stream        64      1     9876                8.2               31.1       2",
  ]);
});

Deno.test("grpcProblems: only rows with failed requests", () => {
  const problems = grpcProblems([row(), row({ transport: "grpc-js", channels: 64, failed: 3 })]);
  assert.deepEqual(problems, ["gRPC grpc-js unary at 64 channels: 3 failed requests"]);
});

Deno.test("mergeGrpc: keeps every other key of the full run, replaces only grpc", () => {
  const full = { date: "full", rows: [{ tool: "wrk" }], valid: true, grpc: { old: 1 } };
  const text = mergeGrpc(JSON.stringify(full), section([row()]));
  assert.ok(text.endsWith("}\n"));
  const merged = JSON.parse(text);
  assert.deepEqual(Object.keys(merged), ["date", "rows", "valid", "grpc"]);
  assert.equal(merged.date, "full");
  assert.deepEqual(merged.rows, [{ tool: "wrk" }]);
  assert.equal(merged.grpc.rows[0].rate, 25_192);
  assert.equal(merged.grpc.old, undefined);
});

Deno.test("mergeGrpc: no existing file gives just the grpc key; a non-object is refused", () => {
  assert.deepEqual(Object.keys(JSON.parse(mergeGrpc(null, section([])))), ["grpc"]);
  assert.throws(() => mergeGrpc("[1, 2]", section([])), /not a JSON object/);
  assert.throws(() => mergeGrpc("{ broken", section([])), SyntaxError);
});
