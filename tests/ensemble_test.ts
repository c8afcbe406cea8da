/**
 * End-to-end: ensembles and BLS models against the reference server. With --request-count on a
 * fresh server the one window sees every request, so each number of the Server block, of its
 * composing blocks and of the per-model CSV files must equal what the server counted, computed
 * here from its ground truth with perf_analyzer's integer formulas.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ANY_THREE_WINDOWS, numberAfter, runCli, withServer, withTempDir } from "./cli_harness.ts";
import type { ModelStats } from "../server/models/stats.ts";

const N = 60;

/** perf_analyzer's `ns / (count × 1000)` in integers. */
function avgUs(ns: number, count: number): number {
  return count === 0 ? 0 : Math.floor(ns / (count * 1000));
}

function computeNs(s: ModelStats): number {
  return s.computeInputNs + s.computeInferNs + s.computeOutputNs;
}

/** The block perf_analyzer prints for a model without composing models, at `indent`. */
function modelBlock(s: ModelStats, indent: string): string[] {
  const request = avgUs(s.successNs, s.successCount);
  const queue = avgUs(s.queueNs, s.queueCount);
  const compute = avgUs(computeNs(s), s.computeInputCount);
  return [
    `${indent}Inference count: ${s.inferenceCount}`,
    `${indent}Execution count: ${s.executionCount}`,
    `${indent}Successful request count: ${s.successCount}`,
    `${indent}Avg request latency: ${request} usec (overhead ${
      Math.max(0, request - queue - compute)
    } usec + queue ${queue} usec + compute input ${
      avgUs(s.computeInputNs, s.computeInputCount)
    } usec + compute infer ${avgUs(s.computeInferNs, s.computeInferCount)} usec + ` +
    `compute output ${avgUs(s.computeOutputNs, s.computeOutputCount)} usec)`,
  ];
}

/** The whole Server block of `top` over the composing models `steps` (name → truth). */
function expectedServer(top: ModelStats, steps: [string, ModelStats][]): string[] {
  const request = avgUs(top.successNs, top.successCount);
  let queue = 0;
  let compute = 0;
  for (const [, s] of steps) {
    queue += avgUs(s.queueNs, s.queueCount);
    compute += avgUs(computeNs(s), s.computeInputCount);
  }
  const lines = [
    "  Server: ",
    `    Inference count: ${top.inferenceCount}`,
    `    Execution count: ${top.executionCount}`,
    `    Successful request count: ${top.successCount}`,
    `    Avg request latency: ${request} usec (overhead ${
      Math.max(0, request - queue - compute)
    } usec + queue ${queue} usec + compute ${compute} usec)`,
    "  Composing models: ",
  ];
  for (const [name, s] of steps) {
    lines.push(`  ${name}, version: 1`, ...modelBlock(s, "      "));
  }
  return lines;
}

/**
 * The Server block of the report: from "  Server: " to the next line that is not indented (the
 * summary, or the overhead warning a fast level can bring).
 */
function serverBlock(stdout: string): string[] {
  const lines = stdout.split("\n");
  const from = lines.indexOf("  Server: ");
  const to = lines.findIndex((l, i) => i > from && !l.startsWith(" "));
  return lines.slice(from, to);
}

/** The row perf_analyzer writes to `<model>_v1.<csv>` for one composing model. */
function composingRow(s: ModelStats, throughput: string): string {
  const avg = (ns: number, count: number) => count === 0 ? 0 : Math.floor(ns / count);
  const queue = avg(s.queueNs, s.queueCount);
  const compute = avg(computeNs(s), s.computeInputCount);
  const overhead = Math.max(0, avg(s.successNs, s.successCount) - queue - compute);
  const us = (ns: number) => Math.floor(ns / 1000);
  return [
    "1",
    throughput,
    "0",
    us(overhead),
    us(queue),
    us(avg(s.computeInputNs, s.computeInputCount)),
    us(avg(s.computeInferNs, s.computeInferCount)),
    us(avg(s.computeOutputNs, s.computeOutputCount)),
    "0",
  ].join(",");
}

const COMPOSING_HEADER = "Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv," +
  "Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv";

Deno.test("ensemble over HTTP: Server block, composing blocks and CSV files equal the server's counts", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa_ensemble_", async (dir) => {
      const csv = join(dir, "out.csv");
      const r = await runCli([
        "-m",
        "simple_ensemble",
        "-u",
        server.url,
        "--request-count",
        String(N),
        "-f",
        csv,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const ens = await server.groundTruth("simple_ensemble");
      const simple = await server.groundTruth("simple");
      const identity = await server.groundTruth("identity_int32");
      for (const s of [ens, simple, identity]) assert.equal(s.successCount, N);
      // Each ensemble request waited in both steps' queues: its own entry holds their sum.
      assert.equal(ens.queueNs, simple.queueNs + identity.queueNs);
      assert.equal(ens.computeInferNs, simple.computeInferNs + identity.computeInferNs);
      assert.deepEqual(
        serverBlock(r.stdout),
        expectedServer(ens, [["identity_int32", identity], ["simple", simple]]),
      );

      const main = (await Deno.readTextFile(csv)).trimEnd().split("\n");
      assert.equal(main.length, 2);
      const throughput = main[1].split(",")[1];
      // The ensemble's own columns are its own counters (queue summed over its steps).
      assert.equal(
        main[1].split(",")[4],
        String(Math.floor(Math.floor(ens.queueNs / N) / 1000)),
      );
      for (const [name, truth] of [["identity_int32", identity], ["simple", simple]] as const) {
        const text = await Deno.readTextFile(join(dir, `${name}_v1.out.csv`));
        assert.equal(text, `${COMPOSING_HEADER}\n${composingRow(truth, throughput)}\n`);
      }
    });
  });
});

Deno.test("BLS over gRPC: --bls-composing-models reports the called models' exact counts", async () => {
  await withServer({ computeUs: 200, grpcPort: 0 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple_bls",
      "-u",
      server.grpcUrl!,
      "-i",
      "grpc",
      "--request-count",
      String(N),
      "--bls-composing-models",
      "simple, identity_int32:1",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const bls = await server.groundTruth("simple_bls");
    const simple = await server.groundTruth("simple");
    const identity = await server.groundTruth("identity_int32");
    for (const s of [bls, simple, identity]) assert.equal(s.successCount, N);
    // The BLS model waits for its calls inside its own compute.
    assert.ok(bls.computeInferNs >= simple.successNs + identity.successNs);
    assert.deepEqual(
      serverBlock(r.stdout),
      expectedServer(bls, [["identity_int32", identity], ["simple", simple]]),
    );
  });
});

Deno.test("--bls-composing-models naming a model the server does not have fails before load", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple_bls",
      "-u",
      server.url,
      "--request-count",
      "5",
      "--bls-composing-models",
      "nope",
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nope/);
    assert.equal((await server.groundTruth("simple_bls")).successCount, 0);
  });
});

Deno.test("response cache: hits, misses and their latencies equal the server's counts", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa_cache_", async (dir) => {
      const csv = join(dir, "cache.csv");
      // Zero input data makes every request the same: one miss, then hits.
      const r = await runCli([
        "-m",
        "simple_cached",
        "-u",
        server.url,
        "--input-data",
        "zero",
        "--request-count",
        String(N),
        "-f",
        csv,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const s = await server.groundTruth("simple_cached");
      assert.deepEqual(
        [s.successCount, s.queueCount, s.cacheHitCount, s.cacheMissCount, s.inferenceCount],
        [N, N, N - 1, 1, 1],
      );
      assert.equal(s.computeInferCount, 1);
      const request = avgUs(s.successNs, s.successCount);
      const queue = avgUs(s.queueNs, s.queueCount);
      const combined = avgUs(
        computeNs(s) + s.cacheHitNs + s.cacheMissNs,
        s.computeInputCount + s.cacheHitCount,
      );
      const miss = avgUs(s.cacheMissNs, s.cacheMissCount);
      const input = avgUs(s.computeInputNs, 1);
      const infer = avgUs(s.computeInferNs, 1);
      const output = avgUs(s.computeOutputNs, 1);
      assert.deepEqual(serverBlock(r.stdout), [
        "  Server: ",
        `    Inference count: 1`,
        `    Execution count: 1`,
        `    Cache hit count: ${N - 1}`,
        `    Cache miss count: 1`,
        `    Successful request count: ${N}`,
        `    Avg request latency: ${request} usec (overhead ${
          Math.max(0, request - queue - combined)
        } usec + queue ${queue} usec + cache hit/miss ${combined} usec)`,
        `      Average Cache Hit Latency: ${avgUs(s.cacheHitNs, s.cacheHitCount)} usec`,
        `      Average Cache Miss Latency: ${
          miss + avgUs(computeNs(s), 1)
        } usec (cache lookup/insertion ${miss} usec + compute input ${input} usec + ` +
        `compute infer ${infer} usec + compute output ${output} usec)`,
      ]);
      const [header, row] = (await Deno.readTextFile(csv)).trimEnd().split("\n");
      const cells = row.split(",");
      const at = (name: string) => cells[header.split(",").indexOf(name)];
      assert.equal(at("Server Cache Hit"), String(avgUs(s.cacheHitNs, s.cacheHitCount)));
      assert.equal(at("Server Cache Miss"), String(miss));
      assert.equal(at("Server Queue"), String(queue));
    });
  });
});

Deno.test("--bls-composing-models with a kind that has no server statistics is refused", async () => {
  await withServer({ tfservingPort: 0 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "--service-kind",
      "tfserving",
      "-i",
      "grpc",
      "-u",
      server.tfservingUrl!,
      "--request-count",
      "5",
      "--bls-composing-models",
      "simple",
    ]);
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /--bls-composing-models reports server statistics, which --service-kind tfserving does not have/,
    );
  });
});

Deno.test("ensemble over gRPC, two levels of time windows: each level's steps match its requests", async () => {
  await withServer({ computeUs: 300, grpcPort: 0 }, async (server) => {
    await withTempDir("pa_ensemble_sweep_", async (dir) => {
      const csv = join(dir, "sweep.csv");
      const r = await runCli([
        "-m",
        "simple_ensemble",
        "-u",
        server.grpcUrl!,
        "-i",
        "grpc",
        "--concurrency-range",
        "1:2",
        "-p",
        "300",
        ...ANY_THREE_WINDOWS,
        "-f",
        csv,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const levels = r.stdout.split("Request concurrency: ").slice(1);
      assert.equal(levels.length, 2);
      for (const [i, text] of levels.entries()) {
        const ensemble = numberAfter(text, "    Successful request count: ");
        const composing = text.slice(text.indexOf("Composing models: "));
        // A window edge can fall between an ensemble request's two steps: at most one request
        // per concurrency slot is counted by one model and not yet by another.
        for (const name of ["identity_int32", "simple"]) {
          const at = composing.indexOf(`  ${name}, version: 1\n`);
          assert.ok(at >= 0, composing);
          const count = numberAfter(composing, "      Successful request count: ", at);
          assert.ok(Math.abs(count - ensemble) <= i + 1, `${name}: ${count} vs ${ensemble}`);
        }
      }
      const rows = (await Deno.readTextFile(join(dir, "simple_v1.sweep.csv"))).trimEnd()
        .split("\n");
      assert.equal(rows.length, 3);
      // Same load values as the main file, in its order (increasing throughput).
      const main = (await Deno.readTextFile(csv)).trimEnd().split("\n").slice(1);
      assert.deepEqual(rows.slice(1).map((l) => l.split(",")[0]), main.map((l) => l.split(",")[0]));
    });
  });
});
