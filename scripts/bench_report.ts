/**
 * Turns bench measurements into the pass/fail targets, the printed table and the object
 * written to bench/results.json.
 */
import { alignColumns } from "./bench_table.ts";

export const TARGET_PCT_OF_WRK = 70;
export const TARGET_CPU_US = 15;
export const TARGET_RSS_MB = 150;
/**
 * Allowed growth of the RSS peaks from the second quarter of the soak to the last. Not from the
 * issue: a leak of one small object per request (millions of requests) grows far past it,
 * while a flat heap's peaks stay within a few MB. Peaks, not single samples, because V8's
 * sawtooth alone moves one sample by 10-15 MB (about 10% of ~150 MB).
 */
export const TARGET_GROWTH_PCT = 10;

/** Nearest-rank quantile of unsorted values; NaN for none. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** One throughput measurement of one tool at one connection count. */
export interface Row {
  tool: "wrk" | "ours";
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  /** Our rate relative to wrk's at the same connection count (wrk's own row: 100). */
  pctOfWrk: number;
  /** Client process user+system CPU per completed request. */
  cpuUsPerReq: number;
  /** Our process only; wrk's RSS is not sampled. */
  peakRssMb: number | null;
  /** nginx's CPU over the row, % of one core: near 100 means nginx was the bottleneck. */
  nginxCpuPct: number;
  /** CPU used by other processes meanwhile (% of one core): high means a noisy row. */
  otherCpuPct: number;
  /** Connections nginx accepted during the row; keep-alive means about `connections`. */
  newConnections: number;
  failures: number;
  /** What the first failure was ("" when none). */
  firstError: string;
}

/**
 * The long run at full rate that shows whether memory stays flat. The measured process is the
 * perf_analyzer CLI itself (main.ts in its own Deno process, one --request-count window), read
 * from /proc; count and rate are what its own report printed.
 */
export interface SoakRow {
  /** Which process was measured, in words. */
  process: string;
  command: string;
  connections: number;
  /** --request-count given: soak seconds × the calibration run's rate. */
  requestCountAsked: number;
  /** "Request count:" of the CLI's report. */
  requests: number;
  /** The CLI's window: requests / its throughput. */
  seconds: number;
  /** The CLI process's life, spawn to exit. */
  wallS: number;
  /** "Throughput:" of the CLI's report (infer/sec). */
  reqPerSec: number;
  /** utime + stime of the whole CLI process (startup and report included) / requests. */
  cpuUsPerReq: number;
  rssStartMb: number;
  rssAt25Mb: number;
  /** VmHWM: the kernel's exact peak RSS of the CLI process. */
  rssPeakMb: number;
  rssEndMb: number;
  /** RSS at the end minus RSS at a quarter of the run. */
  rssGrowthMb: number;
  rssGrowthPct: number;
  /** Highest RSS of the last quarter minus highest of the second quarter (the target's). */
  rssPeakGrowthMb: number;
  rssPeakGrowthPct: number;
  /** VmRSS once a second from spawn (MB). */
  rssSeriesMb: number[];
  nginxCpuPct: number;
  otherCpuPct: number;
  newConnections: number;
  exitCode: number;
  /** Requests asked but not reported as counted (any makes the soak invalid). */
  failures: number;
  /** Why the soak is invalid, with the CLI's output tail ("" when valid). */
  firstError: string;
}

export interface Target {
  name: string;
  requirement: string;
  value: number;
  unit: string;
  pass: boolean;
}

export function evaluateTargets(rows: Row[], soak: SoakRow | null): Target[] {
  const targets: Target[] = [];
  for (const r of rows.filter((x) => x.tool === "ours")) {
    targets.push({
      name: `throughput at ${r.connections} connections`,
      requirement: `>= ${TARGET_PCT_OF_WRK}% of wrk's req/s`,
      value: round(r.pctOfWrk, 1),
      unit: "%",
      pass: r.pctOfWrk >= TARGET_PCT_OF_WRK,
    });
    targets.push({
      name: `client CPU at ${r.connections} connections`,
      requirement: `<= ${TARGET_CPU_US} µs per request`,
      value: round(r.cpuUsPerReq, 2),
      unit: "µs",
      pass: r.cpuUsPerReq <= TARGET_CPU_US,
    });
  }
  if (soak) targets.push(...soakTargets(soak));
  return targets;
}

function soakTargets(soak: SoakRow): Target[] {
  const what = `of the CLI process over a ${fixed(soak.seconds, 0)} s --request-count window ` +
    `at ${soak.connections} connections`;
  return [{
    name: `peak RSS (VmHWM) ${what}`,
    requirement: `< ${TARGET_RSS_MB} MB`,
    value: round(soak.rssPeakMb, 1),
    unit: "MB",
    pass: soak.rssPeakMb < TARGET_RSS_MB,
  }, {
    name: `RSS peak growth, 2nd quarter to last quarter, ${what}`,
    requirement: `<= ${TARGET_GROWTH_PCT}% of the 2nd quarter's peak`,
    value: round(soak.rssPeakGrowthPct, 1),
    unit: "%",
    pass: soak.rssPeakGrowthPct <= TARGET_GROWTH_PCT,
  }];
}

interface Checked {
  name: string;
  connections: number;
  newConnections: number;
  failures: number;
  firstError: string;
}

/** A row is invalid when requests failed or connections were not kept alive. */
export function problemsOf(rows: Row[], soak: SoakRow | null): string[] {
  const all: Checked[] = rows.map((r) => ({
    name: `${r.tool} at ${r.connections} connections`,
    ...r,
  }));
  const problems: string[] = [];
  if (soak) {
    // The soak's error text already says what went wrong (exit code, count, output tail).
    if (soak.firstError !== "") problems.push(`soak (CLI process): ${soak.firstError}`);
    all.push({ ...soak, name: "soak (CLI process)", failures: 0 });
  }
  for (const r of all) {
    if (r.failures > 0) {
      problems.push(`${r.name}: ${r.failures} failed requests (first: ${r.firstError})`);
    }
    // One more is expected: ours (and the CLI) open a control connection for describe(), and
    // wrk is seen to open one probe connection that sends nothing.
    const allowed = r.connections + 1;
    if (r.newConnections > allowed) {
      problems.push(
        `${r.name}: ${r.newConnections} connections for ${r.connections} (no keep-alive?)`,
      );
    }
  }
  return problems;
}

/** Numbers as a reader wants them in results.json, not 17 significant digits. */
export function rounded<T extends object>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === "number" && !Number.isInteger(value)) out[key] = round(value, 3);
  }
  return out as T;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function fixed(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

const HEADER = [
  "tool",
  "conns",
  "req/s",
  "% of wrk",
  "CPU µs/req",
  "peak RSS MB",
  "nginx CPU %",
  "other CPU %",
  "new conns",
  "failures",
];

/** `more`: further sections (e.g. the pacing table), printed before the targets. */
export function formatTable(
  rows: Row[],
  soak: SoakRow | null,
  targets: Target[],
  more: string[] = [],
): string {
  const cells = [HEADER];
  for (const r of rows) {
    cells.push([
      r.tool,
      String(r.connections),
      fixed(r.reqPerSec, 0),
      fixed(r.pctOfWrk, 1),
      fixed(r.cpuUsPerReq, 2),
      fixed(r.peakRssMb, 1),
      fixed(r.nginxCpuPct, 0),
      fixed(r.otherCpuPct, 0),
      String(r.newConnections),
      String(r.failures),
    ]);
  }
  const lines = rows.length > 0
    ? [
      "Throughput (ours = the HTTP backend + Dispatcher in a harness process):",
      ...alignColumns(cells),
    ]
    : [];
  if (soak) lines.push(...(lines.length > 0 ? [""] : []), ...soakLines(soak));
  if (more.length > 0) lines.push(...(lines.length > 0 ? [""] : []), ...more);
  lines.push("", "Targets:");
  lines.push(...targets.map(targetLine));
  return lines.join("\n");
}

/** One target as the bench prints it: PASS or FAIL, what was measured and the bar. */
export function targetLine(t: Target): string {
  return `  ${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.value} ${t.unit} (${t.requirement})`;
}

function soakLines(soak: SoakRow): string[] {
  const s = soak;
  const change = (mb: number, pct: number) =>
    `${mb >= 0 ? "+" : ""}${fixed(mb, 1)} MB (${pct >= 0 ? "+" : ""}${fixed(pct, 1)}%)`;
  return [
    `Memory soak: measured process = ${s.process}`,
    `  command: ${s.command}`,
    `  CLI report: ${s.requests} requests, ${fixed(s.reqPerSec, 0)} infer/sec, window ` +
    `${fixed(s.seconds, 1)} s; process lived ${fixed(s.wallS, 1)} s, exit ${s.exitCode}`,
    `  CLI CPU ${fixed(s.cpuUsPerReq, 2)} µs/req (utime+stime, whole process); nginx CPU ` +
    `${fixed(s.nginxCpuPct, 0)}%, other CPU ${fixed(s.otherCpuPct, 0)}%, ` +
    `new conns ${s.newConnections}`,
    `  RSS MB: start ${fixed(s.rssStartMb, 1)} (2 s) / at 25% ${fixed(s.rssAt25Mb, 1)} / ` +
    `peak ${fixed(s.rssPeakMb, 1)} (VmHWM) / end ${fixed(s.rssEndMb, 1)}; ` +
    `growth 25%→end ${change(s.rssGrowthMb, s.rssGrowthPct)}`,
    `  RSS peak growth, 2nd quarter → last quarter: ` +
    change(s.rssPeakGrowthMb, s.rssPeakGrowthPct),
    ...seriesLines(s.rssSeriesMb),
  ];
}

const SERIES_PER_LINE = 20;

function seriesLines(series: number[]): string[] {
  const out = ["  RSS series (MB, one sample a second from spawn):"];
  for (let i = 0; i < series.length; i += SERIES_PER_LINE) {
    const chunk = series.slice(i, i + SERIES_PER_LINE).map((x) => x.toFixed(0).padStart(3));
    out.push(`    from ${String(i + 1).padStart(3)} s: ${chunk.join(" ")}`);
  }
  return out;
}
