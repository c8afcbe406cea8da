/**
 * Comparison of a response's outputs with validation data (docs/perf_analyzer.md §4.4). Like
 * perf_analyzer it is byte-exact (memcmp: -0 differs from 0, NaN payloads count) and uses its
 * two error texts; unlike it, the text goes on to say where and how the data differ, since
 * "Output doesn't match expected output" alone leaves the user to diff tensors by hand.
 */
import { BytesFramingError, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import { elementSize, isDataType } from "../../wire/kserve/datatypes.ts";
import type { OutputTensor } from "../measure/record.ts";
import { tensorToJson } from "./tensor_codec.ts";

export const SIZE_MISMATCH = "Output size doesn't match expected size";
export const DATA_MISMATCH = "Output doesn't match expected output";

/** Strings (and raw bytes) are cut to this many units, so messages stay one line... */
const MAX_SHOWN = 64;
/** ...starting this many before the first difference. */
const CONTEXT = 16;

const utf8 = new TextDecoder();

/**
 * Undefined when every expected output is present with exactly the expected bytes, else a
 * one-line description of the first problem. Outputs without expected data are not checked.
 */
export function compareOutputs(
  expected: ReadonlyMap<string, Uint8Array>,
  got: readonly OutputTensor[],
): string | undefined {
  for (const [name, want] of expected) {
    const tensor = got.find((t) => t.name === name);
    if (tensor === undefined) return `missing output '${name}'`;
    const have = tensor.bytes;
    if (have.length !== want.length) {
      return `${SIZE_MISMATCH}: output '${name}' has ${have.length} bytes, ` +
        `expected ${want.length}`;
    }
    const at = firstDifference(want, have);
    if (at >= 0) return `${DATA_MISMATCH}: ${describe(tensor, want, at)}`;
  }
  return undefined;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** "output 'X' element 3 is 7, expected 8", for the element holding byte `at`. */
function describe(tensor: OutputTensor, want: Uint8Array, at: number): string {
  const dt = tensor.datatype;
  const where = `output '${tensor.name}'`;
  if (dt === "BYTES") return describeStrings(where, want, tensor.bytes, at);
  // An unknown datatype is compared and shown byte by byte.
  const size = isDataType(dt) ? elementSize(dt) : 1;
  const index = Math.floor(at / size);
  const got = tensor.bytes.subarray(index * size, (index + 1) * size);
  const wanted = want.subarray(index * size, (index + 1) * size);
  const show = (b: Uint8Array) => isDataType(dt) ? showNumber(tensorToJson(dt, b)[0]) : `${b[0]}`;
  let g = show(got);
  let w = show(wanted);
  // -0 and 0 print apart, but distinct NaNs print alike: then the bytes tell them apart.
  if (g === w) {
    g += ` (bytes ${hex(got)})`;
    w += ` (bytes ${hex(wanted)})`;
  }
  return element(where, index, g, w);
}

function describeStrings(where: string, want: Uint8Array, have: Uint8Array, at: number): string {
  let wanted: Uint8Array[];
  let had: Uint8Array[];
  try {
    wanted = splitBytesElements(want);
    had = splitBytesElements(have);
  } catch (e) {
    if (!(e instanceof BytesFramingError)) throw e;
    return `${where} differs at byte ${at} (${e.message})`;
  }
  // Equal sizes and equal leading elements leave equal remainders, so the first differing
  // element exists in both lists.
  let index = 0;
  while (index < wanted.length && same(wanted[index], had[index])) index++;
  const none = new Uint8Array(0);
  const [g, w] = showStrings(had[index] ?? none, wanted[index] ?? none);
  return element(where, index, g, w);
}

function element(where: string, index: number, got: string, want: string): string {
  return `${where} element ${index} is ${got}, expected ${want}`;
}

function same(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && firstDifference(a, b) < 0;
}

function showNumber(x: unknown): string {
  return Object.is(x, -0) ? "-0" : String(x);
}

/**
 * Two differing strings quoted, each cut to a window that starts a little before their first
 * difference; bytes that are not UTF-8 and decode alike are shown in hex instead.
 */
function showStrings(got: Uint8Array, want: Uint8Array): [string, string] {
  const g = utf8.decode(got);
  const w = utf8.decode(want);
  if (g === w) {
    let at = firstDifference(got.subarray(0, want.length), want);
    if (at < 0) at = Math.min(got.length, want.length);
    const bytes = (b: Uint8Array) => `bytes ${cut(b.length, at, (i, j) => hex(b.subarray(i, j)))}`;
    return [bytes(got), bytes(want)];
  }
  let at = 0;
  while (at < g.length && g[at] === w[at]) at++;
  const quoted = (s: string) => cut(s.length, at, (i, j) => JSON.stringify(s.slice(i, j)));
  return [quoted(g), quoted(w)];
}

/** `show(from, to)` of at most MAX_SHOWN units around `at`, marked "..." where cut. */
function cut(length: number, at: number, show: (from: number, to: number) => string): string {
  const from = at > CONTEXT ? at - CONTEXT : 0;
  const to = Math.min(length, from + MAX_SHOWN);
  return (from > 0 ? "..." : "") + show(from, to) + (to < length ? "..." : "");
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
