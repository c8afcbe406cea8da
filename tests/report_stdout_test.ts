/**
 * Machine-readable output: --report-json - puts the run summary alone on stdout (the report
 * perf_analyzer prints moves to stderr), and --quiet prints no report at all.
 */
import assert from "node:assert/strict";
import { runCli, withServer } from "./cli_harness.ts";

const SETTINGS = /^\*\*\* Measurement Settings \*\*\*$/m;

Deno.test("--report-json - writes the summary alone on stdout, the report on stderr", async () => {
  await withServer({}, async (server) => {
    const args = ["-m", "simple", "-u", server.url, "--request-count", "20"];
    const r = await runCli([...args, "--report-json", "-"]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.format, "perf-analyzer-ts/run-summary");
    assert.equal(summary.levels[0].requestCount, 20);
    assert.equal((await server.groundTruth("simple")).successCount, 20);
    assert.match(r.stderr, SETTINGS);
    assert.match(r.stderr, /^ {4}Request count: 20$/m);

    const quiet = await runCli([...args, "--report-json", "-", "--quiet"]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(JSON.parse(quiet.stdout).levels[0].requestCount, 20);
    assert.doesNotMatch(quiet.stderr, SETTINGS);
    assert.doesNotMatch(quiet.stderr, /Request count/);

    const silent = await runCli([...args, "--quiet"]);
    assert.equal(silent.code, 0, silent.stderr);
    assert.equal(silent.stdout, "");
    assert.equal((await server.groundTruth("simple")).successCount, 60);
  });
});

Deno.test("only one report can take stdout, and only the JSON or HTML one", async () => {
  const base = ["-m", "simple", "-u", "127.0.0.1:1", "--request-count", "5"];
  const both = await runCli([...base, "--report-json", "-", "--report-html", "-"]);
  assert.equal(both.code, 99);
  assert.equal(
    both.stderr,
    'error: Cannot write --report-html "-": --report-json writes stdout already.\n',
  );
  const csv = await runCli([...base, "-f", "-"]);
  assert.equal(csv.code, 99);
  assert.equal(
    csv.stderr,
    'error: Cannot write -f "-": only --report-json or --report-html can be "-" (stdout).\n',
  );
});

Deno.test("--threshold: the report lists each gate; a failed one exits 4 after the files", async () => {
  // 2 ms of compute per request: every latency is above 2 ms and far below 1 s.
  await withServer({ computeUs: 2000 }, async (server) => {
    const args = ["-m", "simple", "-u", server.url, "--request-count", "10"];
    const pass = await runCli([...args, "--threshold", "p99<1s", "--threshold", "error_rate<1%"]);
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(
      pass.stdout,
      /^ {2}PASS {2}Request concurrency: 1: p99<1s \(measured \d+ usec\)$/m,
    );
    assert.match(
      pass.stdout,
      /^ {2}PASS {2}Request concurrency: 1: error_rate<1% \(measured 0\.00%\)$/m,
    );

    const gated = await runCli([...args, "--threshold", "p50<2ms", "--report-json", "-"]);
    assert.equal(gated.code, 4, gated.stderr);
    const p50 = JSON.parse(gated.stdout).levels[0].latencyUs.p50;
    assert.ok(p50 >= 2000, `p50 ${p50} usec with 2 ms of compute`);
    assert.match(
      gated.stderr,
      /^ {2}FAIL {2}Request concurrency: 1: p50<2ms \(measured \d+ usec\)$/m,
    );
    assert.match(gated.stderr, /^1 threshold check\(s\) failed \(exit 4\)$/m);
  });
});

Deno.test("the summary keeps a level that never stabilized, and marks a run Ctrl-C cut short", async () => {
  await withServer({}, async (server) => {
    // -s 0 cannot be met: the first level stays unstable after its 3 windows (exit 2).
    const args = ["-m", "simple", "-u", server.url, "-p", "100", "-s", "0", "-r", "3"];
    const unstable = await runCli([...args, "--report-json", "-"]);
    assert.equal(unstable.code, 2, unstable.stderr);
    const summary = JSON.parse(unstable.stdout);
    assert.deepEqual(
      summary.levels.map((l: { value: number; status: string; windows: unknown[] }) => [
        l.value,
        l.status,
        l.windows.length,
      ]),
      [[1, "unstable", 3]],
    );
    assert.equal(summary.settings.interrupted, undefined);

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 150);
    const cut = await runCli([...args, "-r", "100", "--report-json", "-"], abort.signal);
    assert.equal(cut.code, 130, cut.stderr);
    const cutSummary = JSON.parse(cut.stdout);
    assert.equal(cutSummary.settings.interrupted, true);
    assert.equal(cutSummary.levels.length, 1);
    assert.ok(cutSummary.levels[0].requestCount > 0);
  });
});
