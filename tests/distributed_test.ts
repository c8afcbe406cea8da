/**
 * End to end: three distributed workers (in-process main() calls, each with its own
 * --worker-index) against the reference server, then `merge`; the merged report is checked
 * against the server's own count and against the rate asked for.
 */
import assert from "node:assert/strict";
import { ANY_THREE_WINDOWS, numberAfter, runCli, withServer, withTempDir } from "./cli_harness.ts";
import type { WorkerArtifact } from "../core/distributed/artifact.ts";
import { poissonSchedule } from "../core/load/schedule.ts";

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
        // The tests run with FFI allowed: adjtimex answered, synchronized or not.
        assert.notEqual(a.clock.sync?.state ?? "unknown", "unknown", JSON.stringify(a.clock));
        assert.equal(typeof a.clock.sync?.maxErrorUs, "number");
      }
      // 301 = 101 + 100 + 100: whole units, the remainder to the first worker.
      assert.deepEqual(shares, [101, 100, 100]);
      const merged = await runCli(["merge", dir, "-f", `${dir}/merged.csv`]);
      assert.equal(merged.code, 0, merged.stderr);
      const truth = await server.groundTruth("simple");
      assert.equal(truth.successCount, 301);
      assert.equal(numberAfter(merged.stdout, "    Request count: "), truth.successCount);
      // Worker 0's server statistics cover its own window only: no Server block, and why.
      assert.doesNotMatch(merged.stdout, /^ {2}Server: /m);
      assert.match(merged.stderr, /no server-side breakdown is reported: with --request-count/);
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

Deno.test("distributed poisson: the merged count is the single-machine schedule's", async () => {
  const rate = 300;
  // The sends of the one seeded schedule in the reported windows, [2 s, 5 s) of the level.
  const schedule = poissonSchedule(rate, 1);
  let expected = 0;
  for (let t = schedule.next(); t < 5e9; t = schedule.next()) if (t >= 2e9) expected++;
  const misses: string[] = [];
  for (let attempt = 1; attempt <= RATE_ATTEMPTS; attempt++) {
    const { count } = await rateRun(rate, ["--request-distribution", "poisson"]);
    // As exact as the rate: a stall at an edge moves requests across it (see RATE_ATTEMPTS).
    if (Math.abs(count - expected) <= 0.005 * expected) return;
    misses.push(`attempt ${attempt}: ${count}`);
  }
  assert.fail(`merged count never within 0.5 % of the schedule's ${expected}: ${misses}`);
});

/** Three workers at `rate` together, merged: the merged throughput and count. */
async function rateRun(
  rate: number,
  extra: string[] = [],
): Promise<{ tput: number; count: number; error: number }> {
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
        ...extra,
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

Deno.test("distributed concurrency sweep: server counters from one worker, so counted once", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-dist-", async (dir) => {
      await runWorkers([
        "-m",
        "simple",
        "-u",
        server.url,
        "--concurrency-range",
        "3:6:3",
        "-p",
        "300",
        "--dist-windows",
        "4",
        ...ANY_THREE_WINDOWS,
      ], dir);
      const merged = await runCli(["merge", dir, "-f", `${dir}/sweep.csv`]);
      assert.equal(merged.code, 0, merged.stderr);
      for (const c of [3, 6]) {
        const at = merged.stdout.indexOf(`Request concurrency: ${c}\n`);
        assert.ok(at >= 0, merged.stdout);
        const client = numberAfter(merged.stdout, "    Request count: ", at);
        const served = numberAfter(merged.stdout, "    Successful request count: ", at);
        // The server's count over the same windows: one worker read it, so it is not tripled;
        // requests in flight at the two edges are the only difference.
        assert.ok(Math.abs(client - served) <= 2 * c, `c=${c}: client ${client}, server ${served}`);
      }
      const csv = (await Deno.readTextFile(`${dir}/sweep.csv`)).trim().split("\n");
      // One row per level (perf_analyzer orders them by throughput, which a busy machine sets).
      assert.deepEqual(csv.slice(1).map((l) => l.split(",")[0]).sort(), ["3", "6"]);
    });
  });
});

Deno.test("workers as local processes, each told its index by JOB_COMPLETION_INDEX", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-dist-", async (dir) => {
      // One start for all, with room for three Deno start-ups on a busy machine.
      const startAt = Date.now() + 8000;
      const main = new URL("../main.ts", import.meta.url).pathname;
      const outputs = await Promise.all(
        Array.from({ length: WORKERS }, (_, i) =>
          new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              main,
              "-m",
              "simple",
              "-u",
              server.url,
              "--concurrency-range",
              "3",
              "--request-count",
              "62",
              "--worker-count",
              `${WORKERS}`,
              "--start-at",
              `${startAt}`,
              "--dist-out",
              dir,
            ],
            env: { JOB_COMPLETION_INDEX: `${i}`, NO_COLOR: "1" },
            stdout: "piped",
            stderr: "piped",
          }).output()),
      );
      for (const o of outputs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
      const engines = [];
      for (let i = 0; i < WORKERS; i++) {
        const a: WorkerArtifact = JSON.parse(await Deno.readTextFile(`${dir}/worker-${i}.json`));
        engines.push([a.worker.engine, a.worker.rankEnv.JOB_COMPLETION_INDEX]);
      }
      assert.deepEqual(engines, [["k8s", "0"], ["k8s", "1"], ["k8s", "2"]]);
      const merged = await runCli(["merge", dir]);
      assert.equal(merged.code, 0, merged.stderr);
      assert.equal(numberAfter(merged.stdout, "    Request count: "), 62);
      assert.equal((await server.groundTruth("simple")).successCount, 62);
    });
  });
});
