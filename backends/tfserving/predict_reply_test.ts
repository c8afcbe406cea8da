import assert from "node:assert/strict";
import { tfMessages } from "../../wire/tfserving/proto.ts";
import { predictResponseProblem } from "./predict_reply.ts";

const ok = () =>
  tfMessages().PredictResponse.encode({
    model_spec: { name: "m", signature_name: "serving_default" },
    outputs: {
      y: { dtype: "DT_FLOAT", tensor_shape: { dim: [{ size: 2 }] }, float_val: [1, 2] },
      z: { dtype: "DT_INT32", tensor_shape: { dim: [{ size: 1 }] }, int_val: [3] },
    },
  });

Deno.test("predictResponseProblem: what the protobuf encoder writes passes", () => {
  assert.equal(predictResponseProblem(ok()), "");
  assert.equal(predictResponseProblem(new Uint8Array(0)), "");
});

Deno.test("predictResponseProblem: bytes that are not a PredictResponse are named", () => {
  const bytes = ok();
  const cases: [Uint8Array, string][] = [
    [new TextEncoder().encode("this is not protobuf"), "unsupported wire type 4"],
    [bytes.subarray(0, bytes.length - 2), "field length exceeds the message"],
    [Uint8Array.of(0x10, 0x01), "field 2 has wire type 0"],
    [Uint8Array.of(0x0a, 0x02, 0x08, 0x01), "outputs entry field 1 has wire type 0"],
    [
      Uint8Array.of(0x0a, 0x02, 0x0a, 0x03, 0x41, 0x42, 0x43),
      "an outputs entry's field runs past its end",
    ],
  ];
  for (const [message, why] of cases) {
    assert.equal(predictResponseProblem(message), `malformed PredictResponse: ${why}`);
  }
});
