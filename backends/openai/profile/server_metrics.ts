/**
 * --server-metrics-url: scrapes an LLM server's Prometheus endpoint every interval while the
 * profile runs (core/metrics/prometheus.ts parses it), keeps the few numbers it reports per scrape,
 * and gives each level its share: the gauges (requests running and waiting, KV-cache usage)
 * sampled during the level's windows, and the server's own time-to-first-token and
 * time-per-output-token histograms as the difference between the scrapes around the level. The
 * names are vLLM's, with SGLang's, TGI's and Triton's (TensorRT-LLM's) as alternatives: the
 * first name a scrape holds carries the quantity. A scrape is a few dozen numbers, kept for the
 * run (one per interval, never per request).
 */
import type { Clock } from "../../../core/clock.ts";
import { metricsHref } from "../../../core/metrics/collector.ts";
import { type Exposition, parsePrometheus } from "../../../core/metrics/prometheus.ts";
import type { LevelResult } from "../../../core/measure/results.ts";

/** A gauge's name, and the one label value to sum when the family mixes several quantities. */
interface GaugeSource {
  name: string;
  where?: { label: string; value: string };
}

/**
 * A histogram's name and its unit in seconds. A `count` names a counter instead of buckets: the
 * name is then a cumulative total (Triton's queue time in µs) and `count` its request counter,
 * which give a mean but no percentiles.
 */
interface HistogramSource {
  name: string;
  seconds: number;
  count?: string;
}

/** Each reported quantity and the metrics that carry it, vLLM's first. */
const GAUGES: Record<"running" | "waiting" | "cache", readonly GaugeSource[]> = {
  running: [
    { name: "vllm:num_requests_running" },
    { name: "sglang:num_running_reqs" },
    { name: "tgi_batch_current_size" },
    // TensorRT-LLM under Triton: one family, the kind of request in a label.
    { name: "nv_trt_llm_request_metrics", where: { label: "request_type", value: "active" } },
  ],
  waiting: [
    { name: "vllm:num_requests_waiting" },
    { name: "sglang:num_queue_reqs" },
    { name: "tgi_queue_size" },
    { name: "nv_inference_pending_request_count" },
  ],
  cache: [
    { name: "vllm:gpu_cache_usage_perc" },
    { name: "vllm:kv_cache_usage_perc" },
    { name: "sglang:token_usage" },
  ],
};
const HISTOGRAMS: Record<"ttft" | "tpot" | "queue", readonly HistogramSource[]> = {
  ttft: [
    { name: "vllm:time_to_first_token_seconds", seconds: 1 },
    { name: "sglang:time_to_first_token_seconds", seconds: 1 },
    // Triton's, for decoupled models, when its latency histograms are on.
    { name: "nv_inference_first_response_histogram_ms", seconds: 1e-3 },
  ],
  tpot: [
    { name: "vllm:time_per_output_token_seconds", seconds: 1 },
    { name: "vllm:inter_token_latency_seconds", seconds: 1 },
    { name: "sglang:inter_token_latency_seconds", seconds: 1 },
    { name: "sglang:time_per_output_token_seconds", seconds: 1 },
    // TGI's is one observation per request (its mean), not per token gap.
    { name: "tgi_request_mean_time_per_token_duration", seconds: 1 },
  ],
  queue: [
    { name: "vllm:request_queue_time_seconds", seconds: 1 },
    { name: "tgi_request_queue_duration", seconds: 1 },
    {
      name: "nv_inference_queue_duration_us",
      seconds: 1e-6,
      count: "nv_inference_request_success",
    },
  ],
};
type GaugeKey = keyof typeof GAUGES;
type HistogramKey = keyof typeof HISTOGRAMS;

/** A cumulative histogram at one scrape, in seconds, summed over label sets (models add up). */
interface HistogramReading {
  /** Upper bounds ascending, +Inf last, with their cumulative counts ([] for a counter pair). */
  bounds: number[];
  cumulative: number[];
  sum: number;
  count: number;
}

interface Scrape {
  ns: number;
  gauges: Partial<Record<GaugeKey, number>>;
  histograms: Partial<Record<HistogramKey, HistogramReading>>;
}

/**
 * The sum of a family's samples named `name` (all label sets, or those `where` picks), or
 * undefined when absent.
 */
function total(e: Exposition, name: string, where?: GaugeSource["where"]): number | undefined {
  let sum: number | undefined;
  for (const s of e.samples) {
    if (s.name !== name) continue;
    if (where !== undefined && s.labels.get(where.label) !== where.value) continue;
    sum = (sum ?? 0) + s.value;
  }
  return sum;
}

function histogramOf(e: Exposition, source: HistogramSource): HistogramReading | undefined {
  const { name, seconds } = source;
  if (source.count !== undefined) {
    const sum = total(e, name);
    const count = total(e, source.count);
    if (sum === undefined || count === undefined) return undefined;
    return { bounds: [], cumulative: [], sum: sum * seconds, count };
  }
  const byBound = new Map<number, number>();
  for (const s of e.samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = Number(s.labels.get("le")?.replace("+Inf", "Infinity"));
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  const count = total(e, `${name}_count`);
  if (byBound.size === 0 || count === undefined) return undefined;
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return {
    bounds: bounds.map((b) => b * seconds),
    cumulative: bounds.map((b) => byBound.get(b)!),
    sum: (total(e, `${name}_sum`) ?? 0) * seconds,
    count,
  };
}

function readScrape(ns: number, e: Exposition): Scrape {
  const scrape: Scrape = { ns, gauges: {}, histograms: {} };
  for (const key of Object.keys(GAUGES) as GaugeKey[]) {
    for (const { name, where } of GAUGES[key]) {
      const v = total(e, name, where);
      if (v !== undefined) {
        scrape.gauges[key] = v;
        break;
      }
    }
  }
  for (const key of Object.keys(HISTOGRAMS) as HistogramKey[]) {
    for (const source of HISTOGRAMS[key]) {
      const h = histogramOf(e, source);
      if (h !== undefined) {
        scrape.histograms[key] = h;
        break;
      }
    }
  }
  return scrape;
}

/** A gauge over a level's scrapes. */
export interface GaugeStat {
  avg: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** A server histogram over a level, in ms. */
export interface ServerHistogramStat {
  avg: number;
  /** NaN for a counter pair, which has no buckets. */
  p50: number;
  p99: number;
  /** Observations in the level (requests for TTFT, token gaps for TPOT). */
  count: number;
}

export interface LevelServerMetrics {
  url: string;
  running?: GaugeStat;
  waiting?: GaugeStat;
  /** KV-cache usage as a fraction. */
  cache?: GaugeStat;
  ttftMs?: ServerHistogramStat;
  tpotMs?: ServerHistogramStat;
  /** Time requests waited in the server's queue. */
  queueMs?: ServerHistogramStat;
}

function gaugeStat(values: number[]): GaugeStat | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    avg: values.reduce((a, b) => a + b, 0) / values.length,
    p50: rank(0.5),
    p99: rank(0.99),
    max: sorted.at(-1)!,
    samples: values.length,
  };
}

/**
 * Prometheus's histogram_quantile over a level's bucket counts: linear within the bucket that
 * holds the rank, from its lower bound (0 for the first); the +Inf bucket answers its lower bound.
 */
function quantile(bounds: number[], counts: number[], q: number): number {
  const n = counts.at(-1)!;
  const rank = q * n;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] < rank) continue;
    const lower = i === 0 ? 0 : bounds[i - 1];
    if (!Number.isFinite(bounds[i])) return lower;
    const below = i === 0 ? 0 : counts[i - 1];
    const inBucket = counts[i] - below;
    return inBucket === 0 ? bounds[i] : lower + (bounds[i] - lower) * (rank - below) / inBucket;
  }
  return bounds.at(-2) ?? 0;
}

function histogramDelta(
  from: HistogramReading | undefined,
  to: HistogramReading | undefined,
): ServerHistogramStat | undefined {
  if (to === undefined) return undefined;
  const count = to.count - (from?.count ?? 0);
  if (!(count > 0)) return undefined;
  const before = (b: number) => {
    const i = from?.bounds.indexOf(b) ?? -1;
    return i >= 0 ? from!.cumulative[i] : 0;
  };
  const counts = to.bounds.map((b, i) => to.cumulative[i] - before(b));
  const at = (q: number) => to.bounds.length === 0 ? NaN : quantile(to.bounds, counts, q) * 1e3;
  return {
    avg: ((to.sum - (from?.sum ?? 0)) / count) * 1e3,
    p50: at(0.5),
    p99: at(0.99),
    count,
  };
}

export interface ScraperOptions {
  urls: string[];
  intervalMs: number;
  clock: Clock;
  warn(message: string): void;
  /** GET as text; status must be 200. Injected by tests. */
  fetchText?: (url: string, signal: AbortSignal) => Promise<string>;
}

async function fetchText(url: string, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return body;
}

export class ServerMetricsScraper {
  readonly #scrapes: Scrape[][];
  readonly #hrefs: string[];
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #warned = new Set<string>();

  constructor(private readonly options: ScraperOptions) {
    this.#hrefs = options.urls.map(metricsHref);
    this.#scrapes = options.urls.map(() => []);
  }

  /** Scrapes once now (the baseline before any load), then every interval until stop(). */
  async start(): Promise<void> {
    await this.#scrapeAll();
    this.#loop = this.#run();
  }

  /** Stops, with a last scrape so the last level's histograms end after its last request. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#scrapeAll();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      await this.options.clock.sleep(this.options.intervalMs, signal);
      if (!signal.aborted) await this.#scrapeAll();
    }
  }

  #scrapeAll(): Promise<void[]> {
    return Promise.all(this.#hrefs.map(async (href, i) => {
      try {
        const text = await (this.options.fetchText ?? fetchText)(
          href,
          new AbortController().signal,
        );
        const scrape = readScrape(this.options.clock.nowNs(), parsePrometheus(text));
        if (Object.keys(scrape.gauges).length + Object.keys(scrape.histograms).length === 0) {
          this.#warnOnce(href, `Warning: no vLLM, SGLang, TGI or Triton metric found at ${href}.`);
        }
        this.#scrapes[i].push(scrape);
      } catch (e) {
        this.#warnOnce(
          href,
          `Warning: scrape of ${href} failed (${(e as Error).message}); the run goes on.`,
        );
      }
    }));
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.options.warn(message);
  }

  /**
   * Each URL's numbers for a level: gauges from the scrapes inside its reported windows,
   * histograms from the last scrape at or before its start to the first at or after its end.
   */
  level(level: Pick<LevelResult, "spanNs">): LevelServerMetrics[] {
    const span = level.spanNs;
    if (span === undefined) return [];
    return this.#scrapes.map((scrapes, i) => {
      const inside = scrapes.filter((s) => s.ns >= span.start && s.ns <= span.end);
      const from = scrapes.findLast((s) => s.ns <= span.start);
      const to = scrapes.find((s) => s.ns >= span.end) ?? scrapes.at(-1);
      const gauge = (key: GaugeKey) =>
        gaugeStat(inside.flatMap((s) => s.gauges[key] === undefined ? [] : [s.gauges[key]!]));
      const histogram = (key: HistogramKey) =>
        histogramDelta(from?.histograms[key], to?.histograms[key]);
      return {
        url: this.#hrefs[i],
        running: gauge("running"),
        waiting: gauge("waiting"),
        cache: gauge("cache"),
        ttftMs: histogram("ttft"),
        tpotMs: histogram("tpot"),
        queueMs: histogram("queue"),
      };
    });
  }
}
