/**
 * One tensor value of an input-data file (reference §4.2) to wire bytes: a flat or nested array,
 * {"b64": ...}, or {"content": ..., "shape": [...]}. Shapes come from the value, else the model's
 * dims with --shape for variable ones; the byte size must fit the shape exactly. Errors are
 * thrown as DataError with the bare problem; the caller adds where it was found.
 */
import { splitBytesElements } from "./bytes_tensor.ts";
import type { StepTensor } from "./data_set.ts";
import { type DataType, elementCount, elementSize } from "./datatypes.ts";
import { tensorFromJson } from "./tensor_codec.ts";

/** A problem with one value; the loader prefixes file, stream, step and tensor. */
export class DataError extends Error {
  override name = "DataError";
}

/** Stands in for NaN / Infinity literals, which JSON.parse cannot read (see data_json.ts). */
export const NON_FINITE_KEY = "$perf_analyzer_non_finite";

export interface TensorTarget {
  name: string;
  datatype: DataType;
  /** Model dims without the batch dimension; -1 = variable. */
  dims: number[];
}

/** Replaces the non-finite stand-ins in a float tensor's elements by real numbers. */
function restoreNonFinite(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(restoreNonFinite);
  if (typeof data === "object" && data !== null && NON_FINITE_KEY in data) {
    return Number((data as Record<string, string>)[NON_FINITE_KEY]);
  }
  return data;
}

function flatCount(data: unknown): number {
  return Array.isArray(data) ? data.reduce((n: number, d) => n + flatCount(d), 0) : 1;
}

/** The shape a value without its own shape takes: model dims, --shape, or one inferred dim. */
function impliedShape(
  target: TensorTarget,
  shapes: Map<string, number[]>,
  count: number,
): number[] {
  const given = shapes.get(target.name);
  if (given) return given;
  const unknown = target.dims.filter((d) => d < 0).length;
  if (unknown === 0) return target.dims;
  const known = elementCount(target.dims.filter((d) => d >= 0));
  if (unknown === 1 && count >= 0 && known > 0 && count % known === 0) {
    return target.dims.map((d) => (d < 0 ? count / known : d));
  }
  throw new DataError(
    `input ${target.name} has variable dims [${target.dims.join(",")}]: give "shape" with the ` +
      `data or --shape ${target.name}:...`,
  );
}

function checkShape(target: TensorTarget, shape: unknown): number[] {
  const ok = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
  if (!ok) {
    throw new DataError(`"shape" must be a list of integers >= 0, got ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const fits = dims.length === target.dims.length &&
    dims.every((d, i) => target.dims[i] < 0 || target.dims[i] === d);
  if (!fits) {
    throw new DataError(
      `shape [${dims.join(",")}] does not match the model's dims [${target.dims.join(",")}]`,
    );
  }
  return dims;
}

function fromBase64(text: unknown): Uint8Array {
  if (typeof text !== "string") throw new DataError(`"b64" must be a string`);
  try {
    return Uint8Array.fromBase64(text);
  } catch {
    throw new DataError('bad base64 in "b64"');
  }
}

function encodeElements(target: TensorTarget, data: unknown): Uint8Array {
  const dt = target.datatype;
  // perf_analyzer writes numbers given for a string tensor as their decimal text.
  const prepared = dt === "BYTES"
    ? (Array.isArray(data) ? data.flat(Infinity) : [data]).map((x) =>
      typeof x === "number" ? String(x) : x
    )
    : restoreNonFinite(data);
  try {
    return tensorFromJson(dt, prepared);
  } catch (e) {
    throw new DataError((e as Error).message);
  }
}

/** Checks that `bytes` hold exactly `shape` of the target's datatype. */
function checkSize(target: TensorTarget, shape: number[], bytes: Uint8Array): void {
  const count = elementCount(shape);
  if (target.datatype === "BYTES") {
    let n: number;
    try {
      n = splitBytesElements(bytes).length;
    } catch (e) {
      throw new DataError(`bad BYTES framing: ${(e as Error).message}`);
    }
    if (n !== count) {
      throw new DataError(
        `${n} string elements for shape [${shape.join(",")}], which needs ${count}`,
      );
    }
    return;
  }
  const want = count * elementSize(target.datatype);
  if (bytes.length !== want) {
    throw new DataError(
      `mismatch in the data provided for ${target.name}. Expected: ${want} bytes, Got: ` +
        `${bytes.length} bytes`,
    );
  }
}

/** One value from a data file to a batch-1 tensor in wire form. */
export function tensorValue(
  target: TensorTarget,
  value: unknown,
  shapes: Map<string, number[]>,
): StepTensor {
  let shape: number[] | undefined;
  let content = value;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if ("b64" in obj) content = { b64: obj.b64 };
    else if ("shape" in obj || "content" in obj) {
      if (!("content" in obj)) throw new DataError(`"content" is missing beside "shape"`);
      if ("shape" in obj) shape = checkShape(target, obj.shape);
      content = obj.content;
    } else if (!(NON_FINITE_KEY in obj)) {
      throw new DataError(
        `expected an array, {"b64": ...} or {"content": ..., "shape": [...]}, got keys ` +
          Object.keys(obj).map((k) => `"${k}"`).join(", "),
      );
    }
  }
  const isB64 = typeof content === "object" && content !== null && !Array.isArray(content) &&
    "b64" in content;
  const bytes = isB64
    ? fromBase64((content as { b64: unknown }).b64)
    : encodeElements(target, content);
  if (shape === undefined) {
    const count = isB64 ? -1 : flatCount(content);
    shape = impliedShape(target, shapes, target.datatype === "BYTES" || !isB64 ? count : -1);
  }
  if (!isB64 && target.datatype !== "BYTES" && flatCount(content) !== elementCount(shape)) {
    throw new DataError(
      `${flatCount(content)} elements for shape [${shape.join(",")}], which needs ` +
        `${elementCount(shape)}`,
    );
  }
  checkSize(target, shape, bytes);
  return { datatype: target.datatype, shape, bytes };
}
