/**
 * One measurement window: every finished request is folded into counters and a latency
 * histogram the moment it completes, so memory does not grow with run length or rate. A request
 * belongs to the window in which it ends (docs/perf_analyzer.md §2.2).
 */
import { LatencyHistogram } from "./histogram.ts";
import type { RequestRecord } from "./record.ts";
import {
  type ClientStats,
  type OpenLoopStats,
  type PassSummary,
  SPECTRUM_PERCENTILES,
} from "./results.ts";
import { TokenMetrics } from "./tokens.ts";
import type { GoodputJudge } from "./goodput.ts";

/** Distinct error texts kept per window; further texts are counted under one key. */
const MAX_ERROR_KINDS = 16;
const OTHER_ERRORS = "other errors";
/** perf_analyzer calls a request "delayed" when it went out more than 1 ms late. */
export const DELAYED_NS = 1_000_000;
/** Where reported latency starts: the intended send time (default) or the actual one. */
export type LatencyOrigin = "intended" | "actual";

export class Window {
  /** The reported latency: end − intended send (or end − actual send with "actual"). */
  readonly latency = new LatencyHistogram();
  /** Service time: end − actual send, what the server and the network took. */
  readonly service = new LatencyHistogram();
  /** Send lateness: actual − intended send (never below 0), what the client itself added. */
  readonly lateness = new LatencyHistogram();
  delayedCount = 0;
  startNs = 0;
  endNs = 0;
  /** Wall time covered; for merged windows the sum of the parts (docs/perf_analyzer.md §2.5). */
  durationNs = 0;
  requestCount = 0;
  responseCount = 0;
  /** Requests that carried a sequence's END flag (perf_analyzer's sequence count). */
  sequenceCount = 0;
  errorCount = 0;
  readonly errors = new Map<string, number>();
  /** Requests whose send started inside the window (for the send rate). */
  sentCount = 0;
  /** Open loop, --overload drop: due requests skipped because every connection was busy. */
  droppedCount = 0;
  /** Open loop: connections (or streams) open when the window closed; they only grow. */
  connections = 0;
  sumRequestNs = 0;
  sumSendNs = 0;
  sumRecvNs = 0;
  /** Client CPU time (µs) spent during the window. */
  cpuUs = 0;

  /** Token metrics, kept only when the backend's responses carry tokens. */
  readonly tokens: TokenMetrics | undefined;

  constructor(
    private readonly origin: LatencyOrigin = "intended",
    tokens = false,
    goodput?: GoodputJudge,
  ) {
    this.tokens = tokens ? new TokenMetrics(origin, goodput) : undefined;
  }

  begin(startNs: number): void {
    this.latency.reset();
    this.service.reset();
    this.lateness.reset();
    this.tokens?.reset();
    this.delayedCount = 0;
    this.startNs = startNs;
    this.endNs = 0;
    this.durationNs = 0;
    this.requestCount = 0;
    this.responseCount = 0;
    this.sequenceCount = 0;
    this.errorCount = 0;
    this.errors.clear();
    this.sentCount = 0;
    this.droppedCount = 0;
    this.connections = 0;
    this.sumRequestNs = 0;
    this.sumSendNs = 0;
    this.sumRecvNs = 0;
    this.cpuUs = 0;
  }

  /** Folds one finished request in. */
  record(rec: RequestRecord): void {
    if (rec.outcome !== "ok") {
      this.errorCount++;
      const key = this.errors.has(rec.error) || this.errors.size < MAX_ERROR_KINDS
        ? rec.error
        : OTHER_ERRORS;
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
      return;
    }
    // perf_analyzer drops a request whose only response was an empty final marker.
    if (rec.responseCount === 0) return;
    this.requestCount++;
    this.responseCount += rec.responseCount;
    if (rec.sequenceEnd) this.sequenceCount++;
    const service = rec.endNs - rec.sendStartNs;
    const late = rec.sendStartNs - rec.intendedNs;
    this.latency.record(this.origin === "intended" ? rec.endNs - rec.intendedNs : service);
    this.service.record(service);
    this.lateness.record(late);
    if (late > DELAYED_NS) this.delayedCount++;
    this.sumRequestNs += rec.endNs - rec.sendStartNs;
    this.sumSendNs += rec.sendEndNs - rec.sendStartNs;
    this.sumRecvNs += rec.endNs - rec.firstByteNs;
    this.tokens?.record(rec);
  }

  /** Adds another window's content (used to merge the last three windows of a level). */
  add(other: Window): void {
    this.latency.add(other.latency);
    this.service.add(other.service);
    this.lateness.add(other.lateness);
    if (other.tokens) this.tokens?.add(other.tokens);
    this.delayedCount += other.delayedCount;
    this.startNs = this.startNs === 0 ? other.startNs : Math.min(this.startNs, other.startNs);
    this.endNs = Math.max(this.endNs, other.endNs);
    this.requestCount += other.requestCount;
    this.responseCount += other.responseCount;
    this.sequenceCount += other.sequenceCount;
    this.errorCount += other.errorCount;
    for (const [k, v] of other.errors) this.errors.set(k, (this.errors.get(k) ?? 0) + v);
    this.sentCount += other.sentCount;
    this.droppedCount += other.droppedCount;
    this.connections = Math.max(this.connections, other.connections);
    this.sumRequestNs += other.sumRequestNs;
    this.sumSendNs += other.sumSendNs;
    this.sumRecvNs += other.sumRecvNs;
    this.cpuUs += other.cpuUs;
    this.durationNs += other.durationNs;
  }

  close(endNs: number, cpuUs: number): void {
    this.endNs = endNs;
    this.durationNs = endNs - this.startNs;
    this.cpuUs = cpuUs;
  }

  /** Latency used for stability and the summary: the average or the --percentile value. */
  stabilizingLatency(percentile: number): number {
    return percentile > 0 ? this.latency.percentile(percentile) : this.latency.mean;
  }

  pass(batchSize: number, percentile: number): PassSummary {
    const pass: PassSummary = {
      throughput: this.#perSecond(this.requestCount * batchSize),
      avgLatencyNs: this.latency.mean,
      stdLatencyNs: this.latency.std,
      stabilizingLatencyNs: this.stabilizingLatency(percentile),
      errorCount: this.errorCount,
    };
    const t = this.tokens;
    if (t !== undefined && t.ttft.count > 0) pass.p50TtftNs = t.ttft.percentile(50);
    return pass;
  }

  stats(batchSize: number, percentile: number): ClientStats {
    const n = this.requestCount;
    const percentilesNs = new Map<number, number>();
    for (const p of [50, 90, 95, 99]) percentilesNs.set(p, this.latency.percentile(p));
    if (percentile > 0) percentilesNs.set(percentile, this.latency.percentile(percentile));
    const stats: ClientStats = {
      requestCount: n,
      responseCount: this.responseCount,
      errorCount: this.errorCount,
      errors: new Map(this.errors),
      durationNs: this.durationNs,
      throughput: this.#perSecond(n * batchSize),
      responseThroughput: this.#perSecond(this.responseCount),
      sequenceCount: this.sequenceCount,
      sequenceThroughput: this.#perSecond(this.sequenceCount),
      sendRate: this.#perSecond(this.sentCount),
      avgLatencyNs: this.latency.mean,
      stdLatencyNs: this.latency.std,
      percentilesNs,
      spectrumNs: SPECTRUM_PERCENTILES.map((p) => ({
        percentile: p,
        ns: this.latency.percentile(p),
      })),
      avgRequestNs: n ? this.sumRequestNs / n : 0,
      avgSendNs: n ? this.sumSendNs / n : 0,
      avgRecvNs: n ? this.sumRecvNs / n : 0,
      overheadPct: this.durationNs > 0 ? (this.cpuUs * 1000 * 100) / this.durationNs : 0,
      openLoop: this.#openLoop(),
    };
    if (this.tokens) stats.tokens = this.tokens.stats(n, this.durationNs, this.errorCount);
    return stats;
  }

  #openLoop(): OpenLoopStats {
    const percentiles = (h: LatencyHistogram) =>
      new Map([50, 90, 99].map((p) => [p, h.percentile(p)] as [number, number]));
    return {
      delayedCount: this.delayedCount,
      droppedCount: this.droppedCount,
      connections: this.connections,
      servicePercentilesNs: percentiles(this.service),
      avgServiceNs: this.service.mean,
      latenessPercentilesNs: percentiles(this.lateness),
      maxLatenessNs: this.lateness.percentile(100),
    };
  }

  #perSecond(count: number): number {
    return this.durationNs > 0 ? (count * 1e9) / this.durationNs : 0;
  }

  destroy(): void {
    this.latency.destroy();
    this.service.destroy();
    this.lateness.destroy();
    this.tokens?.destroy();
  }
}
