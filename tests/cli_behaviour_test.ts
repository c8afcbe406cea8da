/**
 * End-to-end: exit codes, error lines, modes and output files of the CLI against the
 * reference server (and against no server at all).
 */
import assert from "node:assert/strict";
import { ANY_THREE_WINDOWS, numberAfter, runCli, withServer } from "./cli_harness.ts";

Deno.test("usage errors: one Error line naming the problem, exit 99, no stack trace", async () => {
  const cases: [string[], string][] = [
    [["--foo"], "Error: Invalid long option '--foo'"],
    [["-m", "simple", "-p", "0"], "Error: Failed to parse --measurement-interval (-p)."],
    [["-m", "simple", "-b", "x"], 'Got "x".'],
    [["-m", "simple", "--concurrency-range", "1:2:3:4"], "does not match <start:end:step>"],
  ];
  for (const [args, text] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 99, args.join(" "));
    assert.ok(r.stderr.includes(text), `${args.join(" ")}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.stdout, "");
  }
});

Deno.test("--help lists the flags and exits 0; --version prints the version", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--concurrency-range", "--measurement-interval", "--percentile", "-f"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stderr, /^Perf Analyzer Version \d+\.\d+\.\d+/);
});

Deno.test("an unreachable server is perf_analyzer's error line and exit 99", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const r = await runCli(["-m", "simple", "-u", `127.0.0.1:${port}`]);
  assert.equal(r.code, 99);
  assert.equal(
    r.stderr,
    "error: failed to get model metadata: HTTP client failed: Couldn't connect to server at " +
      `127.0.0.1:${port}: is the server running there, and is that its HTTP port ` +
      "(Triton's default is 8000)?\n",
  );
});

Deno.test("an unknown model is reported with the server's error, exit 99", async () => {
  await withServer({}, async (server) => {
    const r = await runCli(["-m", "nope", "-u", server.url]);
    assert.equal(r.code, 99);
    assert.match(r.stderr, /^error: failed to get model metadata: .*nope/);
  });
});

Deno.test("CSV: perf_analyzer's header and one row per level, sorted by throughput", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer({}, async (server) => {
      const csv = `${dir}/out.csv`;
      const r = await runCli(
        ["-m", "simple", "-u", server.url, "--concurrency-range", "1:2", "-p", "200"].concat(
          [...ANY_THREE_WINDOWS, "-f", csv],
        ),
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = (await Deno.readTextFile(csv)).trimEnd().split("\n");
      assert.equal(
        lines[0],
        "Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue," +
          "Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv," +
          "p50 latency,p90 latency,p95 latency,p99 latency",
      );
      assert.equal(lines.length, 3);
      const tputs = lines.slice(1).map((l) => Number(l.split(",")[1]));
      assert.ok(tputs[0] <= tputs[1]);
      assert.deepEqual(lines.slice(1).map((l) => l.split(",")[0]).sort(), ["1", "2"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a server without statistics or config: no Server block, one note saying why", async () => {
  await withServer({ noStats: true, noConfig: true }, async (server) => {
    const r = await runCli(["-m", "simple", "-u", server.url, "--request-count", "20"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Server: /);
    assert.match(r.stderr, /statistics/);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 20);
  });
});

Deno.test("--percentile 95: p95 drives the banner and the summary", async () => {
  await withServer({}, async (server) => {
    const r = await runCli(
      ["-m", "simple", "-u", server.url, "--percentile", "95", "-p", "200", ...ANY_THREE_WINDOWS],
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Stabilizing using p95latency and throughput/);
    assert.match(r.stdout, /Inferences\/Second vs. Client p95 Batch Latency/);
    assert.doesNotMatch(r.stdout, /Avg latency:/);
    const p95 = numberAfter(r.stdout, "    p95 latency: ");
    assert.equal(numberAfter(r.stdout, "latency ", r.stdout.indexOf("Concurrency: 1,")), p95);
  });
});

Deno.test("latency limit: the sweep stops at the first level over it, exit 0", async () => {
  // One instance, 50 ms per request: one request takes ~50 ms (< 80), two queue to ~100 ms
  // (> 80). With both cores busy elsewhere, a window of 20 ms requests averaged over 32 ms, so
  // the margins are 30 ms below and 20 ms above, over windows of about 24 requests.
  await withServer({ computeUs: 50_000, instances: 1 }, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--concurrency-range",
      "1:4",
      "-l",
      "80",
      "-p",
      "1000",
      ...ANY_THREE_WINDOWS,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Concurrency: 1, /m);
    assert.doesNotMatch(r.stdout, /^Concurrency: 2, /m);
    assert.match(r.stderr, /Measured latency went over the set limit of 80 msec/);
  });
});

Deno.test("an impossible stability threshold on the first level exits 2", async () => {
  await withServer({ computeUs: { kind: "exponential", meanUs: 1000 } }, async (server) => {
    const r = await runCli(
      ["-m", "simple", "-u", server.url, "-p", "50", "-s", "0", "-r", "3"],
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /Failed to obtain stable measurement within 3 measurement windows/);
  });
});

Deno.test("Ctrl-C mid-window still reports the level measured so far", async () => {
  await withServer({}, async (server) => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1500);
    const started = Date.now();
    const r = await runCli(
      ["-m", "simple", "-u", server.url, "-p", "1000", "-s", "0"],
      abort.signal,
    );
    assert.ok(Date.now() - started < 4000, "the abort ended the run early");
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^Run interrupted: the last level was measured until Ctrl-C/m);
    assert.ok(numberAfter(r.stdout, "    Request count: ") > 0);
    assert.match(r.stdout, /^Concurrency: 1, throughput/m);
  });
});

Deno.test("-v prints one Pass line per window and the client overhead", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "-v",
      "-p",
      "200",
      ...ANY_THREE_WINDOWS,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const passes = r.stdout.match(/^ {2}Pass \[\d\] throughput: [0-9.]+ infer\/sec\. /gm) ?? [];
    assert.equal(passes.length, 3);
    assert.match(r.stdout, /^ {4}Avg client overhead: \d+\.\d\d%$/m);
    assert.match(r.stdout, /\(send \d+ usec \+ response wait \d+ usec \+ receive \d+ usec\)/);
  });
});

Deno.test("every request rejected by the server: exit 3, and the error says why", async () => {
  await withServer({}, async (server) => {
    // simple_string computes on decimal strings; "abc" makes every request fail on the server.
    const r = await runCli(
      ["-m", "simple_string", "-u", server.url, "--string-data", "abc", "-p", "100"],
    );
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /^error: No valid requests recorded within time interval\./m);
    assert.match(r.stderr, /failed; most often \(\d+×\): .*expected a decimal INT32 string/);
    const truth = await server.groundTruth("simple_string");
    assert.equal(truth.successCount, 0);
  });
});

Deno.test("a plugin backend runs through the CLI, and failed requests are counted, not fatal", async () => {
  const plugin = new URL("../core/testing/plugin_flaky.ts", import.meta.url).href;
  const r = await runCli(
    ["-m", "m", "--service-kind", `plugin:${plugin}`, "--request-count", "30"],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}Service Kind: FLAKY$/m);
  // 30 sends, every third fails: 20 succeed, 10 are reported with their error text.
  assert.equal(numberAfter(r.stdout, "    Request count: "), 20);
  assert.match(r.stdout, /^ {4}Failed requests: 10 \(HTTP 503: simulated overload: 10\)$/m);
  assert.doesNotMatch(r.stdout, /Server: /);
});
