/**
 * The parts every report chart shares: escaping, number text, "nice" axis ticks, the plot
 * frame with its grid and labels, and the legend. The charts are plain SVG strings so the
 * HTML report needs no script and no network, and so tests can read them as text.
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

/** A coordinate, to a tenth of a pixel: enough for a screen, and the same text every run. */
export function px(v: number): string {
  return v.toFixed(1);
}

/** Series colours, by position; picked to stay apart for the common kinds of colour blindness. */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9"];

export const WIDTH = 560;
export const HEIGHT = 340;
export const PLOT = { left: 70, right: 544, top: 40, bottom: 262 };

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

/** Maps a value on [0, max] to the plot's vertical pixel range (0 at the bottom). */
export function yPixel(v: number, max: number): number {
  return PLOT.bottom - (v / max) * (PLOT.bottom - PLOT.top);
}

export interface FrameSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  yTicks: number[];
}

/** Opening tag, title, horizontal grid with y labels, axis titles. */
export function frameStart(spec: FrameSpec): string[] {
  const yMax = spec.yTicks[spec.yTicks.length - 1];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(spec.id)}" ` +
    `viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" class="chart-title">` +
    `${escapeXml(spec.title)}</text>`,
  ];
  for (const t of spec.yTicks) {
    const y = px(yPixel(t, yMax));
    out.push(
      `<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.right}" y2="${y}" stroke="#e3e3e3"/>`,
      `<text x="${PLOT.left - 6}" y="${y}" dy="4" text-anchor="end" class="tick">` +
        `${numberText(t)}</text>`,
    );
  }
  const midY = (PLOT.top + PLOT.bottom) / 2;
  out.push(
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" ` +
      `stroke="#444444"/>`,
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}" ` +
      `stroke="#444444"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 36}" text-anchor="middle" ` +
      `class="axis-label">${escapeXml(spec.xLabel)}</text>`,
    `<text x="16" y="${midY}" text-anchor="middle" class="axis-label" ` +
      `transform="rotate(-90 16 ${midY})">${escapeXml(spec.yLabel)}</text>`,
  );
  return out;
}

/** The series' own colour, else the palette's colour for its position. */
export function colorOf(series: { color?: string }, index: number): string {
  return series.color ?? PALETTE[index % PALETTE.length];
}

/** One swatch and label per series, in a row under the x-axis title. */
export function legend(series: { id: string; label: string; color?: string }[]): string[] {
  const out = ['<g class="legend">'];
  const y = HEIGHT - 24;
  let x = 24;
  series.forEach((s, i) => {
    out.push(
      `<rect x="${px(x)}" y="${y - 9}" width="12" height="12" fill="${colorOf(s, i)}" ` +
        `data-legend="${escapeXml(s.id)}"/>`,
      `<text x="${px(x + 17)}" y="${y + 1}" class="legend-label">${escapeXml(s.label)}</text>`,
    );
    // About 6 px per character at the legend's 11 px font, then a gap.
    x += 17 + s.label.length * 6 + 14;
  });
  out.push("</g>");
  return out;
}
