import assert from "node:assert/strict";
import { NginxServer } from "./bench_nginx.ts";
import {
  inFlightCap,
  pacingArgs,
  pacingFromCli,
  type PacingRun,
  pacingRuns,
  parsePacingReport,
} from "./bench_pacing.ts";
import type { CliResult } from "./bench_soak.ts";
import { missingTools } from "./bench_tools.ts";

/** The client block of a real spin run on a busy 2-CPU machine (3.76 % sent > 1 ms late). */
const LATE_RUN = `Request Rate: 20000 inference requests per second
  Client: 
    Request count: 360104
    Avg send request rate: 19998.33 infer/sec
    [WARNING] Perf Analyzer was not able to keep up with the desired request rate. 3.76% of the requests were delayed.
    Throughput: 19998.1 infer/sec
    Avg latency: 1064 usec (standard deviation 1959 usec)
    p50 latency: 411 usec
    p90 latency: 2664 usec
    p95 latency: 3446 usec
    p99 latency: 10665 usec
    Service time (end - actual send): avg 785 usec, p50 382 usec, p90 2170 usec, p99 3876 usec
    Send lateness (actual - intended send): p50 2 usec, p99 8204 usec, max 25100 usec, 3.76% over 1 ms
    Avg HTTP time: 785 usec (send/recv 67 usec + response wait 718 usec)
Inferences/Second vs. Client Average Batch Latency
Request Rate: 20000, throughput: 19998.1 infer/sec, latency 1064 usec
`;

/** A run with ≤ 1 % late: perf_analyzer prints no send rate or warning. */
const ON_TIME_RUN = `  Client: 
    Request count: 144060
    Throughput: 20008.3 infer/sec
    p99 latency: 431 usec
    Service time (end - actual send): avg 137 usec, p50 98 usec, p90 161 usec, p99 1259 usec
    Send lateness (actual - intended send): p50 1 usec, p99 77 usec, max 8220 usec, 0.60% over 1 ms
`;

Deno.test("parsePacingReport reads rate, service time and lateness of a late run", () => {
  assert.deepEqual(parsePacingReport(LATE_RUN), {
    requests: 360104,
    throughput: 19998.1,
    sendRate: 19998.33,
    failed: 0,
    serviceAvgUs: 785,
    serviceP50Us: 382,
    serviceP90Us: 2170,
    serviceP99Us: 3876,
    latenessP50Us: 2,
    latenessP99Us: 8204,
    latenessMaxUs: 25100,
    latenessOver1msPct: 3.76,
  });
});

Deno.test("parsePacingReport: no send rate when on time, failures counted, lines required", () => {
  const onTime = parsePacingReport(ON_TIME_RUN);
  assert.equal(onTime?.sendRate, null);
  assert.equal(onTime?.throughput, 20008.3);
  assert.equal(onTime?.latenessP99Us, 77);
  assert.equal(onTime?.latenessOver1msPct, 0.6);
  const failed = ON_TIME_RUN.replace(
    "    Throughput",
    "    Failed requests: 3 (connection refused: 3)\n    Throughput",
  );
  assert.equal(parsePacingReport(failed)?.failed, 3);
  // A closed-loop report has no open-loop lines.
  const noLateness = ON_TIME_RUN.split("\n").filter((l) => !l.includes("lateness")).join("\n");
  assert.equal(parsePacingReport(noLateness), undefined);
  assert.equal(parsePacingReport("Failed to obtain stable measurement.\n"), undefined);
});

const RUN: PacingRun = {
  mode: "spin",
  rate: 20000,
  async: false,
  maxThreads: 64,
  windowMs: 5000,
  warmupRequests: 0,
};

Deno.test("pacingArgs runs three windows at one rate with the mode and the cap asked", () => {
  assert.deepEqual(
    pacingArgs("127.0.0.1:9", RUN).join(" "),
    [
      "-m simple -u 127.0.0.1:9 --request-rate-range 20000 --max-threads 64",
      "-p 5000 -s 100000 -r 3 --pacing spin",
    ].join(" "),
  );
  const a = pacingArgs("h:1", { ...RUN, mode: "timer", async: true });
  assert.ok(a.includes("-a") && !a.includes("--max-threads"));
  assert.equal(a[a.length - 1], "timer");
  const warm = pacingArgs("h:1", { ...RUN, warmupRequests: 60000 });
  assert.deepEqual(warm.slice(-2), ["--warmup-request-count", "60000"]);
  assert.equal(inFlightCap(RUN), 64);
  assert.equal(inFlightCap({ ...RUN, async: true }), 127);
});

function cliResult(stdout: string, exitCode = 0): CliResult {
  const sample = (atMs: number, cpuS: number, runS: number, waitS: number) => ({
    atMs,
    cpuS,
    main: { runS, waitS },
  });
  return {
    command: "deno run main.ts ...",
    pid: 9,
    exitCode,
    wallS: 19.5,
    report: undefined,
    trace: {
      rssSeriesMb: [80, 90, 95],
      hwmMb: 96,
      cpuS: 19,
      // 1 s → 2 s startup, then 10 s: 11 CPU s, JS thread 9 s on a CPU and 0.5 s waiting.
      cpuSeries: [sample(1000, 0.5, 0.4, 0), sample(2000, 1.5, 1, 0), sample(12000, 12.5, 10, 0.5)],
      polls: 190,
    },
    stdout,
    stdoutTail: "out tail",
    stderrTail: "err tail",
  };
}

const OBSERVED = { nginxCpuPct: 17, otherCpuPct: 69, newConnections: 65 };

Deno.test("pacingFromCli joins the report with the process's steady CPU from /proc", () => {
  const row = pacingFromCli(RUN, cliResult(LATE_RUN), OBSERVED);
  assert.equal(row.firstError, "");
  assert.equal(row.inFlightCap, 64);
  assert.equal(row.latenessP99Us, 8204);
  assert.ok(Math.abs(row.throughputErrorPct - -0.0095) < 1e-9, String(row.throughputErrorPct));
  // From the 2 s sample to the last: 10 s.
  assert.equal(row.cpuPct, 110);
  assert.equal(row.mainThreadCpuPct, 90);
  assert.equal(row.mainThreadWaitPct, 5);
  assert.deepEqual([row.otherCpuPct, row.newConnections, row.failures], [69, 65, 0]);
});

Deno.test("pacingFromCli explains a CLI that fell behind or reported failures", () => {
  const unstable = pacingFromCli(
    RUN,
    cliResult("  Using synchronous calls\n\nFailed to obtain stable measurement.\n", 2),
    OBSERVED,
  );
  assert.match(unstable.firstError, /^exit 2, no open-loop report \(the client fell further/);
  assert.match(unstable.firstError, /--- stdout tail:\nout tail\n--- stderr tail:\nerr tail$/);
  assert.ok(Number.isNaN(unstable.throughput) && Number.isNaN(unstable.latenessP99Us));
  const failing = ON_TIME_RUN.replace(
    "    Throughput",
    "    Failed requests: 2 (timeout: 2)\n    Throughput",
  );
  const failed = pacingFromCli(RUN, cliResult(failing), OBSERVED);
  assert.equal(failed.failures, 2);
  assert.equal(failed.firstError, "Failed requests: 2 (timeout: 2)");
});

const tools = await missingTools();

Deno.test({
  name: "pacingRuns runs the real CLI open loop against nginx once per mode",
  ignore: tools.length > 0,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pa_bench_test_" });
    const nginx = await NginxServer.start(dir);
    try {
      const lines: string[] = [];
      // Windows of 600 requests: a stall on a busy machine cannot make one 11× slower.
      const plan = {
        modes: ["spin", "timer"] as const,
        rate: 1000,
        async: false,
        windowMs: 500,
        warmupRequests: 0,
      };
      const rows = await pacingRuns(
        nginx,
        { ...plan, modes: [...plan.modes], maxThreads: 4 },
        1,
        (l) => lines.push(l),
      );
      assert.deepEqual(rows.map((r) => r.mode), ["spin", "timer"]);
      assert.equal(lines.length, 2);
      for (const r of rows) {
        assert.equal(r.firstError, "", r.firstError);
        assert.ok(r.command.includes(`--pacing ${r.mode}`));
        // Three windows of 600 ms at 1000 req/s: about 1800 requests, at about the asked rate.
        assert.ok(r.requests > 1400 && r.requests < 2200, `${r.requests} requests`);
        assert.ok(Math.abs(r.throughputErrorPct) < 20, `${r.throughput} req/s`);
        assert.ok(r.latenessMaxUs >= r.latenessP99Us && r.latenessP99Us >= r.latenessP50Us);
        assert.ok(r.serviceP99Us >= r.serviceP50Us && r.serviceP50Us > 0);
        assert.ok(r.newConnections >= 1 && r.newConnections <= 5, `${r.newConnections}`);
      }
    } finally {
      await nginx.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
