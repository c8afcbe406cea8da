/**
 * proto/triton_grpc.json must be exactly what the .proto files say (it is generated from them,
 * and the client loads only the JSON), and the client's protobufjs codecs must encode and
 * decode exactly as grpc-js's proto-loader does from the .proto files.
 */
import assert from "node:assert/strict";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_JSON_PATH, tritonProtoJsonText } from "../../scripts/gen_proto_json.ts";
import { SERVICE, TO_OBJECT } from "./grpc_proto.ts";
import { tritonMethods } from "./testing/grpc_methods.ts";

Deno.test("proto/triton_grpc.json is up to date with proto/*.proto", async () => {
  const committed = await Deno.readTextFile(PROTO_JSON_PATH);
  assert.ok(
    committed === tritonProtoJsonText(),
    "proto/triton_grpc.json is stale: run `deno run -A scripts/gen_proto_json.ts`",
  );
});

Deno.test("the client's codecs encode and decode like proto-loader from the .proto files", () => {
  const fromFiles = protoLoader.loadSync("grpc_service.proto", {
    ...TO_OBJECT,
    keepCase: true,
    includeDirs: [new URL("../../proto/", import.meta.url).pathname],
  })[SERVICE] as Record<string, protoLoader.MethodDefinition<object, object>>;
  const fromJson = tritonMethods() as Record<string, protoLoader.MethodDefinition<object, object>>;
  assert.deepEqual(Object.keys(fromJson).sort(), Object.keys(fromFiles).sort());
  const request = {
    model_name: "simple",
    id: "7",
    inputs: [{ name: "INPUT0", datatype: "INT32", shape: [1, 16] }],
    raw_input_contents: [new Uint8Array(64).fill(3)],
  };
  const a = fromJson.ModelInfer.requestSerialize(request);
  assert.deepEqual(a, fromFiles.ModelInfer.requestSerialize(request));
  assert.deepEqual(
    fromJson.ModelInfer.requestDeserialize(a),
    fromFiles.ModelInfer.requestDeserialize(a),
  );
  assert.equal(fromJson.ModelInfer.path, "/inference.GRPCInferenceService/ModelInfer");
});
