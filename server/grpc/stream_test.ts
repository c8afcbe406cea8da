import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import {
  connect,
  copyOf,
  int32Bytes,
  int32Values,
  ReplyQueue,
  type StreamReply,
} from "./testing/client.ts";
import { startServer } from "../server.ts";
import { range16 } from "../testing/helpers.ts";

function simple(id: string, start: number) {
  return {
    model_name: "simple",
    id,
    inputs: [
      { name: "INPUT0", datatype: "INT32", shape: [1, 16] },
      { name: "INPUT1", datatype: "INT32", shape: [1, 16] },
    ],
    raw_input_contents: [int32Bytes(range16(start)), int32Bytes(range16())],
  };
}

function repeat(id: string, values: number[], extra: Record<string, unknown> = {}) {
  return {
    model_name: "repeat_int32",
    id,
    inputs: [{ name: "IN", datatype: "INT32", shape: [values.length] }],
    raw_input_contents: [int32Bytes(values)],
    ...extra,
  };
}

const EMPTY_FINAL = { triton_enable_empty_final_response: { bool_param: true } };

Deno.test("gRPC stream: one final response per request, in order; errors keep it open", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    for (let i = 0; i < 3; i++) stream.write(simple(`s${i}`, i * 10));
    stream.write({ ...simple("bad", 0), model_name: "nope" });
    for (let i = 3; i < 5; i++) stream.write(simple(`s${i}`, i * 10));
    stream.end();
    const got = await queue.take(7);
    assert.equal(got.length, 6);
    const error = got.find((r) => r.error_message !== "")!;
    assert.equal(error.error_message, "Request for unknown model: 'nope' is not found");
    assert.equal(error.infer_response, null);
    const ok = got.filter((r) => r.error_message === "").map((r) => r.infer_response!);
    // One instance runs requests in arrival order, so responses come back in that order.
    assert.deepEqual(ok.map((r) => r.id), ["s0", "s1", "s2", "s3", "s4"]);
    ok.forEach((r, i) => {
      assert.equal(r.parameters.triton_final_response.bool_param, true);
      const sum = int32Values(r.raw_output_contents[0]);
      assert.deepEqual(sum, range16(i * 10).map((x, j) => x + j));
    });
    assert.equal(server.groundTruth("simple").successCount, 5);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC stream: triton_grpc_error closes the stream with the status", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const stream = client.stream({ triton_grpc_error: "true" });
    const queue = new ReplyQueue(stream);
    stream.write(simple("a", 0));
    assert.equal((await queue.take(1))[0].infer_response?.id, "a");
    stream.write({ ...simple("b", 0), inputs: [], raw_input_contents: [] });
    await assert.rejects(queue.take(1), (e: { code: number; details: string }) => {
      assert.equal(e.code, status.INVALID_ARGUMENT);
      assert.match(e.details, /expected 2 inputs but got 0 inputs for model 'simple'/);
      return true;
    });
  } finally {
    client.close();
    await server.close();
  }
});

function final(r: StreamReply): boolean | undefined {
  return r.infer_response?.parameters.triton_final_response?.bool_param;
}

Deno.test("gRPC stream: repeat_int32 sends N responses, the final flag where asked", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    // Without the empty final response, the last data response is the final one.
    stream.write(repeat("plain", [7, 8, 9]));
    const plain = await queue.take(3);
    assert.deepEqual(plain.map((r) => int32Values(r.infer_response!.raw_output_contents[0])), [
      [7],
      [8],
      [9],
    ]);
    const idx = plain.map((r) =>
      Array.from(new Uint32Array(copyOf(r.infer_response!.raw_output_contents[1])))
    );
    assert.deepEqual(idx, [[0], [1], [2]]);
    assert.deepEqual(plain.map(final), [false, false, true]);
    assert.deepEqual(plain[0].infer_response!.outputs.map((o) => [o.name, o.datatype, o.shape]), [
      ["OUT", "INT32", [1]],
      ["IDX", "UINT32", [1]],
    ]);
    // With it, every data response is non-final and an empty response closes the request.
    stream.write(
      repeat("empty", [1, 2, 3], { parameters: EMPTY_FINAL, outputs: [{ name: "OUT" }] }),
    );
    const withEmpty = await queue.take(4);
    assert.deepEqual(withEmpty.map(final), [false, false, false, true]);
    assert.deepEqual(withEmpty.map((r) => r.infer_response!.outputs.length), [1, 1, 1, 0]);
    const last = withEmpty[3].infer_response!;
    assert.deepEqual([last.id, last.model_name, last.model_version], [
      "empty",
      "repeat_int32",
      "1",
    ]);
    assert.deepEqual(last.raw_output_contents, []);
    // Zero values: only the empty final response.
    stream.write(repeat("none", [], { parameters: EMPTY_FINAL }));
    assert.deepEqual((await queue.take(1)).map(final), [true]);
    // A model-level error is reported on the stream, which stays usable.
    stream.write({
      ...repeat("mismatch", [1, 2]),
      inputs: [
        { name: "IN", datatype: "INT32", shape: [2] },
        { name: "DELAY", datatype: "UINT32", shape: [1] },
      ],
      raw_input_contents: [int32Bytes([1, 2]), int32Bytes([0])],
    });
    assert.equal(
      (await queue.take(1))[0].error_message,
      "expected IN and DELAY shape to match for model 'repeat_int32', got [2] and [1]",
    );
    stream.end();
    assert.deepEqual(await queue.take(1), []);

    const truth = server.groundTruth("repeat_int32");
    assert.equal(truth.successCount, 3);
    assert.equal(truth.executionCount, 3);
    assert.equal(truth.computeOutputCount, 3);
    const stats = await client.call<{ model_stats: Record<string, unknown>[] }>(
      "ModelStatistics",
      { name: "repeat_int32" },
    );
    const s = stats.model_stats[0] as {
      inference_stats: { fail: { count: number } };
      response_stats: Record<string, Record<string, { count: number }>>;
    };
    assert.equal(s.inference_stats.fail.count, 1);
    assert.deepEqual(Object.keys(s.response_stats).sort(), ["0", "1", "2", "3"]);
    assert.equal(s.response_stats["0"].success.count, 2);
    assert.equal(s.response_stats["2"].compute_infer.count, 2);
    assert.equal(s.response_stats["3"].empty_response.count, 1);
    assert.equal(s.response_stats["0"].empty_response.count, 1);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC stream: repeat_int32 waits DELAY before each response and WAIT at the end", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    const started = performance.now();
    stream.write({
      model_name: "repeat_int32",
      id: "slow",
      parameters: EMPTY_FINAL,
      inputs: [
        { name: "IN", datatype: "INT32", shape: [2], contents: { int_contents: [5, 6] } },
        { name: "DELAY", datatype: "UINT32", shape: [2], contents: { uint_contents: [30, 30] } },
        { name: "WAIT", datatype: "UINT32", shape: [1], contents: { uint_contents: [40] } },
      ],
    });
    const first = await queue.take(1);
    const firstMs = performance.now() - started;
    const rest = await queue.take(2);
    const totalMs = performance.now() - started;
    assert.deepEqual([...first, ...rest].map(final), [false, false, true]);
    assert.ok(firstMs >= 30, `first after ${firstMs} ms`);
    assert.ok(totalMs >= 100, `final after ${totalMs} ms`);
    const truth = server.groundTruth("repeat_int32");
    assert.ok(truth.computeInferNs >= 100e6, `${truth.computeInferNs}`);
    stream.end();
    assert.deepEqual(await queue.take(1), []);
  } finally {
    client.close();
    await server.close();
  }
});
