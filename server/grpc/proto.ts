/**
 * The Triton gRPC service and the standard health service, loaded from the hand-written
 * protos in ../proto, and the shapes of the decoded messages the server handles.
 */
import { loadSync, type Options, type ServiceDefinition } from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";

/** Where grpc_service.proto, model_config.proto and health.proto live. */
export const PROTO_DIR = fileURLToPath(new URL("../../proto/", import.meta.url));

/**
 * snake_case field names as in the protos, 64-bit integers as numbers (every value the
 * server sees or sends is far below 2^53), enums as their names, absent fields filled.
 */
export const PROTO_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** One InferParameter: exactly one of the fields is set (named by `parameter_choice`). */
export interface ProtoParameter {
  parameter_choice?: string;
  bool_param?: boolean;
  int64_param?: number;
  string_param?: string;
  double_param?: number;
  uint64_param?: number;
}

export type ProtoParameters = Record<string, ProtoParameter>;

export interface ProtoContents {
  bool_contents: boolean[];
  int_contents: number[];
  int64_contents: number[];
  uint_contents: number[];
  uint64_contents: number[];
  fp32_contents: number[];
  fp64_contents: number[];
  bytes_contents: Uint8Array[];
}

export interface ProtoInferInput {
  name: string;
  datatype: string;
  shape: number[];
  parameters: ProtoParameters;
  /** null when the client sent none. */
  contents: ProtoContents | null;
}

export interface ProtoRequestedOutput {
  name: string;
  parameters: ProtoParameters;
}

/** A decoded ModelInferRequest. */
export interface ProtoInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: ProtoParameters;
  inputs: ProtoInferInput[];
  outputs: ProtoRequestedOutput[];
  raw_input_contents: Uint8Array[];
}

export interface ProtoOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
}

/** A ModelInferResponse to encode; outputs travel in raw_output_contents, as Triton sends. */
export interface ProtoInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: ProtoParameters;
  outputs: ProtoOutputTensor[];
  raw_output_contents: Uint8Array[];
}

export interface ProtoStreamResponse {
  error_message: string;
  infer_response: ProtoInferResponse | null;
}

/** Request messages that only name a model (ModelReady, ModelMetadata, ModelConfig, ...). */
export interface ProtoModelRef {
  name: string;
  version: string;
}

export interface LoadedServices {
  inference: ServiceDefinition;
  health: ServiceDefinition;
}

let loaded: LoadedServices | undefined;

/** Parses the protos once per process; every server after the first reuses them. */
export function loadServices(): LoadedServices {
  if (loaded !== undefined) return loaded;
  const def = loadSync(["grpc_service.proto", "health.proto"], {
    ...PROTO_OPTIONS,
    includeDirs: [PROTO_DIR],
  });
  loaded = {
    inference: def["inference.GRPCInferenceService"] as ServiceDefinition,
    health: def["grpc.health.v1.Health"] as ServiceDefinition,
  };
  return loaded;
}
