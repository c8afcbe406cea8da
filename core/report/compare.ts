/**
 * `compare A.json B.json`: matches the levels of two run summaries by load mode and value and
 * computes, per level, the change of throughput and latency from A (the baseline) to B. Two
 * thresholds make it a CI gate: a throughput drop or a latency rise (of one chosen statistic)
 * beyond them is a regression, and so is a level A measured that B did not.
 */
import type { LevelSummary, RunSummary } from "./json.ts";
import { noisePct } from "./compare_noise.ts";

export interface CompareOptions {
  /** Largest allowed throughput drop, percent of A. */
  maxThroughputDropPct: number;
  /** Largest allowed rise of the gated latency, percent of A. */
  maxLatencyRisePct: number;
  /** The gated latency statistic: "avg" or "pNN". */
  percentile: string;
}

/** Statistics shown for every matched level; the gated one is added when it is not listed. */
export const SHOWN_LATENCIES = ["avg", "p50", "p90", "p95", "p99"];

export interface MetricDelta {
  /** "throughput" or a latency key ("avg", "p99"). */
  metric: string;
  a: number | undefined;
  b: number | undefined;
  /** (b − a) / a × 100; undefined when a is 0 or either side is missing. */
  deltaPct: number | undefined;
  /** 95 % noise band of the change, percent of A, from both runs' windows (compare_noise.ts). */
  noisePct: number | undefined;
  /** Set on the gated metrics only: past the threshold and outside the noise band. */
  regression: boolean;
  /** Past the threshold but inside the noise band: the runs cannot tell it from chance. */
  withinNoise: boolean;
  gated: boolean;
}

export interface LevelComparison {
  mode: LevelSummary["mode"];
  value: number;
  metrics: MetricDelta[];
}

export interface Comparison {
  matched: LevelComparison[];
  /** Levels only the baseline has: a regression (B did not reach or did not measure them). */
  onlyA: LevelSummary[];
  /** Levels only B has: listed, not a regression. */
  onlyB: LevelSummary[];
  /** Run settings whose values differ ("batchSize: 1 → 4"); the numbers may not be comparable. */
  settingDiffs: string[];
  regressionCount: number;
  /** Gated changes past their threshold but inside the noise band (not regressions). */
  withinNoiseCount: number;
}

function key(l: LevelSummary): string {
  return `${l.mode}:${l.value}`;
}

function deltaPct(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || a === 0) return undefined;
  return ((b - a) / a) * 100;
}

function latency(l: LevelSummary, stat: string): number | undefined {
  const v = l.latencyUs[stat];
  return typeof v === "number" ? v : undefined;
}

/** A metric's row; `past` says whether its change went past its gate. */
function delta(
  metric: string,
  va: number | undefined,
  vb: number | undefined,
  gated: boolean,
  past: (d: number) => boolean,
  noise: number | undefined,
): MetricDelta {
  const d = deltaPct(va, vb);
  const over = gated && d !== undefined && past(d);
  const noisy = over && noise !== undefined && Math.abs(d) <= noise;
  return {
    metric,
    a: va,
    b: vb,
    deltaPct: d,
    noisePct: noise,
    gated,
    regression: over && !noisy,
    withinNoise: noisy,
  };
}

function compareLevel(
  a: LevelSummary,
  b: LevelSummary,
  o: CompareOptions,
  stabilizeOn: string | undefined,
): LevelComparison {
  const metrics: MetricDelta[] = [
    delta(
      "throughput",
      a.throughput,
      b.throughput,
      true,
      (d) => -d > o.maxThroughputDropPct,
      noisePct(a, b, "throughput", stabilizeOn),
    ),
  ];
  const stats = SHOWN_LATENCIES.includes(o.percentile)
    ? SHOWN_LATENCIES
    : [...SHOWN_LATENCIES, o.percentile];
  for (const stat of stats) {
    const va = latency(a, stat);
    const vb = latency(b, stat);
    if (va === undefined && vb === undefined) continue;
    const gated = stat === o.percentile;
    const noise = gated ? noisePct(a, b, stat, stabilizeOn) : undefined;
    metrics.push(delta(stat, va, vb, gated, (d) => d > o.maxLatencyRisePct, noise));
  }
  return { mode: a.mode, value: a.value, metrics };
}

/** Settings that change what the numbers mean; a difference is printed as a warning. */
const COMPARABLE_SETTINGS = ["model", "batchSize", "protocol", "loadMode", "serviceKind"];

export function compareSummaries(a: RunSummary, b: RunSummary, o: CompareOptions): Comparison {
  const inB = new Map(b.levels.map((l) => [key(l), l]));
  const on = a.settings.stabilizeOn;
  const stabilizeOn = typeof on === "string" ? on : undefined;
  const inA = new Set(a.levels.map(key));
  const matched: LevelComparison[] = [];
  const onlyA: LevelSummary[] = [];
  for (const la of a.levels) {
    const lb = inB.get(key(la));
    if (lb) matched.push(compareLevel(la, lb, o, stabilizeOn));
    else onlyA.push(la);
  }
  const onlyB = b.levels.filter((l) => !inA.has(key(l)));
  const settingDiffs = COMPARABLE_SETTINGS
    .filter((s) => a.settings[s] !== b.settings[s])
    .map((s) => `${s}: ${a.settings[s] ?? "(unset)"} → ${b.settings[s] ?? "(unset)"}`);
  const regressionCount = onlyA.length +
    matched.reduce((n, l) => n + l.metrics.filter((m) => m.regression).length, 0);
  const withinNoiseCount = matched.reduce(
    (n, l) => n + l.metrics.filter((m) => m.withinNoise).length,
    0,
  );
  return { matched, onlyA, onlyB, settingDiffs, regressionCount, withinNoiseCount };
}

/** True when some level of the file lacks the statistic the gate needs. */
export function missingStatistic(s: RunSummary, stat: string): LevelSummary | undefined {
  return s.levels.find((l) => latency(l, stat) === undefined);
}
