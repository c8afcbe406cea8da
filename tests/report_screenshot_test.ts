/**
 * Renders the HTML report in headless Chromium (Debian's `chromium` package) and checks the
 * screenshot: each chart is found by its border, and every expected series shows in its own
 * colour inside that chart's plot area (the legend lies outside it). Skipped, saying so,
 * where /usr/bin/chromium is not installed.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  BREAKDOWN,
  formatHtmlReport,
  levelColors,
  STAT_COLORS,
  WINDOW_COLORS,
} from "../core/report/html.ts";
import { openLoopSummary } from "../core/report/testing/fixture.ts";
import { type Box, countColor, type Image, isColor, readPng } from "./png_read.ts";
import { frameOf, PALETTE } from "../core/report/svg_frame.ts";
import { CHROMIUM, screenshot } from "../scripts/screenshot.ts";

const available = existsSync(CHROMIUM);
if (!available) {
  console.log(
    `SKIPPED report screenshot test: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );
}

const BORDER = "#dddddd";

/**
 * Top-left inner corners of the charts: a white pixel with the #dddddd chart border to its
 * left and above it (table cells have a #cccccc border, so they do not match).
 */
function chartCorners(img: Image): { x: number; y: number }[] {
  const corners = [];
  for (let y = 1; y < img.height; y++) {
    for (let x = 1; x < img.width; x++) {
      if (
        isColor(img, x, y, "#ffffff") && isColor(img, x - 1, y, BORDER) &&
        isColor(img, x, y - 1, BORDER)
      ) corners.push({ x, y });
    }
  }
  return corners;
}

/** The chart's plot area, above the x axis (bars or lines of value 0 are not counted). */
function plotArea(corner: { x: number; y: number }, width: number): Box {
  const plot = frameOf(width).plot;
  return {
    x: corner.x + plot.left + 1,
    y: corner.y + plot.top,
    width: plot.right - plot.left - 1,
    height: plot.bottom - 2 - plot.top,
  };
}

/** The charts of the page in document order, with the size each declares. */
function declaredCharts(html: string): { id: string; width: number; height: number }[] {
  return [...html.matchAll(/<svg [^>]*data-chart="([^"]+)"[^>]*width="(\d+)" height="(\d+)"/g)]
    .map((m) => ({ id: m[1], width: Number(m[2]), height: Number(m[3]) }));
}

/** Series colours expected in each chart's plot, with the fewest pixels that prove them drawn. */
function expectedColors(): Record<string, [string, string, number][]> {
  const stat = (k: string, least: number): [string, string, number] => [k, STAT_COLORS[k], least];
  const part = (key: string) => BREAKDOWN.find(([k]) => k === key)![2];
  return {
    // Lines with a dot per level: a few dozen pixels of each colour.
    "latency-throughput": ["avg", "p50", "p90", "p99"].map((k) => stat(k, 30)),
    "latency-spectrum": levelColors(2).map((c, i) => [`level ${i + 1}`, c, 150]),
    "latency-percentiles": ["p50", "p90", "p95", "p99"].map((k) => stat(k, 2000)),
    "open-loop-latency": [stat("p50", 150), stat("p99", 150)],
    // On the log axis the 2 µs p50 is a real bar, not a hairline.
    "send-lateness": [stat("p50", 800), stat("p99", 2000), stat("max", 5000)],
    "errors-per-level": [["error 1", PALETTE[3], 3000], ["error 2", PALETTE[4], 1000]],
    "server-breakdown": [
      ["compute infer", part("computeInfer"), 10000],
      ["compute output", part("computeOutput"), 300],
    ],
    "window-throughput": [["throughput", WINDOW_COLORS.throughput, 300]],
    "window-latency": [["latency", WINDOW_COLORS.latency, 300]],
    "window-errors": [["errors", WINDOW_COLORS.errors, 300]],
  };
}

Deno.test({
  name: "headless Chromium screenshot of the report shows every chart with its series",
  ignore: !available,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const html = `${dir}/report.html`;
      const png = `${dir}/report.png`;
      const page = formatHtmlReport(openLoopSummary());
      await Deno.writeTextFile(html, page);
      await screenshot(html, png, `${dir}/profile`);
      const img = readPng(await Deno.readFile(png));
      assert.deepEqual([img.width, img.height], [1200, 3000]);
      const charts = declaredCharts(page);
      const expected = expectedColors();
      assert.deepEqual(charts.map((c) => c.id), Object.keys(expected));
      const corners = chartCorners(img);
      // Every chart on screen, two normal ones per row, the window charts one per row.
      assert.equal(corners.length, charts.length, JSON.stringify(corners));
      assert.equal(corners[0].y, corners[1].y);
      assert.ok(corners[8].y > corners[7].y && corners[9].y > corners[8].y);
      charts.forEach((c, i) => {
        const at = corners[i];
        // The box it declares: its border right of and below it, at the declared size.
        assert.ok(isColor(img, at.x + c.width, at.y + 10, BORDER), `${c.id}: right border`);
        assert.ok(isColor(img, at.x + 10, at.y + c.height, BORDER), `${c.id}: bottom border`);
        for (const [what, color, least] of expected[c.id]) {
          const n = countColor(img, color, plotArea(at, c.width));
          assert.ok(
            n >= least,
            `${c.id} ${what} (${color}): ${n} pixels in its plot, expected >= ${least}`,
          );
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
