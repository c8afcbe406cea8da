/**
 * N worker artifacts → the levels one machine would have measured. Per level and window the
 * workers' windows are added (counts summed, histograms added bucket by bucket, moments by
 * Chan's formula) over the window's shared span, so throughput is Σ completed / W and
 * percentiles are those of one histogram of every request; then the level is judged on the
 * merged windows by the same rule a single run uses. A pure function of the artifacts: what it
 * needs besides them (batch size, percentile, stability rule) comes from the run's settings.
 */
import { UsageError } from "../errors.ts";
import { HISTOGRAM_SETTINGS } from "../measure/histogram.ts";
import { levelStatus } from "../measure/level.ts";
import type { LevelResult, LevelStatus, PassSummary } from "../measure/results.ts";
import { isStable, STABILITY_WINDOWS, type StabilityRule } from "../measure/stability.ts";
import { Window } from "../measure/window.ts";
import {
  addWindowRecord,
  ARTIFACT_FORMAT,
  artifactName,
  decodeMetrics,
  type WorkerArtifact,
} from "./artifact.ts";
import { describeWorker } from "./identity.ts";
import { parseSegmentation, partSize } from "./segment.ts";

/** Which workers a set of artifacts covers. */
export interface Coverage {
  /** The artifacts sorted by worker index. */
  artifacts: WorkerArtifact[];
  /** Workers without an artifact, as "worker 2/4 (segment 1/2:3/4)". */
  missing: string[];
  /** The share of the offered load the present workers sent: 1 when none is missing. */
  fraction: number;
}

/** The fields every artifact of one run has in common, with the words to name a mismatch. */
const SAME: [string, (a: WorkerArtifact) => unknown][] = [
  ["run id", (a) => a.runId],
  ["configuration (hash)", (a) => a.configHash],
  ["segment sequence", (a) => a.worker.sequence],
  ["window grid (-p)", (a) => a.windowNs],
  ["windows per level (--dist-windows)", (a) => a.windowsPerLevel],
  ["histogram settings", (a) => JSON.stringify(a.histogram)],
  ["--start-at", (a) => a.clock.startAtMs],
];

/**
 * Checks that the artifacts are parts of one run and which parts are there. Different runs,
 * settings or a worker twice are errors; a missing worker is one unless `allowPartial`.
 */
export function checkCoverage(artifacts: WorkerArtifact[], allowPartial: boolean): Coverage {
  if (artifacts.length === 0) throw new UsageError("merge: no worker artifacts (worker-<i>.json)");
  for (const a of artifacts) {
    if (a.format !== ARTIFACT_FORMAT) {
      throw new UsageError(
        `merge: ${artifactName(a.worker?.index)} has format "${a.format}", this build reads ` +
          `"${ARTIFACT_FORMAT}"`,
      );
    }
  }
  const sorted = [...artifacts].sort((a, b) => a.worker.index - b.worker.index);
  const first = sorted[0];
  for (const a of sorted) {
    for (const [what, get] of SAME) {
      if (get(a) !== get(first)) {
        throw new UsageError(
          `merge: ${artifactName(a.worker.index)} and ${artifactName(first.worker.index)} ` +
            `differ in ${what} (${get(a)} vs ${get(first)}): they are not parts of one run`,
        );
      }
    }
  }
  if (JSON.stringify(first.histogram) !== JSON.stringify(HISTOGRAM_SETTINGS)) {
    throw new UsageError("merge: the artifacts' histogram settings differ from this build's");
  }
  const seg = parseSegmentation(first.worker.segment, first.worker.sequence);
  const parts = seg.sequence.length - 1;
  const present = new Set<number>();
  for (const a of sorted) {
    if (present.has(a.worker.index)) {
      throw new UsageError(`merge: two artifacts for worker ${a.worker.index}`);
    }
    if (!(a.worker.index >= 0 && a.worker.index < parts)) {
      throw new UsageError(`merge: worker ${a.worker.index} is outside the ${parts} parts`);
    }
    present.add(a.worker.index);
  }
  const missing: string[] = [];
  let fraction = 0;
  for (let i = 0; i < parts; i++) {
    if (present.has(i)) {
      const f = partSize(seg, i);
      fraction += f.num / f.den;
    } else missing.push(describeWorker(seg, i));
  }
  if (missing.length > 0 && !allowPartial) {
    throw new UsageError(
      `merge: ${missing.join(", ")} missing (no ${
        missing.length === 1 ? "artifact" : "artifacts"
      }` +
        "); merge the others with --allow-partial to report the covered part",
    );
  }
  const levels = sorted.map((a) => a.levels.length);
  if (levels.some((n) => n !== levels[0]) && !allowPartial) {
    throw new UsageError(
      `merge: the workers measured different numbers of levels (${levels.join(", ")}); ` +
        "one stopped early",
    );
  }
  return { artifacts: sorted, missing, fraction };
}

/** What judging and reporting a level needs from the run's settings. */
export interface MergeSettings {
  batchSize: number;
  /** --percentile, or -1 for the average. */
  percentile: number;
  rule: StabilityRule;
  async: boolean;
  /**
   * --request-count: each level is one window that ends when its requests are done. The levels
   * then have no server statistics (see {@link serverStatsCover}).
   */
  requestCount: number;
  /** --max-error-rate as a fraction; a merged window over it ends the level. */
  maxErrorRate: number | undefined;
  warn(message: string): void;
}

/**
 * The merged levels, in the order measured: the levels every artifact holds (with partial
 * coverage, those every present worker finished), each window the sum of the workers'. Every
 * window is judged from its counts and latency moments (and latency buckets with --percentile);
 * only the windows a level reports are decoded in full, which keeps 64 workers' sweeps quick.
 */
export function mergeLevels(coverage: Coverage, s: MergeSettings): LevelResult[] {
  const { artifacts } = coverage;
  const count = Math.min(...artifacts.map((a) => a.levels.length));
  const stats = artifacts.find((a) => a.serverStats);
  const windows: Window[] = [];
  const reported = new Window();
  const out: LevelResult[] = [];
  try {
    for (let l = 0; l < count; l++) {
      const parts = artifacts.map((a) => a.levels[l]);
      const n = Math.min(...parts.map((p) => p.windows.length));
      while (windows.length < n) windows.push(new Window());
      for (let k = 0; k < n; k++) {
        windows[k].begin(0);
        for (const p of parts) {
          addWindowRecord(windows[k], p.windows[k], s.percentile > 0 ? "latency" : "none");
        }
      }
      const verdict = judge(windows.slice(0, n), s);
      reported.begin(0);
      for (let k = verdict.from; k < verdict.to; k++) {
        const whole = windows[k];
        whole.begin(0);
        for (const p of parts) addWindowRecord(whole, p.windows[k]);
        // Client overhead is a machine's: the average worker's share of its own time, so the
        // overload warning means what it means for one run.
        whole.cpuUs /= parts.length;
        reported.add(whole);
      }
      const level: LevelResult = {
        mode: parts[0].mode,
        value: parts[0].value,
        passes: verdict.passes,
        reportedPasses: verdict.to - verdict.from,
        client: reported.stats(s.batchSize, s.percentile),
        server: serverStatsCover(s.requestCount) ? stats?.levels[l].server : undefined,
        stabilizingLatencyNs: reported.stabilizingLatency(s.percentile),
        status: verdict.status,
      };
      const metrics = stats?.levels[l].metrics;
      if (metrics !== undefined) level.metrics = decodeMetrics(metrics);
      out.push(level);
    }
  } finally {
    reported.destroy();
    for (const w of windows) w.destroy();
  }
  return out;
}

/**
 * Whether the stats worker's server statistics are the whole run's. They are the server's
 * totals between two reads at the edges of worker 0's window; on the shared grid every worker's
 * window has those edges. With --request-count each worker's window ends when its own share is
 * done, so worker 0's window is not the others': reading around all of them would need a message
 * from every worker, which a distributed run does not exchange.
 */
export function serverStatsCover(requestCount: number): boolean {
  return requestCount === 0;
}

interface Verdict {
  passes: PassSummary[];
  status: LevelStatus;
  /** The windows the level reports: [from, to). */
  from: number;
  to: number;
}

/** A level's verdict from its merged windows, as LevelMeasurer gives one (windows rule). */
function judge(windows: Window[], s: MergeSettings): Verdict {
  // As a single run: the first window over --max-error-rate ends the level and is reported.
  const limit = s.maxErrorRate;
  const broke = limit === undefined ? -1 : windows.findIndex((w) => {
    const total = w.requestCount + w.errorCount;
    return total > 0 && w.errorCount / total > limit;
  });
  const judged = broke < 0 ? windows : windows.slice(0, broke + 1);
  const passes = judged.map((w) => w.pass(s.batchSize, s.percentile));
  const used = s.requestCount > 0 || broke >= 0 ? 1 : Math.min(STABILITY_WINDOWS, passes.length);
  const status = broke >= 0 ? "too_many_errors" : levelStatus(
    passes,
    s.rule,
    s.requestCount > 0 || isStable(passes, s.rule),
    s.async,
    s.warn,
  );
  return { passes, status, from: judged.length - used, to: judged.length };
}
