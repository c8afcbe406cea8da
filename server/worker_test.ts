import assert from "node:assert/strict";
import { startServerWorker } from "./mod.ts";
import { connect, int32Bytes, int32Values } from "./grpc/testing/client.ts";
import { infer, range16, simpleJson } from "./testing/helpers.ts";

Deno.test("worker server: same endpoints, ground truth over postMessage equals /stats", async () => {
  const server = await startServerWorker({ computeUs: 500 });
  try {
    assert.equal(server.url, `127.0.0.1:${server.httpPort}`);
    for (let i = 0; i < 3; i++) {
      const reply = await infer(server.url, "simple", simpleJson(range16(), range16(1), 2));
      assert.equal(reply.status, 200);
      const sum = (reply.json.outputs as { data: number[] }[])[0].data;
      assert.equal(sum[15], 15 + 16);
    }
    const truth = await server.groundTruth("simple");
    assert.equal(truth.successCount, 3);
    assert.equal(truth.inferenceCount, 6);
    assert.equal(truth.executionCount, 3);
    // Short compute times are spun in the worker, so they are met but not rounded up to ms.
    assert.ok(truth.computeInferNs >= 3 * 500_000, `infer ${truth.computeInferNs}`);
    const res = await fetch(`http://${server.url}/v2/models/simple/stats`);
    const s = (await res.json()).model_stats[0];
    assert.equal(s.inference_stats.compute_infer.ns, truth.computeInferNs);
    assert.equal(s.inference_stats.success.ns, truth.successNs);
    assert.equal(s.inference_stats.queue.ns, truth.queueNs);
    await assert.rejects(server.groundTruth("nope"), RangeError);
  } finally {
    await server.close();
  }
  await assert.rejects(server.groundTruth("simple"), /closed/);
});

Deno.test("worker server: invalid options reject before a worker starts", async () => {
  await assert.rejects(startServerWorker({ instances: 1.5 }), RangeError);
});

Deno.test("worker server: gRPC listener when asked, sharing ground truth with HTTP", async () => {
  const server = await startServerWorker({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    assert.ok(server.grpcPort! > 0);
    assert.equal(server.grpcUrl, `127.0.0.1:${server.grpcPort}`);
    const reply = await client.call<{ raw_output_contents: Uint8Array[] }>("ModelInfer", {
      model_name: "simple",
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16] },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16] },
      ],
      raw_input_contents: [int32Bytes(range16()), int32Bytes(range16(1))],
    });
    assert.equal(int32Values(reply.raw_output_contents[0])[15], 15 + 16);
    assert.equal((await infer(server.url, "simple", simpleJson(range16(), range16()))).status, 200);
    assert.equal((await server.groundTruth("simple")).successCount, 2);
  } finally {
    client.close();
    await server.close();
  }
  const plain = await startServerWorker();
  try {
    assert.equal(plain.grpcPort, undefined);
    assert.equal(plain.grpcUrl, undefined);
  } finally {
    await plain.close();
  }
});

Deno.test("worker server: sequence ground truth over postMessage, errors as RangeError", async () => {
  const server = await startServerWorker();
  try {
    const step = (value: number, parameters: Record<string, unknown>) => ({
      parameters,
      inputs: [{ name: "INPUT", datatype: "INT32", shape: [1], data: [value] }],
    });
    const send = (value: number, parameters: Record<string, unknown>) =>
      infer(server.url, "simple_sequence", step(value, parameters));
    assert.deepEqual(
      (await send(4, { sequence_id: "w", sequence_start: true })).json.outputs,
      [{ name: "OUTPUT", datatype: "INT32", shape: [1], data: [4] }],
    );
    assert.equal((await send(1, { sequence_id: 2 })).status, 400);
    await send(5, { sequence_id: "w", sequence_end: true });
    await send(1, { sequence_id: 2, sequence_start: true });
    assert.deepEqual(await server.sequences("simple_sequence"), {
      started: 2,
      ended: 1,
      active: 1,
      restarted: 0,
      rejected: 1,
      requests: 3,
      overlapping: 0,
      endedLengths: [2],
    });
    await assert.rejects(server.sequences("simple"), RangeError);
    await assert.rejects(server.sequences("nope"), /unknown model "nope"/);
    // Statistics queries still answer with their own shape.
    assert.equal((await server.groundTruth("simple_sequence")).successCount, 3);
  } finally {
    await server.close();
  }
  await assert.rejects(server.sequences("simple_sequence"), /closed/);
});
