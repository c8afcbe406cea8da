/** End-to-end: search modes, versions and count windows against the reference server. */
import assert from "node:assert/strict";
import { ANY_THREE_WINDOWS, numberAfter, runCli, withServer } from "./cli_harness.ts";

Deno.test("binary search reports the levels under the latency limit", async () => {
  // One instance, 50 ms per request: latency ≈ 50 ms × concurrency. With -l 80 only level 1
  // passes (with both cores busy elsewhere a window of 20 ms requests averaged over 32 ms, so
  // the margins are 30 ms below and 20 ms above); the search measures 1, 8 (fail), 4 (fail),
  // 2 (fail) and stops.
  await withServer({ computeUs: 50_000, instances: 1 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--binary-search",
      "--concurrency-range",
      "1:8",
      "-l",
      "80",
      "-p",
      "1000",
      ...ANY_THREE_WINDOWS,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}Using Binary Search algorithm$/m);
    const summary = r.stdout.slice(r.stdout.indexOf("Inferences/Second vs."));
    assert.deepEqual([...summary.matchAll(/^Concurrency: (\d+),/gm)].map((m) => m[1]), ["1"]);
    assert.equal(r.stderr.match(/went over the set limit of 80 msec/g)?.length, 3);
  });
});

Deno.test("-x picks the version in the URL; an unknown version is the server's error", async () => {
  await withServer({}, async (server) => {
    const ok = await runCli(["-m", "simple", "-x", "1", "-u", server.url, "--request-count", "5"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(numberAfter(ok.stdout, "    Successful request count: "), 5);
    const bad = await runCli(["-m", "simple", "-x", "7", "-u", server.url]);
    assert.equal(bad.code, 99);
    assert.match(bad.stderr, /failed to get model metadata: .*version 7/);
  });
});

Deno.test("count windows: each window holds at least the asked number of requests", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--measurement-mode",
      "count_windows",
      "--measurement-request-count",
      "100",
      ...ANY_THREE_WINDOWS,
      "-v",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}Using "count_windows" mode for stabilization$/m);
    assert.match(r.stdout, /^ {2}Minimum number of samples in each window: 100$/m);
    // Three windows of at least 100 requests each are merged.
    assert.ok(numberAfter(r.stdout, "    Request count: ") >= 300);
  });
});
