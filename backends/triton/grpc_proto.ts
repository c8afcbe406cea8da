/**
 * The Triton gRPC service definition (proto/grpc_service.proto, as proto/triton_grpc.json),
 * loaded once with @grpc/proto-loader. Control-plane replies are decoded with `keepCase` so their field names
 * are the proto's snake_case ones, the same keys Triton's HTTP JSON uses: one normalization
 * (model_info.ts, model_stats.ts) serves both protocols.
 */
import type { MethodDefinition } from "@grpc/proto-loader";
import * as protoLoader from "@grpc/proto-loader";
import TRITON_PROTO_JSON from "../../proto/triton_grpc.json" with { type: "json" };
import { RunError } from "../../core/errors.ts";

export type ProtoObject = Record<string, unknown>;
export type TritonMethod = MethodDefinition<ProtoObject, ProtoObject>;

/** The RPCs this client uses, by name. */
export type TritonMethodName =
  | "ServerMetadata"
  | "ModelMetadata"
  | "ModelConfig"
  | "ModelStatistics"
  | "ModelInfer"
  | "ModelStreamInfer"
  | "SystemSharedMemoryRegister"
  | "SystemSharedMemoryUnregister";

export const SERVICE = "inference.GRPCInferenceService";
export const MODEL_INFER_PATH = `/${SERVICE}/ModelInfer`;
export const MODEL_STREAM_INFER_PATH = `/${SERVICE}/ModelStreamInfer`;

/**
 * Decoding options. `defaults: false` keeps absent fields absent, which is how the config's
 * scheduling oneof (`"sequence_batching" in config`) stays detectable; int64 fields become
 * numbers (exact up to 2^53, ~104 days of nanoseconds).
 */
export const LOAD_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: false,
};

let methods: Record<TritonMethodName, TritonMethod> | undefined;

/**
 * Builds the service on first use, so runs that never speak gRPC never pay for it. The
 * definitions come from proto/triton_grpc.json (generated from the .proto files by
 * scripts/gen_proto_json.ts), imported rather than read from disk, so the bundle and plugins
 * loaded by URL need no proto/ directory beside them.
 */
export function tritonMethods(): Record<TritonMethodName, TritonMethod> {
  if (methods) return methods;
  let pkg: protoLoader.PackageDefinition;
  try {
    // The JSON's literal type is narrower than protobufjs's INamespace union; it is one.
    const json = TRITON_PROTO_JSON as unknown as Parameters<typeof protoLoader.fromJSON>[0];
    pkg = protoLoader.fromJSON(json, LOAD_OPTIONS);
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    throw new RunError(`cannot load the Triton gRPC protos: ${text}`);
  }
  const service = pkg[SERVICE] as Record<string, TritonMethod> | undefined;
  if (!service?.ModelInfer || !service.ModelStreamInfer) {
    throw new RunError(`the Triton gRPC protos define no ${SERVICE} with ModelInfer`);
  }
  methods = service as Record<TritonMethodName, TritonMethod>;
  return methods;
}
