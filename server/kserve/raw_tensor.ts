/**
 * Tensors kept as their wire bytes (little-endian elements, length-prefixed BYTES), for models
 * that pass data through untouched (echo_all). Keeping the bytes, rather than typed storage,
 * makes a round trip exact for every datatype, including FP16/BF16 (no JS element type) and
 * 64-bit integers beyond 2^53 (which a JS number cannot hold).
 */
import { decodeStringElements, encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { invalidArg } from "./http_error.ts";

/** A tensor's elements exactly as the wire carries them. */
export class RawBytes {
  constructor(readonly bytes: Uint8Array) {}
}

type NumericArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

interface NumericConstructor {
  new (length: number): NumericArray;
  new (buffer: ArrayBuffer): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
}

/** Little-endian typed storage per fixed-width datatype (FP16/BF16 have none in JS). */
const NUMERIC: Partial<Record<DataType, NumericConstructor>> = {
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/**
 * V8 prints a raw JSON value verbatim inside JSON.stringify, so a 64-bit integer reaches the
 * client with every digit, as Triton writes it. Deno's bundled TypeScript lib lacks the type.
 */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function viewBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * The wire bytes of JSON elements that json_data.ts has already checked against `dt`
 * (booleans, in-range integers, numbers or strings; never FP16/BF16, refused in JSON).
 */
export function jsonToWire(dt: DataType, elements: readonly unknown[]): Uint8Array {
  if (dt === "BYTES") return encodeStringElements(elements as string[]);
  if (dt === "BOOL") return Uint8Array.from(elements as boolean[], (b) => (b ? 1 : 0));
  if (dt === "INT64") return viewBytes(BigInt64Array.from(elements as number[], BigInt));
  if (dt === "UINT64") return viewBytes(BigUint64Array.from(elements as number[], BigInt));
  const Numeric = NUMERIC[dt];
  if (Numeric === undefined) throw new RangeError(`${dt} has no JSON form`);
  const out = new Numeric(elements.length);
  out.set(elements as number[]);
  return viewBytes(out);
}

/** A copy at offset 0: typed views need an offset that is a multiple of the element size. */
function alignedBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/**
 * Wire bytes as JSON `data` elements. Triton cannot write half floats as JSON and fails the
 * response with these messages (http_server.cc WriteDataToJson), so this server does too.
 */
export function wireToJson(dt: DataType, bytes: Uint8Array): unknown[] {
  if (dt === "FP16" || dt === "BF16") {
    throw invalidArg(
      `sending ${dt} data via JSON is not supported. Please use the binary data format for output`,
    );
  }
  if (dt === "BYTES") return decodeStringElements(bytes);
  if (dt === "BOOL") return Array.from(bytes, (b) => b !== 0);
  if (dt === "INT64" || dt === "UINT64") {
    const buffer = alignedBuffer(bytes);
    const view = dt === "INT64" ? new BigInt64Array(buffer) : new BigUint64Array(buffer);
    return Array.from(view, (v) => rawJSON(v.toString()));
  }
  const Numeric = NUMERIC[dt]!;
  // Byte sizes were validated on the way in; a partial element would be a server bug.
  if (bytes.length % Numeric.BYTES_PER_ELEMENT !== 0) {
    throw new RangeError(`${dt} data of ${bytes.length} bytes`);
  }
  return Array.from(new Numeric(alignedBuffer(bytes)));
}
