/**
 * Converts tensors between wire form (JSON elements, little-endian blobs, length-prefixed
 * BYTES) and the typed storage the models compute on.
 */
import { ApiError } from "./http_error.ts";
import type { RawInput } from "./infer_request.ts";
import type { Tensor, TensorValues } from "./models.ts";

// Typed-array views are the wire's little-endian layout only on a little-endian host.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("The reference server needs a little-endian host");
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A blob whose offset is not a multiple of the element size cannot be viewed in place. */
function aligned(blob: Uint8Array, size: number): ArrayBuffer {
  if (blob.byteOffset % size === 0) return blob.buffer as ArrayBuffer;
  return blob.slice().buffer;
}

function alignedOffset(blob: Uint8Array, size: number): number {
  return blob.byteOffset % size === 0 ? blob.byteOffset : 0;
}

export function decodeBytesElements(blob: Uint8Array): string[] {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: string[] = [];
  let offset = 0;
  // Framing was checked by validation, so every prefix is in bounds here.
  while (offset < blob.length) {
    const len = view.getUint32(offset, true);
    out.push(decoder.decode(blob.subarray(offset + 4, offset + 4 + len)));
    offset += 4 + len;
  }
  return out;
}

/** Decodes one validated input (the compute-input phase). */
export function decodeInput(input: RawInput): Tensor {
  const { datatype, shape } = input;
  const blob = input.binary;
  let values: TensorValues;
  if (datatype === "INT32") {
    values = blob === undefined
      ? Int32Array.from(input.json as number[])
      : new Int32Array(aligned(blob, 4), alignedOffset(blob, 4), blob.length / 4);
  } else if (datatype === "FP32") {
    values = blob === undefined
      ? Float32Array.from(input.json as number[])
      : new Float32Array(aligned(blob, 4), alignedOffset(blob, 4), blob.length / 4);
  } else if (datatype === "BYTES") {
    values = blob === undefined ? (input.json as string[]).slice() : decodeBytesElements(blob);
  } else {
    // Validation only admits the model's datatypes, and no model uses another one.
    throw new ApiError(500, `datatype ${datatype} is not supported by the reference server`);
  }
  return { datatype: input.datatype as Tensor["datatype"], shape, values };
}

/** The little-endian wire bytes of a tensor (a view for numeric types, no copy). */
export function tensorBlob(values: TensorValues): Uint8Array {
  if (!Array.isArray(values)) {
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  const parts = values.map((s) => encoder.encode(s));
  let total = 0;
  for (const p of parts) total += 4 + p.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const p of parts) {
    view.setUint32(offset, p.length, true);
    out.set(p, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}

/** Elements as JSON values: numbers for numeric types, strings for BYTES. */
export function tensorJsonData(values: TensorValues): (number | string)[] {
  return Array.isArray(values) ? values : Array.from(values);
}
