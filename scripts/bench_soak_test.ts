import assert from "node:assert/strict";
import { NginxServer } from "./bench_nginx.ts";
import { SOAK_PROCESS, soakFromCli } from "./bench_rows.ts";
import {
  cliArgs,
  type CliResult,
  parseCliReport,
  paTaskFlags,
  runCli,
  summarizeRss,
  tail,
} from "./bench_soak.ts";
import { missingTools } from "./bench_tools.ts";

const GOLDEN = new URL("../tests/golden/http_request_count_export.txt", import.meta.url);

Deno.test("parseCliReport reads the client's count and rate from real perf_analyzer output", async () => {
  const text = await Deno.readTextFile(GOLDEN);
  assert.deepEqual(parseCliReport(text), { requestCount: 50, throughput: 49.9376 });
});

Deno.test("parseCliReport ignores pass and server lines and needs both figures", () => {
  const pass = "  Pass [1] throughput: 100 infer/sec. Avg latency: 9 usec (std 1 usec). \n";
  const server = "  Server: \n    Inference count: 50\n    Successful request count: 50\n";
  assert.equal(parseCliReport(pass + server), undefined);
  assert.equal(parseCliReport("  Client: \n    Request count: 7\n"), undefined);
  const big = "  Client: \n    Request count: 7000000\n    Throughput: 1.17417e+06 infer/sec\n";
  assert.deepEqual(parseCliReport(big), { requestCount: 7_000_000, throughput: 1_174_170 });
});

Deno.test("cliArgs asks for one --request-count window at one concurrency", () => {
  assert.deepEqual(cliArgs({ url: "127.0.0.1:8000", connections: 64, requestCount: 6e6 }), [
    "-m",
    "simple",
    "-u",
    "127.0.0.1:8000",
    "--concurrency-range",
    "64",
    "--request-count",
    "6000000",
  ]);
});

Deno.test("summarizeRss takes start at 2 s, growth from the sample at a quarter of the run", () => {
  // Samples at 1..8 s: a quarter of the run is the 2 s sample.
  const s = summarizeRss([50, 100, 110, 130, 120, 125, 140, 135], 141.5);
  assert.deepEqual(s, {
    startMb: 100,
    at25Mb: 100,
    peakMb: 141.5,
    endMb: 135,
    growthMb: 35,
    growthPct: 35,
    // Last quarter's top (140) over the second quarter's (130, from 110 and 130).
    peakGrowthMb: 10,
    peakGrowthPct: 100 * 10 / 130,
  });
  // 60 samples: the quarter mark is the 15 s sample (index 14).
  const flat = summarizeRss(Array.from({ length: 60 }, (_, i) => (i === 14 ? 140 : 147)), 0);
  assert.equal(flat.at25Mb, 140);
  assert.equal(flat.growthMb, 7);
  assert.equal(flat.peakGrowthMb, 0);
  // A sawtooth caught at a trough at 25% and a top at the end: +11% by single samples,
  // nothing by peaks.
  const saw = summarizeRss(Array.from({ length: 41 }, (_, i) => (i % 10 < 5 ? 150 : 135)), 150);
  assert.equal(saw.at25Mb, 135);
  assert.equal(saw.endMb, 150);
  assert.ok(saw.growthPct > 11 && saw.growthPct < 11.2);
  assert.equal(saw.peakGrowthMb, 0);
  // A process that died before its first sample has no figures, not zeros.
  const none = summarizeRss([], 0);
  assert.ok(Number.isNaN(none.growthPct) && Number.isNaN(none.peakGrowthPct));
});

Deno.test("tail keeps the last lines without the trailing newline", () => {
  assert.equal(tail("a\nb\nc\nd\n", 2), "c\nd");
  assert.equal(tail("only"), "only");
});

function cliResult(over: Partial<CliResult>): CliResult {
  return {
    command: "deno run -A main.ts ...",
    pid: 7,
    exitCode: 0,
    wallS: 62,
    report: { requestCount: 6_000_000, throughput: 100_000 },
    trace: {
      rssSeriesMb: [90, 120.04, 130, 131],
      hwmMb: 131.5,
      cpuS: 54,
      cpuSeries: [],
      polls: 40,
    },
    stdout: "out",
    stdoutTail: "out",
    stderrTail: "err",
    ...over,
  };
}

const OBSERVED = { nginxCpuPct: 70, otherCpuPct: 2, newConnections: 65 };

Deno.test("soakFromCli turns the CLI's report and trace into the soak row", () => {
  const row = soakFromCli({ connections: 64, requestCount: 6_000_000 }, cliResult({}), OBSERVED);
  assert.equal(row.process, SOAK_PROCESS);
  assert.equal(row.seconds, 60);
  assert.equal(row.cpuUsPerReq, 9);
  assert.deepEqual(
    [row.rssStartMb, row.rssAt25Mb, row.rssPeakMb, row.rssEndMb, row.rssGrowthMb],
    [120.04, 90, 131.5, 131, 41],
  );
  assert.deepEqual(row.rssSeriesMb, [90, 120, 130, 131]);
  assert.ok(Math.abs(row.rssPeakGrowthMb - 10.96) < 1e-9);
  assert.equal(row.firstError, "");
  assert.equal(row.failures, 0);
});

Deno.test("soakFromCli explains a failed or short CLI run with its output tails", () => {
  const run = { connections: 64, requestCount: 6_000_000 };
  const failed = soakFromCli(run, cliResult({ exitCode: 99, report: undefined }), OBSERVED);
  assert.equal(failed.failures, 6_000_000);
  assert.equal(
    failed.firstError,
    "exit 99, no report\n--- stdout tail:\nout\n--- stderr tail:\nerr",
  );
  const short = soakFromCli(
    run,
    cliResult({ report: { requestCount: 5_999_990, throughput: 1 } }),
    OBSERVED,
  );
  assert.equal(short.failures, 10);
  assert.match(short.firstError, /^exit 0, reported 5999990 of 6000000 requests\n/);
});

const tools = await missingTools();

Deno.test({
  name: "runCli runs the real CLI against nginx and traces its memory from outside",
  ignore: tools.length > 0,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pa_bench_test_" });
    const nginx = await NginxServer.start(dir);
    try {
      const r = await runCli({ url: nginx.url, connections: 2, requestCount: 3000 });
      assert.equal(r.exitCode, 0, `${r.stdoutTail}\n${r.stderrTail}`);
      assert.equal(r.report?.requestCount, 3000);
      assert.ok((r.report?.throughput ?? 0) > 0);
      assert.ok(r.trace.polls > 0);
      // A Deno process that ran V8 and a report resides in more than 20 MB.
      assert.ok(r.trace.hwmMb > 20 && r.trace.hwmMb < 1000, `${r.trace.hwmMb} MB`);
      assert.ok(r.trace.cpuS > 0);
      assert.ok(r.command.endsWith("--concurrency-range 2 --request-count 3000"));
    } finally {
      await nginx.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the soak launches the CLI with the pa task's own Deno flags", async () => {
  const flags = await paTaskFlags();
  assert.ok(flags.includes("-A"));
  assert.ok(flags.some((f) => f.startsWith("--v8-flags=")));
  assert.ok(!flags.includes("main.ts") && !flags.includes("run"));
});
