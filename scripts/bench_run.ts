/**
 * The bench's sequence: start nginx, then for each connection count run wrk and our client
 * back to back on the same URL (`repeat` times, interleaved, keeping each tool's best run:
 * other load on the machine only ever slows a run down), then the memory soak: the real CLI
 * for one --request-count window sized to last the soak's seconds, then the pacing rows: the
 * CLI open loop at a fixed rate once per --pacing mode (also `repeat` times, interleaved).
 * --only-http / --only-soak / --only-pacing keep just those sections. nginx is stopped and its
 * temp dir removed however the run ends.
 */
import { createTritonHttp } from "../backends/triton/http.ts";
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
  TARGET_GROWTH_PCT,
  TARGET_PCT_OF_WRK,
  TARGET_RSS_MB,
} from "./bench_report.ts";
import { oursRow, soakRow, wrkRow } from "./bench_rows.ts";
import { type PacingPlan, type PacingRow, pacingRuns } from "./bench_pacing.ts";
import {
  bestPacingRows,
  pacingProblems,
  pacingTargets,
  TARGET_LATENESS_P99_US,
  TARGET_RATE_ERROR_PCT,
} from "./bench_pacing_report.ts";
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
  /**
   * Run only the throughput rows, the soak (its count then comes from a calibration run when
   * the throughput rows do not run) and/or the pacing rows; with none, every section runs.
   */
  onlyHttp: boolean;
  onlySoak: boolean;
  onlyPacing: boolean;
  pacing: PacingPlan;
}

/** Where the soak's request count came from: count = soak seconds × this rate. */
export interface SoakBasis {
  source: string;
  reqPerSec: number;
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
  /** null when the soak was not run (--only-pacing). */
  soak: SoakRow | null;
  soakBasis: SoakBasis | null;
  /** Best run per pacing mode. */
  pacing: PacingRow[];
  /** Every pacing run, in the order made. */
  pacingRuns: PacingRow[];
  targets: Target[];
  limits: {
    pctOfWrk: number;
    cpuUsPerReq: number;
    rssMb: number;
    rssGrowthPct: number;
    pacingRateErrorPct: number;
    pacingLatenessP99Us: number;
  };
  valid: boolean;
  problems: string[];
}

type Log = (line: string) => void;

/** The exact bytes our backend sends, for wrk's Lua script (the prepared object is opaque). */
async function preparedBytes(url: string): Promise<Uint8Array> {
  const backend = createTritonHttp(benchBackendOptions(url));
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
    const all = !plan.onlyHttp && !plan.onlySoak && !plan.onlyPacing;
    const runs = all || plan.onlyHttp ? await throughputRuns(nginx, plan, script, log) : [];
    const soaked = all || plan.onlySoak ? await soakRun(nginx, plan, runs, log) : null;
    const pacing = all || plan.onlyPacing
      ? await pacingRuns(nginx, plan.pacing, plan.repeat, log)
      : [];
    return assemble(machine, plan, runs, soaked, pacing);
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

/** Requests of the --only-soak calibration run: about 3 s at the rates seen on loopback. */
const CALIBRATION_REQUESTS = 300_000;

/**
 * Sizes the soak from our client's rate at the soak's connection count in this run's rows
 * (the CLI pays about the same CPU per request), or, with no such row, from a short CLI run.
 */
async function soakBasis(
  nginx: NginxServer,
  plan: BenchPlan,
  runs: Row[],
  log: Log,
): Promise<SoakBasis | SoakRow> {
  const c = plan.soakConnections;
  const ours = bestRows(runs).find((r) => r.tool === "ours" && r.connections === c);
  if (ours) {
    return { source: `ours at ${c} connections in this run's rows`, reqPerSec: ours.reqPerSec };
  }
  log(`soak calibration: the CLI, ${c} connections, --request-count ${CALIBRATION_REQUESTS} ...`);
  const calibration = await soakRow(nginx, { connections: c, requestCount: CALIBRATION_REQUESTS });
  if (calibration.firstError !== "") return calibration;
  return {
    source: `the CLI's throughput in a ${CALIBRATION_REQUESTS}-request calibration run`,
    reqPerSec: calibration.reqPerSec,
  };
}

async function soakRun(
  nginx: NginxServer,
  plan: BenchPlan,
  runs: Row[],
  log: Log,
): Promise<{ soak: SoakRow; basis: SoakBasis }> {
  const basis = await soakBasis(nginx, plan, runs, log);
  // A calibration run that failed is itself the (invalid) soak.
  if ("firstError" in basis) return { soak: basis, basis: { source: "failed", reqPerSec: NaN } };
  const requestCount = Math.max(plan.soakConnections, Math.round(plan.soakS * basis.reqPerSec));
  log(
    `soak: the CLI, ${plan.soakConnections} connections, --request-count ${requestCount} ` +
      `(≈ ${plan.soakS} s at ${Math.round(basis.reqPerSec)} req/s) ...`,
  );
  const soak = await soakRow(nginx, { connections: plan.soakConnections, requestCount });
  return { soak, basis };
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

function assemble(
  machine: MachineInfo,
  plan: BenchPlan,
  runs: Row[],
  soaked: { soak: SoakRow; basis: SoakBasis } | null,
  pacingRuns: PacingRow[],
): BenchResults {
  const rows = bestRows(runs);
  const soak = soaked?.soak ?? null;
  const pacing = bestPacingRows(pacingRuns);
  // Every run counts for validity, not just the best ones.
  const problems = [...problemsOf(runs, soak), ...pacingProblems(pacingRuns)];
  return {
    date: new Date().toISOString(),
    machine: { ...machine, loadavgAtEnd: Deno.loadavg() },
    plan,
    method: {
      client:
        "throughput rows: backends/triton/http.ts channels driven by core/load/dispatcher.ts " +
        "(closed loop, one channel per connection) with a counting sink, in a fresh Deno " +
        "process per run; one window after the warmup",
      soak: "the real CLI as a child process: deno run -A main.ts -m simple -u <nginx> " +
        "--concurrency-range C --request-count N (windows, HDR histograms, report all " +
        "included), N = soak seconds × soakBasis.reqPerSec; requests and rate from its report",
      wrk: "wrk under bash; its Lua script POSTs the bytes the backend prepared; CPU from " +
        "bash `times`",
      server: "nginx, 1 worker, canned KServe v2 JSON replies via `return 200`",
      cpu: "throughput rows: process.cpuUsage() user+system over the window / completed " +
        "requests; soak: the CLI's utime+stime from /proc/<pid>/stat (whole process) / requests",
      rss: "throughput rows: Deno.memoryUsage().rss sampled every 100 ms in the measured " +
        "process; soak: the CLI's /proc/<pid>/status polled every 100 ms from outside, VmRSS " +
        "kept once a second, peak = VmHWM (the kernel's exact peak up to the last poll)",
      flatness: "soak rssGrowth: RSS at the end minus RSS at 25% of the run (reported); " +
        "rssPeakGrowth: highest RSS of the last quarter minus highest of the second quarter, " +
        "target <= 10% of the latter (single samples swing 10-15 MB with V8's GC sawtooth)",
      other: "system busy CPU (/proc/stat) minus nginx, the measured tool and this script",
      pacing: "the real CLI as a child process: deno run <pa task flags> main.ts -m simple -u " +
        "<nginx> --request-rate-range R --max-threads T (or -a) -p P -s 100000 -r 3 --pacing M " +
        "(--warmup-request-count W with --pacing-warmup): " +
        "three windows of 1.2 × P, merged; throughput, send lateness (actual − intended send) " +
        "and service time (end − actual send) from its report; CPU from /proc/<pid>/stat and " +
        "the JavaScript thread's run and run-queue wait time from /proc/<pid>/schedstat, from " +
        "2 s after spawn to the last sample; best run per mode = lowest p99 lateness",
    },
    rows: rows.map(rounded),
    runs: runs.map(rounded),
    soak: soak && rounded(soak),
    soakBasis: soaked && rounded(soaked.basis),
    pacing: pacing.map(rounded),
    pacingRuns: pacingRuns.map(rounded),
    targets: [...evaluateTargets(rows, soak), ...pacingTargets(pacing)],
    limits: {
      pctOfWrk: TARGET_PCT_OF_WRK,
      cpuUsPerReq: TARGET_CPU_US,
      rssMb: TARGET_RSS_MB,
      rssGrowthPct: TARGET_GROWTH_PCT,
      pacingRateErrorPct: TARGET_RATE_ERROR_PCT,
      pacingLatenessP99Us: TARGET_LATENESS_P99_US,
    },
    valid: problems.length === 0,
    problems,
  };
}
