import assert from "node:assert/strict";
import { defaultConfig, type RunConfig } from "../cli/config.ts";
import { RunError } from "../errors.ts";
import { modelInfo } from "../testing/model_info.ts";
import type { TensorInfo } from "../backend.ts";
import { MAX_TENSOR_BYTES, syntheticRequest } from "./input_data.ts";

function refusal(input: TensorInfo, config: Partial<RunConfig>, maxBatchSize = 0): string {
  const model = modelInfo({ name: "m", inputs: [input], outputs: [], maxBatchSize });
  try {
    syntheticRequest(model, { ...defaultConfig(), ...config });
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    return e.message;
  }
  throw new Error("expected a refusal");
}

const LIMIT = `over the limit of ${MAX_TENSOR_BYTES} bytes per input`;

Deno.test("a synthetic tensor over the size limit is refused with its name and byte size", () => {
  const variable: TensorInfo = { name: "X", datatype: "FP32", shape: [-1] };
  assert.equal(
    refusal(variable, { shapes: new Map([["X", [1e12]]]) }, 8),
    `input X: 4000000000000 bytes per request (FP32 [1,1000000000000], shape from --shape), ${LIMIT}`,
  );
  // Metadata that announces a huge fixed dimension: the same refusal, blamed on the metadata.
  assert.equal(
    refusal({ name: "Y", datatype: "INT64", shape: [1, 1e12] }, {}),
    `input Y: 8000000000000 bytes per request (INT64 [1,1000000000000], shape from the model's ` +
      `metadata), ${LIMIT}`,
  );
  assert.equal(
    refusal({ name: "S", datatype: "BYTES", shape: [16] }, { stringLength: 1e11 }),
    `input S: 1600000000064 bytes per request (BYTES [16] of 100000000000-byte strings, shape ` +
      `from the model's metadata), ${LIMIT}`,
  );
});
