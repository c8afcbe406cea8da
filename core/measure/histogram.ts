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
const SIGNIFICANT_DIGITS = 3;

/** The settings every histogram is built with; two encoded histograms add only when equal. */
export const HISTOGRAM_SETTINGS = Object.freeze({
  lowest: 1,
  highest: MAX_TRACKABLE_NS,
  digits: SIGNIFICANT_DIGITS,
});

/**
 * A histogram as text, for another process to add: HDR's compressed base64 for the buckets
 * and the exact moments beside it (the buckets alone would round the mean and std).
 */
export interface EncodedHistogram {
  hdr: string;
  count: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

export class LatencyHistogram {
  #h = hdr.build({
    useWebAssembly: true,
    lowestDiscernibleValue: HISTOGRAM_SETTINGS.lowest,
    highestTrackableValue: HISTOGRAM_SETTINGS.highest,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
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
    this.#addMoments(other.#count, other.#mean, other.#m2, other.#min, other.#max);
  }

  /** The buckets and exact moments, for {@link addEncoded} in another process. */
  encode(): EncodedHistogram {
    return {
      hdr: this.#count === 0 ? "" : hdr.encodeIntoCompressedBase64(this.#h),
      count: this.#count,
      mean: this.#mean,
      m2: this.#m2,
      min: this.min,
      max: this.max,
    };
  }

  /**
   * Adds an encoded histogram: the same result as {@link add} of the histogram encoded. With
   * `buckets` false only the exact moments are added (count, mean, std, min, max): decoding
   * the buckets is most of the cost, and a caller that reads no percentile can skip it.
   */
  addEncoded(e: EncodedHistogram, buckets = true): void {
    if (e.count === 0) return;
    if (buckets) {
      const decoded = hdr.decodeFromCompressedBase64(e.hdr, 32, true);
      try {
        this.#h.add(decoded);
      } finally {
        decoded.destroy();
      }
    }
    this.#addMoments(e.count, e.mean, e.m2, e.min, e.max);
  }

  /** Chan's parallel formula: the moments of the union of two sample sets, exactly. */
  #addMoments(count: number, mean: number, m2: number, min: number, max: number): void {
    const n = this.#count + count;
    const delta = mean - this.#mean;
    this.#m2 += m2 + (delta * delta * this.#count * count) / n;
    this.#mean += (delta * count) / n;
    this.#count = n;
    if (min < this.#min) this.#min = min;
    if (max > this.#max) this.#max = max;
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
