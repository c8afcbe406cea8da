/**
 * Checks a parsed request against the model configuration, in the order Triton's core
 * (InferenceRequest::Normalize) does, with its messages.
 */
import { BytesFramingError, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import { elementCount, elementSize } from "../../wire/kserve/datatypes.ts";
import { invalidArg, requestPrefix } from "./http_error.ts";
import type { InferRequest, RawInput } from "./infer_request.ts";
import type { IoSpec, ModelSpec } from "../models/mod.ts";

const BATCH_NOTE = "NOTE: Setting a non-zero max_batch_size in the model config requires a " +
  "batch dimension to be prepended to each input shape. If you want to specify the full " +
  "shape including the batch dim in your input dims config, try setting max_batch_size to " +
  "zero. See the model configuration docs for more info on max_batch_size.";

/** Triton's DimsListToString: "[-1,16]". */
function dimsString(dims: readonly number[]): string {
  return `[${dims.join(",")}]`;
}

function checkNames(spec: ModelSpec, req: InferRequest, prefix: string): void {
  for (const out of req.outputs) {
    if (!spec.outputs.some((o) => o.name === out.name)) {
      throw invalidArg(`unexpected inference output '${out.name}' for model '${spec.name}'`);
    }
  }
  for (const input of req.inputs) {
    if (!spec.inputs.some((i) => i.name === input.name)) {
      throw invalidArg(`unexpected inference input '${input.name}' for model '${spec.name}'`);
    }
  }
  const missing = spec.inputs.filter((i) =>
    !i.optional && !req.inputs.some((r) => r.name === i.name)
  );
  if (missing.length === 0) return;
  const quoted = (names: string[]) => `[${names.map((n) => `'${n}'`).join(",")}]`;
  throw invalidArg(
    `${prefix}expected ${spec.inputs.length} inputs but got ${req.inputs.length} inputs for ` +
      `model '${spec.name}'. Got inputs ${quoted(req.inputs.map((i) => i.name))}, but missing ` +
      `required inputs ${quoted(missing.map((i) => i.name))}. Please provide all required inputs.`,
  );
}

/** The batch size every input agrees on (0 for a model that does not batch). */
function batchSize(spec: ModelSpec, req: InferRequest, prefix: string): number {
  if (spec.maxBatchSize === 0) return 0;
  let batch = -1;
  for (const input of req.inputs) {
    if (input.shape.length === 0) {
      throw invalidArg(
        `${prefix}input '${input.name}' has no shape but model requires batch dimension for ` +
          `'${spec.name}'`,
      );
    }
    if (batch === -1) batch = input.shape[0];
    else if (input.shape[0] !== batch) {
      throw invalidArg(
        `${prefix}input '${input.name}' batch size does not match other inputs for '${spec.name}'`,
      );
    }
  }
  if (batch > spec.maxBatchSize) {
    throw invalidArg(
      `${prefix}inference request batch-size must be <= ${spec.maxBatchSize} for '${spec.name}'`,
    );
  }
  if (batch < 1) {
    throw invalidArg(`${prefix}inference request batch-size must be >= 1 for '${spec.name}'`);
  }
  return batch;
}

function checkShape(spec: ModelSpec, io: IoSpec, input: RawInput, prefix: string): void {
  const dims = spec.maxBatchSize > 0 ? input.shape.slice(1) : input.shape;
  const matches = dims.length === io.dims.length &&
    io.dims.every((d, i) => d === -1 || d === dims[i]);
  if (matches) return;
  const expected = spec.maxBatchSize > 0 ? [-1, ...io.dims] : io.dims;
  throw invalidArg(
    `${prefix}unexpected shape for input '${input.name}' for model '${spec.name}'. Expected ` +
      `${dimsString(expected)}, got ${dimsString(input.shape)}. ` +
      (spec.maxBatchSize > 0 ? BATCH_NOTE : ""),
  );
}

/** Counts length-prefixed BYTES elements, or says where the framing breaks. */
function countBytesElements(blob: Uint8Array, name: string, model: string, prefix: string): number {
  try {
    return splitBytesElements(blob).length;
  } catch (e) {
    if (!(e instanceof BytesFramingError)) throw e;
    if (e.kind === "prefix") {
      throw invalidArg(
        `${prefix}incomplete string length indicator for inference input '${name}' for model ` +
          `'${model}', expecting 4 bytes but only ${e.available} bytes available`,
      );
    }
    throw invalidArg(
      `${prefix}element byte size indicator exceeds the end of the buffer for inference ` +
        `input '${name}' for model '${model}'`,
    );
  }
}

function checkByteSize(spec: ModelSpec, input: RawInput, prefix: string): void {
  const blob = input.binary;
  if (blob === undefined) return;
  const expected = elementCount(input.shape);
  if (input.datatype === "BYTES") {
    const got = countBytesElements(blob, input.name, spec.name, prefix);
    if (got !== expected) {
      throw invalidArg(
        `${prefix}expected ${expected} string elements for inference input '${input.name}' ` +
          `for model '${spec.name}', got ${got}`,
      );
    }
    return;
  }
  const bytes = expected * elementSize(input.datatype as IoSpec["datatype"]);
  if (blob.length !== bytes) {
    throw invalidArg(
      `${prefix}input byte size mismatch for input '${input.name}' for model '${spec.name}'. ` +
        `Expected ${bytes}, got ${blob.length}`,
    );
  }
}

/** Validates names, batch, datatypes, shapes and byte sizes; returns the batch size. */
export function validateAgainstModel(spec: ModelSpec, req: InferRequest): number {
  const prefix = requestPrefix(req.id);
  checkNames(spec, req, prefix);
  const batch = batchSize(spec, req, prefix);
  for (const input of req.inputs) {
    const io = spec.inputs.find((i) => i.name === input.name)!;
    if (input.datatype !== io.datatype) {
      const sent = input.datatype;
      throw invalidArg(
        `${prefix}inference input '${input.name}' data-type is '${sent}', but model ` +
          `'${spec.name}' expects '${io.datatype}'`,
      );
    }
    checkShape(spec, io, input, prefix);
    checkByteSize(spec, input, prefix);
  }
  return batch;
}
