/**
 * --threshold: pass/fail gates checked at the end of the run, as k6 users expect of a CI step.
 * Each names a client metric, a comparison and a value ("p99<5ms", "error_rate<=1%",
 * "throughput>=2000"); every reported level must meet every gate, or the run exits with
 * {@link ExitCode.ThresholdFailed} after its report and files are written.
 */
import { UsageError } from "../errors.ts";
import { type LevelResult, SPECTRUM_PERCENTILES } from "../measure/results.ts";

/** The percentiles every level computes: the report's and the spectrum's. */
const KNOWN_PERCENTILES = new Set([50, 90, 95, 99, ...SPECTRUM_PERCENTILES]);

type Op = "<" | "<=" | ">" | ">=";

export interface Threshold {
  /** As given, for the report. */
  text: string;
  metric: "latency" | "throughput" | "error_rate";
  /** For latency: "avg" or a percentile such as 99. */
  stat: "avg" | number;
  op: Op;
  /** Latency in ns, throughput in infer/sec, error rate in percent. */
  value: number;
}

const LATENCY_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };
const FORM = /^\s*([a-z_]+|p\d+(?:\.\d+)?)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*([a-zµ%/]*)\s*$/;

function fail(text: string, why: string): never {
  throw new UsageError(
    `Failed to parse --threshold. ${why} Got "${text}". Forms: avg|pNN<number><ns|us|ms|s>, ` +
      "throughput>=<infer/sec>, error_rate<<percent>% (with <, <=, > or >=).",
  );
}

/** Parses one --threshold value; throws a UsageError naming the problem. */
export function parseThreshold(text: string): Threshold {
  const m = FORM.exec(text);
  if (m === null) fail(text, "It must be <metric><comparison><value>.");
  const [, name, op, number, unit] = m;
  const value = Number(number);
  if (name === "throughput") {
    if (unit !== "" && unit !== "/s") fail(text, "Throughput is in infer/sec: no unit, or /s.");
    return { text, metric: "throughput", stat: "avg", op: op as Op, value };
  }
  if (name === "error_rate") {
    if (unit !== "%") fail(text, "The error rate is a percentage: end it with %.");
    return { text, metric: "error_rate", stat: "avg", op: op as Op, value };
  }
  const pct = name === "avg" ? undefined : /^p(\d+(?:\.\d+)?)$/.exec(name)?.[1];
  if (name !== "avg" && (pct === undefined || !KNOWN_PERCENTILES.has(Number(pct)))) {
    const known = [...KNOWN_PERCENTILES].filter((p) => p > 0 && p < 100).sort((a, b) => a - b);
    fail(
      text,
      `Unknown metric "${name}": use avg, ${known.map((p) => `p${p}`).join(", ")}, ` +
        "throughput or error_rate.",
    );
  }
  const scale = LATENCY_UNITS[unit];
  if (scale === undefined) fail(text, "A latency needs a unit: ns, us, ms or s.");
  return {
    text,
    metric: "latency",
    stat: pct === undefined ? "avg" : Number(pct),
    op: op as Op,
    value: value * scale,
  };
}

function holds(actual: number, op: Op, limit: number): boolean {
  if (op === "<") return actual < limit;
  if (op === "<=") return actual <= limit;
  if (op === ">") return actual > limit;
  return actual >= limit;
}

/** A level's value of the threshold's metric, in the threshold's own scale. */
function measured(t: Threshold, level: LevelResult): number | undefined {
  const c = level.client;
  if (t.metric === "throughput") return c.throughput;
  if (t.metric === "error_rate") {
    const total = c.requestCount + c.errorCount;
    return total === 0 ? undefined : (100 * c.errorCount) / total;
  }
  if (t.stat === "avg") return c.avgLatencyNs;
  const pct = t.stat;
  return c.percentilesNs.get(pct) ?? c.spectrumNs?.find((s) => s.percentile === pct)?.ns;
}

function shown(t: Threshold, v: number): string {
  if (t.metric === "throughput") return `${v.toFixed(1)} infer/sec`;
  if (t.metric === "error_rate") return `${v.toFixed(2)}%`;
  return `${Math.round(v / 1e3)} usec`;
}

export interface ThresholdVerdict {
  lines: string[];
  failed: number;
}

/**
 * Checks every threshold on every level: one line each, PASS or FAIL with the measured value.
 * A level without the value (no request, or a percentile it did not compute) fails.
 */
export function checkThresholds(
  thresholds: readonly Threshold[],
  levels: readonly LevelResult[],
  levelName: (l: LevelResult) => string,
): ThresholdVerdict {
  const lines = ["Thresholds:"];
  let failed = 0;
  for (const level of levels) {
    for (const t of thresholds) {
      const v = measured(t, level);
      const ok = v !== undefined && holds(v, t.op, t.value);
      if (!ok) failed++;
      const got = v === undefined ? "no value" : shown(t, v);
      lines.push(`  ${ok ? "PASS" : "FAIL"}  ${levelName(level)}: ${t.text} (measured ${got})`);
    }
  }
  if (levels.length === 0) {
    failed += thresholds.length;
    lines.push("  FAIL  no level was measured");
  }
  return { lines, failed };
}
