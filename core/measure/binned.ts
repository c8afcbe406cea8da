/**
 * Means by power-of-two bins of a key, for plots of one quantity against another (time to first
 * token against input length, the gap between tokens against token position) without keeping a
 * pair per request: two fixed arrays, filled as requests are folded, merged like histograms.
 */

/** Bin i holds keys in [2^i, 2^(i+1)); bin 0 also holds 0. Keys past the last bin go in it. */
export const BINS = 24;

/** One non-empty bin: its key range, how many values, their mean (in the divisor's unit). */
export interface Bin {
  from: number;
  to: number;
  count: number;
  avg: number;
}

export class BinnedMean {
  readonly #count = new Float64Array(BINS);
  readonly #sum = new Float64Array(BINS);

  /** Adds `value` under the integer `key` (>= 0). */
  record(key: number, value: number): void {
    // clz32 reads 32 bits: keys from the last bin's start on are placed before it is asked.
    const i = key < 1 ? 0 : key >= 2 ** (BINS - 1) ? BINS - 1 : 31 - Math.clz32(key);
    this.#count[i]++;
    this.#sum[i] += value;
  }

  add(other: BinnedMean): void {
    for (let i = 0; i < BINS; i++) {
      this.#count[i] += other.#count[i];
      this.#sum[i] += other.#sum[i];
    }
  }

  reset(): void {
    this.#count.fill(0);
    this.#sum.fill(0);
  }

  /** The non-empty bins in key order, means divided by `divisor` (1e6: ns to ms). */
  bins(divisor: number): Bin[] {
    const out: Bin[] = [];
    for (let i = 0; i < BINS; i++) {
      const n = this.#count[i];
      if (n === 0) continue;
      out.push({
        from: i === 0 ? 0 : 2 ** i,
        to: 2 ** (i + 1) - 1,
        count: n,
        avg: this.#sum[i] / n / divisor,
      });
    }
    return out;
  }
}
