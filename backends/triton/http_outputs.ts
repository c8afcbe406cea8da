/**
 * The outputs of a successful HTTP/REST inference response in wire form, for backends created
 * with captureOutputs (the measurement path never parses the body). Both response forms are
 * read: outputs with `parameters.binary_data_size` take the next that many bytes after the
 * JSON header (binary tensor extension, docs/protocols.md §1.8), the others carry a JSON `data`
 * array (§1.6), encoded with the tensor codec.
 */
import type { OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import type { HttpResponse } from "../../wire/http1/connection.ts";
import { asInt, asObject } from "../shared/json_fields.ts";
import {
  captureInto,
  checkedOutput,
  outputDataType,
  OutputDecodeError,
  outputFromValues,
  outputShape,
} from "../shared/output_tensor.ts";
import type { RegionReader } from "./shm_regions.ts";

const utf8 = new TextDecoder();
const INTEGER = /^-?\d+$/;

/** Fills `record.outputs` from the response, or fails the record as a protocol error. */
export function captureHttpOutputs(
  res: HttpResponse,
  record: RequestRecord,
  region?: RegionReader,
): void {
  captureInto(record, record.endNs, (out) => decodeHttpOutputs(res, out, region));
}

/**
 * Appends the response's outputs to `out`; throws OutputDecodeError naming what is wrong.
 * With `region` the outputs were requested in shared memory and are read from there.
 */
export function decodeHttpOutputs(
  res: HttpResponse,
  out: OutputTensor[],
  region?: RegionReader,
): void {
  const { buf, bodyStart, bodyEnd } = res;
  const bodyLength = bodyEnd - bodyStart;
  const headerLength = res.head.inferHeaderLength >= 0 ? res.head.inferHeaderLength : bodyLength;
  if (headerLength > bodyLength) {
    throw new OutputDecodeError(
      `Inference-Header-Content-Length ${headerLength} exceeds the body (${bodyLength} bytes)`,
    );
  }
  const header = parseHeader(buf.subarray(bodyStart, bodyStart + headerLength));
  const outputs = header.outputs ?? [];
  if (!Array.isArray(outputs)) {
    throw new OutputDecodeError("the inference response's 'outputs' is not a list");
  }
  let at = bodyStart + headerLength;
  for (let i = 0; i < outputs.length; i++) {
    const o = asObject(outputs[i]);
    if (!o || typeof o.name !== "string") {
      throw new OutputDecodeError(`inference response output #${i} has no name`);
    }
    const name = o.name;
    const dt = outputDataType(name, o.datatype);
    const shape = outputShape(name, o.shape);
    const size = binaryDataSize(name, o.parameters);
    let bytes: Uint8Array;
    if (region !== undefined) {
      bytes = region(name, dt, shape);
    } else if (size !== undefined) {
      if (size > bodyEnd - at) {
        throw new OutputDecodeError(
          `output '${name}': binary_data_size ${size} exceeds the ${bodyEnd - at} bytes of ` +
            "binary data left in the response",
        );
      }
      // A copy: the connection reuses its read buffer for the next response.
      bytes = buf.slice(at, at + size);
      at += size;
    } else if ("data" in o) {
      bytes = outputFromValues(name, dt, o.data);
    } else {
      throw new OutputDecodeError(`output '${name}' has neither data nor binary_data_size`);
    }
    out.push(checkedOutput(name, dt, shape, bytes));
  }
  if (at !== bodyEnd) {
    throw new OutputDecodeError(
      `the inference response has ${bodyEnd - at} bytes of binary data after its last output`,
    );
  }
}

/** The output's binary_data_size (a number, or a decimal string from other servers). */
function binaryDataSize(name: string, parameters: unknown): number | undefined {
  const raw = asObject(parameters)?.binary_data_size;
  if (raw === undefined) return undefined;
  const size = asInt(raw);
  if (size === undefined || size < 0) {
    throw new OutputDecodeError(`output '${name}': binary_data_size is not a byte count`);
  }
  return size;
}

/**
 * The JSON header as an object. Integer literals beyond 2^53 are kept exact as bigints (the
 * codec writes INT64/UINT64 data from them byte-exact) and float outputs get them back as
 * numbers, so validation compares what the server sent, not a rounded copy.
 */
function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let root: unknown;
  try {
    root = JSON.parse(utf8.decode(bytes), exactIntegers);
  } catch (e) {
    throw new OutputDecodeError(`the inference response header is not JSON: ${errorText(e)}`);
  }
  const header = asObject(root);
  if (!header) throw new OutputDecodeError("the inference response header is not a JSON object");
  return header;
}

function exactIntegers(
  this: unknown,
  key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    const source = context?.source;
    if (source !== undefined && INTEGER.test(source)) return BigInt(source);
  }
  // `data` is revived after its elements: only 64-bit integer outputs keep bigints.
  if (key === "data" && Array.isArray(value)) {
    const dt = asObject(this)?.datatype;
    if (dt !== "INT64" && dt !== "UINT64") return unBig(value);
  }
  return value;
}

/** Bigint elements back to (rounded) numbers, as a plain parse would have given them. */
function unBig(data: unknown): unknown {
  if (typeof data === "bigint") return Number(data);
  if (Array.isArray(data) && data.some((d) => typeof d === "bigint" || Array.isArray(d))) {
    return data.map(unBig);
  }
  return data;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
