/**
 * Turns bench measurements into the pass/fail targets, the printed table and the object
 * written to bench/results.json.
 */

export const TARGET_PCT_OF_WRK = 70;
export const TARGET_CPU_US = 15;
export const TARGET_RSS_MB = 150;

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

/** The long run at full rate that shows whether memory stays flat. */
export interface SoakRow {
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  cpuUsPerReq: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  nginxCpuPct: number;
  otherCpuPct: number;
  newConnections: number;
  failures: number;
  /** What the first failure was ("" when none). */
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
  if (soak) {
    targets.push({
      name: `peak RSS over ${round(soak.seconds, 0)} s at ${soak.connections} connections`,
      requirement: `< ${TARGET_RSS_MB} MB`,
      value: round(soak.rssPeakMb, 1),
      unit: "MB",
      pass: soak.rssPeakMb < TARGET_RSS_MB,
    });
  }
  return targets;
}

/** A row is invalid when requests failed or connections were not kept alive. */
export function problemsOf(rows: Row[], soak: SoakRow | null): string[] {
  const all = [...rows.map((r) => ({ name: `${r.tool} at ${r.connections} connections`, ...r }))];
  if (soak) all.push({ name: "soak", tool: "ours", ...soak, pctOfWrk: 0, peakRssMb: null });
  const problems: string[] = [];
  for (const r of all) {
    if (r.failures > 0) {
      problems.push(`${r.name}: ${r.failures} failed requests (first: ${r.firstError})`);
    }
    // One more is expected: ours opens a control connection for describe(), and wrk is
    // seen to open one probe connection that sends nothing.
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

function tableLines(cells: string[][]): string[] {
  const widths = HEADER.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  );
}

export function formatTable(rows: Row[], soak: SoakRow | null, targets: Target[]): string {
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
  const lines = tableLines(cells);
  if (soak) {
    lines.push(
      "",
      `soak (ours, ${soak.connections} conns, ${fixed(soak.seconds, 0)} s): ` +
        `${fixed(soak.reqPerSec, 0)} req/s, ${fixed(soak.cpuUsPerReq, 2)} µs CPU/req, ` +
        `RSS start ${fixed(soak.rssStartMb, 1)} MB / peak ${fixed(soak.rssPeakMb, 1)} MB / ` +
        `end ${fixed(soak.rssEndMb, 1)} MB, nginx CPU ${fixed(soak.nginxCpuPct, 0)}%, ` +
        `other CPU ${fixed(soak.otherCpuPct, 0)}%, ` +
        `new conns ${soak.newConnections}, failures ${soak.failures}`,
    );
  }
  lines.push("", "Targets:");
  for (const t of targets) {
    lines.push(
      `  ${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.value} ${t.unit} (${t.requirement})`,
    );
  }
  return lines.join("\n");
}
