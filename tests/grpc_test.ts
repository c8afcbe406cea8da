/**
 * End-to-end over Triton gRPC: unary and streaming runs give the same report shapes as HTTP,
 * with a server-side breakdown equal to the server's own counters; a decoupled model reports
 * its response throughput.
 */
import assert from "node:assert/strict";
import {
  ANY_THREE_WINDOWS,
  numberAfter,
  runCli,
  serverBreakdown,
  withServer,
} from "./cli_harness.ts";

Deno.test("gRPC unary: exact request count and a Server block equal to the ground truth", async () => {
  await withServer({ computeUs: 300, grpcPort: 0 }, async (server) => {
    const r = await runCli(
      ["-m", "simple", "-u", server.grpcUrl!, "-i", "grpc", "--request-count", "80"],
    );
    assert.equal(r.code, 0, r.stderr);
    const truth = await server.groundTruth("simple");
    assert.equal(truth.successCount, 80);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 80);
    assert.equal(numberAfter(r.stdout, "    Successful request count: "), 80);
    const b = serverBreakdown(r.stdout);
    assert.equal(b["Avg request latency"], Math.trunc(truth.successNs / truth.successCount / 1000));
    assert.equal(
      b["compute infer"],
      Math.trunc(truth.computeInferNs / truth.computeInferCount / 1000),
    );
    assert.match(
      r.stdout,
      /^ {4}Avg gRPC time: \d+ usec \(\(un\)marshal request\/response \d+ usec \+ response wait \d+ usec\)$/m,
    );
  });
});

Deno.test("gRPC streaming at concurrency 2: async banner, counts agree with the server", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.grpcUrl!,
      "-i",
      "grpc",
      "--streaming",
      "--concurrency-range",
      "2",
      "-p",
      "300",
      ...ANY_THREE_WINDOWS,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}Using asynchronous calls for inference$/m);
    assert.match(r.stdout, /^ {2}Stabilizing using average throughput$/m);
    const client = numberAfter(r.stdout, "    Request count: ");
    const served = numberAfter(r.stdout, "    Successful request count: ");
    assert.ok(Math.abs(client - served) <= 4, `client ${client}, server ${served}`);
  });
});

Deno.test("decoupled repeat_int32: N responses per request, Response Throughput = N × rate", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const args = ["-m", "repeat_int32", "-u", server.grpcUrl!, "-i", "grpc"];
    const refused = await runCli([...args, "--request-count", "5"]);
    assert.equal(refused.code, 99);
    assert.match(refused.stderr, /decoupled: measure it with -i grpc --streaming/);
    const r = await runCli([
      ...args,
      "--streaming",
      "--input-data",
      "zero",
      "--shape",
      "IN:4",
      "--shape",
      "DELAY:4",
      "--request-count",
      "60",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Detected decoupled model, using the last response/);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 60);
    const tput = numberAfter(r.stdout, "    Throughput: ");
    const responses = numberAfter(r.stdout, "    Response Throughput: ");
    assert.ok(Math.abs(responses / tput - 4) < 1e-3, `${responses} vs ${tput}`);
  });
});
