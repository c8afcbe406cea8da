/**
 * End-to-end: the CLI against the reference server, with the report compared to what the
 * server itself counted and timed.
 */
import assert from "node:assert/strict";
import {
  ANY_THREE_WINDOWS,
  numberAfter,
  runCli,
  serverBreakdown,
  withServer,
} from "./cli_harness.ts";

Deno.test("--request-count: exactly N requests, server block equals the server's own counters", async () => {
  await withServer({ computeUs: 500 }, async (server) => {
    const r = await runCli(["-m", "simple", "-u", server.url, "--request-count", "120"]);
    assert.equal(r.code, 0, r.stderr);
    const truth = await server.groundTruth("simple");
    assert.equal(truth.successCount, 120);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 120);
    assert.equal(numberAfter(r.stdout, "    Successful request count: "), 120);
    assert.equal(numberAfter(r.stdout, "    Inference count: "), 120);
    assert.equal(numberAfter(r.stdout, "    Execution count: "), 120);
    const b = serverBreakdown(r.stdout);
    assert.equal(b["Avg request latency"], Math.trunc(truth.successNs / truth.successCount / 1000));
    assert.equal(b["queue"], Math.trunc(truth.queueNs / truth.queueCount / 1000));
    assert.equal(
      b["compute infer"],
      Math.trunc(truth.computeInferNs / truth.computeInferCount / 1000),
    );
    // At least the 500 µs of simulated compute per request, measured by the server (how little
    // more is a timing claim: a busy machine delays the end of the simulated compute).
    assert.ok(b["compute infer"] >= 500, `${b["compute infer"]}`);
    // The client waits at least as long as the server worked.
    assert.ok(numberAfter(r.stdout, "    Avg latency: ") >= b["Avg request latency"]);
  });
});

Deno.test("batch size 4: inference count is 4 × requests and throughput counts inferences", async () => {
  await withServer({}, async (server) => {
    const r = await runCli(["-m", "simple", "-u", server.url, "-b", "4", "--request-count", "50"]);
    assert.equal(r.code, 0, r.stderr);
    const truth = await server.groundTruth("simple");
    assert.equal(truth.successCount, 50);
    assert.equal(truth.inferenceCount, 200);
    assert.equal(numberAfter(r.stdout, "    Inference count: "), 200);
    assert.ok(r.stdout.includes("\n  Batch size: 4\n"), r.stdout);
  });
});

Deno.test("time windows: client and server agree on counts and throughput over a sweep", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--concurrency-range",
      "1:2",
      "-p",
      "300",
      ...ANY_THREE_WINDOWS,
    ]);
    assert.equal(r.code, 0, r.stderr);
    let clientTotal = 0;
    for (const c of [1, 2]) {
      const at = r.stdout.indexOf(`Request concurrency: ${c}\n`);
      assert.ok(at >= 0, r.stdout);
      const client = numberAfter(r.stdout, "    Request count: ", at);
      const served = numberAfter(r.stdout, "    Successful request count: ", at);
      clientTotal += client;
      // Requests in flight at a window edge are the only difference (≤ concurrency each side).
      assert.ok(Math.abs(client - served) <= 2 * c, `c=${c}: client ${client}, server ${served}`);
      const tput = numberAfter(r.stdout, "    Throughput: ", at);
      // Three windows of at least 1.2 × 300 ms (timers fire late on a busy machine, never
      // early): throughput × that time cannot exceed the request count.
      assert.ok(tput > 0 && tput * 3 * 0.36 <= client * 1.01, `tput ${tput}, n ${client}`);
    }
    const truth = await server.groundTruth("simple");
    assert.ok(truth.successCount >= clientTotal);
    assert.match(r.stdout, /^Concurrency: 1, throughput: [0-9.]+ infer\/sec, latency \d+ usec$/m);
  });
});

Deno.test("queueing is real: two in flight on one instance wait about one compute time", async () => {
  await withServer({ computeUs: 3000, instances: 1 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--concurrency-range",
      "2",
      "--request-count",
      "40",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const b = serverBreakdown(r.stdout);
    const truth = await server.groundTruth("simple");
    assert.equal(b["queue"], Math.trunc(truth.queueNs / truth.queueCount / 1000));
    // With one instance and two requests always outstanding, each waits ~one execution.
    assert.ok(b["queue"] > 1500 && b["queue"] < 6000, `queue ${b["queue"]}`);
    assert.ok(b["compute infer"] >= 3000, `infer ${b["compute infer"]}`);
  });
});

Deno.test("JSON tensors both ways work end to end and are served like binary", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--input-tensor-format",
      "json",
      "--output-tensor-format",
      "json",
      "--request-count",
      "30",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await server.groundTruth("simple")).successCount, 30);
    assert.equal((await server.groundTruth("simple")).inferenceCount, 30);
  });
});

Deno.test("variable dims need --shape; with it the server sees that shape", async () => {
  await withServer({}, async (server) => {
    const missing = await runCli(["-m", "identity_fp32", "-u", server.url, "--request-count", "5"]);
    assert.equal(missing.code, 99);
    assert.match(missing.stderr, /input INPUT0 contains dynamic shape/);
    const r = await runCli([
      "-m",
      "identity_fp32",
      "-u",
      server.url,
      "--shape",
      "INPUT0:32",
      "--request-count",
      "10",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await server.groundTruth("identity_fp32")).successCount, 10);
  });
});

Deno.test("BYTES model with --string-data is served without errors", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple_string",
      "-u",
      server.url,
      "--string-data",
      "7",
      "--request-count",
      "10",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Failed requests/);
    assert.equal((await server.groundTruth("simple_string")).successCount, 10);
  });
});
