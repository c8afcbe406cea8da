/**
 * ModelInferResponse / ModelStreamInferResponse bodies, and the mapping of the server's
 * errors to gRPC status codes (docs/protocols.md §1.2, §2.6).
 */
import type { ProtoInferResponse, ProtoParameters, ProtoStreamResponse } from "./proto.ts";
import { type GrpcStatus, statusOf } from "./transport.ts";
import { ApiError } from "../kserve/http_error.ts";
import type { InferRequest } from "../kserve/infer_request.ts";
import type { ModelSpec, Tensor } from "../models/mod.ts";
import { tensorBlob } from "../kserve/tensor_codec.ts";
import { GrpcCode } from "../../wire/grpc/status.ts";

/** Each HTTP status the server uses, mapped back through TRITONSERVER_Error_Code (§1.2). */
const CODES: Record<number, number> = {
  400: GrpcCode.INVALID_ARGUMENT,
  404: GrpcCode.NOT_FOUND,
  500: GrpcCode.INTERNAL,
  501: GrpcCode.UNIMPLEMENTED,
  503: GrpcCode.UNAVAILABLE,
};

/** The gRPC status for an error thrown while serving a call; same message as over HTTP. */
export function toGrpcError(e: unknown): GrpcStatus {
  if (e instanceof ApiError) {
    return { code: CODES[e.status] ?? GrpcCode.UNKNOWN, details: e.message };
  }
  return statusOf(e);
}

const FINAL: ProtoParameters = { triton_final_response: { bool_param: true } };
const NOT_FINAL: ProtoParameters = { triton_final_response: { bool_param: false } };
const NONE: ProtoParameters = {};
const EMPTY = new Uint8Array(0);

/**
 * Outputs in the order requested, every one in raw_output_contents (never typed contents),
 * BYTES length-prefixed, as Triton answers.
 */
function inferResponse(
  spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
  parameters: ProtoParameters,
): ProtoInferResponse {
  const tensors = [];
  const raw: Uint8Array[] = [];
  for (const requested of req.outputs) {
    const t = outputs.get(requested.name);
    // An output the model did not produce is left out, as Triton does.
    if (t === undefined) continue;
    tensors.push({ name: requested.name, datatype: t.datatype, shape: t.shape });
    const blob = tensorBlob(t.values);
    if (requested.shm === undefined) {
      raw.push(blob);
    } else {
      // Triton keeps an empty slot so raw_output_contents still lines up with outputs.
      requested.shm.registry.write(requested.shm, requested.name, blob);
      raw.push(EMPTY);
    }
  }
  return {
    model_name: spec.name,
    model_version: spec.version,
    id: req.id,
    parameters,
    outputs: tensors,
    raw_output_contents: raw,
  };
}

/** The unary ModelInfer answer (no final flag: a unary call has exactly one response). */
export function unaryResponse(
  spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
): ProtoInferResponse {
  return inferResponse(spec, req, outputs, NONE);
}

/** One streamed response; every one carries triton_final_response. */
export function streamResponse(
  spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
  final: boolean,
): ProtoStreamResponse {
  const params = final ? FINAL : NOT_FINAL;
  return { error_message: "", infer_response: inferResponse(spec, req, outputs, params) };
}

/** The only response of a non-decoupled request on a stream. */
export function finalStreamResponse(
  spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
): ProtoStreamResponse {
  return streamResponse(spec, req, outputs, true);
}

/** A decoupled request's empty final response: no outputs, still id and model. */
export function emptyFinalResponse(spec: ModelSpec, req: InferRequest): ProtoStreamResponse {
  return streamResponse(spec, { ...req, outputs: [] }, new Map(), true);
}

/** A per-request failure on a stream: the message, no response (the stream stays open). */
export function streamError(e: unknown): ProtoStreamResponse {
  return { error_message: toGrpcError(e).details, infer_response: null };
}
