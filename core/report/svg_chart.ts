/**
 * Line and bar charts as inline SVG. Each series is one `<g data-series="...">` holding one
 * mark per point (`data-x`/`data-y` or `data-category`/`data-value`), so a test or a script
 * can read the plotted numbers back from the page.
 */
import {
  colorOf,
  escapeXml,
  frameStart,
  legend,
  niceTicks,
  numberText,
  PLOT,
  px,
  yPixel,
} from "./svg_frame.ts";

export interface Point {
  x: number;
  y: number;
}

export interface LineSeries {
  /** Goes into data-series: short and stable ("p99"). */
  id: string;
  label: string;
  /** CSS colour; default: the palette's colour for the series' position. */
  color?: string;
  points: Point[];
}

export interface ChartText {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
}

function seriesOpen(id: string, count: number): string {
  return `<g class="series" data-series="${escapeXml(id)}" data-points="${count}">`;
}

/**
 * Both axes start at 0, so a chart never exaggerates a small difference. `pointLabels` name
 * the points (the load levels) above the last series, which is drawn on top.
 */
export function lineChart(
  text: ChartText,
  series: LineSeries[],
  pointLabels: string[] = [],
): string {
  const all = series.flatMap((s) => s.points);
  const xTicks = niceTicks(Math.max(0, ...all.map((p) => p.x)));
  const yTicks = niceTicks(Math.max(0, ...all.map((p) => p.y)));
  const xMax = xTicks[xTicks.length - 1];
  const yMax = yTicks[yTicks.length - 1];
  const xPixel = (v: number) => PLOT.left + (v / xMax) * (PLOT.right - PLOT.left);
  const out = frameStart({ ...text, yTicks });
  for (const t of xTicks) {
    out.push(
      `<text x="${px(xPixel(t))}" y="${PLOT.bottom + 16}" text-anchor="middle" class="tick">` +
        `${numberText(t)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = colorOf(s, i);
    const coords = s.points.map((p) => `${px(xPixel(p.x))},${px(yPixel(p.y, yMax))}`);
    out.push(seriesOpen(s.id, s.points.length));
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.join(" ")}"/>`,
    );
    s.points.forEach((p, j) => {
      const [cx, cy] = coords[j].split(",");
      out.push(
        `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${color}" data-x="${numberText(p.x)}" ` +
          `data-y="${numberText(p.y)}"><title>${escapeXml(s.label)}: ` +
          `${numberText(p.y)} at ${numberText(p.x)}</title></circle>`,
      );
    });
    out.push("</g>");
  });
  const top = series[series.length - 1]?.points ?? [];
  pointLabels.slice(0, top.length).forEach((label, j) => {
    const x = xPixel(top[j].x);
    // Near the right edge the label ends at its point instead of running off the chart.
    const anchor = x > PLOT.right - 40 ? "end" : "middle";
    out.push(
      `<text x="${px(x)}" y="${px(yPixel(top[j].y, yMax) - 8)}" ` +
        `text-anchor="${anchor}" class="point-label">${escapeXml(label)}</text>`,
    );
  });
  out.push(...legend(series), "</svg>");
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
}

function barTop(chart: BarChart): number {
  const totals = chart.categories.map((_, c) =>
    chart.stacked
      ? chart.series.reduce((sum, s) => sum + (s.values[c] ?? 0), 0)
      : Math.max(0, ...chart.series.map((s) => s.values[c] ?? 0))
  );
  return Math.max(0, ...totals);
}

export function barChart(chart: BarChart): string {
  const yTicks = niceTicks(barTop(chart));
  const yMax = yTicks[yTicks.length - 1];
  const out = frameStart({ ...chart, yTicks });
  const slot = (PLOT.right - PLOT.left) / Math.max(1, chart.categories.length);
  const n = chart.stacked ? 1 : Math.max(1, chart.series.length);
  const barWidth = (slot * 0.8) / n;
  chart.categories.forEach((cat, c) => {
    out.push(
      `<text x="${px(PLOT.left + slot * (c + 0.5))}" y="${PLOT.bottom + 16}" ` +
        `text-anchor="middle" class="tick">${escapeXml(cat)}</text>`,
    );
  });
  const stackBase = chart.categories.map(() => 0);
  chart.series.forEach((s, i) => {
    out.push(seriesOpen(s.id, chart.categories.length));
    chart.categories.forEach((cat, c) => {
      const v = Math.max(0, s.values[c] ?? 0);
      const x = PLOT.left + slot * (c + 0.1) + (chart.stacked ? 0 : i * barWidth);
      const base = chart.stacked ? stackBase[c] : 0;
      const y0 = yPixel(base, yMax);
      const y1 = yPixel(base + v, yMax);
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
  out.push(...legend(chart.series), "</svg>");
  return out.join("\n");
}
