/**
 * The canned KServe v2 replies nginx serves for the bench (a Triton-shaped `simple` model:
 * two INT32 [16] inputs, two INT32 [16] outputs, max batch size 8) and the synthetic request
 * both our client and wrk send. Canned bodies keep the server's cost per request constant, so
 * the bench measures the client, not a model.
 */
import type { RequestSpec, TensorData } from "../core/backend.ts";

export const MODEL = "simple";
const ELEMENTS = 16;

const INPUT0 = Array.from({ length: ELEMENTS }, (_, i) => i);
const INPUT1 = Array.from({ length: ELEMENTS }, () => 1);

function tensorMeta(name: string): { name: string; datatype: string; shape: number[] } {
  return { name, datatype: "INT32", shape: [-1, ELEMENTS] };
}

function tensorConfig(name: string): { name: string; data_type: string; dims: number[] } {
  return { name, data_type: "TYPE_INT32", dims: [ELEMENTS] };
}

/** GET /v2: no statistics extension, so the backend never asks for /stats. */
export const SERVER_METADATA = JSON.stringify({
  name: "triton",
  version: "2.41.0",
  extensions: ["binary_tensor_data", "model_configuration"],
});

/** GET /v2/models/simple: Triton prepends -1 for the batch dimension. */
export const MODEL_METADATA = JSON.stringify({
  name: MODEL,
  versions: ["1"],
  platform: "tensorflow_graphdef",
  inputs: [tensorMeta("INPUT0"), tensorMeta("INPUT1")],
  outputs: [tensorMeta("OUTPUT0"), tensorMeta("OUTPUT1")],
});

/** GET /v2/models/simple/config, snake_case like Triton's protobuf JSON printer. */
export const MODEL_CONFIG = JSON.stringify({
  name: MODEL,
  platform: "tensorflow_graphdef",
  backend: "tensorflow",
  max_batch_size: 8,
  input: [tensorConfig("INPUT0"), tensorConfig("INPUT1")],
  output: [tensorConfig("OUTPUT0"), tensorConfig("OUTPUT1")],
});

/** POST /v2/models/simple/infer: what `simple` computes (sum and difference) for our input. */
export const INFER_RESPONSE = JSON.stringify({
  model_name: MODEL,
  model_version: "1",
  outputs: [
    { name: "OUTPUT0", datatype: "INT32", shape: [1, ELEMENTS], data: sum(INPUT0, INPUT1, 1) },
    { name: "OUTPUT1", datatype: "INT32", shape: [1, ELEMENTS], data: sum(INPUT0, INPUT1, -1) },
  ],
});

function sum(a: number[], b: number[], sign: number): number[] {
  return a.map((x, i) => x + sign * b[i]);
}

function int32Tensor(name: string, values: number[]): TensorData {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return { name, datatype: "INT32", shape: [1, ELEMENTS], bytes };
}

/** Batch 1, both inputs, all outputs: perf_analyzer's default request for `simple`. */
export function syntheticSpec(): RequestSpec {
  return {
    model: "simple",
    version: "",
    inputs: [int32Tensor("INPUT0", INPUT0), int32Tensor("INPUT1", INPUT1)],
    outputs: ["OUTPUT0", "OUTPUT1"],
    batchSize: 1,
  };
}
