/**
 * The bench's sequence: start nginx, then for each connection count run wrk and our client
 * back to back on the same URL, then the memory soak; nginx's CPU and accepted connections are
 * read around every row. nginx is stopped and its temp dir removed however the run ends.
 */
import { type ClientResult, measureClientInProcess } from "./bench_client.ts";
import { NginxServer } from "./bench_nginx.ts";
import {
  evaluateTargets,
  round,
  type Row,
  type SoakRow,
  type Target,
  TARGET_CPU_US,
  TARGET_PCT_OF_WRK,
  TARGET_RSS_MB,
} from "./bench_report.ts";
import { type MachineInfo, machineInfo } from "./bench_tools.ts";
import { runWrk, splitRequest, wrkScript } from "./bench_wrk.ts";
import triton from "../backends/triton_http.ts";
import { benchBackendOptions } from "./bench_client.ts";
import { MODEL, syntheticSpec } from "./bench_canned.ts";

export interface BenchPlan {
  connections: number[];
  durationS: number;
  soakS: number;
  warmupS: number;
  soakConnections: number;
  wrkThreads: number;
}

export interface BenchResults {
  date: string;
  machine: MachineInfo;
  plan: BenchPlan;
  method: Record<string, string>;
  rows: Row[];
  soak: SoakRow | null;
  targets: Target[];
  limits: { pctOfWrk: number; cpuUsPerReq: number; rssMb: number };
  valid: boolean;
  problems: string[];
}

type Log = (line: string) => void;

/** What nginx did during one row: its CPU share and the connections it accepted. */
async function observed<T>(nginx: NginxServer, body: () => Promise<T>) {
  const before = await nginx.counters();
  const cpu0 = await nginx.cpuSeconds();
  const t0 = performance.now();
  const result = await body();
  const wallS = (performance.now() - t0) / 1000;
  const cpu1 = await nginx.cpuSeconds();
  const after = await nginx.counters();
  return {
    result,
    nginxCpuPct: (100 * (cpu1 - cpu0)) / wallS,
    // The second counters() call is itself one accepted connection.
    newConnections: after.accepts - before.accepts - 1,
  };
}

/** The exact bytes our backend sends, as wrk's Lua script (the prepared object is opaque). */
async function preparedBytes(url: string): Promise<Uint8Array> {
  const backend = triton.create(benchBackendOptions(url));
  try {
    await backend.describe(MODEL, "");
    const prepared = backend.prepare(syntheticSpec()) as { bytes?: unknown };
    if (!(prepared.bytes instanceof Uint8Array)) {
      throw new Error("the triton backend's prepared request no longer exposes its bytes");
    }
    return prepared.bytes;
  } finally {
    await backend.close();
  }
}

async function wrkRow(nginx: NginxServer, plan: BenchPlan, c: number, script: string) {
  const url = `http://${nginx.url}/v2/models/${MODEL}/infer`;
  const o = await observed(
    nginx,
    () =>
      runWrk({
        url,
        connections: c,
        threads: plan.wrkThreads,
        durationS: plan.durationS,
        scriptPath: script,
      }),
  );
  const w = o.result;
  const row: Row = {
    tool: "wrk",
    connections: c,
    seconds: w.seconds,
    requests: w.requests,
    reqPerSec: w.reqPerSec,
    pctOfWrk: 100,
    cpuUsPerReq: (w.cpuSeconds * 1e6) / w.requests,
    peakRssMb: null,
    nginxCpuPct: o.nginxCpuPct,
    newConnections: o.newConnections,
    failures: w.non2xx + w.socketErrors,
  };
  return row;
}

async function clientRow(nginx: NginxServer, c: number, durationS: number, warmupS: number) {
  const o = await observed(
    nginx,
    () => measureClientInProcess({ url: nginx.url, connections: c, warmupS, durationS }),
  );
  return { ...o, client: o.result };
}

export async function runBench(plan: BenchPlan, log: Log): Promise<BenchResults> {
  const machine = await machineInfo();
  const dir = await Deno.makeTempDir({ prefix: "pa_bench_" });
  let nginx: NginxServer | undefined;
  // Ctrl-C must not leave nginx running or its temp dir behind.
  const interrupted = () => {
    void (nginx?.stop() ?? Promise.resolve()).finally(() => {
      Deno.removeSync(dir, { recursive: true });
      Deno.exit(130);
    });
  };
  Deno.addSignalListener("SIGINT", interrupted);
  try {
    nginx = await NginxServer.start(dir);
    log(
      `nginx ${machine.nginx} on ${nginx.url} (1 worker); ${machine.wrk}; ` +
        `Deno ${machine.deno}; ${machine.nproc} CPUs (${machine.cpuModel})`,
    );
    return await measureAll(nginx, plan, dir, machine, log);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupted);
    await nginx?.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function measureAll(
  nginx: NginxServer,
  plan: BenchPlan,
  dir: string,
  machine: MachineInfo,
  log: Log,
): Promise<BenchResults> {
  const script = `${dir}/post.lua`;
  await Deno.writeTextFile(script, wrkScript(splitRequest(await preparedBytes(nginx.url))));
  const rows: Row[] = [];
  for (const c of plan.connections) {
    log(`wrk  -t${plan.wrkThreads} -c${c} -d${plan.durationS}s ...`);
    const wrk = await wrkRow(nginx, plan, c, script);
    rows.push(wrk);
    log(`ours ${c} connections, ${plan.warmupS} s warmup + ${plan.durationS} s ...`);
    const o = await clientRow(nginx, c, plan.durationS, plan.warmupS);
    rows.push(oursRow(o.client, wrk.reqPerSec, o.nginxCpuPct, o.newConnections));
  }
  log(`soak: ours ${plan.soakConnections} connections for ${plan.soakS} s ...`);
  const s = await clientRow(nginx, plan.soakConnections, plan.soakS, plan.warmupS);
  const soak = soakRow(s.client, s.nginxCpuPct, s.newConnections);
  return assemble(machine, plan, rows, soak);
}

function oursRow(
  r: ClientResult,
  wrkRate: number,
  nginxCpuPct: number,
  newConnections: number,
): Row {
  return {
    tool: "ours",
    connections: r.connections,
    seconds: r.seconds,
    requests: r.requests,
    reqPerSec: r.reqPerSec,
    pctOfWrk: (100 * r.reqPerSec) / wrkRate,
    cpuUsPerReq: r.cpuUsPerReq,
    peakRssMb: r.rssPeakMb,
    nginxCpuPct,
    newConnections,
    failures: r.failures,
  };
}

function soakRow(r: ClientResult, nginxCpuPct: number, newConnections: number): SoakRow {
  return {
    connections: r.connections,
    seconds: r.seconds,
    requests: r.requests,
    reqPerSec: r.reqPerSec,
    cpuUsPerReq: r.cpuUsPerReq,
    rssStartMb: r.rssStartMb,
    rssPeakMb: r.rssPeakMb,
    rssEndMb: r.rssEndMb,
    nginxCpuPct,
    newConnections,
    failures: r.failures,
  };
}

/** A row is invalid when requests failed or connections were not kept alive. */
export function problemsOf(rows: Row[], soak: SoakRow | null): string[] {
  const all = [...rows.map((r) => ({ name: `${r.tool} at ${r.connections} connections`, ...r }))];
  if (soak) all.push({ name: "soak", tool: "ours", ...soak, pctOfWrk: 0, peakRssMb: null });
  const problems: string[] = [];
  for (const r of all) {
    if (r.failures > 0) problems.push(`${r.name}: ${r.failures} failed requests`);
    // Ours also opens one control connection for describe().
    const allowed = r.connections + (r.tool === "ours" ? 1 : 0);
    if (r.newConnections > allowed) {
      problems.push(
        `${r.name}: ${r.newConnections} connections for ${r.connections} (no keep-alive?)`,
      );
    }
  }
  return problems;
}

function assemble(machine: MachineInfo, plan: BenchPlan, rows: Row[], soak: SoakRow): BenchResults {
  const problems = problemsOf(rows, soak);
  const r2 = (row: Row) => ({
    ...row,
    reqPerSec: round(row.reqPerSec, 0),
    pctOfWrk: round(row.pctOfWrk, 1),
  });
  return {
    date: new Date().toISOString(),
    machine,
    plan,
    method: {
      client: "backends/triton_http.ts channels driven by core/dispatcher.ts (closed loop, one " +
        "channel per connection) with a counting sink, in a fresh Deno process per row; one " +
        "window after the warmup",
      wrk: "wrk under bash; Lua script POSTs the bytes the backend prepared; CPU from bash `times`",
      server: "nginx, 1 worker, canned KServe v2 JSON replies via `return 200`",
      cpu: "process.cpuUsage() user+system over the window / completed requests",
      rss: "Deno.memoryUsage().rss sampled every 100 ms",
    },
    rows: rows.map(r2),
    soak,
    targets: evaluateTargets(rows, soak),
    limits: { pctOfWrk: TARGET_PCT_OF_WRK, cpuUsPerReq: TARGET_CPU_US, rssMb: TARGET_RSS_MB },
    valid: problems.length === 0,
    problems,
  };
}
