import assert from "node:assert/strict";
import type { GrpcBenchRow } from "./bench_grpc_channel.ts";
import { GRPC_TITLE, grpcLines, grpcPlan, grpcProblems } from "./bench_grpc.ts";

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
