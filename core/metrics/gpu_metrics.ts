/**
 * The GPU numbers --collect-metrics reports (docs/perf_analyzer.md §2.12), and how scrapes fold
 * into them: over the reported windows, utilization and power are the mean of every scrape, used
 * memory is the maximum, total memory is the first value seen. Sums and counts are kept (not means)
 * so windows merge exactly, whatever number of scrapes each one got.
 */
import type { Exposition } from "./prometheus.ts";

/** The Triton metric names perf_analyzer reads, keyed by `gpu_uuid` (docs/protocols.md §3). */
export const GPU_METRIC_NAMES = [
  "nv_gpu_utilization",
  "nv_gpu_power_usage",
  "nv_gpu_memory_used_bytes",
  "nv_gpu_memory_total_bytes",
] as const;

/** A level's merged GPU metrics; every map is keyed by GPU uuid. */
export interface GpuMetrics {
  /** Mean of nv_gpu_utilization, a fraction 0..1 (the console prints it ×100 as a percentage). */
  utilization: Map<string, number>;
  /** Mean of nv_gpu_power_usage, watts. */
  powerWatts: Map<string, number>;
  /** Max of nv_gpu_memory_used_bytes. */
  memoryUsedBytes: Map<string, number>;
  /** First nv_gpu_memory_total_bytes seen. */
  memoryTotalBytes: Map<string, number>;
  /** Scrapes that landed in the reported windows, and those that failed. */
  scrapes: number;
  failedScrapes: number;
}

interface Mean {
  sum: number;
  n: number;
}

/** The scrapes of one window (or of a whole level), mergeable with others. */
export class MetricsAccumulator {
  readonly utilization = new Map<string, Mean>();
  readonly power = new Map<string, Mean>();
  readonly memoryUsed = new Map<string, number>();
  readonly memoryTotal = new Map<string, number>();
  scrapes = 0;
  failedScrapes = 0;

  reset(): void {
    this.utilization.clear();
    this.power.clear();
    this.memoryUsed.clear();
    this.memoryTotal.clear();
    this.scrapes = 0;
    this.failedScrapes = 0;
  }

  /** Folds one successful scrape in; samples without a gpu_uuid label are not GPU samples. */
  addScrape(e: Exposition): void {
    this.scrapes++;
    for (const s of e.samples) {
      const uuid = s.labels.get("gpu_uuid");
      if (uuid === undefined) continue;
      switch (s.name) {
        case "nv_gpu_utilization":
          addMean(this.utilization, uuid, s.value, 1);
          break;
        case "nv_gpu_power_usage":
          addMean(this.power, uuid, s.value, 1);
          break;
        case "nv_gpu_memory_used_bytes":
          this.memoryUsed.set(uuid, Math.max(this.memoryUsed.get(uuid) ?? -Infinity, s.value));
          break;
        case "nv_gpu_memory_total_bytes":
          if (!this.memoryTotal.has(uuid)) this.memoryTotal.set(uuid, s.value);
          break;
      }
    }
  }

  /** Adds a later window's scrapes (so "first total" stays the earliest window's). */
  add(other: MetricsAccumulator): void {
    for (const [k, m] of other.utilization) addMean(this.utilization, k, m.sum, m.n);
    for (const [k, m] of other.power) addMean(this.power, k, m.sum, m.n);
    for (const [k, v] of other.memoryUsed) {
      this.memoryUsed.set(k, Math.max(this.memoryUsed.get(k) ?? -Infinity, v));
    }
    for (const [k, v] of other.memoryTotal) {
      if (!this.memoryTotal.has(k)) this.memoryTotal.set(k, v);
    }
    this.scrapes += other.scrapes;
    this.failedScrapes += other.failedScrapes;
  }

  result(): GpuMetrics {
    const means = (m: Map<string, Mean>) => new Map([...m].map(([k, v]) => [k, v.sum / v.n]));
    return {
      utilization: means(this.utilization),
      powerWatts: means(this.power),
      memoryUsedBytes: new Map(this.memoryUsed),
      memoryTotalBytes: new Map(this.memoryTotal),
      scrapes: this.scrapes,
      failedScrapes: this.failedScrapes,
    };
  }
}

function addMean(m: Map<string, Mean>, key: string, sum: number, n: number): void {
  const cur = m.get(key);
  if (cur) {
    cur.sum += sum;
    cur.n += n;
  } else m.set(key, { sum, n });
}

/** The GPU metric names a scrape lacks (no sample with a gpu_uuid label). */
export function missingGpuMetrics(e: Exposition): string[] {
  const seen = new Set<string>();
  for (const s of e.samples) if (s.labels.has("gpu_uuid")) seen.add(s.name);
  return GPU_METRIC_NAMES.filter((n) => !seen.has(n));
}
