/**
 * The parts every report chart shares: escaping, number text, time units, axis scales (linear
 * from 0, logarithmic, and the percentile "nines" scale), the plot frame with its grid and
 * labels, and the legend. The charts are plain SVG strings so the HTML report needs no script
 * and no network, and so tests can read them as text.
 */

/** Escapes text for HTML and SVG, in element content and in quoted attributes alike. */
export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A value as a label: six significant digits at most, no float noise (0.30000000000000004). */
export function numberText(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/**
 * A value for people to read: four significant digits, but never fewer than the integer part
 * has (12345.6 → "12346", 273.345 → "273.3", 1.23456 → "1.235").
 */
export function readableText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const digits = Math.abs(v) < 1 ? 4 : Math.max(0, 4 - Math.floor(Math.log10(Math.abs(v))) - 1);
  return numberText(Number(v.toFixed(Math.min(digits, 6))));
}

/** A coordinate, to a tenth of a pixel: enough for a screen, and the same text every run. */
export function px(v: number): string {
  return v.toFixed(1);
}

/** A time unit for a chart or a table column: values are divided by `perUs` µs. */
export interface TimeUnit {
  name: "µs" | "ms" | "s";
  perUs: number;
}

/**
 * The unit that keeps the largest value readable: µs below 10 ms, ms below 10 s, else s. One
 * chart (or column) uses one unit, chosen from its own data.
 */
export function timeUnit(maxUs: number): TimeUnit {
  if (maxUs >= 10_000_000) return { name: "s", perUs: 1_000_000 };
  if (maxUs >= 10_000) return { name: "ms", perUs: 1000 };
  return { name: "µs", perUs: 1 };
}

/** Series colours, by position; picked to stay apart for the common kinds of colour blindness. */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9"];

export const WIDTH = 560;
export const HEIGHT = 340;
/** The plot area of a chart of the default size. */
export const PLOT = { left: 70, right: 544, top: 40, bottom: 262 };
/** Extra height per further legend row. */
export const LEGEND_ROW = 16;

/** A chart's size and plot area: wider charts keep the margins, more legend rows add height. */
export interface Frame {
  width: number;
  height: number;
  plot: typeof PLOT;
}

export function frameOf(width = WIDTH, legendRows = 1): Frame {
  return {
    width,
    height: HEIGHT + (Math.max(1, legendRows) - 1) * LEGEND_ROW,
    plot: { ...PLOT, right: width - (WIDTH - PLOT.right) },
  };
}

/** 1, 2, 2.5 or 5 × 10^n: the tick step for about `count` ticks from 0 to `max`. */
export function niceTicks(max: number, count = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const raw = top / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  const ticks: number[] = [];
  for (let i = 0; i * step < top * (1 + 1e-9) || ticks.length < 2; i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  if (ticks[ticks.length - 1] < top) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** Maps values onto an axis: `at` gives the fraction 0..1 of the axis length. */
export interface Scale {
  at(v: number): number;
  ticks: { value: number; text: string }[];
}

/** From 0 to a round number at or above `max`, so small differences are not exaggerated. */
export function linearScale(max: number): Scale {
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  return { at: (v) => v / top, ticks: ticks.map((t) => ({ value: t, text: numberText(t) })) };
}

/**
 * Decades around the positive values (1, 10, 100 ...), with 2 and 5 between them when the data
 * spans two decades or less, so the median and the maximum both get room. Zero and negative
 * values sit at the bottom.
 */
export function logScale(values: number[]): Scale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const min = positive.length ? Math.min(...positive) : 1;
  const max = positive.length ? Math.max(...positive) : 10;
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max) - 1e-9));
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  const ticks: { value: number; text: string }[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of e === hi ? [1] : steps) {
      const value = Number((m * 10 ** e).toPrecision(12));
      ticks.push({ value, text: numberText(value) });
    }
  }
  return {
    at: (v) => v > 0 ? Math.max(0, (Math.log10(v) - lo) / (hi - lo)) : 0,
    ticks,
  };
}

/** The nines scale: where the max (percentile 100) sits, one step past p99.99. */
const NINES_TOP = 5;

/** Percentile → nines: 90 → 1, 99 → 2, 99.9 → 3; 100 (the max) at the right edge. */
export function nines(percentile: number): number {
  return percentile >= 100 ? NINES_TOP : Math.min(NINES_TOP, -Math.log10(1 - percentile / 100));
}

/** Percentiles on the nines scale, so each step toward the tail gets the same width. */
export function ninesScale(): Scale {
  return {
    at: (p) => nines(p) / NINES_TOP,
    ticks: [0, 50, 90, 99, 99.9, 99.99, 100].map((p) => ({ value: p, text: numberText(p) })),
  };
}

/** A value's pixel on the horizontal axis of `frame`. */
export function xPixel(frame: Frame, scale: Scale, v: number): number {
  return frame.plot.left + scale.at(v) * (frame.plot.right - frame.plot.left);
}

/** A value's pixel on the vertical axis of `frame` (the scale's 0 at the bottom). */
export function yPixel(frame: Frame, scale: Scale, v: number): number {
  return frame.plot.bottom - scale.at(v) * (frame.plot.bottom - frame.plot.top);
}

export interface FrameSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  y: Scale;
  frame: Frame;
}

/** Opening tag, title, horizontal grid with y labels, axis titles. */
export function frameStart(spec: FrameSpec): string[] {
  const { width, height, plot } = spec.frame;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(spec.id)}" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" class="chart-title">` +
    `${escapeXml(spec.title)}</text>`,
  ];
  for (const t of spec.y.ticks) {
    const y = px(yPixel(spec.frame, spec.y, t.value));
    out.push(
      `<line x1="${plot.left}" y1="${y}" x2="${plot.right}" y2="${y}" stroke="#e3e3e3"/>`,
      `<text x="${plot.left - 6}" y="${y}" dy="4" text-anchor="end" class="tick">` +
        `${escapeXml(t.text)}</text>`,
    );
  }
  const midY = (plot.top + plot.bottom) / 2;
  out.push(
    `<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" ` +
      `stroke="#444444"/>`,
    `<line x1="${plot.left}" y1="${plot.top}" x2="${plot.left}" y2="${plot.bottom}" ` +
      `stroke="#444444"/>`,
    `<text x="${(plot.left + plot.right) / 2}" y="${plot.bottom + 36}" text-anchor="middle" ` +
      `class="axis-label">${escapeXml(spec.xLabel)}</text>`,
    `<text x="16" y="${midY}" text-anchor="middle" class="axis-label" ` +
      `transform="rotate(-90 16 ${midY})">${escapeXml(spec.yLabel)}</text>`,
  );
  return out;
}

/** Tick labels under the x axis (no grid: the points carry their own values). */
export function xTicks(frame: Frame, scale: Scale): string[] {
  return scale.ticks.map((t) =>
    `<text x="${px(xPixel(frame, scale, t.value))}" y="${frame.plot.bottom + 16}" ` +
    `text-anchor="middle" class="tick">${escapeXml(t.text)}</text>`
  );
}

/** The series' own colour, else the palette's colour for its position. */
export function colorOf(series: { color?: string }, index: number): string {
  return series.color ?? PALETTE[index % PALETTE.length];
}

interface LegendItem {
  id: string;
  label: string;
  color?: string;
  dashed?: boolean;
}

/** About 6 px per character at the legend's 11 px font, plus the swatch and a gap. */
function legendWidth(label: string): number {
  return 17 + label.length * 6 + 14;
}

/** Where each legend entry goes: left to right, a new row when the next would not fit. */
function legendPlaces(items: LegendItem[], width: number): { x: number; row: number }[] {
  let x = 24;
  let row = 0;
  return items.map((s) => {
    const w = legendWidth(s.label);
    if (x > 24 && x + w > width - 8) [x, row] = [24, row + 1];
    const place = { x, row };
    x += w;
    return place;
  });
}

/** How many rows the legend needs at this chart width (for {@link frameOf}). */
export function legendRows(items: LegendItem[], width = WIDTH): number {
  return items.length === 0 ? 1 : legendPlaces(items, width).at(-1)!.row + 1;
}

/** One swatch and label per series, in rows under the x-axis title. */
export function legend(items: LegendItem[], frame: Frame): string[] {
  const out = ['<g class="legend">'];
  const top = frame.plot.bottom + 54;
  legendPlaces(items, frame.width).forEach(({ x, row }, i) => {
    const s = items[i];
    const y = top + row * LEGEND_ROW;
    const color = colorOf(s, i);
    out.push(
      s.dashed
        ? `<line x1="${px(x)}" y1="${y - 3}" x2="${px(x + 12)}" y2="${y - 3}" stroke="${color}" ` +
          `stroke-width="2" stroke-dasharray="4 2" data-legend="${escapeXml(s.id)}"/>`
        : `<rect x="${px(x)}" y="${y - 9}" width="12" height="12" fill="${color}" ` +
          `data-legend="${escapeXml(s.id)}"/>`,
      `<text x="${px(x + 17)}" y="${y + 1}" class="legend-label">${escapeXml(s.label)}</text>`,
    );
  });
  out.push("</g>");
  return out;
}
