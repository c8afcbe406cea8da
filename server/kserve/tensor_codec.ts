/**
 * Converts tensors between wire form (JSON elements, little-endian blobs, length-prefixed
 * BYTES) and the storage the models compute on: typed arrays, or the wire bytes themselves
 * for models that ask for them (raw_tensor.ts).
 */
import { decodeStringElements, encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { ApiError } from "./http_error.ts";
import type { RawInput } from "./infer_request.ts";
import type { Tensor, TensorValues } from "../models/mod.ts";
import { jsonToWire, RawBytes, wireToJson } from "./raw_tensor.ts";

// Typed-array views are the wire's little-endian layout only on a little-endian host.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("The reference server needs a little-endian host");
}

/**
 * A blob whose offset is not a multiple of the element size cannot be viewed in place. The
 * copy is made with the constructor: gRPC blobs are Node Buffers, whose slice() is a view.
 */
function aligned(blob: Uint8Array, size: number): ArrayBuffer {
  if (blob.byteOffset % size === 0) return blob.buffer as ArrayBuffer;
  return new Uint8Array(blob).buffer;
}

function alignedOffset(blob: Uint8Array, size: number): number {
  return blob.byteOffset % size === 0 ? blob.byteOffset : 0;
}

/**
 * Decodes one validated input (the compute-input phase). With `raw` the model gets the wire
 * bytes (JSON elements are packed into them), whatever the datatype.
 */
export function decodeInput(input: RawInput, raw: boolean): Tensor {
  const { shape } = input;
  // Validation has checked the datatype against the model's, so it is a DataType.
  const datatype = input.datatype as DataType;
  const blob = input.binary;
  if (raw) {
    return { datatype, shape, values: new RawBytes(blob ?? jsonToWire(datatype, input.json!)) };
  }
  let values: TensorValues;
  if (datatype === "INT32") {
    values = blob === undefined
      ? Int32Array.from(input.json as number[])
      : new Int32Array(aligned(blob, 4), alignedOffset(blob, 4), blob.length / 4);
  } else if (datatype === "UINT32") {
    values = blob === undefined
      ? Uint32Array.from(input.json as number[])
      : new Uint32Array(aligned(blob, 4), alignedOffset(blob, 4), blob.length / 4);
  } else if (datatype === "FP32") {
    values = blob === undefined
      ? Float32Array.from(input.json as number[])
      : new Float32Array(aligned(blob, 4), alignedOffset(blob, 4), blob.length / 4);
  } else if (datatype === "BYTES") {
    // Validation has already checked the framing, so decoding cannot fail here.
    values = blob === undefined ? (input.json as string[]).slice() : decodeStringElements(blob);
  } else {
    // Validation only admits the model's datatypes, and no model uses another one.
    throw new ApiError(500, `datatype ${datatype} is not supported by the reference server`);
  }
  return { datatype, shape, values };
}

/** The little-endian wire bytes of a tensor (a view for numeric types, no copy). */
export function tensorBlob(values: TensorValues): Uint8Array {
  if (values instanceof RawBytes) return values.bytes;
  if (!Array.isArray(values)) {
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  return encodeStringElements(values);
}

/**
 * Elements as JSON values: numbers, strings for BYTES, booleans for BOOL. Throws ApiError for
 * FP16/BF16, which Triton cannot send as JSON.
 */
export function tensorJsonData(t: Tensor): unknown[] {
  const values = t.values;
  if (values instanceof RawBytes) return wireToJson(t.datatype, values.bytes);
  return Array.isArray(values) ? values : Array.from(values);
}
