/**
 * Encodes a RequestSpec as a ModelInferRequest once, at prepare time, framed as a gRPC message
 * (compressed when asked), so no protobuf encoding or compression happens per request. Tensor
 * data travels in raw_input_contents (the only form FP16/BF16 have, and what Triton's own
 * client sends), in the order of `inputs`.
 */
import type { RequestParameter, RequestSpec } from "../../core/backend.ts";
import type { GrpcCompression } from "../net/grpc_compression.ts";
import { PreparedGrpcCall } from "../net/h2_grpc_call.ts";
import { tritonRpc } from "./grpc_proto.ts";
import type { ShmLayout, ShmWindow } from "./shm_regions.ts";

/** Request parameter asking Triton for an empty final response when a model ends silently. */
export const EMPTY_FINAL_PARAM = "triton_enable_empty_final_response";

export interface GrpcEncodeOptions {
  /**
   * Streaming requests ask for the empty final response, as Triton's decoupled clients do, so
   * a stream always learns when a request is complete.
   */
  streaming: boolean;
  /** Set when describe() found the model decoupled: only the final flag ends a request. */
  decoupled: boolean;
  /** Set with --shared-memory system: tensors travel by region, none in the message. */
  shm?: ShmLayout;
  /** --grpc-compression-algorithm; default none. */
  compression?: GrpcCompression;
  /** --request-parameter values, sent on every request (names checked by the descriptor). */
  parameters?: readonly RequestParameter[];
}

/** A ModelInferRequest, framed once, with what Triton's channels need to know about it. */
export class PreparedGrpcInfer extends PreparedGrpcCall {
  constructor(
    bytes: Uint8Array,
    /** The model is decoupled: a stream ends the request only on the final flag. */
    readonly decoupled: boolean,
    /** Set with --shared-memory system: where the request's tensors and outputs live. */
    readonly shm?: ShmLayout,
    compression: GrpcCompression = "none",
  ) {
    super(bytes, compression);
  }
}

/** The ModelInferRequest as a plain object, in proto field names. */
export function inferRequestObject(
  spec: RequestSpec,
  options: GrpcEncodeOptions,
): Record<string, unknown> {
  const shm = options.shm;
  const message: Record<string, unknown> = {
    model_name: spec.model,
    model_version: spec.version,
    inputs: spec.inputs.map((t, i) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      ...(shm === undefined ? {} : { parameters: regionParams(shm, shm.inputs[i]) }),
    })),
    outputs: shm === undefined
      ? spec.outputs.map((name) => ({ name }))
      : [...shm.outputs].map(([name, w]) => ({ name, parameters: regionParams(shm, w) })),
    raw_input_contents: shm === undefined ? spec.inputs.map((t) => t.bytes) : [],
  };
  const parameters: Record<string, unknown> = {};
  for (const p of options.parameters ?? []) parameters[p.name] = inferParameter(p.value);
  if (options.streaming) parameters[EMPTY_FINAL_PARAM] = { bool_param: true };
  const seq = spec.sequence;
  if (seq !== undefined) {
    // docs/protocols.md §1.11: an integer id travels as int64_param, a string id as string_param.
    parameters.sequence_id = typeof seq.id === "string"
      ? { string_param: seq.id }
      : { int64_param: seq.id };
    parameters.sequence_start = { bool_param: seq.start };
    parameters.sequence_end = { bool_param: seq.end };
  }
  if (Object.keys(parameters).length > 0) message.parameters = parameters;
  return message;
}

/** A --request-parameter as the InferParameter field of its type. */
function inferParameter(value: RequestParameter["value"]): Record<string, unknown> {
  if (typeof value === "boolean") return { bool_param: value };
  if (typeof value === "number") return { int64_param: value };
  return { string_param: value };
}

/** docs/protocols.md §1.12: the region as InferParameter values. */
function regionParams(shm: ShmLayout, w: ShmWindow): Record<string, unknown> {
  return {
    shared_memory_region: { string_param: shm.name },
    shared_memory_offset: { int64_param: w.offset },
    shared_memory_byte_size: { int64_param: w.byteSize },
  };
}

export function encodeGrpcInferRequest(
  spec: RequestSpec,
  options: GrpcEncodeOptions,
): PreparedGrpcInfer {
  const bytes = tritonRpc("ModelInfer").request.encode(inferRequestObject(spec, options));
  return new PreparedGrpcInfer(bytes, options.decoupled, options.shm, options.compression);
}
