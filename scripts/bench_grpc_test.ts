import assert from "node:assert/strict";
import type { GrpcBenchRow } from "./bench_grpc_channel.ts";
import { GRPC_TITLE, grpcLines, grpcPlan, grpcProblems } from "./bench_grpc.ts";

function row(over: Partial<GrpcBenchRow> = {}): GrpcBenchRow {
  return {
    compression: "none",
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

Deno.test("grpcPlan: both modes at 16 and 64 channels, plain then gzip, --quick shortens rows", () => {
  const full = grpcPlan(false);
  assert.deepEqual(full, {
    seconds: 3,
    modes: ["unary", "stream"],
    channels: [16, 64],
    compressions: ["none", "gzip"],
  });
  assert.equal(grpcPlan(true).seconds, 1);
});

Deno.test("grpcLines: titled table, columns aligned, CPU to one decimal", () => {
  const lines = grpcLines([
    row(),
    row({ compression: "gzip", mode: "stream", channels: 64, rate: 9_876, failed: 2 }),
  ]);
  assert.equal(lines[0], GRPC_TITLE);
  assert.deepEqual(lines.slice(1), [
    "compression  mode    channels  conns  infer/s  client CPU µs/req  server CPU µs/req  failed",
    "none         unary         16      1    25192                8.2               31.1       0",
    "gzip         stream        64      1     9876                8.2               31.1       2",
  ]);
});

Deno.test("grpcProblems: only rows with failed requests", () => {
  const problems = grpcProblems([row(), row({ compression: "gzip", channels: 64, failed: 3 })]);
  assert.deepEqual(problems, ["gRPC gzip unary at 64 channels: 3 failed requests"]);
});
