/**
 * How much two runs of the same build can differ by chance, from the spread of the windows each
 * level's numbers merge. A reported number is the mean of its windows, so the difference of two
 * runs has a Welch confidence interval; a change inside it is noise, however far past a gate.
 * Two back-to-back runs on a busy machine differ by 10-15 % in throughput; their windows differ
 * as much, which is what this reads.
 */
import type { LevelSummary } from "./json.ts";

/** Student's t, 97.5th percentile (two-sided 95 %), for 1..30 degrees of freedom. */
const T_975 = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];

/** t for `df` degrees of freedom, rounded down (wider, so never over-confident). */
function tQuantile(df: number): number {
  const whole = Math.max(1, Math.floor(df));
  return T_975[Math.min(whole, T_975.length) - 1];
}

function meanAndVariance(xs: number[]): [number, number] {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const ss = xs.reduce((s, x) => s + (x - mean) ** 2, 0);
  return [mean, ss / (xs.length - 1)];
}

/**
 * Half-width of the 95 % interval of mean(b) − mean(a) (Welch), or undefined with fewer than
 * two samples on a side.
 */
export function welchHalfWidth(a: number[], b: number[]): number | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const [, va] = meanAndVariance(a);
  const [, vb] = meanAndVariance(b);
  const sa = va / a.length;
  const sb = vb / b.length;
  if (sa + sb === 0) return 0;
  const df = (sa + sb) ** 2 / (sa ** 2 / (a.length - 1) + sb ** 2 / (b.length - 1));
  return tQuantile(df) * Math.sqrt(sa + sb);
}

type WindowKey = "throughput" | "avgLatencyUs" | "stabilizingLatencyUs";

/** The windows the level's reported numbers merge, one value of each. */
function reported(l: LevelSummary, key: WindowKey): number[] {
  const w = l.windows ?? [];
  return w.slice(w.length - (l.reportedWindows ?? 0)).map((x) => x[key]);
}

/**
 * The noise of a metric between two levels, in percent of A's mean: the Welch half-width of
 * the metric's windows. Latency statistics no window records (p99 when stability was judged on
 * the average) borrow the relative noise of the average latency: an approximation, as tails
 * move more than means. Undefined when either side has fewer than two reported windows.
 */
export function noisePct(
  a: LevelSummary,
  b: LevelSummary,
  metric: string,
  stabilizeOn: string | undefined,
): number | undefined {
  const key: WindowKey = metric === "throughput"
    ? "throughput"
    : metric === stabilizeOn
    ? "stabilizingLatencyUs"
    : "avgLatencyUs";
  const wa = reported(a, key);
  const hw = welchHalfWidth(wa, reported(b, key));
  if (hw === undefined) return undefined;
  const [mean] = meanAndVariance(wa);
  return mean === 0 ? undefined : (hw / mean) * 100;
}
