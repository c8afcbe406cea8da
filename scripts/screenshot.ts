/**
 * Regenerates the README's picture of the HTML report:
 *
 *   deno run -A scripts/screenshot.ts docs/report.png [perf_analyzer options...]
 *
 * starts the embedded reference server as the demo does (300 µs of compute on two instances),
 * runs an open-loop sweep against it (--request-rate-range 1000:5500:1500 with the demo's stop
 * rule; options given after the output path are added after these, so they win), writes the
 * HTML report, screenshots it in headless Chromium (Debian's `chromium`) 1200 px wide and crops
 * the picture to the page. A sweep that ends on an unstable level (exit 2) is still drawn: the
 * report shows every level measured.
 */
import { resolve } from "node:path";
import { crc32, deflateSync, inflateSync } from "node:zlib";
import { main } from "../main.ts";
import { type Image, readPng } from "../tests/png_read.ts";
import { joinBytes } from "../wire/bytes.ts";
import { startServerWorker } from "../server/mod.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots `htmlPath` into `pngPath`; a fresh profile, nothing fetched, 30 s at most. */
export async function screenshot(
  htmlPath: string,
  pngPath: string,
  profile: string,
  size = { width: 1200, height: 3000 },
): Promise<void> {
  const out = await new Deno.Command(CHROMIUM, {
    args: [
      ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
      ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      `--screenshot=${pngPath}`,
      `--window-size=${size.width},${size.height}`,
      `file://${htmlPath}`,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  if (out.code !== 0) {
    throw new Error(`${CHROMIUM} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Taller than any report: the picture is taken this tall, then cropped to the page. */
const WINDOW = { width: 1200, height: 8000 };
/** Page background below the last element kept in the picture, in pixels. */
const MARGIN = 16;

interface Chunk {
  type: string;
  data: Uint8Array;
}

function chunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at < png.length;) {
    const len = view.getUint32(at);
    out.push({
      type: new TextDecoder().decode(png.subarray(at + 4, at + 8)),
      data: png.subarray(at + 8, at + 8 + len),
    });
    at += 12 + len;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const typed = new Uint8Array(4 + data.length);
  typed.set(new TextEncoder().encode(type));
  typed.set(data, 4);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(typed, 4);
  view.setUint32(8 + data.length, crc32(typed));
  return out;
}

/**
 * The PNG cut to its first rows down to the last one that differs from the page background
 * (its top-left pixel), plus a margin. Each scanline's filter refers only to the line above, so
 * the first rows of the inflated image data stand alone: they are deflated again as they are.
 */
export function cropToPage(png: Uint8Array): Uint8Array {
  const img = readPng(png);
  const last = lastContentRow(img);
  if (last < 0) throw new Error("the screenshot is blank: the page drew nothing");
  if (last + MARGIN >= img.height) {
    throw new Error(`the page is taller than the ${img.height}-pixel window: raise WINDOW.height`);
  }
  const parts = chunks(png);
  const ihdr = parts.find((c) => c.type === "IHDR")!.data.slice();
  // readPng took 8-bit RGB (colour type 2) or RGBA (6) only.
  const stride = 1 + img.width * (ihdr[9] === 6 ? 4 : 3);
  const rows = last + 1 + MARGIN;
  new DataView(ihdr.buffer).setUint32(4, rows);
  const raw = inflateSync(joinBytes(parts.filter((c) => c.type === "IDAT").map((c) => c.data)));
  return joinBytes([
    png.subarray(0, 8),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(raw.subarray(0, rows * stride)))),
    chunk("IEND", new Uint8Array()),
  ]);
}

/** The last row holding a pixel of another colour than the top-left one, or -1. */
function lastContentRow(img: Image): number {
  const words = new Uint32Array(img.rgba.buffer, img.rgba.byteOffset, img.width * img.height);
  for (let y = img.height - 1; y >= 0; y--) {
    const row = words.subarray(y * img.width, (y + 1) * img.width);
    if (row.some((v) => v !== words[0])) return y;
  }
  return -1;
}

/** The sweep drawn in the README: open loop up to a rate the client cannot keep. */
const SWEEP = [
  ...["-m", "simple", "--request-rate-range", "1000:5500:1500", "-p", "1000"],
  ...["--stop-rule", "confidence", "-s", "15", "-r", "20"],
];

/** Runs the sweep and writes the cropped screenshot of its report to `out`; the exit code. */
export async function regenerate(out: string, extra: string[]): Promise<number> {
  const target = resolve(out);
  const cwd = Deno.cwd();
  const dir = await Deno.makeTempDir({ prefix: "pa_screenshot_" });
  const server = await startServerWorker({ computeUs: 300, instances: 2 });
  try {
    // The report shows its command line: the file is named as a user would name it.
    Deno.chdir(dir);
    const code = await main([...SWEEP, "-u", server.url, ...extra, "--report-html", "report.html"]);
    if (code !== 0 && code !== 2) return code;
    await screenshot(`${dir}/report.html`, `${dir}/full.png`, `${dir}/profile`, WINDOW);
    await Deno.writeFile(target, cropToPage(await Deno.readFile(`${dir}/full.png`)));
    console.log(`\nscreenshot of the report written to ${target}`);
    return 0;
  } finally {
    Deno.chdir(cwd);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const [out, ...extra] = Deno.args;
  if (out === undefined || !out.endsWith(".png")) {
    console.error("usage: deno run -A scripts/screenshot.ts OUT.png [perf_analyzer options...]");
    Deno.exit(2);
  }
  Deno.exitCode = await regenerate(out, extra);
}
