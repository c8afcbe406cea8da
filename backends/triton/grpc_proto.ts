/**
 * The Triton gRPC service definition (proto/grpc_service.proto, as proto/triton_grpc.json),
 * loaded once with protobufjs. Replies are decoded with the proto's snake_case field names,
 * the same keys Triton's HTTP JSON uses: one normalization (backends/shared/model_info.ts,
 * model_stats.ts) serves both protocols. The hot path never uses these codecs: inference requests are encoded
 * once at prepare time and responses skimmed in wire form (wire/grpc/messages.ts).
 */
import protobuf from "protobufjs";
import TRITON_PROTO_JSON from "../../proto/triton_grpc.json" with { type: "json" };
import { RunError } from "../../core/errors.ts";

export type ProtoObject = Record<string, unknown>;

/** The RPCs this client uses, by name. */
export type TritonMethodName =
  | "ServerMetadata"
  | "ModelMetadata"
  | "ModelConfig"
  | "ModelStatistics"
  | "RepositoryIndex"
  | "ModelInfer"
  | "ModelStreamInfer"
  | "SystemSharedMemoryRegister"
  | "SystemSharedMemoryUnregister"
  | "TraceSetting";

export const SERVICE = "inference.GRPCInferenceService";
export const MODEL_INFER_PATH = `/${SERVICE}/ModelInfer`;
export const MODEL_STREAM_INFER_PATH = `/${SERVICE}/ModelStreamInfer`;

/**
 * Decoding options. `defaults: false` keeps absent fields absent, which is how the config's
 * scheduling oneof (`"sequence_batching" in config`) stays detectable; int64 fields become
 * numbers (exact up to 2^53, ~104 days of nanoseconds).
 */
export const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: false,
};

/** One message type: plain objects (proto field names) to bytes and back. */
export class ProtoMessage {
  constructor(readonly type: protobuf.Type) {}

  encode(value: ProtoObject): Uint8Array {
    return this.type.encode(this.type.fromObject(value)).finish();
  }

  decode(bytes: Uint8Array): ProtoObject {
    return this.type.toObject(this.type.decode(bytes), TO_OBJECT);
  }
}

/** One RPC of the service: its path and message types. */
export interface TritonRpc {
  readonly name: string;
  readonly path: string;
  readonly request: ProtoMessage;
  readonly response: ProtoMessage;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

let rpcs: ReadonlyMap<string, TritonRpc> | undefined;

/**
 * Every RPC of the service, built on first use so runs that never speak gRPC never pay for it.
 * The definitions come from proto/triton_grpc.json (generated from the .proto files by
 * scripts/gen_proto_json.ts), imported rather than read from disk, so the bundle and plugins
 * loaded by URL need no proto/ directory beside them.
 */
export function tritonRpcs(): ReadonlyMap<string, TritonRpc> {
  if (rpcs) return rpcs;
  let service: protobuf.Service;
  try {
    // The JSON's literal type is narrower than protobufjs's INamespace; it is one.
    const root = protobuf.Root.fromJSON(TRITON_PROTO_JSON as unknown as protobuf.INamespace);
    service = root.lookupService(SERVICE);
    service.resolveAll();
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    throw new RunError(`cannot load the Triton gRPC protos: ${text}`);
  }
  const out = new Map<string, TritonRpc>();
  for (const [name, method] of Object.entries(service.methods)) {
    out.set(name, {
      name,
      path: `/${SERVICE}/${name}`,
      request: new ProtoMessage(method.resolvedRequestType!),
      response: new ProtoMessage(method.resolvedResponseType!),
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
    });
  }
  if (!out.has("ModelInfer") || !out.has("ModelStreamInfer")) {
    throw new RunError(`the Triton gRPC protos define no ${SERVICE} with ModelInfer`);
  }
  rpcs = out;
  return out;
}

/** One RPC this client uses. */
export function tritonRpc(name: TritonMethodName): TritonRpc {
  return tritonRpcs().get(name)!;
}
