/**
 * A decoded gRPC ModelInferRequest to the InferRequest the HTTP path builds, then the same
 * validation against the model: one set of rules (and messages) behind two front ends.
 */
import { isDataType } from "../../wire/kserve/datatypes.ts";
import type { ProtoInferRequest, ProtoParameter, ProtoParameters } from "./proto.ts";
import { contentsBlob } from "./contents.ts";
import { invalidArg } from "../kserve/http_error.ts";
import {
  reservedPrefixError,
  type SentSequenceKeys,
  sequenceParams,
} from "../kserve/infer_parameters.ts";
import {
  addUniqueName,
  type InferRequest,
  nameIndex,
  type RawInput,
  type RequestedOutput,
} from "../kserve/infer_request.ts";
import { validateAgainstModel } from "../kserve/infer_validate.ts";
import type { ModelSpec } from "../models/mod.ts";
import type { SequenceParams } from "../models/sequences.ts";
import type { ReceivedParameter } from "../models/parameter_log.ts";
import type { RegionWindow, ShmRegistry } from "../models/shm_registry.ts";

export interface GrpcInferRequest {
  request: InferRequest;
  /** The client set `triton_enable_empty_final_response` (streaming, decoupled models). */
  emptyFinal: boolean;
  /** The parameters Triton passes to the backend (not its own keys), for the ground truth. */
  custom: Record<string, ReceivedParameter>;
}

/** Keys Triton's gRPC front end parses itself, with the InferParameter fields each may use. */
const RESERVED: Record<string, readonly string[]> = {
  sequence_id: ["int64_param", "string_param"],
  sequence_start: ["bool_param"],
  sequence_end: ["bool_param"],
  priority: ["int64_param", "uint64_param"],
  timeout: ["int64_param"],
  triton_enable_empty_final_response: ["bool_param"],
};

/** Custom parameters are passed to the backend only as these types (docs/protocols.md §2.3). */
const CUSTOM = ["bool_param", "int64_param", "string_param", "double_param"];

const EMPTY = new Uint8Array(0);

function valueOf(p: ProtoParameter): unknown {
  return (p as Record<string, unknown>)[p.parameter_choice ?? ""];
}

interface CheckedParameters {
  emptyFinal: boolean;
  sequence: SequenceParams | undefined;
  custom: Record<string, ReceivedParameter>;
}

/** Checks request parameters: the sequence id and flags, and the empty-final request. */
function checkParameters(params: ProtoParameters, spec: ModelSpec, id: string): CheckedParameters {
  let emptyFinal = false;
  const sent: SentSequenceKeys = {};
  const custom: Record<string, ReceivedParameter> = {};
  for (const [key, p] of Object.entries(params)) {
    const choice = p.parameter_choice ?? "";
    const allowed = RESERVED[key];
    if (allowed !== undefined) {
      if (!allowed.includes(choice)) {
        throw invalidArg(
          `invalid value type for '${key}' parameter, expected ${allowed.join(" or ")}.`,
        );
      }
      const value = valueOf(p);
      if (key === "sequence_id") sent.id = value as number | string;
      if (key === "sequence_start") sent.start = value as boolean;
      if (key === "sequence_end") sent.end = value as boolean;
      if (key === "triton_enable_empty_final_response") emptyFinal = value === true;
      continue;
    }
    if (key.startsWith("triton_")) throw reservedPrefixError();
    if (!CUSTOM.includes(choice)) {
      throw invalidArg(
        `parameter '${key}' has invalid type. It should be either 'int', 'bool', 'string' ` +
          "or 'double'.",
      );
    }
    custom[key] = { type: choice, value: valueOf(p) as ReceivedParameter["value"] };
  }
  return { emptyFinal, sequence: sequenceParams(spec, id, sent), custom };
}

/** The region window a tensor's `shared_memory_*` parameters name, if any. */
function grpcWindow(shm: ShmRegistry, params: ProtoParameters): RegionWindow | undefined {
  const { shared_memory_region: region, shared_memory_byte_size: size } = params;
  if (region === undefined) return undefined;
  const offset = params.shared_memory_offset;
  if (region.parameter_choice !== "string_param") {
    throw invalidArg(
      "invalid value type for 'shared_memory_region' parameter, expected string_param.",
    );
  }
  if (size?.parameter_choice !== "int64_param") {
    throw invalidArg(
      "invalid value type for 'shared_memory_byte_size' parameter, expected int64_param.",
    );
  }
  if (offset !== undefined && offset.parameter_choice !== "int64_param") {
    throw invalidArg(
      "invalid value type for 'shared_memory_offset' parameter, expected int64_param.",
    );
  }
  return shm.window(
    valueOf(region) as string,
    offset === undefined ? 0 : Number(valueOf(offset)),
    Number(valueOf(size)),
  );
}

function checkShape(shape: number[], input: string, model: string): void {
  if (shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return;
  throw invalidArg(
    `All input dimensions should be specified for input '${input}' for model '${model}', ` +
      `got [${shape.join(",")}]`,
  );
}

/**
 * Inputs with typed contents are serialized here; the others take the next entry of
 * raw_input_contents in order. Mixing the two ways is refused, as Triton does.
 */
function convertInputs(msg: ProtoInferRequest, model: string, shm: ShmRegistry): RawInput[] {
  const raw = msg.raw_input_contents;
  let next = 0;
  const inputs: RawInput[] = [];
  const index = nameIndex(msg.inputs.length);
  for (const el of msg.inputs) {
    const { name, datatype, shape } = el;
    addUniqueName("input", inputs, index, name);
    const window = grpcWindow(shm, el.parameters);
    checkShape(shape, name, model);
    let binary: Uint8Array;
    if (window !== undefined) {
      if (el.contents !== null) {
        throw invalidArg(
          `contents field must not be specified when using shared memory for '${name}' ` +
            `for model '${model}'`,
        );
      }
      binary = shm.read(window);
    } else if (el.contents !== null) {
      if (raw.length > 0) {
        throw invalidArg(
          `contents field must not be specified when using raw_input_contents for '${name}' ` +
            `for model '${model}'`,
        );
      }
      if (!isDataType(datatype)) throw invalidArg(`invalid datatype for input ${name}`);
      binary = contentsBlob(el.contents, datatype, name, model);
    } else {
      // A missing entry leaves the input empty; validation then names the byte-size mismatch.
      binary = next < raw.length ? raw[next++] : EMPTY;
    }
    inputs.push({ name, datatype, shape, json: undefined, binary });
  }
  if (next !== raw.length) {
    throw invalidArg(
      `expected ${next} entries in raw_input_contents for model '${model}' (one per input ` +
        `without contents), got ${raw.length}`,
    );
  }
  return inputs;
}

function convertOutputs(
  msg: ProtoInferRequest,
  spec: ModelSpec,
  shm: ShmRegistry,
): RequestedOutput[] {
  // No outputs named means every output, in model order (as over HTTP).
  if (msg.outputs.length === 0) return spec.outputs.map((o) => ({ name: o.name, binary: true }));
  const outputs: RequestedOutput[] = [];
  const index = nameIndex(msg.outputs.length);
  for (const el of msg.outputs) {
    const window = grpcWindow(shm, el.parameters);
    if (el.parameters.classification !== undefined) {
      throw invalidArg(
        `output '${el.name}' asks for classification, which this server does not support`,
      );
    }
    addUniqueName("output", outputs, index, el.name);
    // gRPC outputs always travel as raw bytes.
    outputs.push({ name: el.name, binary: true, shm: window });
  }
  return outputs;
}

/** Converts and validates; throws ApiError (with the HTTP path's messages) when invalid. */
export function parseGrpcInferRequest(
  spec: ModelSpec,
  msg: ProtoInferRequest,
  shm: ShmRegistry,
): GrpcInferRequest {
  const { emptyFinal, sequence, custom } = checkParameters(msg.parameters, spec, msg.id);
  const inputs = convertInputs(msg, spec.name, shm);
  const outputs = convertOutputs(msg, spec, shm);
  const request: InferRequest = { id: msg.id, inputs, outputs, batchSize: 0, sequence };
  request.batchSize = validateAgainstModel(spec, request);
  return { request, emptyFinal, custom };
}
