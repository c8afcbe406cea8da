/** Walks the `data` field of a JSON input: checks every element and the element count. */
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { invalidArg } from "./http_error.ts";

/** Triton bounds the nesting it walks; deeper arrays are a malformed request, not data. */
const MAX_DEPTH = 32;

const SHAPE_MISMATCH = "Unable to parse 'data': Shape does not match true shape of 'data' field";

const INT_RANGES: Partial<Record<DataType, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/** What an element of `dt` must be, as a predicate and a phrase for the error message. */
function elementCheck(dt: DataType): [(v: unknown) => boolean, string] {
  if (dt === "BOOL") return [(v) => typeof v === "boolean", "a boolean"];
  if (dt === "BYTES") return [(v) => typeof v === "string", "a string"];
  if (dt === "FP32" || dt === "FP64") return [(v) => typeof v === "number", "a number"];
  const [lo, hi] = INT_RANGES[dt]!;
  return [
    (v) => typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi,
    `an integer in ${lo}..${hi}`,
  ];
}

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? s.slice(0, 40) + "..." : s;
}

/**
 * Returns the elements of `data` in row-major order. Nested and flat arrays are both
 * accepted; the element count must equal `expected` (the product of the declared shape).
 */
export function flattenJsonData(
  input: string,
  dt: DataType,
  data: unknown,
  expected: number,
): unknown[] {
  if (dt === "FP16" || dt === "BF16") {
    throw invalidArg(
      `receiving ${dt} data via JSON is not supported. ` +
        `Please use the binary data format for input ${input}`,
    );
  }
  if (!Array.isArray(data)) throw invalidArg("Unable to parse 'data'");
  const [ok, what] = elementCheck(dt);
  const out: unknown[] = [];
  const walk = (node: unknown[], depth: number): void => {
    if (depth > MAX_DEPTH) {
      throw invalidArg(`Unable to parse 'data': nested deeper than ${MAX_DEPTH} levels`);
    }
    for (const v of node) {
      if (Array.isArray(v)) {
        walk(v, depth + 1);
        continue;
      }
      if (out.length >= expected) throw invalidArg(SHAPE_MISMATCH);
      if (!ok(v)) {
        throw invalidArg(
          `Unable to parse 'data': input '${input}' (${dt}) expects ${what}, got ${shown(v)}`,
        );
      }
      out.push(v);
    }
  };
  walk(data, 1);
  if (out.length !== expected) throw invalidArg(SHAPE_MISMATCH);
  return out;
}
