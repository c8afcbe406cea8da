/**
 * scripts/screenshot.ts as the README runs it, to a temporary file and with a short sweep: the
 * picture is the report, 1200 px wide, cropped to the page (a margin of background below the
 * last element), and not blank (its charts' borders and series are there). Skipped, saying so,
 * where /usr/bin/chromium is not installed.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { CHROMIUM } from "./screenshot.ts";
import { countColor, type Image, isColor, readPng } from "../tests/png_read.ts";
import { STAT_COLORS } from "../core/report/html.ts";

const available = existsSync(CHROMIUM);
if (!available) console.log(`SKIPPED screenshot script test: ${CHROMIUM} is missing`);

const SCRIPT = new URL("screenshot.ts", import.meta.url).pathname;
const PAGE = "#fafafa";
const CHART_BORDER = "#dddddd";

/** Rows, from the bottom, that hold only the page background. */
function blankRowsAtBottom(img: Image): number {
  let n = 0;
  for (let y = img.height - 1; y >= 0; y--, n++) {
    for (let x = 0; x < img.width; x++) if (!isColor(img, x, y, PAGE)) return n;
  }
  return n;
}

Deno.test({
  name: "screenshot script: the report of a short open-loop sweep, cropped to the page",
  ignore: !available,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pa_screenshot_test_" });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          ...["run", "-A", SCRIPT, "shot.png"],
          ...["--request-rate-range", "1000:2000:1000", "-p", "300"],
        ],
        cwd: dir,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      assert.match(text, /screenshot of the report written to \S+\/shot\.png\n/);
      const img = readPng(await Deno.readFile(`${dir}/shot.png`));
      assert.equal(img.width, 1200);
      // Two levels fill more than a screen, and far less than the 8000-pixel window.
      assert.ok(img.height > 1500 && img.height < 6000, `height ${img.height}`);
      assert.equal(blankRowsAtBottom(img), 16, "cropped 16 px below the last element");
      // Not blank: chart frames, and the p99 series drawn in its colour.
      assert.ok(countColor(img, CHART_BORDER) > 5000, "chart borders");
      assert.ok(countColor(img, STAT_COLORS.p99) > 1000, "the p99 series");
      const page = countColor(img, PAGE);
      assert.ok(page < 0.8 * img.width * img.height, `${page} pixels of page background`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
