/**
 * What every kind's output decoder (Triton HTTP and gRPC, TF Serving gRPC and REST) shares:
 * the checks that turn a decoded name, datatype, shape and bytes into an {@link OutputTensor}
 * validation can trust, and the step that fills `record.outputs` or fails the record. A
 * response that claims success but carries outputs nobody can read is a protocol error, never
 * a silent mismatch later.
 */
import { BytesFramingError, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import {
  type DataType,
  elementCount,
  elementSize,
  isDataType,
} from "../../wire/kserve/datatypes.ts";
import { RunError } from "../../core/errors.ts";
import type { OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";

/** Why a successful response's outputs cannot be decoded; its message is the error text. */
export class OutputDecodeError extends Error {
  override name = "OutputDecodeError";
}

/**
 * Runs `decode` into `record.outputs`. On a decode failure the partial outputs are dropped
 * and the record becomes a protocol error at `ns` with the decoder's message.
 */
export function captureInto(
  record: RequestRecord,
  ns: number,
  decode: (out: OutputTensor[]) => void,
): void {
  try {
    decode(record.outputs);
  } catch (e) {
    if (!(e instanceof OutputDecodeError)) throw e;
    record.outputs.length = 0;
    record.fail("protocol_error", e.message, ns);
  }
}

export function outputDataType(name: string, datatype: unknown): DataType {
  if (typeof datatype === "string" && isDataType(datatype)) return datatype;
  const shown = typeof datatype === "string" ? `'${datatype}'` : "missing";
  throw new OutputDecodeError(`output '${name}': datatype ${shown} is not a KServe v2 datatype`);
}

export function outputShape(name: string, shape: unknown): number[] {
  const ok = Array.isArray(shape) &&
    shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
  if (!ok) {
    throw new OutputDecodeError(`output '${name}': shape is not a list of non-negative integers`);
  }
  return shape as number[];
}

/**
 * Wire bytes from JSON-like values (HTTP "data" arrays, gRPC typed contents), with the
 * codec's complaint about a value turned into a decode error naming the output.
 */
export function outputFromValues(name: string, dt: DataType, values: unknown): Uint8Array {
  try {
    return tensorFromJson(dt, values);
  } catch (e) {
    if (e instanceof RunError) throw new OutputDecodeError(`output '${name}': ${e.message}`);
    throw e;
  }
}

/**
 * The output, after checking its bytes are exactly what the shape needs: the element size
 * times the element count, or for BYTES that many well-framed elements. `bytes` is kept as
 * given, so callers pass a copy when it views a buffer that is reused.
 */
export function checkedOutput(
  name: string,
  dt: DataType,
  shape: number[],
  bytes: Uint8Array,
): OutputTensor {
  const count = elementCount(shape);
  const dims = `[${shape.join(",")}]`;
  if (dt === "BYTES") {
    const got = bytesElementCount(name, bytes);
    if (got !== count) {
      throw new OutputDecodeError(
        `output '${name}': ${got} BYTES elements for shape ${dims}, which needs ${count}`,
      );
    }
  } else if (bytes.length !== count * elementSize(dt)) {
    throw new OutputDecodeError(
      `output '${name}': ${bytes.length} bytes of ${dt} data for shape ${dims}, ` +
        `which needs ${count * elementSize(dt)}`,
    );
  }
  return { name, datatype: dt, shape, bytes };
}

function bytesElementCount(name: string, bytes: Uint8Array): number {
  try {
    return splitBytesElements(bytes).length;
  } catch (e) {
    if (e instanceof BytesFramingError) {
      throw new OutputDecodeError(`output '${name}': ${e.message}`);
    }
    throw e;
  }
}
