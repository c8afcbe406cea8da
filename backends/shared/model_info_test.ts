import assert from "node:assert/strict";
import { RunError } from "../../core/errors.ts";
import { NO_CONFIG_NO_BATCH_NOTE, normalizeModelInfo, withComposing } from "./model_info.ts";
import type { JsonObject } from "./json_fields.ts";

const METADATA = {
  name: "seq",
  versions: ["1", "3"],
  platform: "python",
  inputs: [{ name: "IN", datatype: "FP32", shape: [4, -1] }, {
    name: "S",
    datatype: "INT64",
    shape: [1],
  }],
  outputs: [{ name: "OUT", datatype: "BYTES", shape: [-1] }],
};

Deno.test("non-batching config keeps full shapes and reads sequence/decoupled flags", () => {
  const info = normalizeModelInfo(METADATA, {
    max_batch_size: 0,
    sequence_batching: {},
    model_transaction_policy: { decoupled: true },
    input: [{ name: "S", is_shape_tensor: true }],
    output: [{ name: "OUT", is_shape_tensor: false }],
  }, "");
  assert.equal(info.maxBatchSize, 0);
  assert.equal(info.version, "", "several versions listed: which serves is unknown");
  assert.deepEqual(info.inputs[0].shape, [4, -1]);
  assert.equal(info.inputs[1].isShapeTensor, true);
  assert.equal(info.outputs[0].isShapeTensor, undefined);
  assert.deepEqual(info.outputs[0].shape, [-1]);
  assert.equal(info.sequence, true);
  assert.equal(info.sequenceStringIds, false);
  assert.equal(info.responses, "many");
  assert.equal(info.dynamicBatching, false);
  assert.equal(info.responseCache, false);
});

Deno.test("a CORRID control of TYPE_STRING means string correlation ids", () => {
  const corrid = (dataType: string) =>
    normalizeModelInfo(METADATA, {
      sequence_batching: {
        control_input: [
          {
            name: "START",
            control: [{ kind: "CONTROL_SEQUENCE_START", int32_false_true: [0, 1] }],
          },
          { name: "CORRID", control: [{ kind: "CONTROL_SEQUENCE_CORRID", data_type: dataType }] },
        ],
      },
    }, "").sequenceStringIds;
  assert.equal(corrid("TYPE_STRING"), true);
  assert.equal(corrid("TYPE_UINT64"), false);
});

Deno.test("an empty (all-default) config means no batching", () => {
  const info = normalizeModelInfo(METADATA, {}, "3");
  assert.equal(info.maxBatchSize, 0);
  assert.equal(info.version, "3");
  assert.deepEqual(info.notes, []);
});

Deno.test("metadata only without a leading -1 on every input: no batch dim", () => {
  const info = normalizeModelInfo(METADATA, undefined, "");
  assert.equal(info.maxBatchSize, 0);
  assert.deepEqual(info.inputs[0].shape, [4, -1]);
  assert.deepEqual(info.notes, [NO_CONFIG_NO_BATCH_NOTE]);
});

Deno.test("bad metadata is a RunError naming the tensor", () => {
  const bad = { ...METADATA, inputs: [{ name: "IN", datatype: "FLOAT", shape: [1] }] };
  assert.throws(
    () => normalizeModelInfo(bad, {}, ""),
    (e) => e instanceof RunError && /input 'IN' has unsupported datatype 'FLOAT'/.test(e.message),
  );
  const badShape = { ...METADATA, inputs: [{ name: "IN", datatype: "FP32", shape: ["x"] }] };
  assert.throws(() => normalizeModelInfo(badShape, {}, ""), /invalid shape/);
});

/** An ensemble config whose steps run `models` ([name, version] pairs, -1 = unpinned). */
function ensemble(name: string, steps: [string, number | string][]): JsonObject {
  return {
    name,
    platform: "ensemble",
    ensemble_scheduling: {
      step: steps.map(([model_name, model_version]) => ({ model_name, model_version })),
    },
  };
}

Deno.test("ensemble steps: read recursively, sorted, each once; cache and sequence flags", async () => {
  const configs: Record<string, JsonObject> = {
    inner: ensemble("inner", [["seq", -1]]),
    seq: { name: "seq", sequence_batching: {} },
    cached: { name: "cached", response_cache: { enable: true } },
    plain: { name: "plain" },
  };
  const reads: string[] = [];
  const read = (m: string, v: string) => {
    reads.push(`${m}:${v}`);
    return Promise.resolve(configs[m]);
  };
  const top = ensemble("top", [["plain", -1], ["inner", "2"], ["cached", 3], ["plain", -1]]);
  const info = await withComposing(normalizeModelInfo(METADATA, top, ""), top, read);
  assert.deepEqual(info.composing, [
    { name: "cached", version: "3", responseCache: true, sequence: false, composing: [] },
    {
      name: "inner",
      version: "2",
      responseCache: false,
      sequence: true,
      composing: [{
        name: "seq",
        version: "",
        responseCache: false,
        sequence: true,
        composing: [],
      }],
    },
    { name: "plain", version: "", responseCache: false, sequence: false, composing: [] },
  ]);
  // An ensemble holding a sequence model is profiled as one.
  assert.equal(info.sequence, true);
  assert.deepEqual(reads, ["plain:", "inner:2", "seq:", "cached:3"]);
  // Not an ensemble: nothing read, no composing models.
  const plain = await withComposing(normalizeModelInfo(METADATA, {}, ""), {}, read);
  assert.equal(plain.composing, undefined);
  assert.equal(reads.length, 4);
});

Deno.test("ensemble steps: a configuration loop is an error, not a hang", async () => {
  const loop = ensemble("loop", [["loop", -1]]);
  await assert.rejects(
    withComposing(normalizeModelInfo(METADATA, loop, ""), loop, () => Promise.resolve(loop)),
    /ensembles nested more than 16 deep/,
  );
});
