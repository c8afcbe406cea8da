import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import { getJson } from "../testing/helpers.ts";

Deno.test("server metadata lists the implemented extensions", async () => {
  const server = await startServer();
  try {
    const { status, json } = await getJson(`http://${server.url}/v2`);
    assert.deepEqual(status, 200);
    assert.deepEqual(json, {
      name: "triton",
      version: "2.59.0",
      extensions: [
        "sequence",
        "model_configuration",
        "system_shared_memory",
        "binary_tensor_data",
        "parameters",
        "statistics",
        "trace",
      ],
    });
  } finally {
    await server.close();
  }
});

Deno.test("model metadata prepends the -1 batch dimension", async () => {
  const server = await startServer();
  try {
    const simple = await getJson(`http://${server.url}/v2/models/simple`);
    assert.deepEqual(simple.status, 200);
    assert.deepEqual(simple.json, {
      name: "simple",
      versions: ["1"],
      platform: "simulated",
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [-1, 16] },
        { name: "INPUT1", datatype: "INT32", shape: [-1, 16] },
      ],
      outputs: [
        { name: "OUTPUT0", datatype: "INT32", shape: [-1, 16] },
        { name: "OUTPUT1", datatype: "INT32", shape: [-1, 16] },
      ],
    });
    const str = await getJson(`http://${server.url}/v2/models/simple_string/versions/1`);
    const strInputs = (str.json as { inputs: unknown[] }).inputs;
    assert.deepEqual(strInputs[0], { name: "INPUT0", datatype: "BYTES", shape: [-1, 16] });
    const id = await getJson(`http://${server.url}/v2/models/identity_fp32`);
    const idJson = id.json as { inputs: unknown[]; outputs: unknown[] };
    assert.deepEqual(idJson.inputs, [{ name: "INPUT0", datatype: "FP32", shape: [-1, -1] }]);
    assert.deepEqual(idJson.outputs, [{ name: "OUTPUT0", datatype: "FP32", shape: [-1, -1] }]);
  } finally {
    await server.close();
  }
});

Deno.test("model config is Triton's unwrapped snake_case ModelConfig", async () => {
  const server = await startServer({ instances: 3 });
  try {
    const { status, json } = await getJson(`http://${server.url}/v2/models/simple_string/config`);
    assert.deepEqual(status, 200);
    const c = json as Record<string, unknown>;
    assert.deepEqual(c.name, "simple_string");
    assert.deepEqual(c.platform, "simulated");
    assert.deepEqual(c.backend, "simulated");
    assert.deepEqual(c.max_batch_size, 8);
    const input = (c.input as Record<string, unknown>[])[1];
    assert.deepEqual([input.name, input.data_type, input.dims], ["INPUT1", "TYPE_STRING", [16]]);
    const output = (c.output as Record<string, unknown>[])[0];
    assert.deepEqual([output.name, output.data_type, output.dims], ["OUTPUT0", "TYPE_STRING", [
      16,
    ]]);
    const group = (c.instance_group as Record<string, unknown>[])[0];
    assert.deepEqual([group.count, group.kind], [3, "KIND_CPU"]);
    assert.deepEqual(c.model_transaction_policy, { decoupled: false });
    assert.deepEqual("dynamic_batching" in c, false);
    assert.deepEqual("sequence_batching" in c, false);
    const id = await getJson(`http://${server.url}/v2/models/identity_fp32/config`);
    const idInput = ((id.json as Record<string, unknown>).input as Record<string, unknown>[])[0];
    assert.deepEqual([idInput.data_type, idInput.dims], ["TYPE_FP32", [-1]]);
  } finally {
    await server.close();
  }
});
