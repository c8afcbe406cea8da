/**
 * The pacing rows: the real CLI in open-loop mode (--request-rate-range at a fixed rate) once
 * per --pacing mode, against the same canned nginx. What matters is whether requests leave
 * when the schedule says: the CLI's own report gives the achieved rate, its send lateness and
 * the service time; /proc gives the CPU the pacing costs and whether the JavaScript thread
 * was kept waiting for a CPU by other processes (the usual cause of lateness on a busy box).
 */
import type { NginxServer } from "./bench_nginx.ts";
import { cpuShare } from "./bench_proc.ts";
import { type Observed, observed } from "./bench_rows.ts";
import { type CliResult, runCliWith } from "./bench_soak.ts";
import { MODEL } from "./bench_canned.ts";
import { DEFAULT_MAX_INFLIGHT } from "../core/cli/config.ts";

export type PacingMode = "spin" | "timer";

export interface PacingRun {
  mode: PacingMode;
  /** Requests per second asked for (--request-rate-range). */
  rate: number;
  /** -a: the cap is --max-inflight (its default); otherwise --max-threads `maxThreads`. */
  async: boolean;
  maxThreads: number;
  /** -p: each window lasts 1.2 × this (perf_analyzer's time_windows sleep). */
  windowMs: number;
  /** --warmup-request-count (0: none, as perf_analyzer runs by default). */
  warmupRequests: number;
}

/** The pacing rows: the CLI at `rate` req/s, three windows of 1.2 × windowMs, per mode. */
export interface PacingPlan {
  modes: PacingMode[];
  rate: number;
  maxThreads: number;
  /** -a (cap = --max-inflight default) instead of --max-threads. */
  async: boolean;
  windowMs: number;
  /**
   * Requests sent at the rate before the first window: without them the first window also
   * measures the JIT warming up (cold code sends late for the first second or so).
   */
  warmupRequests: number;
}

/** The async in-flight cap default (--max-inflight). */
export const ASYNC_DEFAULT_MAX_INFLIGHT = DEFAULT_MAX_INFLIGHT;

/** The request cap the CLI runs with, which also bounds the connections it may open. */
export function inFlightCap(run: PacingRun): number {
  return run.async ? ASYNC_DEFAULT_MAX_INFLIGHT : run.maxThreads;
}

/**
 * Three windows and a stability threshold (-s 100000 %) no pair of windows can miss, so the
 * level is always the first three windows merged: a fixed-length, comparable measurement.
 * (At -s 1000 a busy machine missed it: latency from the intended send time grew over 11×
 * between windows once the client fell behind.)
 */
export function pacingArgs(url: string, run: PacingRun): string[] {
  return [
    "-m",
    MODEL,
    "-u",
    url,
    "--request-rate-range",
    String(run.rate),
    ...(run.async ? ["-a"] : ["--max-threads", String(run.maxThreads)]),
    "-p",
    String(run.windowMs),
    "-s",
    "100000",
    "-r",
    "3",
    "--pacing",
    run.mode,
    ...(run.warmupRequests > 0 ? ["--warmup-request-count", String(run.warmupRequests)] : []),
  ];
}

/** The open-loop figures of the CLI's report for its one level. */
export interface PacingReport {
  requests: number;
  throughput: number;
  /** "Avg send request rate": perf_analyzer prints it only when > 1 % of sends were late. */
  sendRate: number | null;
  failed: number;
  serviceAvgUs: number;
  serviceP50Us: number;
  serviceP90Us: number;
  serviceP99Us: number;
  latenessP50Us: number;
  latenessP99Us: number;
  latenessMaxUs: number;
  /** Requests sent more than 1 ms after their intended time, % of all. */
  latenessOver1msPct: number;
}

const NUM = "([\\d.e+-]+)";
const line = (body: string) => new RegExp(`^ {4}${body}$`, "m");
const COUNT = line(`Request count: (\\d+)`);
const THROUGHPUT = line(`Throughput: ${NUM} infer/sec`);
const SEND_RATE = line(`Avg send request rate: ${NUM} infer/sec`);
const FAILED = line(`Failed requests: (\\d+).*`);
const SERVICE = line(
  `Service time \\(end - actual send\\): avg ${NUM} usec, p50 ${NUM} usec, ` +
    `p90 ${NUM} usec, p99 ${NUM} usec`,
);
const LATENESS = line(
  `Send lateness \\(actual - intended send\\): p50 ${NUM} usec, p99 ${NUM} usec, ` +
    `max ${NUM} usec, ${NUM}% over 1 ms`,
);

const UNSTABLE = /^Failed to obtain stable measurement/m;

/** undefined unless the count, throughput, service-time and lateness lines are all there. */
export function parsePacingReport(stdout: string): PacingReport | undefined {
  const count = COUNT.exec(stdout);
  const rate = THROUGHPUT.exec(stdout);
  const service = SERVICE.exec(stdout);
  const late = LATENESS.exec(stdout);
  if (!count || !rate || !service || !late) return undefined;
  const sendRate = SEND_RATE.exec(stdout);
  const [avg, s50, s90, s99] = service.slice(1).map(Number);
  const [l50, l99, lmax, over] = late.slice(1).map(Number);
  const report: PacingReport = {
    requests: Number(count[1]),
    throughput: Number(rate[1]),
    sendRate: sendRate ? Number(sendRate[1]) : null,
    failed: Number(FAILED.exec(stdout)?.[1] ?? 0),
    serviceAvgUs: avg,
    serviceP50Us: s50,
    serviceP90Us: s90,
    serviceP99Us: s99,
    latenessP50Us: l50,
    latenessP99Us: l99,
    latenessMaxUs: lmax,
    latenessOver1msPct: over,
  };
  const numbers = Object.values(report).filter((x) => x !== null) as number[];
  return numbers.every(Number.isFinite) ? report : undefined;
}

/** One pacing run: the CLI's report and its process, measured from outside. */
export interface PacingRow extends PacingReport {
  mode: PacingMode;
  async: boolean;
  /** --max-threads (sync) or --max-inflight (async). */
  inFlightCap: number;
  command: string;
  rateAsked: number;
  /** Requests sent before the first window (0: the first window includes the JIT warming up). */
  warmupRequests: number;
  /** (throughput − asked) / asked, %. */
  throughputErrorPct: number;
  /** The CLI process's CPU from 2 s after spawn to its last sample, % of one core. */
  cpuPct: number;
  /** Its JavaScript thread on a CPU over the same span (spin mode wants 100). */
  mainThreadCpuPct: number;
  /** Its JavaScript thread runnable but given no CPU (others' load): lateness it cannot help. */
  mainThreadWaitPct: number;
  wallS: number;
  exitCode: number;
  nginxCpuPct: number;
  otherCpuPct: number;
  newConnections: number;
  failures: number;
  /** Why the row is invalid, with the CLI's output tail ("" when valid). */
  firstError: string;
}

const EMPTY_REPORT: PacingReport = {
  requests: 0,
  throughput: NaN,
  sendRate: null,
  failed: 0,
  serviceAvgUs: NaN,
  serviceP50Us: NaN,
  serviceP90Us: NaN,
  serviceP99Us: NaN,
  latenessP50Us: NaN,
  latenessP99Us: NaN,
  latenessMaxUs: NaN,
  latenessOver1msPct: NaN,
};

/** The CLI's result as a pacing row; firstError says why when the run is not usable. */
export function pacingFromCli(
  run: PacingRun,
  r: CliResult,
  o: Omit<Observed<unknown>, "result">,
): PacingRow {
  const report = parsePacingReport(r.stdout);
  const cpu = cpuShare(r.trace.cpuSeries);
  let firstError = "";
  if (r.exitCode !== 0 || report === undefined) {
    const what = report ? "" : ", no open-loop report";
    // With -s 1000 only latency growing > 11× across the windows fails the level.
    const why = UNSTABLE.test(r.stdout) ? " (the client fell further behind every window)" : "";
    firstError = `exit ${r.exitCode}${what}${why}\n--- stdout tail:\n${r.stdoutTail}\n` +
      `--- stderr tail:\n${r.stderrTail}`;
  } else if (report.failed > 0) {
    firstError = /^ {4}Failed requests: .*$/m.exec(r.stdout)?.[0].trim() ?? "";
  }
  const rep = report ?? EMPTY_REPORT;
  return {
    mode: run.mode,
    async: run.async,
    inFlightCap: inFlightCap(run),
    command: r.command,
    rateAsked: run.rate,
    warmupRequests: run.warmupRequests,
    ...rep,
    throughputErrorPct: (100 * (rep.throughput - run.rate)) / run.rate,
    cpuPct: cpu.cpuPct,
    mainThreadCpuPct: cpu.mainRunPct,
    mainThreadWaitPct: cpu.mainWaitPct,
    wallS: r.wallS,
    exitCode: r.exitCode,
    nginxCpuPct: o.nginxCpuPct,
    otherCpuPct: o.otherCpuPct,
    newConnections: o.newConnections,
    failures: rep.failed,
    firstError,
  };
}

/** Runs the CLI at one pacing mode against nginx and reads its process from outside. */
export async function pacingRow(nginx: NginxServer, run: PacingRun): Promise<PacingRow> {
  const o = await observed(
    nginx,
    () => runCliWith(pacingArgs(nginx.url, run)),
    (r) => r.trace.cpuS,
  );
  return pacingFromCli(run, o.result, o);
}

/** Every mode `repeat` times, interleaved, so slow spells on the machine hit all modes alike. */
export async function pacingRuns(
  nginx: NginxServer,
  plan: PacingPlan,
  repeat: number,
  log: (line: string) => void,
): Promise<PacingRow[]> {
  const runs: PacingRow[] = [];
  for (let i = 1; i <= repeat; i++) {
    for (const mode of plan.modes) {
      const nth = repeat > 1 ? ` (run ${i}/${repeat})` : "";
      const cap = plan.async ? "-a" : `--max-threads ${plan.maxThreads}`;
      const warm = plan.warmupRequests > 0 ? `, ${plan.warmupRequests} warmup requests` : "";
      log(
        `pacing ${mode}: the CLI at ${plan.rate} req/s, ${cap}${warm}, 3 windows of ` +
          `${(1.2 * plan.windowMs) / 1000} s${nth} ...`,
      );
      const { rate, async, maxThreads, windowMs, warmupRequests } = plan;
      runs.push(
        await pacingRow(nginx, { mode, rate, async, maxThreads, windowMs, warmupRequests }),
      );
    }
  }
  return runs;
}
