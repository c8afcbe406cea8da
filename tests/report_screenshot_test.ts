/**
 * Renders the HTML report in headless Chromium (Debian's `chromium` package) and checks the
 * screenshot: each chart is found by its border, and every expected series shows in its own
 * colour inside that chart's plot area (the legend lies outside it). Skipped, saying so,
 * where /usr/bin/chromium is not installed.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { BREAKDOWN, formatHtmlReport, STAT_COLORS } from "../core/report/html.ts";
import { openLoopSummary } from "../core/report/testing/fixture.ts";
import { type Box, countColor, type Image, isColor, readPng } from "./png_read.ts";
import { PLOT } from "../core/report/svg_frame.ts";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  console.log(
    `SKIPPED report screenshot test: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );
}

const BORDER = "#dddddd";

/** Screenshots `htmlPath` into `pngPath`; a fresh profile, nothing fetched, 30 s at most. */
export async function screenshot(htmlPath: string, pngPath: string, profile: string) {
  const out = await new Deno.Command(CHROMIUM, {
    args: [
      ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
      ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      `--screenshot=${pngPath}`,
      "--window-size=1200,1800",
      `file://${htmlPath}`,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

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
function plotArea(corner: { x: number; y: number }): Box {
  const top = corner.y + PLOT.top;
  return {
    x: corner.x + PLOT.left + 1,
    y: top,
    width: PLOT.right - PLOT.left - 1,
    height: PLOT.bottom - 2 - PLOT.top,
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
      await Deno.writeTextFile(html, formatHtmlReport(openLoopSummary()));
      await screenshot(html, png, `${dir}/profile`);
      const img = readPng(await Deno.readFile(png));
      assert.deepEqual([img.width, img.height], [1200, 1800]);
      const corners = chartCorners(img);
      // Four charts, two per row at this width.
      assert.equal(corners.length, 4, JSON.stringify(corners));
      assert.equal(corners[0].y, corners[1].y);
      const [latency, percentiles, lateness, breakdown] = corners.map(plotArea);
      const infer = BREAKDOWN.find(([key]) => key === "computeInfer")![2];
      const output = BREAKDOWN.find(([key]) => key === "computeOutput")![2];
      const expected: [string, Box, string, number][] = [
        // Lines with a dot per level: a few dozen pixels of each colour.
        ...["avg", "p50", "p90", "p99"].map((k) =>
          [`latency ${k}`, latency, STAT_COLORS[k], 30] as [string, Box, string, number]
        ),
        ...["p50", "p90", "p95", "p99"].map((k) =>
          [`percentile ${k}`, percentiles, STAT_COLORS[k], 2000] as [string, Box, string, number]
        ),
        ["lateness p99", lateness, STAT_COLORS.p99, 2000],
        ["lateness max", lateness, STAT_COLORS.max, 5000],
        ["breakdown compute infer", breakdown, infer, 10000],
        ["breakdown compute output", breakdown, output, 300],
      ];
      for (const [what, box, color, least] of expected) {
        const n = countColor(img, color, box);
        assert.ok(n >= least, `${what} (${color}): ${n} pixels in its plot, expected >= ${least}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
