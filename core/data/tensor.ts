/**
 * One tensor of one data step, from a JSON value or a data-directory file, to wire form
 * (StepTensor), with perf_analyzer's checks (docs/perf_analyzer.md §4.2, §4.3): the shape against
 * the model's dims, the byte size (or string count) against the shape, the values through
 * tensor_codec. `where` ("<file>: stream 1 step 2") starts every message, so a bad entry in a
 * large file can be found.
 */
import type { TensorInfo } from "../backend.ts";
import { BytesFramingError, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import type { StepTensor } from "./set.ts";
import { type DataType, elementCount, elementSize } from "../../wire/kserve/datatypes.ts";
import { isRunError, RunError } from "../errors.ts";
import { concreteShape } from "./input_data.ts";
import { tensorFromJson } from "./tensor_codec.ts";

export type TensorRole = "input" | "output";

const FLOATS: ReadonlySet<DataType> = new Set(["FP16", "BF16", "FP32", "FP64"]);
/** As in tensor_codec: deeper nesting is refused, not recursed into. */
const MAX_NESTING = 64;
const SHOWN = 60;

/**
 * A JSON value for a one-line message: bigints as digits, long values cut. Written by hand and
 * stopped once past SHOWN characters, so a huge value costs no more than its start and a deeply
 * nested one (each level writes a bracket) cannot overflow the stack as JSON.stringify would.
 */
export function show(x: unknown): string {
  const parts: string[] = [];
  let length = 0;
  const put = (s: string) => {
    parts.push(s);
    length += s.length;
    return length <= SHOWN;
  };
  const write = (v: unknown): boolean => {
    if (Array.isArray(v)) {
      if (!put("[")) return false;
      for (let i = 0; i < v.length; i++) {
        if ((i > 0 && !put(",")) || !write(v[i])) return false;
      }
      return put("]");
    }
    if (isObject(v)) {
      if (!put("{")) return false;
      let first = true;
      for (const k in v) {
        if ((!first && !put(",")) || !put(`${JSON.stringify(k)}:`) || !write(v[k])) return false;
        first = false;
      }
      return put("}");
    }
    if (typeof v === "bigint") return put(String(v));
    if (typeof v === "string") return put(JSON.stringify(v.slice(0, SHOWN)));
    return put(JSON.stringify(v) ?? String(v));
  };
  write(x);
  const text = parts.join("");
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}...` : text;
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function fail(where: string, name: string, what: string): RunError {
  return new RunError(`${where}, tensor '${name}': ${what}`);
}

/** The model dims with their one -1 taken from the element count, if that works out. */
function inferredDims(dims: number[], count: number): number[] | undefined {
  const free = dims.filter((d) => d < 0).length;
  const fixed = elementCount(dims.filter((d) => d >= 0));
  if (free !== 1 || fixed === 0 || !Number.isInteger(count / fixed)) return undefined;
  return dims.map((d) => (d < 0 ? count / fixed : d));
}

/**
 * The shape of data that gives none. Inputs: --shape or fixed model dims (concreteShape's
 * rule); else, unlike perf_analyzer, a single -1 taken from the element count, since the data
 * says how many elements it has; else concreteShape's error. Outputs (no --shape for them):
 * the dims, or the one -1 inferred; validation compares bytes, so nothing else decides it.
 */
export function impliedShape(
  info: TensorInfo,
  role: TensorRole,
  shapes: Map<string, number[]>,
  count: number,
  where: string,
): number[] {
  const variable = info.shape.some((d) => d < 0);
  const inferred = variable ? inferredDims(info.shape, count) : info.shape;
  if (role === "input" && (shapes.has(info.name) || inferred === undefined)) {
    try {
      return concreteShape(info, shapes);
    } catch (e) {
      throw isRunError(e) ? fail(where, info.name, e.message) : e;
    }
  }
  if (inferred !== undefined) return inferred;
  throw fail(
    where,
    info.name,
    `can not infer the shape of output ${info.name} (model dims [${info.shape}]) from ${count} ` +
      "elements",
  );
}

/** A "shape" the data gives: non-negative integers matching the model's dims except -1. */
function givenShape(info: TensorInfo, raw: unknown, where: string): number[] {
  if (!Array.isArray(raw) || !raw.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(
      where,
      info.name,
      `"shape" must be a list of non-negative integers, got ${show(raw)}`,
    );
  }
  const dims = info.shape;
  if (raw.length !== dims.length || raw.some((d, i) => dims[i] >= 0 && dims[i] !== d)) {
    throw fail(where, info.name, `shape [${raw}] does not match the model's dims [${dims}]`);
  }
  return raw;
}

/**
 * The tensor, once its data fits the shape: perf_analyzer's byte-size check for fixed-size
 * types, an element count for BYTES (whose byte size the shape does not decide).
 */
export function checkedTensor(
  info: TensorInfo,
  shape: number[],
  bytes: Uint8Array,
  count: number,
  where: string,
  /** For data given as values: say how many were given, since bytes alone would puzzle. */
  fromValues = false,
): StepTensor {
  const need = elementCount(shape);
  const name = info.name;
  const dt = info.datatype;
  if (dt === "BYTES" && count !== need) {
    throw fail(
      where,
      name,
      `mismatch in the data provided for ${name}. Expected: ${need} elements, Got: ${count} ` +
        `elements (shape [${shape}])`,
    );
  }
  const expected = need * elementSize(dt);
  if (dt !== "BYTES" && bytes.length !== expected) {
    const detail = fromValues ? ` (${count} elements given, shape [${shape}] holds ${need})` : "";
    throw fail(
      where,
      name,
      `mismatch in the data provided for ${name}. Expected: ${expected} bytes, ` +
        `Got: ${bytes.length} bytes${detail}`,
    );
  }
  return { datatype: dt, shape, bytes };
}

/**
 * A step's value for one tensor: a (nested) array of values, {"b64": ...}, or
 * {"content": values | {"b64": ...}, "shape": [...]}.
 */
export function jsonTensor(
  info: TensorInfo,
  value: unknown,
  role: TensorRole,
  shapes: Map<string, number[]>,
  where: string,
): StepTensor {
  let content = value;
  let given: unknown;
  if (isObject(value) && !("b64" in value)) {
    if (!("content" in value)) {
      throw fail(
        where,
        info.name,
        `"content" is missing: an object value must be {"content": ..., "shape": [...]} or ` +
          `{"b64": "..."}, got ${show(value)}`,
      );
    }
    content = value.content;
    given = value.shape;
  }
  const data = isObject(content)
    ? base64Data(info, content, where)
    : valueData(info, content, where);
  const shape = given !== undefined
    ? givenShape(info, given, where)
    : impliedShape(info, role, shapes, data.count, where);
  return checkedTensor(info, shape, data.bytes, data.count, where, !data.raw);
}

interface Data {
  bytes: Uint8Array;
  count: number;
  /** Bytes given as such (b64), not values. */
  raw: boolean;
}

function base64Data(info: TensorInfo, obj: Record<string, unknown>, where: string): Data {
  const text = obj.b64;
  if (typeof text !== "string") {
    throw fail(where, info.name, `expected {"b64": "<base64 string>"}, got ${show(obj)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(text);
  } catch {
    throw fail(where, info.name, `invalid base64 in "b64": ${show(text)}`);
  }
  if (info.datatype !== "BYTES") {
    return { bytes, count: bytes.length / elementSize(info.datatype), raw: true };
  }
  try {
    return { bytes, count: splitBytesElements(bytes).length, raw: true };
  } catch (e) {
    if (!(e instanceof BytesFramingError)) throw e;
    throw fail(
      where,
      info.name,
      `"b64" data must be BYTES elements, each a 4-byte little-endian length then the bytes: ` +
        e.message,
    );
  }
}

function valueData(info: TensorInfo, content: unknown, where: string): Data {
  const dt = info.datatype;
  const values = flatValues(content, dt, info.name, where);
  try {
    return { bytes: tensorFromJson(dt, values), count: values.length, raw: false };
  } catch (e) {
    if (!isRunError(e)) throw e;
    throw fail(where, info.name, badElement(dt, values) ?? e.message);
  }
}

/** Which element tensor_codec refused, and why (NaN shown as NaN, not JSON's null). */
function badElement(dt: DataType, values: unknown[]): string | undefined {
  const refused = (x: unknown) => {
    try {
      tensorFromJson(dt, [x]);
      return false;
    } catch {
      return true;
    }
  };
  const at = values.findIndex(refused);
  if (at < 0) return undefined;
  const x = values[at];
  const shown = typeof x === "number" || typeof x === "bigint" ? String(x) : show(x);
  return `element ${at}: invalid ${dt} value ${shown} (expected ${accepted(dt)})`;
}

function accepted(dt: DataType): string {
  if (dt === "BOOL") return "true, false, 0 or 1";
  if (dt === "BYTES") return "a string or a number";
  if (FLOATS.has(dt)) return "a number";
  const bits = BigInt(elementSize(dt) * 8);
  const unsigned = dt.startsWith("U");
  const low = unsigned ? 0n : -(2n ** (bits - 1n));
  const high = unsigned ? 2n ** bits - 1n : 2n ** (bits - 1n) - 1n;
  return `an integer from ${low} to ${high}`;
}

/**
 * perf_analyzer writes numbers in a BYTES tensor as their decimal text; float tensors take
 * the bigints the parser keeps for long integers as numbers. A flat array needing neither is
 * used as it is, so a large tensor is not copied before encoding.
 */
function convert(dt: DataType): ((x: unknown) => unknown) | undefined {
  if (dt === "BYTES") {
    return (x) => {
      if (typeof x === "number" || typeof x === "bigint") return String(x);
      // An object element is sent as its JSON text, as perf_analyzer does for the openai
      // kind's {"payload": [{...request body...}]} (docs/perf_analyzer.md §4).
      if (isObject(x)) return JSON.stringify(x, bigintAsNumberText);
      return x;
    };
  }
  if (FLOATS.has(dt)) return (x) => (typeof x === "bigint" ? Number(x) : x);
  return undefined;
}

/** JSON.rawJSON (V8 has it; TypeScript's lib does not declare it yet). */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** Long integers the parser kept as bigint go back out as the same digits. */
function bigintAsNumberText(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? rawJson(v.toString()) : v;
}

function flatValues(content: unknown, dt: DataType, name: string, where: string): unknown[] {
  const conv = convert(dt);
  if (
    Array.isArray(content) &&
    content.every((x) => !Array.isArray(x) && (!conv || Object.is(conv(x), x)))
  ) {
    return content;
  }
  const out: unknown[] = [];
  const walk = (x: unknown, depth: number): void => {
    if (!Array.isArray(x)) {
      out.push(conv ? conv(x) : x);
      return;
    }
    if (depth > MAX_NESTING) throw fail(where, name, "data is nested too deeply");
    for (const y of x) walk(y, depth + 1);
  };
  walk(content, 0);
  return out;
}
