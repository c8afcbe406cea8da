/**
 * --report-html: one self-contained page from a run summary. Charts are inline SVG and the
 * style is inline CSS: no script, font or image is fetched, so the file can be mailed, kept as
 * a CI artifact, or opened offline. The same summary always gives the same bytes.
 */
import type { LevelSummary, RunSummary, TokenJson } from "./json.ts";
import { barChart, type BarSeries, lineChart, type LineSeries, type YScale } from "./svg_chart.ts";
import {
  escapeXml,
  ninesScale,
  numberText,
  PALETTE,
  readableText,
  type TimeUnit,
  timeUnit,
  WIDTH,
} from "./svg_frame.ts";

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
/** The per-window series: throughput, latency and errors each keep one colour. */
export const WINDOW_COLORS = { throughput: "#0072b2", latency: "#d55e00", errors: "#cc3311" };
/** Error texts drawn apart in the errors chart; the rest are summed as "other". */
const ERROR_KINDS_DRAWN = 4;
/** A wide chart spans two normal ones and the gap between them. */
const WIDE = 2 * WIDTH + 16;
/** Settings shown in the page header instead of the settings table. */
const RUN_KEYS = ["tool", "commit", "createdAt", "commandLine", "host", "cpu"];

/** The page style, shared with compare's page. */
export const PAGE_STYLE = `
body { font-family: sans-serif; margin: 16px; color: #222; background: #fafafa; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #ddd; background: #fff; }
.chart-title { font-size: 15px; font-weight: bold; }
.tick, .legend-label, .point-label, .marker-label { font-size: 11px; fill: #333; }
.axis-label { font-size: 12px; fill: #333; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; font-size: 13px; }
th { background: #eee; } td.text, th.text { text-align: left; }
.note { color: #666; font-style: italic; }
table.run { margin-bottom: 16px; } table.run td { max-width: 1000px; overflow-wrap: anywhere; }
`;

function loadName(levels: LevelSummary[]): string {
  return levels[0]?.mode === "request_rate" ? "Request rate (req/s)" : "Concurrency";
}

/** A level's short name in legends and labels: "c=4" or "200 req/s". */
function levelName(l: LevelSummary): string {
  return l.mode === "request_rate" ? `${numberText(l.value)} req/s` : `c=${numberText(l.value)}`;
}

/**
 * One colour per level, in sweep order: the palette while it lasts, else a ramp from dark blue
 * to orange so that more load reads as warmer.
 */
export function levelColors(n: number): string[] {
  if (n <= PALETTE.length) return PALETTE.slice(0, n);
  const [a, b] = [[0x0b, 0x3c, 0x8c], [0xe6, 0x7e, 0x00]];
  return Array.from({ length: n }, (_, i) => {
    const t = i / (n - 1);
    return "#" + a.map((v, k) => Math.round(v + (b[k] - v) * t).toString(16).padStart(2, "0"))
      .join("");
  });
}

/** The time unit for a chart or a column, from the largest of its values (in µs). */
function unitOf(valuesUs: (number | null | undefined)[]): TimeUnit {
  return timeUnit(Math.max(0, ...valuesUs.map((v) => v ?? 0)));
}

function inUnit(us: number | null | undefined, unit: TimeUnit): number {
  return (us ?? 0) / unit.perUs;
}

/** Log scale where the values span more than this ratio: a linear axis would flatten the small. */
const LOG_SPREAD = 20;

function autoScale(values: number[]): YScale {
  const positive = values.filter((v) => v > 0);
  return positive.length > 0 && Math.max(...positive) / Math.min(...positive) > LOG_SPREAD
    ? "log"
    : "linear";
}

function latencyChart(levels: LevelSummary[]): string {
  const unit = unitOf(levels.flatMap((l) => LATENCY_SERIES.map((k) => l.latencyUs[k])));
  return lineChart({
    id: "latency-throughput",
    title: "Latency vs throughput",
    xLabel: "Throughput (infer/sec)",
    yLabel: `Latency (${unit.name})`,
    series: LATENCY_SERIES.map((key) => ({
      id: key,
      label: key,
      color: STAT_COLORS[key],
      points: levels.map((l) => ({ x: l.throughput, y: inUnit(l.latencyUs[key], unit) })),
    })),
    pointLabels: levels.map(levelName),
  });
}

/** The whole latency distribution of each level, tail stretched out: where does it bend? */
function spectrumChart(levels: LevelSummary[]): string | undefined {
  const withSpectrum = levels.filter((l) => l.spectrumUs && l.spectrumUs.length > 0);
  if (withSpectrum.length === 0) return undefined;
  const unit = unitOf(withSpectrum.flatMap((l) => l.spectrumUs!.map((p) => p.us)));
  const colors = levelColors(withSpectrum.length);
  return lineChart({
    id: "latency-spectrum",
    title: "Latency by percentile, per level",
    xLabel: "Percentile (nines scale: each step is ten times rarer)",
    yLabel: `Latency (${unit.name}, log scale)`,
    x: ninesScale(),
    y: "log",
    series: withSpectrum.map((l, i) => ({
      id: `level-${numberText(l.value)}`,
      label: levelName(l),
      color: colors[i],
      points: l.spectrumUs!.map((p) => ({ x: p.percentile, y: inUnit(p.us, unit) })),
    })),
  });
}

function percentileChart(levels: LevelSummary[], categories: string[]): string {
  const keys = Object.keys(levels[0]?.latencyUs ?? {}).filter((k) => /^p\d/.test(k));
  const unit = unitOf(levels.flatMap((l) => keys.map((k) => l.latencyUs[k])));
  return barChart({
    id: "latency-percentiles",
    title: "Latency percentiles per level",
    xLabel: loadName(levels),
    yLabel: `Latency (${unit.name})`,
    categories,
    series: keys.map((k) => ({
      id: k,
      label: k,
      color: STAT_COLORS[k],
      values: levels.map((l) => inUnit(l.latencyUs[k], unit)),
    })),
    stacked: false,
  });
}

/**
 * Open loop: latency from the intended send time (what a user of the service waits) against
 * latency from the actual send (what the server took). The gap is the queueing a closed-loop
 * tool would hide.
 */
function openLoopChart(levels: LevelSummary[]): string | undefined {
  const open = levels.filter((l) => l.openLoop);
  if (open.length === 0) return undefined;
  const keys = ["p50", "p99"];
  const pairs = keys.flatMap((k) => [
    { k, dashed: false, get: (l: LevelSummary) => l.latencyUs[k] },
    { k, dashed: true, get: (l: LevelSummary) => l.openLoop!.serviceUs[k] },
  ]);
  const unit = unitOf(open.flatMap((l) => pairs.map((p) => p.get(l))));
  const series: LineSeries[] = pairs.map(({ k, dashed, get }) => ({
    id: `${dashed ? "service" : "intended"}-${k}`,
    label: `${dashed ? "service time" : "from intended send"} ${k}`,
    color: STAT_COLORS[k],
    dashed,
    points: open.map((l) => ({ x: l.value, y: inUnit(get(l), unit) })),
  }));
  const y = autoScale(series.flatMap((s) => s.points.map((p) => p.y)));
  return lineChart({
    id: "open-loop-latency",
    title: "Latency from intended send vs service time",
    xLabel: "Request rate (req/s)",
    yLabel: `Latency (${unit.name}${y === "log" ? ", log scale" : ""})`,
    y,
    series,
  });
}

function latenessChart(levels: LevelSummary[], categories: string[]): string | undefined {
  if (!levels.some((l) => l.openLoop)) return undefined;
  const keys = ["p50", "p99", "max"];
  const unit = unitOf(levels.flatMap((l) => keys.map((k) => l.openLoop?.latenessUs[k])));
  const series: BarSeries[] = keys.map((k) => ({
    id: `lateness-${k}`,
    label: `lateness ${k}`,
    color: STAT_COLORS[k],
    values: levels.map((l) => inUnit(l.openLoop?.latenessUs[k], unit)),
  }));
  // Log: the max is often a hundred times the median, which a linear axis flattens to nothing.
  return barChart({
    id: "send-lateness",
    title: "Send lateness (actual - intended send)",
    xLabel: loadName(levels),
    yLabel: `Lateness (${unit.name}, log scale)`,
    categories,
    series,
    stacked: false,
    y: "log",
  });
}

/** Failed requests per level, split by the most frequent error texts of the run. */
function errorsChart(levels: LevelSummary[], categories: string[]): string | undefined {
  if (!levels.some((l) => l.errorCount > 0)) return undefined;
  const totals = new Map<string, number>();
  for (const l of levels) {
    for (const e of l.errors) totals.set(e.text, (totals.get(e.text) ?? 0) + e.count);
  }
  const kinds = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, ERROR_KINDS_DRAWN).map(([text]) => text);
  const series: BarSeries[] = kinds.map((text, i) => ({
    id: `error-${i + 1}`,
    label: text.length > 48 ? `${text.slice(0, 47)}…` : text,
    color: PALETTE[(i + 3) % PALETTE.length],
    values: levels.map((l) => l.errors.find((e) => e.text === text)?.count ?? 0),
  }));
  const drawn = (c: number) => series.reduce((n, s) => n + s.values[c], 0);
  const other = levels.map((l, c) => l.errorCount - drawn(c));
  if (other.some((n) => n > 0)) {
    series.push({ id: "error-other", label: "other errors", color: "#888888", values: other });
  }
  return barChart({
    id: "errors-per-level",
    title: "Failed requests per level",
    xLabel: loadName(levels),
    yLabel: "Failed requests",
    categories,
    series,
    stacked: true,
  });
}

function breakdownChart(levels: LevelSummary[], categories: string[]): string | undefined {
  if (!levels.some((l) => l.server)) return undefined;
  const keys = [...BREAKDOWN];
  // Cache segments only when the model has a response cache; otherwise they are always 0.
  if (levels.some((l) => (l.server?.avgUs.cacheHit ?? 0) + (l.server?.avgUs.cacheMiss ?? 0))) {
    keys.splice(1, 0, ...CACHE);
  }
  const unit = unitOf(levels.map((l) => l.server?.avgUs.request));
  return barChart({
    id: "server-breakdown",
    title: "Server-side latency breakdown",
    xLabel: loadName(levels),
    yLabel: `Average per request (${unit.name})`,
    categories,
    series: keys.map(([key, label, color]) => ({
      id: key,
      label,
      color,
      values: levels.map((l) => inUnit(l.server?.avgUs[key], unit)),
    })),
    stacked: true,
  });
}

/** Every window of the run on one axis, numbered from 1 across the levels. */
interface WindowRow {
  index: number;
  level: LevelSummary;
  reported: boolean;
  first: boolean;
  w: NonNullable<LevelSummary["windows"]>[number];
}

function windowRows(levels: LevelSummary[]): WindowRow[] {
  const rows: WindowRow[] = [];
  for (const level of levels) {
    const windows = level.windows ?? [];
    const firstReported = windows.length - (level.reportedWindows ?? 0);
    windows.forEach((w, j) => {
      rows.push({ index: rows.length + 1, level, reported: j >= firstReported, first: j === 0, w });
    });
  }
  return rows;
}

/**
 * Throughput, latency and errors of every measurement window: warm-up, stalls and drift show
 * here and nowhere else. Dashed lines start the levels; the shaded windows (filled dots) are the
 * ones each level's numbers merge.
 */
function windowCharts(levels: LevelSummary[]): { charts: string[]; notes: string[] } {
  const rows = windowRows(levels);
  if (rows.length === 0) {
    return { charts: [], notes: ["No window charts: this summary keeps no windows."] };
  }
  const markers = rows.filter((r) => r.first).map((r) => ({
    x: r.index - 0.5,
    label: levelName(r.level),
  }));
  const bands = levels.flatMap((l) => {
    const reported = rows.filter((r) => r.level === l && r.reported);
    return reported.length === 0
      ? []
      : [{ from: reported[0].index - 0.5, to: reported[reported.length - 1].index + 0.5 }];
  });
  const chart = (
    id: string,
    title: string,
    yLabel: string,
    color: string,
    y: (r: WindowRow) => number,
  ) =>
    lineChart({
      id,
      title,
      xLabel: "Measurement window (levels one after another)",
      yLabel,
      width: WIDE,
      markers,
      bands,
      series: [{
        id: id.replace("window-", ""),
        label: `${title.toLowerCase()} (filled: reported windows)`,
        color,
        points: rows.map((r) => ({
          x: r.index,
          y: y(r),
          hollow: !r.reported,
          newSegment: r.first,
        })),
      }],
    });
  const unit = unitOf(rows.map((r) => r.w.avgLatencyUs));
  const charts = [
    chart(
      "window-throughput",
      "Throughput per window",
      "Throughput (infer/sec)",
      WINDOW_COLORS.throughput,
      (r) => r.w.throughput,
    ),
    chart(
      "window-latency",
      "Average latency per window",
      `Latency (${unit.name})`,
      WINDOW_COLORS.latency,
      (r) => inUnit(r.w.avgLatencyUs, unit),
    ),
  ];
  const notes: string[] = [];
  if (rows.some((r) => (r.w.errorCount ?? 0) > 0)) {
    charts.push(
      chart(
        "window-errors",
        "Failed requests per window",
        "Failed requests",
        WINDOW_COLORS.errors,
        (r) => r.w.errorCount ?? 0,
      ),
    );
  } else if (rows.every((r) => r.w.errorCount !== undefined)) {
    notes.push("No failed requests in any window.");
  }
  return { charts, notes };
}

function cell(v: string | number | boolean | null | undefined, text = false): string {
  const shown = typeof v === "number" ? numberText(v) : String(v ?? "");
  return `<td${text ? ' class="text"' : ""}>${escapeXml(shown)}</td>`;
}

function levelsTable(levels: LevelSummary[]): string {
  const keys = Object.keys(levels[0]?.latencyUs ?? {}).filter((k) => k !== "std");
  const unit = unitOf(levels.flatMap((l) => keys.map((k) => l.latencyUs[k])));
  const head = [
    loadName(levels),
    "Throughput (infer/sec)",
    ...keys.map((k) => `${k} (${unit.name})`),
  ]
    .concat("Requests", "Errors", "Status");
  const rows = levels.map((l) =>
    "<tr>" + [
      cell(l.value),
      cell(readableText(l.throughput)),
      ...keys.map((k) =>
        cell(l.latencyUs[k] === null ? "" : readableText(inUnit(l.latencyUs[k], unit)))
      ),
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

/** Labels the camel-case rule below would get wrong. */
const SETTING_LABELS: Record<string, string> = {
  url: "URL",
  cpu: "CPU",
  createdAt: "Created",
  stabilityPercent: "Stability threshold (%)",
  stabilizeOn: "Stabilize on",
  serverStats: "Server statistics",
  commit: "Commit",
};

/** "measurementIntervalMs" → "Measurement interval (ms)": settings keys as words. */
export function settingLabel(key: string): string {
  const known = SETTING_LABELS[key];
  if (known) return known;
  const words = key.replace(/([A-Z])/g, " $1").toLowerCase().split(" ");
  const unit = { ms: "(ms)", us: "(µs)", percent: "(%)" }[words[words.length - 1]];
  if (unit) words[words.length - 1] = unit;
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function settingsTable(summary: RunSummary): string {
  const rows = Object.entries(summary.settings).filter(([k]) => !RUN_KEYS.includes(k)).map((
    [k, v],
  ) => `<tr><th class="text">${escapeXml(settingLabel(k))}</th>${cell(v, true)}</tr>`);
  return `<table class="settings">\n${rows.join("\n")}\n</table>`;
}

/** What made the run: the command, the machine, the build, the time. */
function runHeader(summary: RunSummary): string {
  const s = summary.settings;
  const version = [s.tool, s.commit === undefined ? "" : `commit ${s.commit}`]
    .filter((v) => v !== undefined && v !== "").join(", ");
  const items: [string, string | number | boolean | undefined][] = [
    ["Command", s.commandLine],
    ["Host", s.host],
    ["CPU", s.cpu],
    ["Version", version],
    ["Created", s.createdAt],
  ];
  const rows = items.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) =>
    `<tr><th class="text">${k}</th><td class="text">` +
    (k === "Command" ? `<code>${escapeXml(String(v))}</code>` : escapeXml(String(v))) +
    "</td></tr>"
  );
  return `<table class="run">\n${rows.join("\n")}\n</table>`;
}

/** The whole page. Levels are charted in measured order, the order the sweep raised the load. */
export function formatHtmlReport(summary: RunSummary): string {
  const levels = summary.levels;
  const categories = levels.map((l) => numberText(l.value));
  const model = String(summary.settings.model ?? "");
  const charts = [
    latencyChart(levels),
    spectrumChart(levels),
    percentileChart(levels, categories),
    openLoopChart(levels),
    latenessChart(levels, categories),
    errorsChart(levels, categories),
    breakdownChart(levels, categories),
  ].filter((c): c is string => c !== undefined);
  const notes: string[] = [];
  if (!levels.some((l) => l.spectrumUs)) {
    notes.push("No latency spectrum: this summary has no per-level distribution.");
  }
  if (!levels.some((l) => l.openLoop)) {
    notes.push(
      "No intended-vs-service and send-lateness charts: they exist only in open-loop " +
        "(request-rate) runs.",
    );
  }
  if (!levels.some((l) => l.errorCount > 0)) notes.push("No failed requests at any level.");
  if (!levels.some((l) => l.server)) {
    notes.push("No server-side breakdown: the server reported no statistics for this run.");
  }
  const windows = windowCharts(levels);
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>perf_analyzer report: ${escapeXml(model)}</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    `<h1>perf_analyzer report: model ${escapeXml(model)}</h1>`,
    `<p>${levels.length} level(s) measured</p>`,
    runHeader(summary),
    `<div class="charts">\n${charts.join("\n")}\n</div>`,
    ...notes.map((n) => `<p class="note">${escapeXml(n)}</p>`),
    "<h2>Measurement windows</h2>",
    `<div class="charts">\n${windows.charts.join("\n")}\n</div>`,
    ...windows.notes.map((n) => `<p class="note">${escapeXml(n)}</p>`),
    "<h2>Levels</h2>",
    levelsTable(levels),
    ...tokenTables(levels),
    "<h2>Settings</h2>",
    settingsTable(summary),
    "</body></html>",
    "",
  ].join("\n");
}
