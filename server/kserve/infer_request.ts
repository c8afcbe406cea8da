/**
 * Parses an infer request body (JSON header plus binary blobs, docs/protocols.md §1.6 and §1.8)
 * into inputs and requested outputs, rejecting malformed requests with Triton's messages.
 * Element decoding is left to the execution's compute-input phase.
 */
import { elementCount, elementSize, isDataType } from "../../wire/kserve/datatypes.ts";
import { invalidArg } from "./http_error.ts";
import { flattenJsonData } from "./json_data.ts";
import type { ModelSpec } from "../models/mod.ts";
import { checkParameters } from "./infer_parameters.ts";
import { validateAgainstModel } from "./infer_validate.ts";
import type { SequenceParams } from "../models/sequences.ts";
import type { RegionWindow, ShmRegistry } from "../models/shm_registry.ts";
import type { ReceivedParameter } from "../models/parameter_log.ts";

export interface RawInput {
  name: string;
  /** As sent; checked against the model by validation. */
  datatype: string;
  shape: number[];
  /** Flattened elements when the input came as JSON `data`. */
  json: unknown[] | undefined;
  /** The input's blob (a view into the body) when it came as binary data. */
  binary: Uint8Array | undefined;
}

export interface RequestedOutput {
  name: string;
  binary: boolean;
  /** Set when the client asked for the output in a shared-memory region. */
  shm?: RegionWindow;
}

export interface InferRequest {
  /** "" when the request had none. */
  id: string;
  inputs: RawInput[];
  /** The outputs to return, in response order. */
  outputs: RequestedOutput[];
  batchSize: number;
  /** Set only for sequence models, when the request named an id or a flag. */
  sequence?: SequenceParams;
  /**
   * HTTP only: the request-level parameters Triton does not parse itself, for the ground
   * truth (server/models/parameter_log.ts); absent when the request had none.
   */
  custom?: Record<string, ReceivedParameter>;
}

const decoder = new TextDecoder();

/** Above this many tensors, duplicate names are found through a Set rather than a scan. */
const FEW_TENSORS = 16;

/**
 * The names a request's tensor list has used so far: undefined for the few tensors real
 * requests carry (a scan of the list, nothing allocated), a Set for more, so a hostile body
 * with 100,000 inputs costs O(n) instead of O(n^2).
 */
export function nameIndex(count: number): Set<string> | undefined {
  return count > FEW_TENSORS ? new Set() : undefined;
}

/** Throws Triton's "already exists" error when `name` was seen, else records it. */
export function addUniqueName(
  kind: "input" | "output",
  seen: readonly { name: string }[],
  index: Set<string> | undefined,
  name: string,
): void {
  const repeated = index === undefined ? seen.some((t) => t.name === name) : index.has(name);
  if (repeated) throw invalidArg(`${kind} '${name}' already exists in request`);
  index?.add(name);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Length of the JSON header from Inference-Header-Content-Length (whole body when absent). */
export function inferenceHeaderLength(header: string | null, bodyLength: number): number {
  if (header === null) return bodyLength;
  const trimmed = header.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw invalidArg(`Unable to parse Inference-Header-Content-Length, got: ${header}`);
  }
  const n = Number(trimmed);
  if (n < 0 || n > bodyLength) {
    throw invalidArg(`inference header size should be in range (0, ${bodyLength}), got: ${header}`);
  }
  return n;
}

/** Parses and validates a request; throws ApiError for anything the model cannot run. */
export function parseInferRequest(
  spec: ModelSpec,
  body: Uint8Array,
  headerLength: string | null,
  shm: ShmRegistry,
): InferRequest {
  const jsonLength = inferenceHeaderLength(headerLength, body.length);
  const req = jsonLength === 0
    ? parseRawRequest(spec, body)
    : parseJsonRequest(spec, body, jsonLength, shm);
  req.batchSize = validateAgainstModel(spec, req);
  return req;
}

function parseJsonRequest(
  spec: ModelSpec,
  body: Uint8Array,
  jsonLength: number,
  shm: ShmRegistry,
): InferRequest {
  let root: unknown;
  try {
    root = JSON.parse(decoder.decode(body.subarray(0, jsonLength)));
  } catch (e) {
    throw invalidArg(`failed to parse the request JSON buffer: ${(e as Error).message}`);
  }
  if (!isObject(root)) {
    throw invalidArg("failed to parse the request JSON buffer: the request must be a JSON object");
  }
  let id = "";
  if ("id" in root) {
    if (typeof root.id !== "string") throw invalidArg("Unable to parse 'id'");
    id = root.id;
  }
  const { binaryOutput, sequence, custom } = checkParameters(root.parameters, spec, id);
  const cursor = { offset: jsonLength, shm };
  const inputs = parseInputs(root.inputs, body, cursor, spec.name);
  if (cursor.offset !== body.length) {
    throw invalidArg(`unexpected additional input data for model '${spec.name}'`);
  }
  const outputs = parseOutputs(root.outputs, binaryOutput, spec, shm);
  return { id, inputs, outputs, batchSize: 0, sequence, custom };
}

/** Triton's ValidateInputContentType: exactly one way of carrying the data. */
function checkContentType(input: Record<string, unknown>): void {
  const params = isObject(input.parameters) ? input.parameters : {};
  const set: string[] = [];
  if ("data" in input) set.push("'data'");
  if ("binary_data_size" in params) set.push("'binary_data_size'");
  if ("shared_memory_region" in params) set.push("'shared_memory_region'");
  if (set.length === 1) return;
  throw invalidArg(
    "Input must set only one of the following fields: 'data', 'binary_data_size' in " +
      "'parameters', 'shared_memory_region' in 'parameters'. But" +
      (set.length === 0 ? " no field is set" : ` set ${set.join(" ")}`),
  );
}

function parseShape(v: unknown): number[] {
  if (!Array.isArray(v)) throw invalidArg("Unable to parse 'shape'");
  for (const d of v) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw invalidArg("Unable to parse 'shape'");
    }
  }
  return v as number[];
}

/** Where the next binary blob starts, and the regions inputs may name. */
interface Cursor {
  offset: number;
  shm: ShmRegistry;
}

/** The region window a tensor's `shared_memory_*` parameters name (JSON form). */
export function jsonWindow(shm: ShmRegistry, params: Record<string, unknown>): RegionWindow {
  const { shared_memory_region: region, shared_memory_byte_size: size } = params;
  const offset = params.shared_memory_offset ?? 0;
  if (typeof region !== "string") throw invalidArg("Unable to parse 'shared_memory_region'");
  if (typeof size !== "number" || !Number.isSafeInteger(size)) {
    throw invalidArg("Unable to parse 'shared_memory_byte_size'");
  }
  if (typeof offset !== "number" || !Number.isSafeInteger(offset)) {
    throw invalidArg("Unable to parse 'shared_memory_offset'");
  }
  return shm.window(region, offset, size);
}

function parseInput(
  el: unknown,
  body: Uint8Array,
  cursor: Cursor,
  model: string,
): RawInput {
  if (!isObject(el)) throw invalidArg("Unable to parse 'inputs'");
  checkContentType(el);
  if (typeof el.name !== "string") throw invalidArg("Unable to parse 'name'");
  if (typeof el.datatype !== "string") throw invalidArg("Unable to parse 'datatype'");
  const name = el.name;
  const datatype = el.datatype;
  const shape = parseShape(el.shape);
  const params = isObject(el.parameters) ? el.parameters : {};
  if ("shared_memory_region" in params) {
    const binary = cursor.shm.read(jsonWindow(cursor.shm, params));
    return { name, datatype, shape, json: undefined, binary };
  }
  if ("binary_data_size" in params) {
    const size = params.binary_data_size;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw invalidArg("Unable to parse 'binary_data_size'");
    }
    const available = body.length - cursor.offset;
    if (size > available) {
      throw invalidArg(
        `unexpected size for input '${name}', expecting ${size - available} additional bytes ` +
          `for model '${model}'`,
      );
    }
    const binary = body.subarray(cursor.offset, cursor.offset + size);
    cursor.offset += size;
    return { name, datatype, shape, json: undefined, binary };
  }
  if (!isDataType(datatype)) throw invalidArg(`invalid datatype for input ${name}`);
  const json = flattenJsonData(name, datatype, el.data, elementCount(shape));
  return { name, datatype, shape, json, binary: undefined };
}

function parseInputs(
  v: unknown,
  body: Uint8Array,
  cursor: Cursor,
  model: string,
): RawInput[] {
  if (!Array.isArray(v)) throw invalidArg("Unable to parse 'inputs'");
  const inputs: RawInput[] = [];
  const index = nameIndex(v.length);
  for (const el of v) {
    const input = parseInput(el, body, cursor, model);
    addUniqueName("input", inputs, index, input.name);
    inputs.push(input);
  }
  return inputs;
}

function parseOutput(el: unknown, defaultBinary: boolean, shm: ShmRegistry): RequestedOutput {
  if (!isObject(el)) throw invalidArg("Unable to parse 'outputs'");
  if (typeof el.name !== "string") throw invalidArg("Unable to parse 'name'");
  const name = el.name;
  if (el.parameters === undefined) return { name, binary: defaultBinary };
  if (!isObject(el.parameters)) throw invalidArg("Unable to parse 'parameters'");
  const p = el.parameters;
  if ("shared_memory_region" in p) return { name, binary: false, shm: jsonWindow(shm, p) };
  if ("classification" in p) {
    throw invalidArg(
      `output '${name}' asks for classification, which this server does not support`,
    );
  }
  if (!("binary_data" in p)) return { name, binary: defaultBinary };
  if (typeof p.binary_data !== "boolean") throw invalidArg("Unable to parse 'binary_data'");
  return { name, binary: p.binary_data };
}

function parseOutputs(
  v: unknown,
  defaultBinary: boolean,
  spec: ModelSpec,
  shm: ShmRegistry,
): RequestedOutput[] {
  if (v === undefined) return spec.outputs.map((o) => ({ name: o.name, binary: defaultBinary }));
  if (!Array.isArray(v)) throw invalidArg("Unable to parse 'outputs'");
  // An empty list requests nothing in particular, which Triton treats as "all outputs".
  if (v.length === 0) return spec.outputs.map((o) => ({ name: o.name, binary: defaultBinary }));
  const outputs: RequestedOutput[] = [];
  const index = nameIndex(v.length);
  for (const el of v) {
    const out = parseOutput(el, defaultBinary, shm);
    addUniqueName("output", outputs, index, out.name);
    outputs.push(out);
  }
  return outputs;
}

/**
 * Inference-Header-Content-Length: 0 — the body is the single input's bytes, batch 1, with
 * its one variable dimension deduced from the size; every output comes back binary.
 */
function parseRawRequest(spec: ModelSpec, body: Uint8Array): InferRequest {
  if (spec.inputs.length !== 1) {
    throw invalidArg(
      `Raw request must only have 1 input (found 1) to be deduced but got ` +
        `${spec.inputs.length} inputs in '${spec.name}' model configuration`,
    );
  }
  const io = spec.inputs[0];
  const fixed = io.dims.reduce((n, d) => (d < 0 ? n : n * d), 1);
  const size = elementSize(io.datatype);
  const variable = size > 0 && fixed > 0 ? Math.floor(body.length / (fixed * size)) : 1;
  const dims = io.dims.map((d) => (d < 0 ? variable : d));
  const shape = spec.maxBatchSize > 0 ? [1, ...dims] : dims;
  const outputs = spec.outputs.map((o) => ({ name: o.name, binary: true }));
  const input = { name: io.name, datatype: io.datatype, shape, json: undefined, binary: body };
  return { id: "", inputs: [input], outputs, batchSize: 0 };
}
