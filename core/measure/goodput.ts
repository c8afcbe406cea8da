/**
 * Goodput: a successful request is good when it meets every service-level target; a failed one
 * never is. Each request is judged once, when it is folded into its window, from the values the
 * token metrics compute for it anyway, so the cost is a few comparisons and one counter; nothing
 * per request is kept. Goodput is good requests per second of the window; attainment is the good
 * share of every request that ended in it, failures included (docs/perf_analyzer.md §7.2).
 */

/** The metrics a target may name: GenAI-Perf's tags, in its display units (ms, tokens/s). */
export const GOODPUT_METRICS = [
  "time_to_first_token",
  "time_to_second_token",
  "inter_token_latency",
  "request_latency",
  "output_token_throughput_per_user",
] as const;
export type GoodputMetric = (typeof GOODPUT_METRICS)[number];

/** One target: a latency at most `value` ms, or a per-user rate at least `value` tokens/s. */
export interface GoodputTarget {
  metric: GoodputMetric;
  value: number;
}

/** Larger is better for a rate; every other metric is a time. */
function largerIsBetter(metric: GoodputMetric): boolean {
  return metric === "output_token_throughput_per_user";
}

/** Targets converted to the units the record carries (ns; tokens/s), checked per request. */
export class GoodputJudge {
  readonly #maxTtft: number;
  readonly #maxTtst: number;
  readonly #maxItl: number;
  readonly #maxLatency: number;

  constructor(readonly targets: readonly GoodputTarget[]) {
    // parseGoodput refuses a metric named twice, so each has one target at most.
    const ns = (metric: GoodputMetric) =>
      (targets.find((t) => t.metric === metric)?.value ?? Infinity) * 1e6;
    this.#maxTtft = ns("time_to_first_token");
    this.#maxTtst = ns("time_to_second_token");
    this.#maxLatency = ns("request_latency");
    // Per-user tokens/s is 1 / ITL: at least r tokens/s is an ITL of at most 1/r s.
    const rate = targets.find((t) => largerIsBetter(t.metric))?.value;
    this.#maxItl = Math.min(ns("inter_token_latency"), rate ? 1e9 / rate : Infinity);
  }

  /**
   * True when the request meets every target. A value the request does not have fails a target
   * set on it (a single-event reply has no time to second token), except the inter-token
   * latency of a one-token reply: it has no decode phase to be slow in, so it passes (as vLLM
   * counts it). Times in ns, NaN when the request has no such value; positional, so judging
   * allocates nothing.
   */
  good(ttftNs: number, ttstNs: number, itlNs: number, latencyNs: number): boolean {
    if (!(latencyNs <= this.#maxLatency)) return false;
    if (this.#maxTtft !== Infinity && !(ttftNs <= this.#maxTtft)) return false;
    if (this.#maxTtst !== Infinity && !(ttstNs <= this.#maxTtst)) return false;
    return this.#maxItl === Infinity || Number.isNaN(itlNs) || itlNs <= this.#maxItl;
  }
}

/** A window's verdicts: good requests (the denominator is the window's requests and errors). */
export interface GoodputStats {
  /** Requests that met every target. */
  good: number;
  /** Requests judged: successful plus failed. */
  judged: number;
  /** good / judged; NaN when nothing ended. */
  attainment: number;
  /** Good requests per second of the window. */
  goodput: number;
  targets: readonly GoodputTarget[];
}

export function goodputStats(
  targets: readonly GoodputTarget[],
  good: number,
  judged: number,
  durationNs: number,
): GoodputStats {
  return {
    good,
    judged,
    attainment: judged > 0 ? good / judged : NaN,
    goodput: durationNs > 0 ? (good * 1e9) / durationNs : 0,
    targets,
  };
}

/**
 * Parses GenAI-Perf's `--goodput` value: `metric:value` pairs separated by spaces (one quoted
 * argument or several). Throws a RangeError naming what is wrong.
 */
export function parseGoodput(text: string): GoodputTarget[] {
  const pairs = text.trim().split(/\s+/).filter((p) => p !== "");
  if (pairs.length === 0) {
    throw new RangeError(
      `expected metric:value pairs, e.g. "time_to_first_token:200 inter_token_latency:20"`,
    );
  }
  const seen = new Set<string>();
  return pairs.map((pair) => {
    const colon = pair.lastIndexOf(":");
    const metric = pair.slice(0, colon);
    const raw = pair.slice(colon + 1);
    if (colon <= 0 || !(GOODPUT_METRICS as readonly string[]).includes(metric)) {
      throw new RangeError(
        `"${pair}": the metric must be one of ${GOODPUT_METRICS.join(", ")}, then ":" and a value`,
      );
    }
    const value = Number(raw);
    if (raw === "" || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`"${pair}": the value must be a number above 0`);
    }
    if (seen.has(metric)) throw new RangeError(`"${metric}" is given twice`);
    seen.add(metric);
    return { metric: metric as GoodputMetric, value };
  });
}
