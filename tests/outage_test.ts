/**
 * End-to-end: the server goes away mid-run and comes back on the same port. Requests during
 * the outage are counted as failures, the run never hangs, and the report completes.
 */
import assert from "node:assert/strict";
import { startServerWorker } from "../server/mod.ts";
import { ANY_THREE_WINDOWS, numberAfter, runCli } from "./cli_harness.ts";

async function outageRun(load: string[]): Promise<void> {
  const first = await startServerWorker({});
  const port = first.httpPort;
  let second: Awaited<ReturnType<typeof startServerWorker>> | undefined;
  // Down from 1.0 s to 1.6 s into the run, within the first two of three 1.2 s windows, so
  // every window still has successes.
  const outage = (async () => {
    await new Promise((r) => setTimeout(r, 1000));
    await first.close();
    await new Promise((r) => setTimeout(r, 600));
    second = await startServerWorker({ httpPort: port });
  })();
  try {
    const args = [
      "-m",
      "simple",
      "-u",
      `127.0.0.1:${port}`,
      "-p",
      "1000",
      ...ANY_THREE_WINDOWS,
      ...load,
    ];
    const r = await runCli(args);
    await outage;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const failed = numberAfter(r.stdout, "    Failed requests: ");
    assert.ok(failed > 0, r.stdout);
    assert.ok(numberAfter(r.stdout, "    Request count: ") > 0);
    // The restarted server served requests: the client recovered.
    const served = (await second!.groundTruth("simple")).successCount;
    assert.ok(served > 0);
    if (r.stdout.includes("  Server: ")) {
      // Only windows after the restart were merged: a delta of the new server's counters.
      assert.ok(numberAfter(r.stdout, "    Successful request count: ") <= served, r.stdout);
    } else {
      // Counters across a restart cannot be differenced, and the report says why.
      assert.match(r.stderr, /(went backwards|unavailable at a window boundary)/);
    }
  } finally {
    await outage;
    await second?.close();
  }
}

Deno.test("server restart mid-run at a fixed rate: counted errors, completed report", async () => {
  await outageRun(["--request-rate-range", "200", "--request-timeout", "500"]);
});

Deno.test("server restart mid-run at concurrency 2: errors back off, report completes", async () => {
  await outageRun(["--concurrency-range", "2"]);
});
