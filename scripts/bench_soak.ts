/**
 * The memory soak measures the real tool, not a harness: `deno run -A main.ts` as its own
 * process with one --request-count window at full rate, so every per-request cost a user pays
 * (dispatch, window accounting, HDR histogram, the report) is inside the measured process.
 * Its memory and CPU are read from /proc while it runs; its report gives count and rate. The
 * pacing rows launch the CLI the same way (runCliWith) with open-loop flags.
 */
import { MODEL } from "./bench_canned.ts";
import { type ProcTrace, traceProcess } from "./bench_proc.ts";

const MAIN_TS = new URL("../main.ts", import.meta.url);
const REPO_DIR = new URL("..", import.meta.url);
const TAIL_LINES = 12;

export interface CliRun {
  /** host:port of the canned server. */
  url: string;
  connections: number;
  requestCount: number;
}

/** What the CLI printed for its one window. */
export interface CliReport {
  requestCount: number;
  throughput: number;
}

export interface CliResult {
  /** The command line as a reader could paste it (deno shown as `deno`). */
  command: string;
  pid: number;
  exitCode: number;
  /** Spawn to exit. */
  wallS: number;
  /** undefined when stdout holds no client report. */
  report: CliReport | undefined;
  trace: ProcTrace;
  stdout: string;
  stdoutTail: string;
  stderrTail: string;
}

/**
 * The Deno flags of `deno task pa` (e.g. -A and the V8 heap flags), read from deno.json so the
 * soak measures the process exactly as users launch it.
 */
export async function paTaskFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", REPO_DIR)));
  const words = String(config.tasks.pa).split(/\s+/);
  return words.slice(words.indexOf("run") + 1, words.indexOf("main.ts"));
}

export function cliArgs(run: CliRun): string[] {
  return [
    "-m",
    MODEL,
    "-u",
    run.url,
    "--concurrency-range",
    String(run.connections),
    "--request-count",
    String(run.requestCount),
  ];
}

/** Reads "Request count:" and "Throughput: X infer/sec" from the client section. */
export function parseCliReport(stdout: string): CliReport | undefined {
  const count = /^ {4}Request count: (\d+)$/m.exec(stdout);
  const rate = /^ {4}Throughput: ([\d.e+]+) infer\/sec$/m.exec(stdout);
  if (!count || !rate) return undefined;
  const throughput = Number(rate[1]);
  return Number.isFinite(throughput) ? { requestCount: Number(count[1]), throughput } : undefined;
}

export function tail(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs the CLI for one --request-count window, tracing its memory and CPU from /proc. */
export function runCli(run: CliRun): Promise<CliResult> {
  return runCliWith(cliArgs(run));
}

/**
 * Runs `deno run <pa task flags> main.ts <args>` to completion, tracing its memory and CPU
 * from /proc meanwhile. The full stdout is kept so callers can parse more than the soak does.
 * `onSpawn` may watch more of the process (`done` settles when it exits).
 */
export async function runCliWith(
  args: string[],
  onSpawn?: (pid: number, done: Promise<unknown>) => void,
): Promise<CliResult> {
  const flags = await paTaskFlags();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, MAIN_TS.pathname, ...args],
    cwd: REPO_DIR.pathname,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // output() drains both pipes while traceProcess polls, so a chatty child never blocks.
  const output = child.output();
  onSpawn?.(child.pid, output);
  const trace = await traceProcess(child.pid, output);
  const out = await output;
  const wallS = (performance.now() - t0) / 1000;
  const stdout = new TextDecoder().decode(out.stdout);
  return {
    command: ["deno", "run", ...flags, "main.ts", ...args].join(" "),
    pid: child.pid,
    exitCode: out.code,
    wallS,
    report: parseCliReport(stdout),
    trace,
    stdout,
    stdoutTail: tail(stdout),
    stderrTail: tail(new TextDecoder().decode(out.stderr)),
  };
}

/** The RSS figures of one trace. */
export interface RssSummary {
  /** Sample 2 s after spawn: startup done, window under way. */
  startMb: number;
  /** Sample at a quarter of the run: heaps have grown to their working size. */
  at25Mb: number;
  /** VmHWM: the kernel's exact peak. */
  peakMb: number;
  endMb: number;
  /** end − at25: what a leak would show; a flat run stays near 0. */
  growthMb: number;
  growthPct: number;
  /**
   * Highest sample of the last quarter minus highest of the second quarter: the heap's
   * sawtooth (10-15 MB) cannot fake growth here the way it can between two single samples.
   */
  peakGrowthMb: number;
  peakGrowthPct: number;
}

/** `series` holds one sample per second (the first at 1 s); empty gives NaNs. */
export function summarizeRss(series: number[], hwmMb: number): RssSummary {
  const n = series.length;
  const at = (i: number) => (n === 0 ? NaN : series[Math.min(Math.max(i, 0), n - 1)]);
  const at25Mb = at(Math.round(n / 4) - 1);
  const endMb = at(n - 1);
  const growthMb = endMb - at25Mb;
  const secondQuarterMax = Math.max(...series.slice(Math.floor(n / 4), Math.ceil(n / 2)));
  const peakGrowthMb = Math.max(...series.slice(Math.floor((3 * n) / 4))) - secondQuarterMax;
  return {
    startMb: at(1),
    at25Mb,
    peakMb: Math.max(hwmMb, ...series),
    endMb,
    growthMb,
    growthPct: (100 * growthMb) / at25Mb,
    peakGrowthMb,
    peakGrowthPct: (100 * peakGrowthMb) / secondQuarterMax,
  };
}
