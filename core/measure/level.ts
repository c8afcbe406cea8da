/**
 * Measures one load level: consecutive windows, back to back with the load never paused,
 * until the last three agree (docs/perf_analyzer.md §2.3), the latency limit is hit, the trials run
 * out, or --request-count's single window is done. It is the dispatcher's sink, so each finished
 * request lands in the window open at the moment it ends.
 */
import type { Clock } from "../clock.ts";
import type { DispatchSink, LoadDriver } from "../load/dispatcher.ts";
import { ExitCode, RunError } from "../errors.ts";
import type { RequestRecord } from "./record.ts";
import type { GpuMetrics } from "../metrics/gpu_metrics.ts";
import type { RecordSink } from "../report/profile_export.ts";
import type { LevelResult, LevelStatus, PassSummary } from "./results.ts";
import type { ServerStats, ServerStatsReader } from "./server_stats.ts";
import { intervalWithin, latencyInterval } from "./confidence.ts";
import {
  isStable,
  overLatencyLimit,
  spread,
  STABILITY_WINDOWS,
  type StabilityRule,
  throughputStable,
} from "./stability.ts";
import { type LatencyOrigin, Window } from "./window.ts";
import type { RankGroup } from "../distributed/mpi/ranks.ts";
import type { GoodputJudge } from "./goodput.ts";

export interface MeasureSettings {
  mode: "concurrency" | "request_rate";
  batchSize: number;
  /** --percentile, or -1 for the average. */
  percentile: number;
  rule: StabilityRule;
  maxTrials: number;
  /** time_windows: window length in ms (perf_analyzer waits 1.2× this). */
  windowMs: number;
  /** count_windows: minimum requests per window; 0 = time windows. */
  windowRequests: number;
  /** --request-count: one window of exactly this many requests; 0 = off. */
  requestCount: number;
  /**
   * A distributed run: every level runs exactly this many time windows, back to back from
   * the start {@link LevelMeasurer.measure} is given, on edges every worker shares; no level
   * ends early on a local verdict (merge judges the merged windows).
   */
  fixedWindows?: number;
  /** Async mode accepts throughput-only stability with a warning, as perf_analyzer does. */
  async: boolean;
  /** Reported latency from the intended send time (default) or the actual one. */
  latencyFrom?: LatencyOrigin;
  /** A window whose failed share exceeds this fraction ends the level; absent = no limit. */
  maxErrorRate?: number;
  /**
   * "windows": perf_analyzer's rule (the last three windows agree). "confidence": all windows
   * of the level so far, until the 99 % interval of the stabilizing latency is within ± the
   * threshold of its estimate.
   */
  stopRule?: "windows" | "confidence";
  /**
   * The backend's responses carry tokens (capability `units: "tokens"`): windows also fold
   * the token metrics, and the level's client stats carry them.
   */
  tokens?: boolean;
  /** Goodput targets (token responses only): every request is judged as it is folded. */
  goodput?: GoodputJudge;
  /**
   * With goodput: a level whose reported windows have a smaller good share than this ends as
   * "slo_missed" (it fails, so a binary search goes lower). Absent = no minimum.
   */
  minAttainment?: number;
  /**
   * The over-saturation guard: a level ends as "saturated" once the median time to first token
   * grew by more than this fraction, and by more than SATURATION_MIN_GROWTH_NS, in each of the
   * last two window-to-window steps (a queue that grows without bound). Absent = off.
   */
  saturationGrowth?: number;
  /**
   * Every level after the first starts from an idle server: sending stops and the requests in
   * flight end (uncounted) before it begins. A level above the knee leaves a queue behind that
   * would otherwise fail the next, lower one (a search goes down after a failure). Default off:
   * perf_analyzer's levels follow each other under load.
   */
  isolateLevels?: boolean;
}

export interface MeasureDeps {
  clock: Clock;
  /** Process CPU time in µs (user + system). */
  cpuUs(): number;
  /** Cumulative server statistics, when the server has them. */
  serverStats?: ServerStatsReader;
  /** Aborts the current window early (SIGINT); what was measured is still reported. */
  signal: AbortSignal;
  warn(message: string): void;
  /** --collect-metrics: told which window is open; merges the scrapes of reported windows. */
  metrics?: {
    open(trial: number): void;
    pause(): void;
    merged(firstTrial: number, lastTrial: number): GpuMetrics;
  };
  /** --profile-export-file: every request that ends in a window, and the window edges. */
  export?: RecordSink;
  /** --enable-mpi: the other ranks, which end each level together with this one. */
  ranks?: RankGroup;
  /** Told of every window as it closes (a distributed worker keeps them for its artifact). */
  observe?(trial: number, window: Window): void;
}

/** A snapshot of the open window (see {@link LevelMeasurer.live}). */
export interface LiveWindow {
  /** 1-based window number within the level. */
  window: number;
  maxWindows: number;
  startNs: number;
  requestCount: number;
  errorCount: number;
  p50Ns: number;
  p99Ns: number;
  /**
   * How far apart the last finished windows (up to three, the stability rule's) are, as
   * max / min − 1 of their throughput and of their stabilizing latency; absent before two.
   */
  spread?: { throughput: number; latency: number };
}

/**
 * A growth the saturation guard ignores however large relatively: below a millisecond, time to
 * first token moves with timer and scheduling noise, not with a queue.
 */
const SATURATION_MIN_GROWTH_NS = 1e6;

/** perf_analyzer sleeps 1.2 × the measurement interval per time window. */
const TIME_WINDOW_FACTOR = 1.2;
/** count_windows checks the request count once a second, as perf_analyzer does. */
const COUNT_POLL_MS = 1000;
/** Four windows: the three being compared and the one being filled. */
const RING = STABILITY_WINDOWS + 1;

export const NO_VALID_REQUESTS =
  "No valid requests recorded within time interval. Please use a larger time window.";

/**
 * perf_analyzer's message when nothing ended in the window. When requests did end, all
 * failed, and a larger window cannot help: the cause comes first, then the advice.
 */
function noValidRequests(window: Window): string {
  if (window.errorCount === 0) return NO_VALID_REQUESTS;
  let top = "";
  let topCount = 0;
  for (const [text, count] of window.errors) {
    if (count > topCount) [top, topCount] = [text, count];
  }
  return `${NO_VALID_REQUESTS.slice(0, NO_VALID_REQUESTS.indexOf(".") + 1)} All ` +
    `${window.errorCount} requests that ended in it failed; most often (${topCount}×): ${top}. ` +
    "Fix that first: a larger time window helps only when requests take longer than the window.";
}

/**
 * perf_analyzer's verdict on a level's windows (docs/perf_analyzer.md §2.3): over the latency
 * limit, else stable when the stopping rule is `settled`, else (async mode, `throughputOnly`)
 * stable with a warning when the throughput alone agrees, else unstable. Also how `merge`
 * judges the merged windows of a distributed run.
 */
export function levelStatus(
  passes: PassSummary[],
  rule: StabilityRule,
  settled: boolean,
  throughputOnly: boolean,
  warn: (message: string) => void,
): LevelStatus {
  if (overLatencyLimit(passes, rule)) return "over_threshold";
  if (settled) return "stable";
  if (throughputOnly && throughputStable(passes, rule)) {
    warn("Warning: Request latency is not stabilizing. Please try lowering the request rate.");
    return "stable";
  }
  return "unstable";
}

export class LevelMeasurer implements DispatchSink {
  #ring: Window[];
  #merged: Window;
  /** Every window of the level so far (the confidence rule looks at all of them). */
  #all: Window;
  #current: Window | undefined;
  /**
   * On the shared grid: the current window's nominal end. A request that ends after it, before
   * the late timer closes the window, belongs to the next window and waits in #overflow, so
   * every worker splits its requests at the same instants.
   */
  #edgeNs = Infinity;
  #overflow: Window | undefined;
  /** Which window of the level is being filled (0-based), for the live progress line. */
  #trial = 0;
  /** The finished windows of the level being measured, for the live progress line. */
  #passes: PassSummary[] = [];
  /** Levels measured so far. */
  #levels = 0;

  constructor(private readonly settings: MeasureSettings, private readonly deps: MeasureDeps) {
    const origin = settings.latencyFrom ?? "intended";
    const tokens = settings.tokens ?? false;
    const judge = settings.goodput;
    this.#ring = Array.from({ length: RING }, () => new Window(origin, tokens, judge));
    this.#merged = new Window(origin, tokens, judge);
    this.#all = new Window(origin, tokens, judge);
    if (settings.fixedWindows !== undefined) this.#overflow = new Window(origin, tokens, judge);
  }

  get #byConfidence(): boolean {
    return this.settings.stopRule === "confidence";
  }

  sent(): void {
    if (this.#current) this.#current.sentCount++;
  }

  dropped(): void {
    if (this.#current) this.#current.droppedCount++;
  }

  completed(record: RequestRecord): void {
    if (this.#current === undefined) return;
    if (record.endNs >= this.#edgeNs) this.#overflow!.record(record);
    else this.#current.record(record);
    this.deps.export?.record(record);
  }

  /** The window being filled right now, for the live progress line; undefined when paused. */
  live(): LiveWindow | undefined {
    const w = this.#current;
    if (!w) return undefined;
    const live: LiveWindow = {
      window: this.#trial + 1,
      maxWindows: this.settings.requestCount > 0
        ? 1
        : this.settings.fixedWindows ?? this.settings.maxTrials,
      startNs: w.startNs,
      requestCount: w.requestCount,
      errorCount: w.errorCount,
      p50Ns: w.latency.percentile(50),
      p99Ns: w.latency.percentile(99),
    };
    const last = this.#passes.slice(-STABILITY_WINDOWS);
    if (last.length >= 2) {
      live.spread = {
        throughput: spread(last.map((p) => p.throughput)),
        latency: spread(last.map((p) => p.stabilizingLatencyNs)),
      };
    }
    return live;
  }

  /** Stops collecting (warmup, or between runs); finished requests are then discarded. */
  pause(): void {
    this.#current = undefined;
    this.deps.metrics?.pause();
  }

  /**
   * Measures the level `value`. `startNs` (a distributed run) is the level's place on the
   * shared grid: the load and the first window start then, not now.
   */
  async measure(value: number, dispatcher: LoadDriver, startNs?: number): Promise<LevelResult> {
    if (this.settings.isolateLevels && this.#levels > 0) await this.#settle(dispatcher);
    this.#levels++;
    try {
      return await this.#measure(value, dispatcher, startNs);
    } finally {
      this.deps.export?.levelEnd();
    }
  }

  /** Stops sending and waits until nothing is in flight; what ends meanwhile is not counted. */
  async #settle(dispatcher: LoadDriver): Promise<void> {
    this.pause();
    dispatcher.limit(0);
    await dispatcher.drain();
    dispatcher.limit(Infinity);
  }

  async #measure(
    value: number,
    dispatcher: LoadDriver,
    startNs: number | undefined,
  ): Promise<LevelResult> {
    const s = this.settings;
    const clock = this.deps.clock;
    // On the grid the counters are read before the level's start, as the windows' edges.
    if (startNs !== undefined) await this.#sleepUntil(startNs);
    const snapshots: unknown[] = [await this.#serverStats()];
    const passes: PassSummary[] = [];
    this.#passes = passes;
    let trial = 0;
    const grid = s.fixedWindows !== undefined && startNs !== undefined;
    const maxWindows = grid ? s.fixedWindows! : s.maxTrials;
    // A --request-count window ends when its requests are done, not on the grid.
    const onGrid = grid && s.requestCount === 0;
    let window = this.#open(0, startNs ?? clock.nowNs(), onGrid);
    this.deps.export?.levelStart(s.mode, value, window.startNs);
    this.#all.begin(0);
    let cpu0 = this.deps.cpuUs();
    if (s.requestCount > 0) dispatcher.limit(s.requestCount);
    await dispatcher.setLevel(value, startNs);
    for (;;) {
      await this.#waitForWindowEnd(window, dispatcher, onGrid);
      // On the grid a window spans exactly -p, whenever the timer woke.
      const end = onGrid ? window.startNs + s.windowMs * 1e6 : clock.nowNs();
      window.close(end, this.deps.cpuUs() - cpu0);
      window.connections = dispatcher.connections?.() ?? 0;
      this.deps.observe?.(trial, window);
      this.deps.export?.windowEnd(end);
      const aborted = this.deps.signal.aborted;
      const last = s.requestCount > 0 || aborted || trial + 1 >= maxWindows;
      if (!last) {
        this.#current = this.#open(trial + 1, end, onGrid);
        cpu0 = this.deps.cpuUs();
      } else this.pause();
      snapshots.push(await this.#serverStats());
      if (grid) {
        // A worker's share of a window may be empty; only the merged windows are judged.
        passes.push(window.pass(s.batchSize, s.percentile));
        if (last) break;
        trial++;
        window = this.#current!;
        continue;
      }
      if (this.#tooManyErrors(window)) {
        passes.push(window.pass(s.batchSize, s.percentile));
        await this.deps.ranks?.levelDone(false, true);
        return this.#result(value, passes, snapshots, "too_many_errors");
      }
      if (window.requestCount === 0) {
        if (aborted && passes.length > 0) {
          await this.deps.ranks?.levelDone(false, true);
          break;
        }
        throw new RunError(noValidRequests(window), ExitCode.NoValidRequests);
      }
      passes.push(window.pass(s.batchSize, s.percentile));
      if (this.#saturated(passes)) {
        return this.#result(value, passes, snapshots, "saturated");
      }
      // Three histogram merges (~0.5 ms at a window edge): only the confidence rule needs them.
      if (this.#byConfidence) this.#all.add(window);
      if (await this.#levelDone(last || overLatencyLimit(passes, s.rule), passes)) break;
      trial++;
      window = this.#current!;
    }
    return this.#result(value, passes, snapshots);
  }

  /**
   * Whether the level ends after this window: when this rank must stop or is settled, or, under
   * --enable-mpi, when every rank is settled or one must stop (the load runs on meanwhile).
   */
  async #levelDone(mustStop: boolean, passes: PassSummary[]): Promise<boolean> {
    const settled = this.#settled(passes);
    if (this.deps.ranks === undefined) return mustStop || settled;
    return await this.deps.ranks.levelDone(settled, mustStop);
  }

  #tooManyErrors(window: Window): boolean {
    const limit = this.settings.maxErrorRate;
    const total = window.requestCount + window.errorCount;
    return limit !== undefined && total > 0 && window.errorCount / total > limit;
  }

  #open(trial: number, startNs: number, onGrid = false): Window {
    this.#trial = trial;
    const w = this.#ring[trial % RING];
    w.begin(startNs);
    const overflow = this.#overflow;
    if (overflow !== undefined) {
      // What ended past the last edge (the previous window's, or the previous level's).
      w.add(overflow);
      // add() keeps the earlier start of the two; this window starts at its own edge.
      w.startNs = startNs;
      overflow.begin(0);
    }
    this.#edgeNs = onGrid ? startNs + this.settings.windowMs * 1e6 : Infinity;
    this.#current = w;
    this.deps.metrics?.open(trial);
    return w;
  }

  async #waitForWindowEnd(window: Window, dispatcher: LoadDriver, onGrid: boolean) {
    const s = this.settings;
    if (s.requestCount > 0) return await dispatcher.drain();
    if (onGrid) {
      await this.#sleepUntil(window.startNs + s.windowMs * 1e6);
      return;
    }
    if (s.windowRequests > 0) {
      while (window.requestCount + window.errorCount < s.windowRequests) {
        if (!(await this.#sleep(COUNT_POLL_MS))) return;
      }
      return;
    }
    await this.#sleep(s.windowMs * TIME_WINDOW_FACTOR);
  }

  /**
   * Sleeps until the monotonic instant `ns` (at once when it has passed), unless aborted;
   * never wakes before it, so a window's requests are all in when it closes.
   */
  async #sleepUntil(ns: number): Promise<boolean> {
    for (;;) {
      const ms = (ns - this.deps.clock.nowNs()) / 1e6;
      if (ms <= 0) return true;
      if (!(await this.#sleep(ms))) return false;
    }
  }

  /** Sleeps unless aborted first; false when the abort signal fired. */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.deps.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener("abort", onAbort, { once: true });
      this.deps.clock.sleep(ms).then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      });
    });
  }

  /**
   * A snapshot of the server's counters, or undefined when there are none. A server that is
   * down at a window boundary costs that level its Server block, not the whole run.
   */
  async #serverStats(): Promise<unknown> {
    if (!this.deps.serverStats) return undefined;
    try {
      return await this.deps.serverStats.read();
    } catch (e) {
      this.deps.warn(
        `Warning: server statistics unavailable at a window boundary (${(e as Error).message}); ` +
          "this level is reported without its Server block.",
      );
      return undefined;
    }
  }

  #result(
    value: number,
    passes: PassSummary[],
    snapshots: unknown[],
    forced?: "too_many_errors" | "saturated",
  ): LevelResult {
    const s = this.settings;
    // A level stopped for errors reports the window that broke the limit, so the counts in the
    // message are the ones that tripped it.
    const used = forced !== undefined
      ? 1
      : this.#byConfidence
      ? passes.length
      : Math.min(STABILITY_WINDOWS, passes.length);
    const allWindows = this.#byConfidence && forced === undefined;
    let merged = this.#all;
    if (!allWindows) {
      merged = this.#merged;
      merged.begin(0);
      for (let i = passes.length - used; i < passes.length; i++) merged.add(this.#ring[i % RING]);
    }
    const client = merged.stats(s.batchSize, s.percentile);
    const status = forced ?? this.#sloStatus(client.tokens?.goodput?.attainment) ??
      this.#status(passes);
    if (allWindows) client.interval = latencyInterval(merged.latency, s.percentile);
    return {
      mode: s.mode,
      value,
      passes,
      reportedPasses: used,
      client,
      server: this.#serverDelta(snapshots.slice(passes.length - used, passes.length + 1)),
      metrics: this.deps.metrics?.merged(passes.length - used, passes.length - 1),
      stabilizingLatencyNs: merged.stabilizingLatency(s.percentile),
      status,
      spanNs: { start: merged.startNs, end: merged.endNs },
    };
  }

  /**
   * The server's statistics over the reported windows, from the reads at their edges. Checked
   * edge by edge, not just first against last: a server that restarted mid-level and counted
   * past its old totals by the end would otherwise give a positive delta that is false. A read
   * that failed at any edge costs the block too (its warning was given when it failed).
   */
  #serverDelta(edges: unknown[]): ServerStats | undefined {
    const reader = this.deps.serverStats;
    if (!reader || edges.some((e) => e === undefined)) return undefined;
    for (let i = 1; i < edges.length; i++) {
      if (reader.restarted(edges[i - 1], edges[i])) {
        this.deps.warn(
          "Warning: server statistics went backwards during the level (did the server " +
            "restart?); this level is reported without its Server block.",
        );
        return undefined;
      }
    }
    return reader.delta(edges[0], edges.at(-1)!);
  }

  /** The median time to first token grew past the guard's limits in each of the last two steps. */
  #saturated(passes: PassSummary[]): boolean {
    const growth = this.settings.saturationGrowth;
    if (growth === undefined || passes.length < STABILITY_WINDOWS) return false;
    const ttft = passes.slice(-STABILITY_WINDOWS).map((p) => p.p50TtftNs ?? NaN);
    for (let i = 1; i < ttft.length; i++) {
      const before = ttft[i - 1];
      if (!(ttft[i] > before * (1 + growth) && ttft[i] - before > SATURATION_MIN_GROWTH_NS)) {
        return false;
      }
    }
    return true;
  }

  /** "slo_missed" when the reported windows' attainment is below the minimum. */
  #sloStatus(attainment: number | undefined): "slo_missed" | undefined {
    const min = this.settings.minAttainment;
    if (min === undefined || attainment === undefined) return undefined;
    return attainment >= min ? undefined : "slo_missed";
  }

  /** The stopping rule in force says the level has been measured well enough. */
  #settled(passes: PassSummary[]): boolean {
    if (!this.#byConfidence) return isStable(passes, this.settings.rule);
    // Two windows at least: the first carries connection set-up and warm caches.
    if (passes.length < 2) return false;
    const iv = latencyInterval(this.#all.latency, this.settings.percentile);
    return iv !== undefined && intervalWithin(iv, this.settings.rule.threshold);
  }

  #status(passes: PassSummary[]): LevelStatus {
    const s = this.settings;
    return levelStatus(
      passes,
      s.rule,
      s.requestCount > 0 || this.deps.signal.aborted || this.#settled(passes),
      !this.#byConfidence && s.async,
      this.deps.warn,
    );
  }

  destroy(): void {
    for (const w of this.#ring) w.destroy();
    this.#merged.destroy();
    this.#all.destroy();
    this.#overflow?.destroy();
  }
}
