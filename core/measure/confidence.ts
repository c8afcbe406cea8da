/**
 * Confidence intervals for the statistical stopping rule (--stop-rule confidence). A level may
 * stop once the interval around the latency it reports is narrow enough, instead of waiting for
 * three windows to agree. Modelled on MLPerf LoadGen's early stopping, which also bounds a
 * latency percentile with order statistics and a binomial model.
 */
import type { LatencyHistogram } from "./histogram.ts";

/** Two-sided 99 % normal quantile. */
export const Z_99 = 2.5758293035489;

export interface Interval {
  /** What the interval is for: a percentile (1..99) or -1 for the mean. */
  percentile: number;
  lowNs: number;
  highNs: number;
  /** The estimate itself (the percentile value or the mean). */
  estimateNs: number;
  samples: number;
}

/**
 * 0-based ranks bounding the q-quantile with ~99 % confidence: the count of samples below the
 * true quantile is Binomial(n, q), approximated by a normal. Undefined when n is too small for
 * the interval to fall inside the sample (no honest interval yet).
 */
export function quantileRanks(n: number, q: number, z = Z_99): [number, number] | undefined {
  const spread = z * Math.sqrt(n * q * (1 - q));
  const low = Math.floor(n * q - spread) - 1;
  const high = Math.ceil(n * q + spread) - 1;
  if (low < 0 || high > n - 1) return undefined;
  return [low, high];
}

/** The 99 % interval of the percentile (or of the mean when percentile is -1). */
export function latencyInterval(h: LatencyHistogram, percentile: number): Interval | undefined {
  const n = h.count;
  if (n < 2) return undefined;
  if (percentile === -1) {
    const half = (Z_99 * h.std) / Math.sqrt(n);
    return {
      percentile,
      lowNs: h.mean - half,
      highNs: h.mean + half,
      estimateNs: h.mean,
      samples: n,
    };
  }
  const ranks = quantileRanks(n, percentile / 100);
  if (!ranks) return undefined;
  return {
    percentile,
    lowNs: h.atRank(ranks[0]),
    highNs: h.atRank(ranks[1]),
    estimateNs: h.percentile(percentile),
    samples: n,
  };
}

/** Narrow enough: the whole interval lies within ± threshold of the estimate. */
export function intervalWithin(iv: Interval, threshold: number): boolean {
  const bound = threshold * iv.estimateNs;
  return iv.estimateNs - iv.lowNs <= bound && iv.highNs - iv.estimateNs <= bound;
}
