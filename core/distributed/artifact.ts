/**
 * The worker artifact: one versioned JSON file per worker, written once at the end of its run,
 * holding everything `merge` needs to report the whole run as if one machine had made it. Per
 * level and window: the counts, the sums behind the averages, and the three latency histograms
 * (HDR compressed base64 with their exact moments), on the time grid shared by every worker
 * (offsets from the common start, so workers' clocks never need to agree beyond the start).
 */
import type { ModelInfo } from "../backend.ts";
import type { RunConfig } from "../cli/config.ts";
import type { EncodedHistogram } from "../measure/histogram.ts";
import type { ServerStats } from "../measure/server_stats.ts";
import type { GpuMetrics } from "../metrics/gpu_metrics.ts";
import type { Window } from "../measure/window.ts";
import type { Engine } from "./identity.ts";
import type { StartFacts } from "./start.ts";
import type { ClockSync } from "./clock_sync.ts";
import { UsageError } from "../errors.ts";

export const ARTIFACT_FORMAT = "pa-deno-dist/1";

export interface WindowRecord {
  /** Window number within the level. */
  k: number;
  /** Edges in ns from the common start (t0). */
  startNs: number;
  endNs: number;
  completed: number;
  responses: number;
  sequences: number;
  failed: number;
  /** Failed requests per error text. */
  errors: Record<string, number>;
  delayed: number;
  sent: number;
  sumRequestNs: number;
  sumSendNs: number;
  sumRecvNs: number;
  cpuUs: number;
  latency: EncodedHistogram;
  service: EncodedHistogram;
  lateness: EncodedHistogram;
}

/** GpuMetrics with its maps as entry lists (JSON has no maps). */
export interface MetricsRecord {
  utilization: [string, number][];
  powerWatts: [string, number][];
  memoryUsedBytes: [string, number][];
  memoryTotalBytes: [string, number][];
  scrapes: number;
  failedScrapes: number;
}

export interface LevelRecord {
  mode: "concurrency" | "request_rate";
  /** The level as the whole run has it (the global concurrency or rate). */
  value: number;
  /** This worker's part of it: its concurrency, or the rate its stripe of the schedule makes. */
  share: number;
  windows: WindowRecord[];
  /** Server statistics and GPU metrics over the level's last windows: the stats worker only. */
  server?: ServerStats;
  metrics?: MetricsRecord;
}

export interface WorkerArtifact {
  format: typeof ARTIFACT_FORMAT;
  runId: string;
  /** sha256 of the run's configuration without what differs between workers. */
  configHash: string;
  /** The worker's arguments: merge parses them again for the report's settings. */
  argv: string[];
  worker: {
    index: number;
    count: number;
    segment: string;
    sequence: string;
    host: string;
    engine: Engine;
    rankEnv: Record<string, string>;
  };
  clock: {
    mode: StartFacts["mode"];
    startAtMs: number;
    /** Epoch ms at which the worker started its clock (late ones after startAtMs). */
    actualStartMs: number;
    lateNs: number;
    /**
     * Whether the host's clock was synchronized (adjtimex) before the start. Optional: artifacts
     * written before it was recorded read as "unknown".
     */
    sync?: ClockSync;
  };
  /** The settings of every histogram (merge refuses other settings than its own). */
  histogram: { lowest: number; highest: number; digits: number };
  /** The window length and windows per level of the shared grid. */
  windowNs: number;
  windowsPerLevel: number;
  /** The model as the server described it, for the report's settings. */
  model: ModelInfo;
  /** True for the one worker that read the server's statistics. */
  serverStats: boolean;
  levels: LevelRecord[];
}

export function encodeWindow(w: Window, k: number, t0Ns: number): WindowRecord {
  return {
    k,
    startNs: w.startNs - t0Ns,
    endNs: w.endNs - t0Ns,
    completed: w.requestCount,
    responses: w.responseCount,
    sequences: w.sequenceCount,
    failed: w.errorCount,
    errors: Object.fromEntries(w.errors),
    delayed: w.delayedCount,
    sent: w.sentCount,
    sumRequestNs: w.sumRequestNs,
    sumSendNs: w.sumSendNs,
    sumRecvNs: w.sumRecvNs,
    cpuUs: w.cpuUs,
    latency: w.latency.encode(),
    service: w.service.encode(),
    lateness: w.lateness.encode(),
  };
}

/** Which histograms {@link addWindowRecord} decodes bucket by bucket (the rest: moments only). */
export type Buckets = "all" | "latency" | "none";

/**
 * Adds a recorded window into `w`, as {@link Window.add} adds a window: counts summed, the
 * span from the earliest start to the latest end (times from the common start). Decoding
 * histogram buckets is most of a merge's time, so `buckets` says which ones a caller reads.
 */
export function addWindowRecord(w: Window, r: WindowRecord, buckets: Buckets = "all"): void {
  const fresh = w.endNs === 0;
  w.startNs = fresh ? r.startNs : Math.min(w.startNs, r.startNs);
  w.endNs = Math.max(w.endNs, r.endNs);
  w.durationNs = w.endNs - w.startNs;
  w.latency.addEncoded(r.latency, buckets !== "none");
  w.service.addEncoded(r.service, buckets === "all");
  w.lateness.addEncoded(r.lateness, buckets === "all");
  w.requestCount += r.completed;
  w.responseCount += r.responses;
  w.sequenceCount += r.sequences;
  w.errorCount += r.failed;
  for (const [text, n] of Object.entries(r.errors)) {
    w.errors.set(text, (w.errors.get(text) ?? 0) + n);
  }
  w.delayedCount += r.delayed;
  w.sentCount += r.sent;
  w.sumRequestNs += r.sumRequestNs;
  w.sumSendNs += r.sumSendNs;
  w.sumRecvNs += r.sumRecvNs;
  w.cpuUs += r.cpuUs;
}

export function encodeMetrics(m: GpuMetrics): MetricsRecord {
  return {
    utilization: [...m.utilization],
    powerWatts: [...m.powerWatts],
    memoryUsedBytes: [...m.memoryUsedBytes],
    memoryTotalBytes: [...m.memoryTotalBytes],
    scrapes: m.scrapes,
    failedScrapes: m.failedScrapes,
  };
}

export function decodeMetrics(m: MetricsRecord): GpuMetrics {
  return {
    utilization: new Map(m.utilization),
    powerWatts: new Map(m.powerWatts),
    memoryUsedBytes: new Map(m.memoryUsedBytes),
    memoryTotalBytes: new Map(m.memoryTotalBytes),
    scrapes: m.scrapes,
    failedScrapes: m.failedScrapes,
  };
}

/**
 * What must be equal for artifacts to be parts of one run: the configuration without the
 * worker's identity and its own output files. Maps are written as entry lists; the plugin's
 * loaded module is named by --service-kind already.
 */
export async function configHash(config: RunConfig): Promise<string> {
  const { plugin: _plugin, csvFile: _f, reportJsonFile: _j, reportHtmlFile: _h, ...rest } = config;
  const { workerIndex: _i, segment: _s, out: _o, ...dist } = config.distributed ?? {};
  const text = JSON.stringify(
    { ...rest, profileExportFile: undefined, distributed: dist },
    (_k, v) => v instanceof Map ? [...v] : v,
  );
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function artifactName(index: number): string {
  return `worker-${index}.json`;
}

/**
 * `--dist-out -` prints the artifact on stdout between these lines, so a log collector
 * (`kubectl logs`, mpirun's output) carries it among the report's lines.
 */
const BEGIN = "----- BEGIN pa-deno-dist artifact -----";
const END = "----- END pa-deno-dist artifact -----";

/** The artifact framed for stdout: one line of JSON between the markers. */
export function framedArtifact(a: WorkerArtifact): string {
  return `${BEGIN}\n${JSON.stringify(a)}\n${END}\n`;
}

/**
 * The artifacts in a file: the file itself when it is JSON, else every framed artifact in it
 * (a log may hold several, and a launcher may put a prefix such as mpirun's "[1,0]<stdout>:"
 * before each line: it is taken from the BEGIN line and removed from the lines after it).
 */
export function artifactsInText(text: string, source: string): WorkerArtifact[] {
  if (text.trimStart().startsWith("{")) return [parseArtifact(text, source)];
  const out: WorkerArtifact[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i].indexOf(BEGIN);
    if (at < 0) continue;
    const prefix = lines[i].slice(0, at);
    // A launcher interleaves its processes' lines, and mpirun --tag-output tags each piece of
    // a long line as it reads it, in the middle of the line too: the artifact is the lines of
    // this prefix up to its END, the tags taken out, joined into the one line of JSON it was.
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (!lines[j].startsWith(prefix)) continue;
      const line = lines[j].slice(prefix.length);
      if (line.startsWith(END)) break;
      body.push(prefix === "" ? line : line.replaceAll(prefix, ""));
    }
    if (j >= lines.length) {
      throw new UsageError(`merge: ${source}: an artifact without its END line`);
    }
    out.push(parseArtifact(body.join(""), source));
  }
  if (out.length === 0) throw new UsageError(`merge: ${source} holds no worker artifact`);
  return out;
}

function parseArtifact(text: string, source: string): WorkerArtifact {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`merge: ${source} is not JSON (${(e as Error).message}); truncated?`);
  }
}
