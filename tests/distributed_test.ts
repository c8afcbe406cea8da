/**
 * End to end: three distributed workers (in-process main() calls, each with its own
 * --worker-index) against the reference server, then `merge`; the merged report is checked
 * against the server's own count and against the rate asked for.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer, withTempDir } from "./cli_harness.ts";
import type { WorkerArtifact } from "../core/distributed/artifact.ts";

const WORKERS = 3;

/** Runs the workers together from one --start-at, computed once as a launcher would. */
async function runWorkers(args: string[], dir: string): Promise<void> {
  const startAt = Date.now() + 1500;
  const runs = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      runCli([
        ...args,
        "--worker-index",
        `${i}`,
        "--worker-count",
        `${WORKERS}`,
        "--start-at",
        `${startAt}`,
        "--dist-out",
        dir,
      ])),
  );
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
}

Deno.test("distributed --request-count: the merged count is the server's ground truth", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-dist-", async (dir) => {
      await runWorkers([
        "-m",
        "simple",
        "-u",
        server.url,
        "--concurrency-range",
        "4",
        "--request-count",
        "301",
      ], dir);
      const shares: number[] = [];
      for (let i = 0; i < WORKERS; i++) {
        const a: WorkerArtifact = JSON.parse(await Deno.readTextFile(`${dir}/worker-${i}.json`));
        shares.push(a.levels[0].windows[0].completed);
        assert.equal(a.serverStats, i === 0);
      }
      // 301 = 101 + 100 + 100: whole units, the remainder to the first worker.
      assert.deepEqual(shares, [101, 100, 100]);
      const merged = await runCli(["merge", dir, "-f", `${dir}/merged.csv`]);
      assert.equal(merged.code, 0, merged.stderr);
      const truth = await server.groundTruth("simple");
      assert.equal(truth.successCount, 301);
      assert.equal(numberAfter(merged.stdout, "    Request count: "), truth.successCount);
      const csv = await Deno.readTextFile(`${dir}/merged.csv`);
      assert.match(csv, /^Concurrency,Inferences\/Second,/);
      assert.equal(csv.trim().split("\n").length, 2);
    });
  });
});

Deno.test("distributed --request-rate-range: the merged rate is the asked rate within 0.5%", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-dist-", async (dir) => {
      const rate = 300;
      await runWorkers([
        "-m",
        "simple",
        "-u",
        server.url,
        "--request-rate-range",
        `${rate}`,
        "-p",
        "1000",
        "--dist-windows",
        "4",
        "--pacing",
        "timer",
        "-s",
        "100000",
      ], dir);
      const merged = await runCli(["merge", dir, "--report-json", `${dir}/merged.json`]);
      assert.equal(merged.code, 0, merged.stderr);
      const tput = numberAfter(merged.stdout, "    Throughput: ");
      const error = Math.abs(tput - rate) / rate;
      assert.ok(error <= 0.005, `merged throughput ${tput} vs ${rate}: ${error * 100}%`);
      // Three windows of 1 s: 900 requests, counted once each across the workers.
      const count = numberAfter(merged.stdout, "    Request count: ");
      assert.ok(Math.abs(count - 3 * rate) <= 4, `${count}`);
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/merged.json`));
      assert.equal(summary.levels.length, 1);
      console.log(
        `merged ${count} requests, ${tput} infer/sec, error ${(error * 100).toFixed(3)}%`,
      );
    });
  });
});
