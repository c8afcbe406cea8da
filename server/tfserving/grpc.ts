/**
 * TF Serving's PredictionService (Predict, GetModelMetadata) and ModelService (GetModelStatus)
 * for the reference server's --tfserving-port listener, over the same HTTP/2 transport as the
 * Triton service. Errors carry TF Serving's texts (server/tfserving/model.ts) and gRPC codes.
 */
import {
  METADATA_PATH,
  PREDICT_PATH,
  SIGNATURE_DEF_FIELD,
  SIGNATURE_DEF_MAP_URL,
  STATUS_PATH,
  type TfMessage,
  tfMessages,
  type TfObject,
} from "../../wire/tfserving/proto.ts";
import { fromTensorProto, toTensorProto } from "./tensor.ts";
import type { UnaryFn } from "../grpc/handlers.ts";
import { unaryMethod } from "../grpc/server.ts";
import type { Method } from "../grpc/transport.ts";
import { invalidArg } from "../kserve/http_error.ts";
import type { InferRequest } from "../kserve/infer_request.ts";
import type { ModelSpec, Tensor } from "../models/mod.ts";
import type { ServerContext } from "../kserve/routes.ts";
import { tensorBlob } from "../kserve/tensor_codec.ts";
import {
  checkSignature,
  resolveTfModel,
  signatureDef,
  type TfInput,
  tfPredict,
  type VersionChoice,
} from "./model.ts";

/** The version a ModelSpec object names. */
export function versionChoice(spec: TfObject): VersionChoice {
  const version = spec.version as { value?: string } | undefined;
  if (version !== undefined) return { kind: "number", value: version.value ?? "0" };
  if (typeof spec.version_label === "string") return { kind: "label", value: spec.version_label };
  return { kind: "latest" };
}

function modelOf(ctx: ServerContext, request: TfObject) {
  const spec = (request.model_spec ?? {}) as TfObject;
  if (typeof spec.name !== "string" || spec.name === "") {
    throw invalidArg("Missing ModelSpec");
  }
  return { spec, entry: resolveTfModel(ctx, spec.name, versionChoice(spec)) };
}

function replySpec(name: string, signature: string): TfObject {
  return { name, version: { value: "1" }, signature_name: signature };
}

/** Every requested output as a TensorProto object with typed *_val lists (TF's AsProtoField). */
function outputProtos(_spec: ModelSpec, req: InferRequest, outputs: ReadonlyMap<string, Tensor>) {
  const out: Record<string, TfObject> = {};
  for (const { name } of req.outputs) {
    const t = outputs.get(name);
    if (t !== undefined) out[name] = toTensorProto(t.datatype, t.shape, tensorBlob(t.values));
  }
  return out;
}

function predict(ctx: ServerContext): UnaryFn {
  return async (request: TfObject) => {
    const { spec, entry } = modelOf(ctx, request);
    const signature = String(spec.signature_name ?? "");
    checkSignature(signature);
    const outputs = await tfPredict(entry, () => {
      const inputs = new Map<string, TfInput>();
      for (const [name, t] of Object.entries((request.inputs ?? {}) as Record<string, TfObject>)) {
        const { datatype, shape, bytes } = fromTensorProto(name, t);
        inputs.set(name, { datatype, shape, binary: bytes });
      }
      return { inputs, filter: (request.output_filter ?? []) as string[] };
    }, outputProtos);
    return { model_spec: replySpec(entry.spec.name, signature || "serving_default"), outputs };
  };
}

function metadata(ctx: ServerContext): UnaryFn {
  const m = tfMessages();
  return (request: TfObject) => {
    const { entry } = modelOf(ctx, request);
    const fields = (request.metadata_field ?? []) as string[];
    if (fields.length === 0) {
      throw invalidArg("GetModelMetadataRequest must specify at least one metadata_field");
    }
    const other = fields.find((f) => f !== SIGNATURE_DEF_FIELD);
    if (other !== undefined) throw invalidArg(`Metadata field ${other} is not supported`);
    const value = m.SignatureDefMap.encode({
      signature_def: { serving_default: signatureDef(entry.spec) },
    });
    return {
      model_spec: replySpec(entry.spec.name, ""),
      metadata: { [SIGNATURE_DEF_FIELD]: { type_url: SIGNATURE_DEF_MAP_URL, value } },
    };
  };
}

function status(ctx: ServerContext): UnaryFn {
  return (request: TfObject) => {
    modelOf(ctx, request);
    return {
      model_version_status: [{
        version: "1",
        state: "AVAILABLE",
        status: { error_code: 0, error_message: "" },
      }],
    };
  };
}

function unary(req: TfMessage, res: TfMessage, fn: UnaryFn): Method {
  return unaryMethod(
    { decode: (b) => req.decode(b), encode: (v) => res.encode(v as TfObject) },
    fn,
  );
}

/** The TF Serving listener's method table, by path. */
export function tfServingMethods(ctx: ServerContext): Map<string, Method> {
  const m = tfMessages();
  return new Map<string, Method>([
    [PREDICT_PATH, unary(m.PredictRequest, m.PredictResponse, predict(ctx))],
    [
      METADATA_PATH,
      unary(m.GetModelMetadataRequest, m.GetModelMetadataResponse, metadata(ctx)),
    ],
    [STATUS_PATH, unary(m.GetModelStatusRequest, m.GetModelStatusResponse, status(ctx))],
  ]);
}
