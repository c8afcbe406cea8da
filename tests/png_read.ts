/**
 * A minimal PNG decoder for the screenshot test: 8-bit RGB or RGBA, not interlaced (what
 * headless Chromium writes). Chunks are read, IDAT inflated with node:zlib, and the five
 * scanline filters undone, giving RGBA bytes to count colours in.
 */
import { inflateSync } from "node:zlib";

export interface Image {
  width: number;
  height: number;
  /** RGBA, row after row. */
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes one scanline's filter in place; `prev` is the unfiltered previous line (or zeros). */
function unfilter(type: number, line: Uint8Array, prev: Uint8Array, bpp: number): void {
  for (let i = 0; i < line.length; i++) {
    const a = i >= bpp ? line[i - bpp] : 0;
    const b = prev[i];
    const c = i >= bpp ? prev[i - bpp] : 0;
    const add = type === 0
      ? 0
      : type === 1
      ? a
      : type === 2
      ? b
      : type === 3
      ? (a + b) >> 1
      : type === 4
      ? paeth(a, b, c)
      : NaN;
    if (Number.isNaN(add)) throw new SyntaxError(`PNG: unknown filter type ${type}`);
    line[i] = (line[i] + add) & 0xff;
  }
}

export function readPng(bytes: Uint8Array): Image {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) throw new SyntaxError("not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, colorType = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const len = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      colorType = data[9];
      if (data[8] !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) {
        throw new SyntaxError(
          `PNG: only 8-bit RGB/RGBA non-interlaced is read (depth ${data[8]}, ` +
            `colour type ${colorType}, interlace ${data[12]})`,
        );
      }
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + len;
  }
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  idat.reduce((at, d) => (joined.set(d, at), at + d.length), 0);
  const raw = new Uint8Array(inflateSync(joined));
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  const rgba = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    const line = raw.subarray(start + 1, start + 1 + stride);
    unfilter(raw[start], line, prev, bpp);
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      rgba.set(line.subarray(x * bpp, x * bpp + 3), o);
      rgba[o + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
    }
    prev = line;
  }
  return { width, height, rgba };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [v >> 16, (v >> 8) & 0xff, v & 0xff];
}

/** True when the pixel at (x, y) has exactly this colour ("#rrggbb"). */
export function isColor(img: Image, x: number, y: number, hex: string): boolean {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return false;
  const [r, g, b] = rgb(hex);
  const o = (y * img.width + x) * 4;
  return img.rgba[o] === r && img.rgba[o + 1] === g && img.rgba[o + 2] === b;
}

/** How many pixels (in `box`, default the whole image) have exactly this colour. */
export function countColor(img: Image, hex: string, box?: Box): number {
  const b = box ?? { x: 0, y: 0, width: img.width, height: img.height };
  let n = 0;
  for (let y = b.y; y < b.y + b.height; y++) {
    for (let x = b.x; x < b.x + b.width; x++) if (isColor(img, x, y, hex)) n++;
  }
  return n;
}
