/**
 * --report-html: one self-contained page from a run summary. Charts are inline SVG and the
 * style is inline CSS: no script, font or image is fetched, so the file can be mailed, kept as
 * a CI artifact, or opened offline. The same summary always gives the same bytes.
 */
import type { LevelSummary, RunSummary, TokenJson } from "./json.ts";
import { barChart, type BarSeries, lineChart } from "./svg_chart.ts";
import { escapeXml, numberText } from "./svg_frame.ts";

const LATENCY_SERIES = ["avg", "p50", "p90", "p99"];
/** One colour per statistic in every chart, so p99 looks the same everywhere. */
export const STAT_COLORS: Record<string, string> = {
  avg: "#555555",
  p50: "#0072b2",
  p90: "#009e73",
  p95: "#e69f00",
  p99: "#d55e00",
  max: "#cc79a7",
};
type BreakdownKey = keyof NonNullable<LevelSummary["server"]>["avgUs"];
/** Segments bottom to top, with colours of their own (none is also a statistic's colour). */
export const BREAKDOWN: [BreakdownKey, string, string][] = [
  ["queue", "queue", "#88ccee"],
  ["computeInput", "compute input", "#ddcc77"],
  ["computeInfer", "compute infer", "#332288"],
  ["computeOutput", "compute output", "#117733"],
  ["overhead", "overhead", "#aa4499"],
];
const CACHE: [BreakdownKey, string, string][] = [
  ["cacheHit", "cache hit", "#44aa99"],
  ["cacheMiss", "cache miss", "#882255"],
];

const STYLE = `
body { font-family: sans-serif; margin: 16px; color: #222; background: #fafafa; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; background: #fff; }
.chart-title { font-size: 15px; font-weight: bold; }
.tick, .legend-label, .point-label { font-size: 11px; fill: #333; }
.axis-label { font-size: 12px; fill: #333; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; font-size: 13px; }
th { background: #eee; } td.text, th.text { text-align: left; }
.note { color: #666; font-style: italic; }
`;

function loadName(levels: LevelSummary[]): string {
  return levels[0]?.mode === "request_rate" ? "Request rate (req/s)" : "Concurrency";
}

function latencyChart(levels: LevelSummary[], categories: string[]): string {
  const rate = levels[0]?.mode === "request_rate";
  return lineChart(
    {
      id: "latency-throughput",
      title: "Latency vs throughput",
      xLabel: "Throughput (infer/sec)",
      yLabel: "Latency (µs)",
    },
    LATENCY_SERIES.map((key) => ({
      id: key,
      label: key,
      color: STAT_COLORS[key],
      points: levels.map((l) => ({ x: l.throughput, y: l.latencyUs[key] ?? 0 })),
    })),
    categories.map((c) => rate ? `${c} req/s` : `c=${c}`),
  );
}

function percentileChart(levels: LevelSummary[], categories: string[]): string {
  const keys = Object.keys(levels[0]?.latencyUs ?? {}).filter((k) => /^p\d/.test(k));
  return barChart({
    id: "latency-percentiles",
    title: "Latency percentiles per level",
    xLabel: loadName(levels),
    yLabel: "Latency (µs)",
    categories,
    series: keys.map((k) => ({
      id: k,
      label: k,
      color: STAT_COLORS[k],
      values: levels.map((l) => l.latencyUs[k] ?? 0),
    })),
    stacked: false,
  });
}

function latenessChart(levels: LevelSummary[], categories: string[]): string | undefined {
  if (!levels.some((l) => l.openLoop)) return undefined;
  const series: BarSeries[] = ["p50", "p99", "max"].map((k) => ({
    id: `lateness-${k}`,
    label: `lateness ${k}`,
    color: STAT_COLORS[k],
    values: levels.map((l) => l.openLoop?.latenessUs[k] ?? 0),
  }));
  return barChart({
    id: "send-lateness",
    title: "Send lateness (actual - intended send)",
    xLabel: loadName(levels),
    yLabel: "Lateness (µs)",
    categories,
    series,
    stacked: false,
  });
}

function breakdownChart(levels: LevelSummary[], categories: string[]): string | undefined {
  if (!levels.some((l) => l.server)) return undefined;
  const keys = [...BREAKDOWN];
  // Cache segments only when the model has a response cache; otherwise they are always 0.
  if (levels.some((l) => (l.server?.avgUs.cacheHit ?? 0) + (l.server?.avgUs.cacheMiss ?? 0))) {
    keys.splice(1, 0, ...CACHE);
  }
  return barChart({
    id: "server-breakdown",
    title: "Server-side latency breakdown",
    xLabel: loadName(levels),
    yLabel: "Average per request (µs)",
    categories,
    series: keys.map(([key, label, color]) => ({
      id: key,
      label,
      color,
      values: levels.map((l) => l.server?.avgUs[key] ?? 0),
    })),
    stacked: true,
  });
}

function cell(v: string | number | boolean | null | undefined, text = false): string {
  const shown = typeof v === "number" ? numberText(v) : String(v ?? "");
  return `<td${text ? ' class="text"' : ""}>${escapeXml(shown)}</td>`;
}

function levelsTable(levels: LevelSummary[]): string {
  const keys = Object.keys(levels[0]?.latencyUs ?? {}).filter((k) => k !== "std");
  const head = [loadName(levels), "Throughput (infer/sec)", ...keys.map((k) => `${k} (µs)`)]
    .concat("Requests", "Errors", "Status");
  const rows = levels.map((l) =>
    "<tr>" + [
      cell(l.value),
      cell(l.throughput),
      ...keys.map((k) => cell(l.latencyUs[k])),
      cell(l.requestCount),
      cell(l.errorCount),
      cell(l.status, true),
    ].join("") + "</tr>"
  );
  return `<table class="levels"><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join("")}` +
    `</tr>\n${rows.join("\n")}</table>`;
}

/** GenAI-Perf's statistics columns, as the console table shows them. */
const TOKEN_COLUMNS = ["avg", "min", "max", "p99", "p90", "p75"];

function isDistribution(v: unknown): v is TokenJson {
  return typeof v === "object" && v !== null && "count" in v;
}

/** One table per level with token metrics: a row per metric, then the throughputs. */
function tokenTables(levels: LevelSummary[]): string[] {
  const withTokens = levels.filter((l) => l.tokens !== undefined);
  if (withTokens.length === 0) return [];
  const head = ["Metric", "Unit", ...TOKEN_COLUMNS].map((h) => `<th>${escapeXml(h)}</th>`);
  const out = ["<h2>Token metrics</h2>"];
  for (const l of withTokens) {
    const rows: string[] = [];
    for (const [name, v] of Object.entries(l.tokens!)) {
      if (isDistribution(v)) {
        const values = TOKEN_COLUMNS.map((c) => cell(v[c] ?? "N/A"));
        rows.push(`<tr>${cell(name, true)}${cell(v.unit, true)}${values.join("")}</tr>`);
      } else if (typeof v === "object" && "unit" in v) {
        rows.push(`<tr>${cell(name, true)}${cell(v.unit, true)}${cell(v.avg)}</tr>`);
      }
    }
    out.push(
      `<h3>${escapeXml(loadName(levels))} ${escapeXml(numberText(l.value))}</h3>`,
      `<table class="tokens"><tr>${head.join("")}</tr>\n${rows.join("\n")}</table>`,
    );
  }
  return out;
}

function settingsTable(summary: RunSummary): string {
  const rows = Object.entries(summary.settings).map(([k, v]) =>
    `<tr><th class="text">${escapeXml(k)}</th>${cell(v, true)}</tr>`
  );
  return `<table class="settings">\n${rows.join("\n")}\n</table>`;
}

/** The whole page. Levels are charted in measured order, the order the sweep raised the load. */
export function formatHtmlReport(summary: RunSummary): string {
  const levels = summary.levels;
  const categories = levels.map((l) => numberText(l.value));
  const model = String(summary.settings.model ?? "");
  const charts = [
    latencyChart(levels, categories),
    percentileChart(levels, categories),
    latenessChart(levels, categories),
    breakdownChart(levels, categories),
  ].filter((c): c is string => c !== undefined);
  const notes: string[] = [];
  if (!levels.some((l) => l.openLoop)) {
    notes.push("No send-lateness chart: lateness exists only in open-loop (request-rate) runs.");
  }
  if (!levels.some((l) => l.server)) {
    notes.push("No server-side breakdown: the server reported no statistics for this run.");
  }
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>perf_analyzer report: ${escapeXml(model)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>perf_analyzer report: model ${escapeXml(model)}</h1>`,
    `<p>${levels.length} level(s) measured, ${escapeXml(String(summary.settings.tool ?? ""))}, ` +
    `${escapeXml(String(summary.settings.createdAt ?? ""))}</p>`,
    `<div class="charts">\n${charts.join("\n")}\n</div>`,
    ...notes.map((n) => `<p class="note">${escapeXml(n)}</p>`),
    "<h2>Levels</h2>",
    levelsTable(levels),
    ...tokenTables(levels),
    "<h2>Settings</h2>",
    settingsTable(summary),
    "</body></html>",
    "",
  ].join("\n");
}
