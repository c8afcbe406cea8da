import assert from "node:assert/strict";
import type { ModelInfo } from "../backend.ts";
import { modelInfo } from "../testing/model_info.ts";
import { batchRequests, stepRequest } from "./batch.ts";
import type { DataSet, DataStep, StepTensor } from "./set.ts";
import { RunError } from "../errors.ts";

const MODEL: ModelInfo = modelInfo({
  name: "m",
  version: "",
  inputs: [
    { name: "A", datatype: "INT32", shape: [-1] },
    { name: "O", datatype: "INT32", shape: [1], optional: true },
  ],
  outputs: [{ name: "OUT", datatype: "INT32", shape: [1] }, {
    name: "X",
    datatype: "FP32",
    shape: [1],
  }],
});

const int32 = (...v: number[]): StepTensor => ({
  datatype: "INT32",
  shape: [v.length],
  bytes: new Uint8Array(Int32Array.from(v).buffer),
});
const values = (b: Uint8Array) => [...new Int32Array(b.slice().buffer)];

function step(a: number[], extra: Record<string, StepTensor> = {}, out?: number): DataStep {
  return {
    inputs: new Map([["A", int32(...a)], ...Object.entries(extra)]),
    expected: out === undefined ? new Map() : new Map([["OUT", int32(out)]]),
  };
}

const data = (...streams: DataStep[][]): DataSet => ({
  streams,
  validation: streams.flat().some((s) => s.expected.size > 0),
});

Deno.test("-b 2 over 3 steps: 3 requests of consecutive steps, wrapping, across streams", () => {
  const set = data([step([1], {}, 10), step([2], {}, 20)], [step([3], {}, 30)]);
  const requests = batchRequests(MODEL, set, 2, "3");
  assert.equal(requests.length, 3);
  assert.deepEqual(requests.map((r) => values(r.spec.inputs[0].bytes)), [[1, 2], [3, 1], [2, 3]]);
  assert.deepEqual(requests.map((r) => values(r.expected.get("OUT")!)), [[10, 20], [30, 10], [
    20,
    30,
  ]]);
  assert.deepEqual(requests[0].spec, {
    model: "m",
    version: "3",
    inputs: [{
      name: "A",
      datatype: "INT32",
      shape: [2, 1],
      bytes: requests[0].spec.inputs[0].bytes,
    }],
    outputs: ["OUT", "X"],
    batchSize: 2,
  });
  assert.equal(batchRequests(MODEL, set, 3, "").length, 1, "3 / gcd(3, 3)");
  assert.equal(batchRequests(MODEL, set, 4, "").length, 3, "3 / gcd(3, 4)");
  assert.equal(batchRequests(MODEL, data([step([1]), step([2])]), 2, "").length, 1);
});

Deno.test("-b 1 shares the step's bytes; expected is empty without validation", () => {
  const set = data([step([1, 2]), step([3, 4])]);
  const requests = batchRequests(MODEL, set, 1, "");
  assert.equal(requests.length, 2);
  assert.equal(requests[1].spec.inputs[0].bytes, set.streams[0][1].inputs.get("A")!.bytes);
  assert.deepEqual(requests[1].spec.inputs[0].shape, [1, 2]);
  assert.equal(requests[1].expected.size, 0);
  const one = stepRequest(MODEL, set.streams[0][0], "2");
  assert.deepEqual(one, {
    model: "m",
    version: "2",
    inputs: [{
      name: "A",
      datatype: "INT32",
      shape: [1, 2],
      bytes: set.streams[0][0].inputs.get("A")!.bytes,
    }],
    outputs: ["OUT", "X"],
    batchSize: 1,
  });
});

Deno.test("a model without batching takes the step shape as it is, and only -b 1", () => {
  const flat: ModelInfo = { ...MODEL, maxBatchSize: 0 };
  const set = data([step([1, 2])]);
  assert.deepEqual(batchRequests(flat, set, 1, "")[0].spec.inputs[0].shape, [2]);
  assert.deepEqual(stepRequest(flat, set.streams[0][0], "").inputs[0].shape, [2]);
  assert.throws(
    () => batchRequests(flat, set, 2, ""),
    new RunError("can not specify batch size > 1 as the model does not support batching (-b 2)"),
  );
  assert.throws(
    () => batchRequests(MODEL, set, 9, ""),
    new RunError("expecting batch size <= 8 for model 'm', got -b 9"),
  );
  assert.throws(
    () => batchRequests(MODEL, set, 0, ""),
    new RunError("batch size must be a whole number >= 1, got -b 0"),
  );
});

Deno.test("a batch needs one shape per tensor and the same optional inputs in every step", () => {
  assert.throws(
    () => batchRequests(MODEL, data([step([1]), step([1, 2])]), 2, ""),
    new RunError(
      "can not batch tensors with different shapes together: input A has shape [1] in data " +
        "entry 0 and [2] in data entry 1",
    ),
  );
  const optional = data([step([1]), step([2], { O: int32(5) }), step([3])]);
  assert.throws(
    () => batchRequests(MODEL, optional, 2, ""),
    new RunError(
      "can not batch data entries with different inputs together: optional input O is in data " +
        "entry 1 but not in data entry 0",
    ),
  );
  const withO = batchRequests(MODEL, optional, 1, "");
  assert.deepEqual(withO.map((r) => r.spec.inputs.map((t) => t.name)), [["A"], ["A", "O"], ["A"]]);
  // An output some steps of a batch lack is not checked for that batch.
  const partial = batchRequests(MODEL, data([step([1], {}, 10), step([2])]), 2, "");
  assert.equal(partial[0].expected.size, 0);
});
