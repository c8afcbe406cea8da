/**
 * --generate-plots: <artifact dir>/plots.html, the plots GenAI-Perf draws that the run's data
 * supports without a record per request: latency against throughput across the levels of a
 * sweep, time to first token against input length and the time per token against its position
 * in the output (means over power-of-two bins the token metrics fill as requests are folded),
 * and the distributions of time to first token, inter-token latency and request latency (their
 * percentiles, p1 to p99), and time to first token and requests in flight over time, one point
 * per measurement window (the engine's window summaries: no record per request is kept). Each
 * level's GenAI-Perf table follows the plots.
 */
import type { LevelResult, PassSummary } from "../../../core/measure/results.ts";
import type { Bin } from "../../../core/measure/binned.ts";
import { ALL_TOKEN_PERCENTILES, type TokenStat } from "../../../core/measure/tokens.ts";
import { lineChart, type LineSeries } from "../../../core/report/svg_chart.ts";
import { escapeXml, logScale } from "../../../core/report/svg_frame.ts";
import { PAGE_STYLE } from "../../../core/report/html.ts";
import { formatConsole, loadLabel } from "./report.ts";
import type { ProfileOptions } from "./options.ts";

/** A bin's place on a log axis: the middle of its key range. */
function middle(b: Bin): number {
  return (b.from + b.to) / 2;
}

function binChart(
  id: string,
  title: string,
  xLabel: string,
  yLabel: string,
  levels: LevelResult[],
  bins: (l: LevelResult) => Bin[] | undefined,
): string | undefined {
  const series: LineSeries[] = levels.flatMap((l) => {
    const b = bins(l) ?? [];
    return b.length === 0 ? [] : [{
      id: `${l.value}`,
      label: loadLabel(l),
      points: b.map((x) => ({ x: middle(x), y: x.avg })),
    }];
  });
  if (series.length === 0) return undefined;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  return lineChart({ id, title, xLabel, yLabel, series, x: logScale(xs) });
}

/** Latency against output token throughput, one point per level (a sweep's curve). */
function sweepChart(levels: LevelResult[]): string | undefined {
  const points = levels.filter((l) => l.client.tokens !== undefined);
  if (points.length === 0) return undefined;
  const at = (stat: (l: LevelResult) => TokenStat, p: number) =>
    points.map((l) => ({
      x: l.client.tokens!.outputTokenThroughput,
      y: stat(l).percentiles.get(p) ?? 0,
    }));
  return lineChart({
    id: "latency-throughput",
    title: "Latency against throughput across the levels",
    xLabel: "output token throughput (tokens/s)",
    yLabel: "ms",
    series: [
      {
        id: "latency-p50",
        label: "request latency p50",
        points: at((l) => l.client.tokens!.requestLatency, 50),
      },
      {
        id: "ttft-p99",
        label: "TTFT p99",
        dashed: true,
        points: at((l) => l.client.tokens!.timeToFirstToken, 99),
      },
      {
        id: "ttft-p50",
        label: "TTFT p50",
        points: at((l) => l.client.tokens!.timeToFirstToken, 50),
      },
    ],
    pointLabels: points.map((l) => loadLabel(l)),
  });
}

/** A metric's percentiles p1 ... p99, one curve per level. */
function distributionChart(
  id: string,
  title: string,
  levels: LevelResult[],
  stat: (l: LevelResult) => TokenStat | undefined,
): string | undefined {
  const series: LineSeries[] = levels.flatMap((l) => {
    const s = stat(l);
    if (s === undefined || s.count === 0) return [];
    const points = ALL_TOKEN_PERCENTILES.map((p) => ({ x: p, y: s.percentiles.get(p) ?? 0 }));
    return [{ id: `${l.value}`, label: loadLabel(l), points }];
  });
  if (series.length === 0) return undefined;
  return lineChart({ id, title, xLabel: "percentile", yLabel: "ms", series });
}

/** Every window of the run, numbered from 1 across the levels (they run one after another). */
interface WindowPoint {
  index: number;
  level: LevelResult;
  pass: PassSummary;
  /** One of the windows the level's numbers merge. */
  reported: boolean;
}

function windowPoints(levels: LevelResult[]): WindowPoint[] {
  const out: WindowPoint[] = [];
  for (const level of levels) {
    const firstReported = level.passes.length - level.reportedPasses;
    level.passes.forEach((pass, j) => {
      out.push({
        index: out.length + 1,
        level,
        pass,
        reported: j >= firstReported,
      });
    });
  }
  return out;
}

/**
 * A quantity per measurement window over the run: windows are consecutive (each
 * --measurement-interval long in time-window mode), so their order is the time axis. Dashed
 * lines start the levels; shaded windows (filled dots) are those the level's table merges.
 */
function windowChart(
  id: string,
  title: string,
  yLabel: string,
  levels: LevelResult[],
  y: (p: PassSummary) => number | undefined,
): string | undefined {
  const rows = windowPoints(levels).filter((r) => y(r.pass) !== undefined);
  if (rows.length === 0) return undefined;
  // A level's first window with a value (a window without successes has no TTFT).
  const first = (i: number) => i === 0 || rows[i - 1].level !== rows[i].level;
  const bands = levels.flatMap((l) => {
    const reported = rows.filter((r) => r.level === l && r.reported);
    return reported.length === 0
      ? []
      : [{ from: reported[0].index - 0.5, to: reported[reported.length - 1].index + 0.5 }];
  });
  return lineChart({
    id,
    title,
    xLabel: "measurement window (levels one after another)",
    yLabel,
    markers: rows.filter((_, i) => first(i)).map((r) => ({
      x: r.index - 0.5,
      label: loadLabel(r.level),
    })),
    bands,
    series: [{
      id: id.replace(/-over-time$/, ""),
      label: `${title.toLowerCase()} (filled: reported windows)`,
      points: rows.map((r, i) => ({
        x: r.index,
        y: y(r.pass)!,
        hollow: !r.reported,
        newSegment: first(i),
      })),
    }],
  });
}

export function formatPlots(levels: LevelResult[], o: ProfileOptions): string {
  const t = (l: LevelResult) => l.client.tokens;
  const charts = [
    sweepChart(levels),
    binChart(
      "ttft-input-length",
      "Time to first token against input length",
      "input tokens (bins of powers of two)",
      "mean TTFT (ms)",
      levels,
      (l) => t(l)?.ttftByInputLength,
    ),
    binChart(
      "token-gap-position",
      "Time per token against its position in the output",
      "output token position (bins of powers of two)",
      "mean gap per token (ms)",
      levels,
      (l) => t(l)?.tokenGapByPosition,
    ),
    windowChart(
      "ttft-over-time",
      "Time to first token over time",
      "median TTFT of the window (ms)",
      levels,
      (p) => p.p50TtftNs === undefined ? undefined : p.p50TtftNs / 1e6,
    ),
    // Little's law: the mean number in flight is the completion rate times the mean latency.
    windowChart(
      "in-flight-over-time",
      "Requests in flight over time",
      "mean requests in flight (completions/s × mean latency)",
      levels,
      (p) => p.throughput * p.avgLatencyNs / 1e9,
    ),
    distributionChart(
      "ttft-distribution",
      "Time to first token",
      levels,
      (l) => t(l)?.timeToFirstToken,
    ),
    distributionChart(
      "itl-distribution",
      "Inter-token latency",
      levels,
      (l) => t(l)?.interTokenLatency,
    ),
    distributionChart(
      "latency-distribution",
      "Request latency",
      levels,
      (l) => t(l)?.requestLatency,
    ),
  ].filter((c): c is string => c !== undefined);
  const tables = levels.map((l) => `<pre>${escapeXml(formatConsole(l, o))}</pre>`);
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>GenAI-Perf profile: ${escapeXml(o.model)}</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    `<h1>profile: model ${escapeXml(o.model)}</h1>`,
    `<p>${levels.length} level(s) measured</p>`,
    `<div class="charts">\n${charts.join("\n")}\n</div>`,
    ...tables,
    "</body></html>",
    "",
  ].join("\n");
}
