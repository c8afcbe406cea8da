/**
 * The bench's sequence: start nginx, then for each connection count run wrk and our client
 * back to back on the same URL (`repeat` times, interleaved, keeping each tool's best run:
 * other load on the machine only ever slows a run down), then the memory soak. nginx is
 * stopped and its temp dir removed however the run ends.
 */
import triton from "../backends/triton_http.ts";
import { MODEL, syntheticSpec } from "./bench_canned.ts";
import { benchBackendOptions } from "./bench_client.ts";
import { NginxServer } from "./bench_nginx.ts";
import {
  evaluateTargets,
  problemsOf,
  rounded,
  type Row,
  type SoakRow,
  type Target,
  TARGET_CPU_US,
  TARGET_PCT_OF_WRK,
  TARGET_RSS_MB,
} from "./bench_report.ts";
import { oursRow, soakRow, wrkRow } from "./bench_rows.ts";
import { type MachineInfo, machineInfo } from "./bench_tools.ts";
import { splitRequest, wrkScript } from "./bench_wrk.ts";

export interface BenchPlan {
  connections: number[];
  durationS: number;
  soakS: number;
  warmupS: number;
  /** Runs per tool and connection count; the table shows each tool's best. */
  repeat: number;
  soakConnections: number;
  wrkThreads: number;
}

export interface BenchResults {
  date: string;
  machine: MachineInfo & { loadavgAtEnd: number[] };
  plan: BenchPlan;
  method: Record<string, string>;
  /** Best run per tool and connection count. */
  rows: Row[];
  /** Every run, in the order made. */
  runs: Row[];
  soak: SoakRow;
  targets: Target[];
  limits: { pctOfWrk: number; cpuUsPerReq: number; rssMb: number };
  valid: boolean;
  problems: string[];
}

type Log = (line: string) => void;

/** The exact bytes our backend sends, for wrk's Lua script (the prepared object is opaque). */
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
    const script = `${dir}/post.lua`;
    await Deno.writeTextFile(script, wrkScript(splitRequest(await preparedBytes(nginx.url))));
    const runs = await throughputRuns(nginx, plan, script, log);
    log(`soak: ours ${plan.soakConnections} connections for ${plan.soakS} s ...`);
    const soak = await soakRow(nginx, plan.soakConnections, plan.warmupS, plan.soakS);
    return assemble(machine, plan, runs, soak);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupted);
    await nginx?.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function throughputRuns(
  nginx: NginxServer,
  plan: BenchPlan,
  scriptPath: string,
  log: Log,
): Promise<Row[]> {
  const runs: Row[] = [];
  for (const c of plan.connections) {
    for (let i = 1; i <= plan.repeat; i++) {
      const nth = plan.repeat > 1 ? ` (run ${i}/${plan.repeat})` : "";
      log(`wrk  -t${plan.wrkThreads} -c${c} -d${plan.durationS}s${nth} ...`);
      const w = { connections: c, threads: plan.wrkThreads, durationS: plan.durationS, scriptPath };
      runs.push(await wrkRow(nginx, w));
      log(`ours ${c} connections, ${plan.warmupS} s warmup + ${plan.durationS} s${nth} ...`);
      runs.push(await oursRow(nginx, c, plan.warmupS, plan.durationS));
    }
  }
  return runs;
}

/** Each tool's fastest run per connection count, ours as a percentage of wrk's. */
export function bestRows(runs: Row[]): Row[] {
  const best = new Map<string, Row>();
  for (const r of runs) {
    const key = `${r.connections} ${r.tool}`;
    const seen = best.get(key);
    if (!seen || r.reqPerSec > seen.reqPerSec) best.set(key, r);
  }
  const rows = [...best.values()].sort((a, b) =>
    a.connections - b.connections || (a.tool === "wrk" ? -1 : 1)
  );
  return rows.map((r) => {
    const wrk = best.get(`${r.connections} wrk`);
    return { ...r, pctOfWrk: wrk ? (100 * r.reqPerSec) / wrk.reqPerSec : NaN };
  });
}

function assemble(machine: MachineInfo, plan: BenchPlan, runs: Row[], soak: SoakRow): BenchResults {
  const rows = bestRows(runs);
  // Every run counts for validity, not just the best ones.
  const problems = problemsOf(runs, soak);
  return {
    date: new Date().toISOString(),
    machine: { ...machine, loadavgAtEnd: Deno.loadavg() },
    plan,
    method: {
      client: "backends/triton_http.ts channels driven by core/dispatcher.ts (closed loop, one " +
        "channel per connection) with a counting sink, in a fresh Deno process per run; one " +
        "window after the warmup",
      wrk: "wrk under bash; its Lua script POSTs the bytes the backend prepared; CPU from " +
        "bash `times`",
      server: "nginx, 1 worker, canned KServe v2 JSON replies via `return 200`",
      cpu: "process.cpuUsage() user+system over the window / completed requests",
      rss: "Deno.memoryUsage().rss sampled every 100 ms",
      other: "system busy CPU (/proc/stat) minus nginx, the measured tool and this script",
    },
    rows: rows.map(rounded),
    runs: runs.map(rounded),
    soak: rounded(soak),
    targets: evaluateTargets(rows, soak),
    limits: { pctOfWrk: TARGET_PCT_OF_WRK, cpuUsPerReq: TARGET_CPU_US, rssMb: TARGET_RSS_MB },
    valid: problems.length === 0,
    problems,
  };
}
