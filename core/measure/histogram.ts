/**
 * Latency distribution with bounded memory: an HDR histogram (WebAssembly, ~20 ns a value
 * measured here) for percentiles, plus exact running moments (Welford) so the mean and the
 * standard deviation are exact, as perf_analyzer's are, while percentiles carry the histogram's
 * 3-significant-digit precision (≤ 0.1 % error) instead of needing every sample in memory.
 */
import * as hdr from "hdr-histogram-js";

await hdr.initWebAssembly();

/** One hour in ns: anything slower is recorded as one hour (and still counted exactly). */
const MAX_TRACKABLE_NS = 3_600_000_000_000;

export class LatencyHistogram {
  #h = hdr.build({
    useWebAssembly: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_TRACKABLE_NS,
    numberOfSignificantValueDigits: 3,
  });
  #count = 0;
  #mean = 0;
  #m2 = 0;
  #min = Infinity;
  #max = -Infinity;

  get count(): number {
    return this.#count;
  }

  /** Exact arithmetic mean in ns. */
  get mean(): number {
    return this.#mean;
  }

  /** Exact sample standard deviation (n − 1) in ns; NaN below two samples. */
  get std(): number {
    return this.#count < 2 ? NaN : Math.sqrt(this.#m2 / (this.#count - 1));
  }

  /** Exact smallest value recorded (as given, before clamping); 0 when empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** Exact largest value recorded (as given, before clamping); 0 when empty. */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }

  record(ns: number): void {
    if (ns < this.#min) this.#min = ns;
    if (ns > this.#max) this.#max = ns;
    const v = ns < 0 ? 0 : ns > MAX_TRACKABLE_NS ? MAX_TRACKABLE_NS : Math.round(ns);
    this.#h.recordValue(v);
    this.#count++;
    const delta = ns - this.#mean;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (ns - this.#mean);
  }

  /**
   * perf_analyzer's percentile rule (docs/perf_analyzer.md §2.5): sorted[floor(p/100 × (n − 1) +
   * 0.5)]. The 0-based rank r is the (r + 1)-th smallest value, which HDR finds at percentile
   * (r + 1) / n; HDR rounds its count target to the nearest integer, so float error cannot
   * move it to a neighbouring rank.
   */
  percentile(p: number): number {
    return this.atRank(Math.floor((p / 100) * (this.#count - 1) + 0.5));
  }

  /** The (rank + 1)-th smallest value (0-based rank, clamped to the samples held). */
  atRank(rank: number): number {
    if (this.#count === 0) return 0;
    const r = Math.min(Math.max(rank, 0), this.#count - 1);
    return this.#h.getValueAtPercentile(((r + 1) / this.#count) * 100);
  }

  /** Adds another histogram's samples (exact for the moments, bucket-exact for percentiles). */
  add(other: LatencyHistogram): void {
    if (other.#count === 0) return;
    this.#h.add(other.#h);
    const n = this.#count + other.#count;
    const delta = other.#mean - this.#mean;
    this.#m2 += other.#m2 + (delta * delta * this.#count * other.#count) / n;
    this.#mean += (delta * other.#count) / n;
    this.#count = n;
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  reset(): void {
    this.#h.reset();
    this.#count = 0;
    this.#mean = 0;
    this.#m2 = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
  }

  /** Frees the WebAssembly memory; the histogram must not be used afterwards. */
  destroy(): void {
    this.#h.destroy();
  }
}
