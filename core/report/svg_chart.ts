/**
 * Line and bar charts as inline SVG. Each series is one `<g data-series="...">` holding one
 * mark per point (`data-x`/`data-y` or `data-category`/`data-value`), so a test or a script
 * can read the plotted numbers back from the page.
 */
import {
  colorOf,
  escapeXml,
  type Frame,
  frameOf,
  frameStart,
  legend,
  legendRows,
  linearScale,
  logScale,
  numberText,
  px,
  type Scale,
  xPixel,
  xTicks,
  yPixel,
} from "./svg_frame.ts";

export interface Point {
  x: number;
  y: number;
  /** Drawn as a ring instead of a dot (e.g. a window the level's numbers do not merge). */
  hollow?: boolean;
  /** The line breaks before this point (e.g. the first window of the next level). */
  newSegment?: boolean;
}

export interface LineSeries {
  /** Goes into data-series: short and stable ("p99"). */
  id: string;
  label: string;
  /** CSS colour; default: the palette's colour for the series' position. */
  color?: string;
  /** A dashed line, to pair with a solid one of the same colour. */
  dashed?: boolean;
  points: Point[];
}

export interface ChartText {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
}

/** Linear axes start at 0, so a chart never exaggerates a small difference. */
export type YScale = "linear" | "log";

export interface LineChart extends ChartText {
  series: LineSeries[];
  /** Default: linear from 0 to the largest x. */
  x?: Scale;
  y?: YScale;
  /** Names of the last series' points (the load levels): that series is drawn on top. */
  pointLabels?: string[];
  width?: number;
  /** Vertical dashed lines at these x values, labelled above the plot (where a level starts). */
  markers?: { x: number; label: string }[];
  /** Shaded spans of x, behind the lines (the windows each level's numbers merge). */
  bands?: { from: number; to: number }[];
}

function seriesOpen(id: string, count: number): string {
  return `<g class="series" data-series="${escapeXml(id)}" data-points="${count}">`;
}

function yScaleOf(kind: YScale | undefined, values: number[]): Scale {
  return kind === "log" ? logScale(values) : linearScale(Math.max(0, ...values));
}

/** About 6 px per character of an 11 px label. */
function textWidth(text: string): number {
  return text.length * 6;
}

function markerLines(frame: Frame, x: Scale, markers: { x: number; label: string }[]): string[] {
  const out: string[] = [];
  let free = -Infinity;
  for (const m of markers) {
    const at = xPixel(frame, x, m.x);
    out.push(
      `<line x1="${px(at)}" y1="${frame.plot.top}" x2="${px(at)}" y2="${frame.plot.bottom}" ` +
        `stroke="#999999" stroke-dasharray="3 3" class="marker"/>`,
    );
    // Above the plot, clear of every line; a label that would run into the one before is left
    // out (its level still has its line, and the table names it).
    if (at + 3 < free) continue;
    out.push(
      `<text x="${px(at + 3)}" y="${frame.plot.top - 5}" class="marker-label">` +
        `${escapeXml(m.label)}</text>`,
    );
    free = at + 3 + textWidth(m.label) + 6;
  }
  return out;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * Labels above and to the left of their points, ending there: the line into a point comes from
 * below on the left as latency rises with load, and the line out leaves to the right, so the
 * label crosses neither. At the left edge it goes below and to the right instead. A white halo
 * keeps it legible where another series passes, and a label that would cover one already set
 * (points crowded where the load saturates) is left out: the table names every level.
 */
function pointLabels(frame: Frame, points: [number, number][], labels: string[]): string[] {
  const out: string[] = [];
  const taken: Box[] = [];
  labels.slice(0, points.length).forEach((label, j) => {
    const [x, y] = points[j];
    const w = textWidth(label);
    const left = x - 5 - w >= frame.plot.left;
    const [tx, ty, anchor] = left ? [x - 5, y - 8, "end"] : [x + 6, y + 15, "start"];
    const box = { x0: left ? tx - w : tx, y0: ty - 10, x1: left ? tx : tx + w, y1: ty + 2 };
    if (taken.some((t) => overlaps(t, box))) return;
    taken.push(box);
    out.push(
      `<text x="${px(tx)}" y="${px(ty)}" text-anchor="${anchor}" class="point-label" ` +
        `paint-order="stroke" stroke="#ffffff" stroke-width="3">${escapeXml(label)}</text>`,
    );
  });
  return out;
}

export function lineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points);
  const x = chart.x ?? linearScale(Math.max(0, ...all.map((p) => p.x)));
  const y = yScaleOf(chart.y, all.map((p) => p.y));
  const width = chart.width;
  const frame = frameOf(width, legendRows(chart.series, width));
  const out = frameStart({ ...chart, y, frame });
  for (const b of chart.bands ?? []) {
    // Kept inside the plot: the last window's band may end past the axis' last tick.
    const x0 = Math.max(frame.plot.left, xPixel(frame, x, b.from));
    const x1 = Math.min(frame.plot.right, xPixel(frame, x, b.to));
    out.push(
      `<rect x="${px(x0)}" y="${frame.plot.top}" width="${px(x1 - x0)}" ` +
        `height="${frame.plot.bottom - frame.plot.top}" fill="#0072b2" fill-opacity="0.07" ` +
        `class="band"/>`,
    );
  }
  out.push(...xTicks(frame, x), ...markerLines(frame, x, chart.markers ?? []));
  chart.series.forEach((s, i) => {
    const color = colorOf(s, i);
    const coords = s.points.map((p) => [xPixel(frame, x, p.x), yPixel(frame, y, p.y)]);
    const segments: string[][] = [];
    s.points.forEach((p, j) => {
      if (j === 0 || p.newSegment) segments.push([]);
      segments[segments.length - 1].push(`${px(coords[j][0])},${px(coords[j][1])}`);
    });
    out.push(seriesOpen(s.id, s.points.length));
    const dash = s.dashed ? ' stroke-dasharray="6 3"' : "";
    for (const seg of segments) {
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} ` +
          `points="${seg.join(" ")}"/>`,
      );
    }
    s.points.forEach((p, j) => {
      const fill = p.hollow
        ? `fill="#ffffff" stroke="${color}" stroke-width="1.5"`
        : `fill="${color}"`;
      out.push(
        `<circle cx="${px(coords[j][0])}" cy="${px(coords[j][1])}" r="3.5" ${fill} ` +
          `data-x="${numberText(p.x)}" data-y="${numberText(p.y)}"><title>` +
          `${escapeXml(s.label)}: ${numberText(p.y)} at ${numberText(p.x)}</title></circle>`,
      );
    });
    out.push("</g>");
  });
  const top = chart.series[chart.series.length - 1]?.points ?? [];
  const at = top.map((p): [number, number] => [xPixel(frame, x, p.x), yPixel(frame, y, p.y)]);
  out.push(...pointLabels(frame, at, chart.pointLabels ?? []));
  out.push(...legend(chart.series, frame), "</svg>");
  return out.join("\n");
}

export interface BarSeries {
  id: string;
  label: string;
  color?: string;
  /** One value per category. */
  values: number[];
}

export interface BarChart extends ChartText {
  categories: string[];
  series: BarSeries[];
  /** Stacked: one bar per category made of the series; grouped: one bar per series. */
  stacked: boolean;
  /** "log" for grouped bars whose values span decades (a stack has no log form). */
  y?: YScale;
  width?: number;
}

function barTops(chart: BarChart): number[] {
  if (!chart.stacked) return chart.series.flatMap((s) => s.values);
  return chart.categories.map((_, c) =>
    chart.series.reduce((sum, s) => sum + Math.max(0, s.values[c] ?? 0), 0)
  );
}

export function barChart(chart: BarChart): string {
  const y = yScaleOf(chart.stacked ? "linear" : chart.y, barTops(chart));
  const frame = frameOf(chart.width, legendRows(chart.series, chart.width));
  const { plot } = frame;
  const out = frameStart({ ...chart, y, frame });
  const slot = (plot.right - plot.left) / Math.max(1, chart.categories.length);
  const n = chart.stacked ? 1 : Math.max(1, chart.series.length);
  const barWidth = (slot * 0.8) / n;
  chart.categories.forEach((cat, c) => {
    out.push(
      `<text x="${px(plot.left + slot * (c + 0.5))}" y="${plot.bottom + 16}" ` +
        `text-anchor="middle" class="tick">${escapeXml(cat)}</text>`,
    );
  });
  const stackBase = chart.categories.map(() => 0);
  chart.series.forEach((s, i) => {
    out.push(seriesOpen(s.id, chart.categories.length));
    chart.categories.forEach((cat, c) => {
      const v = Math.max(0, s.values[c] ?? 0);
      const x = plot.left + slot * (c + 0.1) + (chart.stacked ? 0 : i * barWidth);
      const base = chart.stacked ? stackBase[c] : 0;
      // On a log axis a bar grows from the bottom of the axis; 0 has no bar.
      const y0 = chart.stacked || chart.y !== "log" ? yPixel(frame, y, base) : plot.bottom;
      const y1 = v > 0 ? yPixel(frame, y, base + v) : y0;
      stackBase[c] = base + v;
      out.push(
        `<rect x="${px(x)}" y="${px(y1)}" width="${px(barWidth)}" height="${px(y0 - y1)}" ` +
          `fill="${colorOf(s, i)}" data-category="${escapeXml(cat)}" ` +
          `data-value="${numberText(v)}"><title>${escapeXml(cat)}, ${escapeXml(s.label)}: ` +
          `${numberText(v)}</title></rect>`,
      );
    });
    out.push("</g>");
  });
  out.push(...legend(chart.series, frame), "</svg>");
  return out.join("\n");
}
