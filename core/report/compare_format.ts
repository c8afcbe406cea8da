/** The text `compare` prints: one block of rows per matched level, then unmatched levels. */
import type { CompareOptions, Comparison, MetricDelta } from "./compare.ts";
import type { LevelSummary } from "./json.ts";

function levelName(mode: LevelSummary["mode"], value: number): string {
  return mode === "concurrency" ? `concurrency ${value}` : `request rate ${value}`;
}

function num(v: number | undefined): string {
  if (v === undefined) return "-";
  return v.toFixed(2);
}

function pct(v: number | undefined): string {
  if (v === undefined) return "n/a";
  return `${v >= 0 ? "+" : ""}${v.toFixed(1)}%`;
}

function noise(m: MetricDelta): string {
  return m.noisePct === undefined ? "noise unknown" : `noise ±${m.noisePct.toFixed(1)}%`;
}

function flag(m: MetricDelta, o: CompareOptions): string {
  if (m.withinNoise) return `  within noise (${noise(m)})`;
  if (!m.regression) return "";
  return m.metric === "throughput"
    ? `  REGRESSION (drop over ${o.maxThroughputDropPct}%, ${noise(m)})`
    : `  REGRESSION (rise over ${o.maxLatencyRisePct}%, ${noise(m)})`;
}

function metricLabel(m: MetricDelta): string {
  const name = m.metric === "throughput" ? "infer/sec" : `${m.metric} usec`;
  return m.gated ? `${name} *` : name;
}

export function formatComparison(
  c: Comparison,
  o: CompareOptions,
  names: { a: string; b: string },
): string {
  const out = [
    `A (baseline): ${names.a}`,
    `B:            ${names.b}`,
    `Gates (*): throughput may drop at most ${o.maxThroughputDropPct}%, ${o.percentile} ` +
    `latency may rise at most ${o.maxLatencyRisePct}%; a change inside the 95% noise band ` +
    "of both runs' windows is not a regression",
  ];
  for (const d of c.settingDiffs) out.push(`WARNING: settings differ, ${d}`);
  out.push("");
  const rows: string[][] = [["Level", "Metric", "A", "B", "Delta"]];
  const flags: string[] = [""];
  for (const l of c.matched) {
    l.metrics.forEach((m, i) => {
      rows.push([
        i === 0 ? levelName(l.mode, l.value) : "",
        metricLabel(m),
        num(m.a),
        num(m.b),
        pct(m.deltaPct),
      ]);
      flags.push(flag(m, o));
    });
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  rows.forEach((r, i) => {
    const cells = r.map((cell, col) =>
      col < 2 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])
    );
    out.push((cells.join("  ") + flags[i]).trimEnd());
  });
  if (c.matched.length === 0) out.push("(no level is in both files)");
  for (const l of c.onlyA) {
    out.push(`Only in A: ${levelName(l.mode, l.value)} (not measured in B)  REGRESSION`);
  }
  for (const l of c.onlyB) out.push(`Only in B: ${levelName(l.mode, l.value)} (new in B)`);
  out.push(
    "",
    (c.regressionCount === 0
      ? "Result: within thresholds"
      : `Result: ${c.regressionCount} regression(s)`) +
      (c.withinNoiseCount === 0 ? "" : `; ${c.withinNoiseCount} change(s) within noise`),
  );
  return out.join("\n") + "\n";
}
