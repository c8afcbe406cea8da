/**
 * Tensor data between the wire form (little-endian, row-major; BOOL one byte 0/1; BYTES as
 * 4-byte LE length + payload per element) and JSON values (docs/protocols.md §1.7, §1.8). 64-bit
 * integers are bigints on the JSON side so nothing above 2^53 is silently rounded.
 */
import {
  BytesFramingError,
  decodeStringElements,
  encodeStringElements,
} from "../../wire/kserve/bytes_tensor.ts";
import { type DataType, elementSize } from "../../wire/kserve/datatypes.ts";
import { RunError } from "../errors.ts";
import {
  bf16ToNumber,
  halfToNumber,
  numberToBf16,
  numberToHalf,
} from "../../wire/kserve/half_float.ts";

export type JsonElement = number | bigint | boolean | string;

/** Nested JSON arrays deeper than this are rejected rather than recursed into. */
const MAX_NESTING = 64;

const INT_RANGES: Partial<Record<DataType, [number, number]>> = {
  UINT8: [0, 0xff],
  UINT16: [0, 0xffff],
  UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f],
  INT16: [-0x8000, 0x7fff],
  INT32: [-0x80000000, 0x7fffffff],
};

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes wire bytes into flat JSON elements. */
export function tensorToJson(dt: DataType, bytes: Uint8Array): JsonElement[] {
  if (dt === "BYTES") return decodeStrings(bytes);
  const size = elementSize(dt);
  if (bytes.length % size !== 0) {
    throw new RunError(
      `${dt} tensor data of ${bytes.length} bytes is not a whole number of elements`,
    );
  }
  const v = view(bytes);
  const n = bytes.length / size;
  const out = new Array<JsonElement>(n);
  for (let i = 0; i < n; i++) out[i] = readElement(v, dt, i * size);
  return out;
}

function readElement(v: DataView, dt: DataType, at: number): JsonElement {
  switch (dt) {
    case "BOOL":
      return v.getUint8(at) !== 0;
    case "UINT8":
      return v.getUint8(at);
    case "UINT16":
      return v.getUint16(at, true);
    case "UINT32":
      return v.getUint32(at, true);
    case "UINT64":
      return v.getBigUint64(at, true);
    case "INT8":
      return v.getInt8(at);
    case "INT16":
      return v.getInt16(at, true);
    case "INT32":
      return v.getInt32(at, true);
    case "INT64":
      return v.getBigInt64(at, true);
    case "FP16":
      return halfToNumber(v.getUint16(at, true));
    case "BF16":
      return bf16ToNumber(v.getUint16(at, true));
    case "FP32":
      return v.getFloat32(at, true);
    case "FP64":
      return v.getFloat64(at, true);
    case "BYTES":
      throw new Error("unreachable: BYTES has no fixed element");
  }
}

function decodeStrings(bytes: Uint8Array): string[] {
  try {
    return decodeStringElements(bytes);
  } catch (e) {
    throw e instanceof BytesFramingError ? new RunError(e.message) : e;
  }
}

/** Encodes JSON data (flat or nested arrays, or one scalar) into wire bytes. */
export function tensorFromJson(dt: DataType, data: unknown): Uint8Array {
  const flat: unknown[] = [];
  flatten(data, flat, 0);
  if (dt === "BYTES") return encodeStrings(flat);
  const size = elementSize(dt);
  const bytes = new Uint8Array(flat.length * size);
  const v = view(bytes);
  for (let i = 0; i < flat.length; i++) writeElement(v, dt, i * size, flat[i]);
  return bytes;
}

function flatten(data: unknown, out: unknown[], depth: number): void {
  if (!Array.isArray(data)) {
    out.push(data);
    return;
  }
  if (depth > MAX_NESTING) throw new RunError("tensor JSON data is nested too deeply");
  for (const d of data) flatten(d, out, depth + 1);
}

function writeElement(v: DataView, dt: DataType, at: number, x: unknown): void {
  switch (dt) {
    case "BOOL":
      if (typeof x !== "boolean" && x !== 0 && x !== 1) throw badValue(dt, x);
      return v.setUint8(at, x === true || x === 1 ? 1 : 0);
    case "UINT64":
    case "INT64":
      return writeBig(v, dt, at, x);
    case "FP16":
      return v.setUint16(at, numberToHalf(toFloat(dt, x)), true);
    case "BF16":
      return v.setUint16(at, numberToBf16(toFloat(dt, x)), true);
    case "FP32":
      return v.setFloat32(at, toFloat(dt, x), true);
    case "FP64":
      return v.setFloat64(at, toFloat(dt, x), true);
    default:
      return writeSmallInt(v, dt, at, x);
  }
}

function writeSmallInt(v: DataView, dt: DataType, at: number, x: unknown): void {
  const range = INT_RANGES[dt];
  if (!range || typeof x !== "number" || !Number.isInteger(x) || x < range[0] || x > range[1]) {
    throw badValue(dt, x);
  }
  const size = elementSize(dt);
  if (size === 1) v.setUint8(at, x & 0xff);
  else if (size === 2) v.setUint16(at, x & 0xffff, true);
  else v.setUint32(at, x >>> 0, true);
}

function writeBig(v: DataView, dt: "INT64" | "UINT64", at: number, x: unknown): void {
  let b: bigint;
  if (typeof x === "bigint") b = x;
  else if (typeof x === "number" && Number.isSafeInteger(x)) b = BigInt(x);
  else if (typeof x === "string" && /^-?\d+$/.test(x)) b = BigInt(x);
  else throw badValue(dt, x);
  if (dt === "INT64" ? BigInt.asIntN(64, b) !== b : BigInt.asUintN(64, b) !== b) {
    throw badValue(dt, x);
  }
  if (dt === "INT64") v.setBigInt64(at, b, true);
  else v.setBigUint64(at, b, true);
}

function toFloat(dt: DataType, x: unknown): number {
  if (typeof x !== "number") throw badValue(dt, x);
  return x;
}

function encodeStrings(values: unknown[]): Uint8Array {
  return encodeStringElements(values.map((x) => {
    if (typeof x !== "string") throw badValue("BYTES", x);
    return x;
  }));
}

function badValue(dt: DataType, x: unknown): RunError {
  const shown = typeof x === "bigint" ? `${x}` : JSON.stringify(x) ?? String(x);
  return new RunError(`invalid ${dt} value in tensor data: ${shown}`);
}

/**
 * The JSON text of a flat `data` array for an inference request. FP16/BF16 have no JSON form
 * in Triton, so those (and non-finite floats, which JSON cannot carry) are refused.
 */
export function tensorJsonText(dt: DataType, bytes: Uint8Array): string {
  if (dt === "FP16" || dt === "BF16") {
    throw new RunError(
      `${dt} tensors cannot be sent as JSON (Triton has no JSON form for ${dt}); ` +
        "use --input-tensor-format binary",
    );
  }
  const values = tensorToJson(dt, bytes);
  if (dt === "BYTES") return JSON.stringify(values);
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x === "number" && !Number.isFinite(x)) {
      throw new RunError(
        `${dt} value ${x} cannot be sent as JSON; use --input-tensor-format binary`,
      );
    }
    parts[i] = String(x);
  }
  return `[${parts.join(",")}]`;
}
