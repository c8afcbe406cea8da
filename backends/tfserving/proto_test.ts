/**
 * proto/tfserving.json must be exactly what proto/tfserving/*.proto say (the client loads only
 * the JSON), and the messages must put fields at TF Serving's numbers (docs/protocols.md §4.2).
 */
import assert from "node:assert/strict";
import { TFSERVING_JSON_PATH, tfservingProtoJsonText } from "../../scripts/gen_proto_json.ts";
import { SIGNATURE_DEF_MAP_URL, tfMessages } from "../../wire/tfserving/proto.ts";
import { modelSpec } from "./request.ts";

Deno.test("proto/tfserving.json is up to date with proto/tfserving/*.proto", async () => {
  const committed = await Deno.readTextFile(TFSERVING_JSON_PATH);
  assert.ok(
    committed === tfservingProtoJsonText(),
    "proto/tfserving.json is stale: run `deno run -A scripts/gen_proto_json.ts`",
  );
});

Deno.test("ModelSpec: name = 1, signature_name = 3, version_label = 4", () => {
  const bytes = tfMessages().GetModelMetadataRequest.encode({
    model_spec: modelSpec("m", "2", "s"),
    metadata_field: ["signature_def"],
  });
  const spec = [0x0a, 0x01, 0x6d, 0x1a, 0x01, 0x73, 0x22, 0x01, 0x32];
  const field = [0x12, 13, ...new TextEncoder().encode("signature_def")];
  assert.deepEqual([...bytes], [0x0a, spec.length, ...spec, ...field]);
});

Deno.test("ModelSpec without -x sends no version at all (the latest)", () => {
  assert.deepEqual(modelSpec("m", "", "serving_default"), {
    name: "m",
    signature_name: "serving_default",
  });
});

Deno.test("PredictRequest: model_spec = 1, inputs map = 2 of TensorProto dtype 1 / int_val 7", () => {
  const bytes = tfMessages().PredictRequest.encode({
    model_spec: { name: "m" },
    inputs: { A: { dtype: "DT_INT32", tensor_shape: { dim: [{ size: 1 }] }, int_val: [5] } },
  });
  // TensorProto: dtype(1)=3, tensor_shape(2){dim(2){size(1)=1}}, int_val(7) packed [5].
  const tensor = [0x08, 0x03, 0x12, 0x04, 0x12, 0x02, 0x08, 0x01, 0x3a, 0x01, 0x05];
  const entry = [0x0a, 0x01, 0x41, 0x12, tensor.length, ...tensor];
  assert.deepEqual([...bytes], [0x0a, 0x03, 0x0a, 0x01, 0x6d, 0x12, entry.length, ...entry]);
});

Deno.test("GetModelMetadataResponse carries the SignatureDefMap in an Any", () => {
  const m = tfMessages();
  const value = m.SignatureDefMap.encode({
    signature_def: { serving_default: { method_name: "tensorflow/serving/predict" } },
  });
  const reply = m.GetModelMetadataResponse.decode(m.GetModelMetadataResponse.encode({
    metadata: { signature_def: { type_url: SIGNATURE_DEF_MAP_URL, value } },
  }));
  const any = (reply.metadata as Record<string, { type_url: string; value: Uint8Array }>)
    .signature_def;
  assert.equal(any.type_url, SIGNATURE_DEF_MAP_URL);
  const map = m.SignatureDefMap.decode(any.value);
  // objects: true gives empty maps for absent ones, so readers need no undefined checks.
  assert.deepEqual(map, {
    signature_def: {
      serving_default: { inputs: {}, outputs: {}, method_name: "tensorflow/serving/predict" },
    },
  });
});
