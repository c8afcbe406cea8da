import assert from "node:assert/strict";
import type { RequestSpec } from "../../core/backend.ts";
import { encodeGrpcInferRequest } from "./grpc_infer_request.ts";
import { tritonRpc } from "./grpc_proto.ts";
import { encodeInferRequest } from "./infer_request.ts";

const STEP: RequestSpec = {
  model: "simple_sequence",
  version: "",
  inputs: [{ name: "INPUT", datatype: "INT32", shape: [1], bytes: Uint8Array.of(7, 0, 0, 0) }],
  outputs: ["OUTPUT"],
  batchSize: 1,
};

function httpHeader(spec: RequestSpec, outputs = spec.outputs): Record<string, unknown> {
  const prepared = encodeInferRequest({ ...spec, outputs }, {
    path: "/v2/models/simple_sequence/infer",
    hostHeader: "h",
    headers: [],
    inputFormat: "binary",
    outputFormat: "binary",
  });
  const text = new TextDecoder("latin1").decode(prepared.bytes);
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  return JSON.parse(body.slice(0, prepared.jsonHeaderLength));
}

Deno.test("HTTP: sequence id and flags are request parameters, integer or string id", () => {
  const first = httpHeader({ ...STEP, sequence: { id: 42, start: true, end: false } });
  assert.deepEqual(first.parameters, {
    sequence_id: 42,
    sequence_start: true,
    sequence_end: false,
  });
  const last = httpHeader({ ...STEP, sequence: { id: "s-1", start: false, end: true } }, []);
  assert.deepEqual(last.parameters, {
    sequence_id: "s-1",
    sequence_start: false,
    sequence_end: true,
    binary_data_output: true,
  });
  assert.equal(httpHeader(STEP).parameters, undefined, "no parameters outside sequences");
});

Deno.test("gRPC: sequence_id is int64_param or string_param, flags are bool_param", () => {
  type Params = Record<string, Record<string, unknown>>;
  const decode = (spec: RequestSpec, streaming: boolean) =>
    tritonRpc("ModelInfer").request.decode(
      encodeGrpcInferRequest(spec, { streaming, decoupled: false }).bytes,
    ).parameters as Params;
  const numeric = decode({ ...STEP, sequence: { id: 9, start: true, end: true } }, false);
  assert.equal(Number(numeric.sequence_id.int64_param), 9);
  assert.deepEqual(numeric.sequence_start, { bool_param: true });
  assert.deepEqual(numeric.sequence_end, { bool_param: true });
  const text = decode({ ...STEP, sequence: { id: "abc", start: false, end: false } }, true);
  assert.deepEqual(text.sequence_id, { string_param: "abc" });
  assert.deepEqual(text.sequence_start, { bool_param: false });
  assert.deepEqual(text.triton_enable_empty_final_response, { bool_param: true });
});
