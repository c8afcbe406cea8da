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

/**
 * A stall of this shared machine longer than a few ms at the first or last edge of the reported
 * windows (late sends caught up on the other side of it) moves the count by stall × rate: a
 * verdict on the machine, not on the merge. Such an attempt is retried, up to three times.
 */
const RATE_ATTEMPTS = 3;

Deno.test("distributed --request-rate-range: the merged rate is the asked rate within 0.5%", async () => {
  const rate = 300;
  const misses: string[] = [];
  for (let attempt = 1; attempt <= RATE_ATTEMPTS; attempt++) {
    const outcome = await rateRun(rate);
    if (outcome.error <= 0.005) {
      console.log(
        `merged ${outcome.count} requests, ${outcome.tput} infer/sec, error ` +
          `${(outcome.error * 100).toFixed(3)}% (attempt ${attempt})`,
      );
      return;
    }
    misses.push(`attempt ${attempt}: ${outcome.tput} infer/sec (${outcome.count} requests)`);
  }
  assert.fail(`merged throughput never within 0.5 % of ${rate}: ${misses.join("; ")}`);
});

/** Three workers at `rate` together, merged: the merged throughput and count. */
async function rateRun(rate: number): Promise<{ tput: number; count: number; error: number }> {
  let outcome = { tput: 0, count: 0, error: Infinity };
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-dist-", async (dir) => {
      await runWorkers([
        "-m",
        "simple",
        "-u",
        server.url,
        "--request-rate-range",
        `${rate}`,
        // The default five windows: the first two absorb the start (connections, a backlog of
        // late sends caught up), which would otherwise move the reported count by backlog × rate.
        "-p",
        "1000",
        "--pacing",
        "timer",
        "-s",
        "100000",
      ], dir);
      const merged = await runCli(["merge", dir, "--report-json", `${dir}/merged.json`]);
      assert.equal(merged.code, 0, merged.stderr);
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/merged.json`));
      assert.equal(summary.levels.length, 1);
      const tput = numberAfter(merged.stdout, "    Throughput: ");
      // Three windows of 1 s: the requests that ended in them, counted once across the workers.
      const count = numberAfter(merged.stdout, "    Request count: ");
      assert.ok(Math.abs(tput - count / 3) < 0.001, `${tput} infer/sec from ${count} requests`);
      outcome = { tput, count, error: Math.abs(tput - rate) / rate };
    });
  });
  return outcome;
}

Deno.test("distributed --dist-out -: artifacts printed between markers merge from the logs", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-dist-", async (dir) => {
      const startAt = Date.now() + 1500;
      const runs = await Promise.all([0, 1].map((i) =>
        runCli([
          "-m",
          "simple",
          "-u",
          server.url,
          "--concurrency-range",
          "2",
          "--request-count",
          "41",
          "--worker-index",
          `${i}`,
          "--worker-count",
          "2",
          "--start-at",
          `${startAt}`,
          "--dist-out",
          "-",
        ])
      ));
      // As `kubectl logs` of every pod would collect them, one after the other in one file.
      for (const r of runs) assert.equal(r.code, 0, r.stderr);
      await Deno.writeTextFile(`${dir}/pods.log`, runs.map((r) => r.stdout).join(""));
      const merged = await runCli(["merge", `${dir}/pods.log`]);
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(numberAfter(merged.stdout, "    Request count: "), 41);
      assert.equal((await server.groundTruth("simple")).successCount, 41);
    });
  });
});
