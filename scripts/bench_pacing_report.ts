/**
 * The pacing rows' targets, validity checks and printed table. Spin mode is judged on both
 * targets; timer mode only on the rate, since sending in ~2 ms timer bursts is what it trades
 * for its low CPU (its lateness is reported, not judged).
 */
import { round, type Target } from "./bench_report.ts";
import type { PacingRow } from "./bench_pacing.ts";
import { alignColumns } from "./bench_table.ts";

/** Achieved throughput may differ from the asked rate by at most this much. */
export const TARGET_RATE_ERROR_PCT = 1;
/** Spin mode's p99 send lateness must stay under this. */
export const TARGET_LATENESS_P99_US = 100;

function label(r: PacingRow): string {
  const cap = r.async ? `-a, max-inflight ${r.inFlightCap}` : `max-threads ${r.inFlightCap}`;
  return `pacing ${r.mode} at ${r.rateAsked} req/s (${cap})`;
}

export function pacingTargets(rows: PacingRow[]): Target[] {
  const targets: Target[] = [];
  for (const r of rows) {
    targets.push({
      name: `${label(r)}: achieved throughput vs asked`,
      requirement: `within ±${TARGET_RATE_ERROR_PCT}%`,
      value: round(r.throughputErrorPct, 2),
      unit: "%",
      pass: Math.abs(r.throughputErrorPct) <= TARGET_RATE_ERROR_PCT,
    });
    if (r.mode !== "spin") continue;
    targets.push({
      name: `${label(r)}: p99 send lateness`,
      requirement: `< ${TARGET_LATENESS_P99_US} µs`,
      value: r.latenessP99Us,
      unit: "µs",
      pass: r.latenessP99Us < TARGET_LATENESS_P99_US,
    });
  }
  return targets;
}

/**
 * Per mode, the run with the lowest p99 lateness among the valid ones: other load on the
 * machine only ever makes a send later. A mode with no valid run keeps its first run.
 */
export function bestPacingRows(runs: PacingRow[]): PacingRow[] {
  const best = new Map<string, PacingRow>();
  for (const r of runs) {
    const key = `${r.mode} ${r.async}`;
    const seen = best.get(key);
    const better = seen === undefined ||
      (r.firstError === "" &&
        (seen.firstError !== "" || r.latenessP99Us < seen.latenessP99Us));
    if (better) best.set(key, r);
  }
  return [...best.values()];
}

/** A run is invalid when the CLI failed, requests failed, or connections were not reused. */
export function pacingProblems(runs: PacingRow[]): string[] {
  const problems: string[] = [];
  for (const r of runs) {
    if (r.firstError !== "") problems.push(`${label(r)}: ${r.firstError}`);
    // Slots open connections on demand up to the cap; one more is the CLI's control connection.
    const allowed = r.inFlightCap + 1;
    if (r.newConnections > allowed) {
      problems.push(
        `${label(r)}: ${r.newConnections} connections for a cap of ${r.inFlightCap} ` +
          "(no keep-alive?)",
      );
    }
  }
  return problems;
}

function fixed(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

const HEADER = [
  "mode",
  "cap",
  "req/s",
  "err %",
  "late p50",
  "late p99",
  "late max",
  ">1ms %",
  "svc avg",
  "svc p50",
  "svc p90",
  "svc p99",
  "CPU %",
  "JS thr %",
  "JS wait %",
  "nginx %",
  "other %",
  "conns",
];

function cellsOf(r: PacingRow): string[] {
  return [
    r.mode,
    `${r.async ? "a" : "t"}${r.inFlightCap}`,
    fixed(r.throughput, 0),
    `${r.throughputErrorPct >= 0 ? "+" : ""}${fixed(r.throughputErrorPct, 2)}`,
    fixed(r.latenessP50Us, 0),
    fixed(r.latenessP99Us, 0),
    fixed(r.latenessMaxUs, 0),
    fixed(r.latenessOver1msPct, 2),
    fixed(r.serviceAvgUs, 0),
    fixed(r.serviceP50Us, 0),
    fixed(r.serviceP90Us, 0),
    fixed(r.serviceP99Us, 0),
    fixed(r.cpuPct, 0),
    fixed(r.mainThreadCpuPct, 0),
    fixed(r.mainThreadWaitPct, 1),
    fixed(r.nginxCpuPct, 0),
    fixed(r.otherCpuPct, 0),
    String(r.newConnections),
  ];
}

/** The pacing table: the best run per mode, then (with repeats) every run. */
export function pacingLines(rows: PacingRow[], runs: PacingRow[]): string[] {
  if (rows.length === 0) return [];
  const block = (list: PacingRow[]) => alignColumns([HEADER, ...list.map(cellsOf)]);
  const r0 = rows[0];
  const warm = r0.warmupRequests > 0 ? ` after ${r0.warmupRequests} warmup requests` : "";
  const lines = [
    `Pacing (the CLI, open loop at ${r0.rateAsked} req/s${warm}; µs; cap t = --max-threads, ` +
    "a = -a --max-inflight; CPU % of one core from 2 s after spawn; JS wait = JavaScript " +
    "thread runnable but given no CPU):",
    ...block(rows),
  ];
  if (runs.length > rows.length) lines.push("  every run:", ...block(runs).map((l) => `  ${l}`));
  lines.push(`  command (${r0.mode}): ${r0.command}`);
  return lines;
}
