/**
 * One bench row: a wrk run or a run of our client, wrapped in what nginx and the machine did
 * meanwhile (nginx's CPU, connections it accepted, CPU burnt by anything else).
 */
import { type ClientResult, measureClientInProcess } from "./bench_client.ts";
import { MODEL } from "./bench_canned.ts";
import type { NginxServer } from "./bench_nginx.ts";
import type { Row, SoakRow } from "./bench_report.ts";
import { type CliResult, runCli, summarizeRss } from "./bench_soak.ts";
import { systemBusySeconds } from "./bench_tools.ts";
import { runWrk } from "./bench_wrk.ts";
import process from "node:process";

export interface Observed<T> {
  result: T;
  nginxCpuPct: number;
  /** CPU used by neither nginx, the measured tool nor this script, % of one core. */
  otherCpuPct: number;
  newConnections: number;
}

function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Runs `body` and reports nginx's share and the machine's other load over it; `toolCpuS`
 * gives the CPU seconds the measured tool itself used.
 */
export async function observed<T>(
  nginx: NginxServer,
  body: () => Promise<T>,
  toolCpuS: (r: T) => number,
): Promise<Observed<T>> {
  const before = await nginx.counters();
  const [nginx0, busy0, self0] = [
    await nginx.cpuSeconds(),
    await systemBusySeconds(),
    selfCpuSeconds(),
  ];
  const t0 = performance.now();
  const result = await body();
  const wallS = (performance.now() - t0) / 1000;
  const [nginx1, busy1, self1] = [
    await nginx.cpuSeconds(),
    await systemBusySeconds(),
    selfCpuSeconds(),
  ];
  const after = await nginx.counters();
  const other = busy1 - busy0 - (nginx1 - nginx0) - (self1 - self0) - toolCpuS(result);
  return {
    result,
    nginxCpuPct: (100 * (nginx1 - nginx0)) / wallS,
    otherCpuPct: Math.max(0, (100 * other) / wallS),
    // The second counters() call is itself one accepted connection.
    newConnections: after.accepts - before.accepts - 1,
  };
}

export interface WrkRowRun {
  connections: number;
  threads: number;
  durationS: number;
  scriptPath: string;
}

export async function wrkRow(nginx: NginxServer, run: WrkRowRun): Promise<Row> {
  const url = `http://${nginx.url}/v2/models/${MODEL}/infer`;
  const o = await observed(nginx, () => runWrk({ url, ...run }), (w) => w.cpuSeconds || 0);
  const w = o.result;
  const failures = w.non2xx + w.socketErrors;
  return {
    tool: "wrk",
    connections: run.connections,
    seconds: w.seconds,
    requests: w.requests,
    reqPerSec: w.reqPerSec,
    pctOfWrk: 100,
    cpuUsPerReq: (w.cpuSeconds * 1e6) / w.requests,
    peakRssMb: null,
    nginxCpuPct: o.nginxCpuPct,
    otherCpuPct: o.otherCpuPct,
    newConnections: o.newConnections,
    failures,
    firstError: failures > 0
      ? `${w.non2xx} non-2xx responses, ${w.socketErrors} socket errors`
      : "",
  };
}

async function clientRun(
  nginx: NginxServer,
  connections: number,
  warmupS: number,
  durationS: number,
) {
  return await observed(
    nginx,
    () => measureClientInProcess({ url: nginx.url, connections, warmupS, durationS }),
    (r: ClientResult) => r.cpuTotalS,
  );
}

/** Our client's row; pctOfWrk is filled in once wrk's best rate is known. */
export async function oursRow(
  nginx: NginxServer,
  connections: number,
  warmupS: number,
  durationS: number,
): Promise<Row> {
  const o = await clientRun(nginx, connections, warmupS, durationS);
  const r = o.result;
  return {
    tool: "ours",
    connections: r.connections,
    seconds: r.seconds,
    requests: r.requests,
    reqPerSec: r.reqPerSec,
    pctOfWrk: NaN,
    cpuUsPerReq: r.cpuUsPerReq,
    peakRssMb: r.rssPeakMb,
    nginxCpuPct: o.nginxCpuPct,
    otherCpuPct: o.otherCpuPct,
    newConnections: o.newConnections,
    failures: r.failures,
    firstError: r.firstError,
  };
}

export interface SoakRun {
  connections: number;
  requestCount: number;
}

export const SOAK_PROCESS = "the perf_analyzer CLI (deno run -A main.ts, its own process; " +
  "memory and CPU from /proc/<pid>)";

/** The CLI's result as the soak row; firstError says why when the run is not usable. */
export function soakFromCli(
  run: SoakRun,
  r: CliResult,
  o: Omit<Observed<unknown>, "result">,
): SoakRow {
  const rss = summarizeRss(r.trace.rssSeriesMb, r.trace.hwmMb);
  const requests = r.report?.requestCount ?? 0;
  const reqPerSec = r.report?.throughput ?? NaN;
  let firstError = "";
  if (r.exitCode !== 0 || requests !== run.requestCount) {
    const what = r.report ? `reported ${requests} of ${run.requestCount} requests` : "no report";
    firstError = `exit ${r.exitCode}, ${what}\n--- stdout tail:\n${r.stdoutTail}\n` +
      `--- stderr tail:\n${r.stderrTail}`;
  }
  return {
    process: SOAK_PROCESS,
    command: r.command,
    connections: run.connections,
    requestCountAsked: run.requestCount,
    requests,
    seconds: requests / reqPerSec,
    wallS: r.wallS,
    reqPerSec,
    cpuUsPerReq: (r.trace.cpuS * 1e6) / requests,
    rssStartMb: rss.startMb,
    rssAt25Mb: rss.at25Mb,
    rssPeakMb: rss.peakMb,
    rssEndMb: rss.endMb,
    rssGrowthMb: rss.growthMb,
    rssGrowthPct: rss.growthPct,
    rssPeakGrowthMb: rss.peakGrowthMb,
    rssPeakGrowthPct: rss.peakGrowthPct,
    rssSeriesMb: r.trace.rssSeriesMb.map((x) => Math.round(x * 10) / 10),
    nginxCpuPct: o.nginxCpuPct,
    otherCpuPct: o.otherCpuPct,
    newConnections: o.newConnections,
    exitCode: r.exitCode,
    failures: run.requestCount - requests,
    firstError,
  };
}

/** Runs the real CLI for one --request-count window and reads its memory from outside. */
export async function soakRow(nginx: NginxServer, run: SoakRun): Promise<SoakRow> {
  const o = await observed(
    nginx,
    () => runCli({ url: nginx.url, ...run }),
    (r) => r.trace.cpuS,
  );
  return soakFromCli(run, o.result, o);
}
