/**
 * The bench's distributed-merge rows (issue 20): how long `merge` takes for 64 worker
 * artifacts of a 10-level sweep (5 windows per level, three HDR histograms per window), in
 * process (the merge and the report, files written) and as the CLI command a user types (Deno's
 * start-up included). The artifacts are made by the workers' own code (Window → encodeWindow)
 * from synthetic requests with a spread of latencies, so their histograms are as large as a
 * real run's.
 */
import { main } from "../main.ts";
import { RequestRecord } from "../core/measure/record.ts";
import { Window } from "../core/measure/window.ts";
import { HISTOGRAM_SETTINGS } from "../core/measure/histogram.ts";
import {
  ARTIFACT_FORMAT,
  artifactName,
  encodeWindow,
  type LevelRecord,
  type WorkerArtifact,
} from "../core/distributed/artifact.ts";
import { evenSegmentation, segmentText, sequenceText } from "../core/distributed/segment.ts";
import { alignColumns } from "./bench_table.ts";
import { modelInfo } from "../core/testing/model_info.ts";

export const DIST_TITLE =
  "Distributed merge (worker artifacts of a sweep, merged into one report):";

export interface DistPlan {
  workers: number;
  levels: number;
  windows: number;
  /** Requests each worker's window holds. */
  requestsPerWindow: number;
  /** Timed repetitions; the best is the row. */
  repeat: number;
}

export interface DistRow {
  workers: number;
  levels: number;
  windows: number;
  artifactBytes: number;
  /** merge in process, report and files included: best of `repeat`. */
  mergeMs: number;
  /** `deno run -A main.ts merge DIR -f ...` wall time, start-up included. */
  cliMs: number;
}

export interface DistSection {
  date: string;
  plan: DistPlan;
  method: string;
  rows: DistRow[];
  problems: string[];
}

export function distPlan(quick: boolean): DistPlan {
  return { workers: 64, levels: 10, windows: 5, requestsPerWindow: quick ? 500 : 2000, repeat: 3 };
}

const METHOD = "scripts/bench_dist.ts: artifacts written by the workers' code (Window → " +
  "encodeWindow) from synthetic requests (latency 0.2-5 ms with a 1 % tail to 50 ms); merge " +
  "= main(['merge', DIR, '-f', CSV, '--report-json', JSON]) in process, best of repeat; cli = " +
  "the same command as a `deno run -A main.ts` child process, start-up included.";

const WINDOW_NS = 1e9;

/** One worker's levels: every window filled with `n` requests of varied latency. */
function levels(plan: DistPlan, seed: number): LevelRecord[] {
  const rec = new RequestRecord();
  const w = new Window();
  let x = seed;
  const out: LevelRecord[] = [];
  try {
    for (let l = 0; l < plan.levels; l++) {
      const windows = [];
      for (let k = 0; k < plan.windows; k++) {
        const start = (l * plan.windows + k) * WINDOW_NS;
        w.begin(start);
        for (let j = 0; j < plan.requestsPerWindow; j++) {
          x = (x * 1103515245 + 12345) % 2147483648;
          const send = start + (j * WINDOW_NS) / plan.requestsPerWindow;
          rec.reset(send);
          rec.sendStartNs = send;
          rec.sendEndNs = send + 5000;
          const latency = 200_000 + (x % 4_800_000) + (x % 100 === 0 ? 45_000_000 : 0);
          rec.addResponse(send + latency);
          rec.endNs = rec.lastResponseNs;
          w.record(rec);
        }
        w.close(start + WINDOW_NS, 0);
        windows.push(encodeWindow(w, k, 0));
      }
      out.push({ mode: "concurrency", value: (l + 1) * plan.workers, share: l + 1, windows });
    }
  } finally {
    w.destroy();
  }
  return out;
}

function artifact(plan: DistPlan, index: number, measured: LevelRecord[]): WorkerArtifact {
  const seg = evenSegmentation(index, plan.workers);
  const n = plan.workers;
  return {
    format: ARTIFACT_FORMAT,
    runId: "bench",
    configHash: "bench",
    argv: [
      "-m",
      "simple",
      "-u",
      "127.0.0.1:8000",
      "--concurrency-range",
      `${n}:${n * plan.levels}:${n}`,
      "-p",
      "1000",
      "--worker-index",
      `${index}`,
      "--worker-count",
      `${n}`,
      "--start-at",
      "1",
      "--dist-out",
      "d",
    ],
    worker: {
      index,
      count: n,
      segment: segmentText(seg),
      sequence: sequenceText(seg),
      host: "bench",
      engine: "flags",
      rankEnv: {},
    },
    clock: { mode: "start-at", startAtMs: 1, actualStartMs: 1, lateNs: 0 },
    histogram: HISTOGRAM_SETTINGS,
    windowNs: WINDOW_NS,
    windowsPerLevel: plan.windows,
    model: modelInfo({ platform: "bench", maxBatchSize: 0 }),
    serverStats: false,
    levels: measured,
  };
}

/** Writes the plan's artifacts into `dir`; returns their total size in bytes. */
export async function writeArtifacts(plan: DistPlan, dir: string): Promise<number> {
  // A few distinct workers' data, reused: merge time depends on sizes, not on values.
  const variants = [1, 2, 3, 4].map((seed) => levels(plan, seed));
  let bytes = 0;
  for (let i = 0; i < plan.workers; i++) {
    const text = JSON.stringify(artifact(plan, i, variants[i % variants.length]));
    bytes += text.length;
    await Deno.writeTextFile(`${dir}/${artifactName(i)}`, text);
  }
  return bytes;
}

export async function runDistSection(
  plan: DistPlan,
  log: (line: string) => void,
): Promise<DistSection> {
  const problems: string[] = [];
  const rows: DistRow[] = [];
  const dir = await Deno.makeTempDir({ prefix: "pa_bench_dist_" });
  try {
    log(`distributed rows: writing ${plan.workers} artifacts ...`);
    const bytes = await writeArtifacts(plan, dir);
    const args = ["merge", dir, "-f", `${dir}/m.csv`, "--report-json", `${dir}/m.json`];
    let best = Infinity;
    for (let r = 0; r < plan.repeat; r++) {
      let text = "";
      const io = {
        stdout: (t: string) => void (text += t),
        stderr: (t: string) => void (text += t),
      };
      const t0 = performance.now();
      const code = await main(args, io);
      best = Math.min(best, performance.now() - t0);
      // Exit 2 is the verdict on synthetic windows; anything else is a broken merge.
      if (code !== 0 && code !== 2) problems.push(`merge exited ${code}: ${text.slice(-300)}`);
    }
    log("distributed rows: the merge command as a child process ...");
    const t0 = performance.now();
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname, ...args],
      stdout: "null",
      stderr: "piped",
    }).output();
    const cliMs = performance.now() - t0;
    if (child.code !== 0 && child.code !== 2) {
      problems.push(
        `merge command exited ${child.code}: ${new TextDecoder().decode(child.stderr)}`,
      );
    }
    rows.push({
      workers: plan.workers,
      levels: plan.levels,
      windows: plan.windows,
      artifactBytes: Math.round(bytes / plan.workers),
      mergeMs: Math.round(best),
      cliMs: Math.round(cliMs),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return { date: new Date().toISOString(), plan, method: METHOD, rows, problems };
}

export function distLines(rows: DistRow[]): string[] {
  const table = [
    ["workers", "levels", "windows", "artifact", "merge (in process)", "merge command"],
    ...rows.map((r) => [
      `${r.workers}`,
      `${r.levels}`,
      `${r.windows}`,
      `${(r.artifactBytes / 1024).toFixed(0)} KiB`,
      `${r.mergeMs} ms`,
      `${r.cliMs} ms`,
    ]),
  ];
  return [DIST_TITLE, ...alignColumns(table)];
}
