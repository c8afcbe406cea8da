/**
 * Encodes a RequestSpec as TF Serving requests once, at prepare time: the gRPC PredictRequest
 * as perf_analyzer builds it (version in version_label, typed *_val fields), framed and
 * compressed as --grpc-compression-algorithm says, and the REST columnar body. The hot path
 * re-sends these bytes verbatim.
 */
import type { RequestSpec } from "../../core/backend.ts";
import { tensorToJson } from "../../core/data/tensor_codec.ts";
import type { GrpcCompression } from "../net/grpc_compression.ts";
import { PreparedGrpcCall } from "../net/h2_grpc_call.ts";
import { jsonText, nest } from "./json.ts";
import { tfMessages, type TfObject } from "../../wire/tfserving/proto.ts";
import { tensorProto } from "./tensor.ts";

/** model_spec as perf_analyzer sends it: the version, when given, as a label. */
export function modelSpec(model: string, version: string, signature: string): TfObject {
  const spec: TfObject = { name: model, signature_name: signature };
  if (version !== "") spec.version_label = version;
  return spec;
}

/** A PredictRequest framed once; the class lets the channel refuse foreign prepared requests. */
export class PreparedPredict extends PreparedGrpcCall {}

export function encodePredictRequest(
  spec: RequestSpec,
  signature: string,
  compression: GrpcCompression = "none",
): PreparedPredict {
  const inputs: Record<string, TfObject> = {};
  for (const t of spec.inputs) inputs[t.name] = tensorProto(t.datatype, t.shape, t.bytes);
  const bytes = tfMessages().PredictRequest.encode({
    model_spec: modelSpec(spec.model, spec.version, signature),
    inputs,
    output_filter: spec.outputs,
  });
  return new PreparedPredict(bytes, compression);
}

/** The REST :predict body in columnar form: {"signature_name", "inputs": {name: nested}}. */
export function restPredictBody(spec: RequestSpec, signature: string): string {
  const inputs: Record<string, unknown> = {};
  for (const t of spec.inputs) inputs[t.name] = nest(tensorToJson(t.datatype, t.bytes), t.shape);
  return jsonText({ signature_name: signature, inputs });
}
