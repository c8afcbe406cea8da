/**
 * `compare --report-html FILE`: the two runs on one page. Latency against throughput with A
 * solid and B dashed in the same colours, throughput per matched level side by side, and the
 * comparison table with each gate's verdict (regression, within noise, or fine). Inline SVG and
 * CSS only, like --report-html, so the page works offline and as a CI artifact.
 */
import type { CompareOptions, Comparison, MetricDelta } from "./compare.ts";
import type { LevelSummary, RunSummary } from "./json.ts";
import { barChart, lineChart, type LineSeries } from "./svg_chart.ts";
import { escapeXml, numberText } from "./svg_frame.ts";
import { PAGE_STYLE, STAT_COLORS } from "./html.ts";

const OVERLAID = ["avg", "p99"];

function overlay(levels: LevelSummary[], run: "A" | "B"): LineSeries[] {
  return OVERLAID.map((stat) => ({
    id: `${run.toLowerCase()}-${stat}`,
    label: `${run} ${stat}`,
    color: STAT_COLORS[stat],
    dashed: run === "B",
    points: levels.map((l) => ({ x: l.throughput, y: l.latencyUs[stat] ?? 0 })),
  }));
}

function levelName(mode: LevelSummary["mode"], value: number): string {
  return mode === "concurrency" ? `c=${numberText(value)}` : `${numberText(value)} req/s`;
}

function verdict(m: MetricDelta): string {
  if (m.regression) return "REGRESSION";
  if (m.withinNoise) return "within noise";
  return m.gated ? "ok" : "";
}

function cells(values: (string | number | undefined)[]): string {
  return values.map((v) =>
    `<td>${escapeXml(typeof v === "number" ? numberText(v) : v ?? "-")}</td>`
  ).join("");
}

function table(c: Comparison): string {
  const head = ["Level", "Metric", "A", "B", "Delta", "Noise", "Verdict"]
    .map((h) => `<th>${h}</th>`).join("");
  const rows = c.matched.flatMap((l) =>
    l.metrics.map((m, i) =>
      `<tr class="${m.regression ? "regression" : ""}">` + cells([
        i === 0 ? levelName(l.mode, l.value) : "",
        `${m.metric}${m.gated ? " *" : ""}`,
        m.a,
        m.b,
        m.deltaPct === undefined ? "n/a" : `${m.deltaPct >= 0 ? "+" : ""}${m.deltaPct.toFixed(1)}%`,
        m.noisePct === undefined ? "" : `±${m.noisePct.toFixed(1)}%`,
        verdict(m),
      ]) + "</tr>"
    )
  );
  return `<table class="levels"><tr>${head}</tr>\n${rows.join("\n")}</table>`;
}

export function formatComparisonHtml(
  a: RunSummary,
  b: RunSummary,
  c: Comparison,
  o: CompareOptions,
  names: { a: string; b: string },
): string {
  // Each matched level's throughput row holds both runs' values, in the table's order.
  const throughput = (run: "a" | "b") =>
    c.matched.map((l) => l.metrics.find((m) => m.metric === "throughput")?.[run] ?? 0);
  const charts = [
    lineChart({
      id: "compare-latency",
      title: "Latency vs throughput (A solid, B dashed)",
      xLabel: "Throughput (infer/sec)",
      yLabel: "Latency (µs)",
      series: [...overlay(a.levels, "A"), ...overlay(b.levels, "B")],
    }),
    barChart({
      id: "compare-throughput",
      title: "Throughput per level",
      xLabel: "Level",
      yLabel: "infer/sec",
      categories: c.matched.map((l) => levelName(l.mode, l.value)),
      series: [
        { id: "a", label: "A", color: STAT_COLORS.p50, values: throughput("a") },
        { id: "b", label: "B", color: STAT_COLORS.p95, values: throughput("b") },
      ],
      stacked: false,
    }),
  ];
  const result = c.regressionCount === 0
    ? "within thresholds"
    : `${c.regressionCount} regression(s)`;
  const unmatched = [
    ...c.onlyA.map((l) => `Only in A: ${levelName(l.mode, l.value)} (a regression)`),
    ...c.onlyB.map((l) => `Only in B: ${levelName(l.mode, l.value)}`),
    ...c.settingDiffs.map((d) => `Settings differ: ${d}`),
  ];
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    "<title>perf_analyzer compare</title>",
    `<style>${PAGE_STYLE} tr.regression td { background: #fde0dc; }</style></head><body>`,
    "<h1>perf_analyzer compare</h1>",
    `<p>A (baseline): ${escapeXml(names.a)}<br>B: ${escapeXml(names.b)}</p>`,
    `<p>Gates (*): throughput may drop at most ${o.maxThroughputDropPct}%, ${
      escapeXml(o.percentile)
    } latency may rise at most ${o.maxLatencyRisePct}%; a change inside the 95% noise band ` +
    "of both runs' windows is not a regression.</p>",
    `<p class="result">Result: ${escapeXml(result)}</p>`,
    `<div class="charts">\n${charts.join("\n")}\n</div>`,
    ...unmatched.map((u) => `<p class="note">${escapeXml(u)}</p>`),
    "<h2>Levels</h2>",
    table(c),
    "</body></html>",
    "",
  ].join("\n");
}
