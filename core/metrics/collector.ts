/**
 * Scrapes the server's Prometheus endpoint every --metrics-interval ms while a level runs, off
 * the hot path (one fetch in flight at a time, on timers), and files each scrape under the
 * window open when it started. The level measurer opens and closes windows; it asks for the
 * merged numbers of the windows it reports. A failed scrape is counted and warned about once;
 * it never ends the run.
 */
import type { Clock } from "../clock.ts";
import { type GpuMetrics, MetricsAccumulator, missingGpuMetrics } from "./gpu_metrics.ts";
import { parsePrometheus } from "./prometheus.ts";

export interface CollectorOptions {
  /** --metrics-url, with or without a scheme ("localhost:8002/metrics"). */
  url: string;
  intervalMs: number;
  clock: Clock;
  warn(message: string): void;
  /** GET the URL as text; injected by tests. Default: fetch, status must be 200. */
  fetchText?: (url: string, signal: AbortSignal) => Promise<string>;
}

/** Windows kept per level: the three compared and the one being filled (as level.ts). */
const RING = 4;

/** perf_analyzer takes the URL without a scheme; http:// is what it means. */
export function metricsHref(url: string): string {
  return /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
}

async function defaultFetch(url: string, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return body;
}

export class MetricsCollector {
  readonly #href: string;
  readonly #fetch: (url: string, signal: AbortSignal) => Promise<string>;
  readonly #ring = Array.from({ length: RING }, () => new MetricsAccumulator());
  /** Every window of the current level (the confidence stop rule reports them all). */
  readonly #level = new MetricsAccumulator();
  #current: MetricsAccumulator | undefined;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #warned = new Set<string>();
  /** Failures over the whole run, for the closing warning. */
  failures = 0;

  constructor(private readonly options: CollectorOptions) {
    this.#href = metricsHref(options.url);
    this.#fetch = options.fetchText ?? defaultFetch;
  }

  /** Begins scraping; scrapes outside an open window are discarded. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Opens window `trial` of the level (0 starts a new level). */
  open(trial: number): void {
    if (trial === 0) this.#level.reset();
    const acc = this.#ring[trial % RING];
    acc.reset();
    this.#current = acc;
  }

  pause(): void {
    this.#current = undefined;
  }

  /** Merged metrics of windows first..last of the level (all of them when the ring is short). */
  merged(first: number, last: number): GpuMetrics {
    if (last - first + 1 > RING) return this.#level.result();
    const out = new MetricsAccumulator();
    for (let t = first; t <= last; t++) out.add(this.#ring[t % RING]);
    return out.result();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#loop = undefined;
    if (this.failures > 0) {
      this.options.warn(
        `Warning: ${this.failures} metrics scrape(s) of ${this.#href} failed during the run; ` +
          "GPU metrics were computed from the scrapes that succeeded.",
      );
    }
  }

  async #run(): Promise<void> {
    const { clock, intervalMs } = this.options;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const t0 = clock.nowNs();
      await this.scrapeOnce(signal);
      const tookMs = (clock.nowNs() - t0) / 1e6;
      if (tookMs > intervalMs) {
        this.#warnOnce(
          "slow",
          `Warning: a metrics scrape took ${Math.round(tookMs)} ms, longer than ` +
            `--metrics-interval ${intervalMs} ms; consider a longer interval.`,
        );
      }
      await clock.sleep(Math.max(0, intervalMs - tookMs), signal);
    }
  }

  /** One scrape, filed under the window open when it started. Exposed for tests. */
  async scrapeOnce(signal: AbortSignal = this.#stop.signal): Promise<void> {
    const target = this.#current;
    const level = this.#level;
    try {
      const exposition = parsePrometheus(await this.#fetch(this.#href, signal));
      if (signal.aborted) return;
      for (const name of missingGpuMetrics(exposition)) {
        this.#warnOnce(name, `Warning: metric ${name} not found in the metrics of ${this.#href}.`);
      }
      if (target === undefined) return;
      target.addScrape(exposition);
      level.addScrape(exposition);
    } catch (e) {
      if (signal.aborted) return;
      this.failures++;
      if (target !== undefined) {
        target.failedScrapes++;
        level.failedScrapes++;
      }
      this.#warnOnce(
        "failed",
        `Warning: metrics scrape of ${this.#href} failed (${(e as Error).message}); ` +
          "failed scrapes are counted and the run goes on.",
      );
    }
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.options.warn(message);
  }
}
