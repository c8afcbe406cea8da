import assert from "node:assert/strict";
import { RunError } from "../../core/errors.ts";
import { modelInfoFromSignature, signatureDefs, TF_MAX_BATCH } from "./signature.ts";

const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });

Deno.test("a signature with dim 0 = -1 everywhere is batched on it", () => {
  const info = modelInfoFromSignature("m", "", "serving_default", {
    serving_default: {
      inputs: { x: { dtype: "DT_FLOAT", tensor_shape: dims(-1, 3) } },
      outputs: { y: { dtype: "DT_INT64", tensor_shape: dims(-1) }, z: { dtype: "DT_STRING" } },
    },
  });
  assert.equal(info.maxBatchSize, TF_MAX_BATCH);
  assert.deepEqual(info.inputs, [{ name: "x", datatype: "FP32", shape: [3] }]);
  assert.deepEqual(info.outputs, [
    { name: "y", datatype: "INT64", shape: [] },
    { name: "z", datatype: "BYTES", shape: [] },
  ]);
});

Deno.test("fixed dim 0 means no batching (perf_analyzer's batch 0)", () => {
  const info = modelInfoFromSignature("m", "", "s", {
    s: { inputs: { x: { dtype: "DT_HALF", tensor_shape: dims(2, -1) } }, outputs: {} },
  });
  assert.equal(info.maxBatchSize, 0);
  assert.deepEqual(info.inputs, [{ name: "x", datatype: "FP16", shape: [2, -1] }]);
});

Deno.test("missing signature, unknown rank and foreign dtypes are clear RunErrors", () => {
  const defs = {
    a: { inputs: { x: { dtype: "DT_FLOAT", tensor_shape: { unknown_rank: true } } } },
    b: { inputs: { q: { dtype: "DT_BFLOAT16", tensor_shape: dims(1) } } },
  };
  const err = (sig: string) => {
    try {
      modelInfoFromSignature("m", "", sig, defs);
    } catch (e) {
      assert.ok(e instanceof RunError);
      return e.message;
    }
    throw new Error("no error");
  };
  assert.equal(
    err("serving_default"),
    "model 'm' has no signature 'serving_default' (it has: a, b); pick one with " +
      "--model-signature-name",
  );
  assert.match(err("a"), /tensor 'x' of signature 'a' of model 'm' has an unknown rank/);
  assert.match(err("b"), /tensor 'q' .* has dtype DT_BFLOAT16, which this tool cannot send/);
  assert.throws(() => signatureDefs({ metadata: {} }), /has no signature_def/);
});
