/** End-to-end: open-loop modes through the CLI against the reference server. */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";

Deno.test("--request-intervals replays the file's gaps: one level at their average rate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/gaps.txt`;
    // 1 ms and 3 ms alternating: 500 requests/s on average.
    await Deno.writeTextFile(file, "1000\n3000\n");
    await withServer({}, async (server) => {
      const r = await runCli(
        ["-m", "simple", "-u", server.url, "--request-intervals", file, "--request-count", "200"],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Request Rate: 500 inference requests per second$/m);
      assert.equal(numberAfter(r.stdout, "    Request count: "), 200);
      // 200 requests over 100 gaps of 4 ms ≈ 0.4 s: never faster than 500/s (timer jitter
      // allowed). A busy machine can only fall behind the schedule; how closely the client
      // keeps up is the bench's claim (bench pacing rows), not this test's.
      const tput = numberAfter(r.stdout, "    Throughput: ");
      assert.ok(tput > 0 && tput < 560, `throughput ${tput}`);
      assert.equal((await server.groundTruth("simple")).successCount, 200);
      const bad = `${dir}/bad.txt`;
      await Deno.writeTextFile(bad, "100\nfast\n");
      const refused = await runCli(["-m", "simple", "-u", server.url, "--request-intervals", bad]);
      assert.equal(refused.code, 99);
      assert.match(refused.stderr, /line 2 \("fast"\) is not a whole number of microseconds/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("poisson rate: banner names it, the rate is kept on average", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--request-rate-range",
      "400",
      "--request-distribution",
      "poisson",
      "--request-count",
      "400",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}Using poisson distribution on request generation$/m);
    const tput = numberAfter(r.stdout, "    Throughput: ");
    // 400 exponential gaps of mean 2.5 ms: the sum's relative sd is 5 %; allow 4 sd above.
    // A busy machine can only fall behind the schedule, so there is no bound below.
    assert.ok(tput > 0 && tput < 500, `throughput ${tput}`);
  });
});

Deno.test("--stop-rule confidence prints the interval it stopped on", async () => {
  await withServer({ computeUs: 500 }, async (server) => {
    const r = await runCli(
      // -s 100000: any interval is narrow enough, so the level stops at the rule's second
      // window whatever the machine's load; the printed interval is under test, not stability.
      ["-m", "simple", "-u", server.url, "--stop-rule", "confidence", "-p", "300", "-s", "100000"],
    );
    assert.equal(r.code, 0, r.stderr);
    const m = r.stdout.match(
      /^ {4}Avg latency 99% confidence interval: (\d+) - (\d+) usec \((\d+) requests\)$/m,
    );
    assert.ok(m, r.stdout);
    const avg = numberAfter(r.stdout, "    Avg latency: ");
    assert.ok(Number(m[1]) <= avg && avg <= Number(m[2]), `${m[0]} vs avg ${avg}`);
    assert.equal(Number(m[3]), numberAfter(r.stdout, "    Request count: "));
  });
});
