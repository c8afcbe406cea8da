/**
 * The Triton gRPC service definition (proto/grpc_service.proto), loaded once with
 * @grpc/proto-loader. Control-plane replies are decoded with `keepCase` so their field names
 * are the proto's snake_case ones, the same keys Triton's HTTP JSON uses: one normalization
 * (model_info.ts, model_stats.ts) serves both protocols.
 */
import type { MethodDefinition } from "@grpc/proto-loader";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";
import { RunError } from "../core/errors.ts";

export type ProtoObject = Record<string, unknown>;
export type TritonMethod = MethodDefinition<ProtoObject, ProtoObject>;

/** The RPCs this client uses, by name. */
export type TritonMethodName =
  | "ServerMetadata"
  | "ModelMetadata"
  | "ModelConfig"
  | "ModelStatistics"
  | "ModelInfer"
  | "ModelStreamInfer";

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

/** Loads the service on first use (~60 ms), so runs that never speak gRPC never pay for it. */
export function tritonMethods(): Record<TritonMethodName, TritonMethod> {
  if (methods) return methods;
  const dir = new URL("../proto/", import.meta.url);
  if (dir.protocol !== "file:") {
    throw new RunError(`cannot load the Triton gRPC protos from ${dir.href}: not a local file`);
  }
  let pkg: protoLoader.PackageDefinition;
  try {
    pkg = protoLoader.loadSync("grpc_service.proto", {
      ...LOAD_OPTIONS,
      includeDirs: [fileURLToPath(dir)],
    });
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
