import assert from "node:assert/strict";
import { encodeStringElements, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import { connect, copyOf, int32Bytes, int32Values, ReplyQueue } from "./testing/client.ts";
import { startServer } from "../server.ts";
import { range16 } from "../testing/helpers.ts";

interface Reply {
  model_name: string;
  model_version: string;
  id: string;
  outputs: { name: string; datatype: string; shape: number[]; contents: unknown }[];
  raw_output_contents: Uint8Array[];
}

const a = range16();
const b = range16(100);
const sums = a.map((x, i) => x + b[i]);
const diffs = a.map((x, i) => x - b[i]);

function simpleRaw(batch = 1, extra: Record<string, unknown> = {}) {
  const rows = (v: number[]) => Array.from({ length: batch }, () => v).flat();
  return {
    model_name: "simple",
    inputs: [
      { name: "INPUT0", datatype: "INT32", shape: [batch, 16] },
      { name: "INPUT1", datatype: "INT32", shape: [batch, 16] },
    ],
    raw_input_contents: [int32Bytes(rows(a)), int32Bytes(rows(b))],
    ...extra,
  };
}

Deno.test("gRPC ModelInfer: simple with raw inputs answers in raw_output_contents", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const reply = await client.call<Reply>("ModelInfer", simpleRaw(2, { id: "r1" }));
    assert.equal(reply.model_name, "simple");
    assert.equal(reply.model_version, "1");
    assert.equal(reply.id, "r1");
    assert.deepEqual(reply.outputs.map((o) => [o.name, o.datatype, o.shape, o.contents]), [
      ["OUTPUT0", "INT32", [2, 16], null],
      ["OUTPUT1", "INT32", [2, 16], null],
    ]);
    assert.equal(reply.raw_output_contents.length, 2);
    assert.deepEqual(int32Values(reply.raw_output_contents[0]), [...sums, ...sums]);
    assert.deepEqual(int32Values(reply.raw_output_contents[1]), [...diffs, ...diffs]);
    // Only OUTPUT1 requested: one output, one raw entry, aligned.
    const one = await client.call<Reply>(
      "ModelInfer",
      simpleRaw(1, { outputs: [{ name: "OUTPUT1" }] }),
    );
    assert.deepEqual(one.outputs.map((o) => o.name), ["OUTPUT1"]);
    assert.deepEqual(one.raw_output_contents.map(int32Values), [diffs]);
    const truth = server.groundTruth("simple");
    assert.equal(truth.successCount, 2);
    assert.equal(truth.inferenceCount, 3);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC ModelInfer: typed contents for INT32, BYTES and FP32", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const typed = await client.call<Reply>("ModelInfer", {
      model_name: "simple",
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16], contents: { int_contents: a } },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16], contents: { int_contents: b } },
      ],
    });
    assert.deepEqual(typed.raw_output_contents.map(int32Values), [sums, diffs]);

    const text = (v: number[]) => v.map((x) => new TextEncoder().encode(String(x)));
    const str = await client.call<Reply>("ModelInfer", {
      model_name: "simple_string",
      inputs: [
        {
          name: "INPUT0",
          datatype: "BYTES",
          shape: [1, 16],
          contents: { bytes_contents: text(a) },
        },
        {
          name: "INPUT1",
          datatype: "BYTES",
          shape: [1, 16],
          contents: { bytes_contents: text(b) },
        },
      ],
    });
    // BYTES outputs come back length-prefixed in raw_output_contents.
    const decoded = splitBytesElements(str.raw_output_contents[0]).map((e) =>
      Number(new TextDecoder().decode(e))
    );
    assert.deepEqual(decoded, sums);
    assert.deepEqual(str.outputs[0].datatype, "BYTES");

    const rawStr = await client.call<Reply>("ModelInfer", {
      model_name: "simple_string",
      inputs: [
        { name: "INPUT0", datatype: "BYTES", shape: [1, 16] },
        { name: "INPUT1", datatype: "BYTES", shape: [1, 16] },
      ],
      raw_input_contents: [
        encodeStringElements(a.map(String)),
        encodeStringElements(b.map(String)),
      ],
    });
    assert.deepEqual(rawStr.raw_output_contents, str.raw_output_contents);

    const fp = await client.call<Reply>("ModelInfer", {
      model_name: "identity_fp32",
      inputs: [{
        name: "INPUT0",
        datatype: "FP32",
        shape: [1, 3],
        contents: { fp32_contents: [1.5, -2, 3.25] },
      }],
    });
    assert.deepEqual(fp.outputs[0].shape, [1, 3]);
    assert.deepEqual(Array.from(new Float32Array(copyOf(fp.raw_output_contents[0]))), [
      1.5,
      -2,
      3.25,
    ]);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC ModelInfer: requests over HTTP and gRPC add up in one set of statistics", async () => {
  const server = await startServer({ grpcPort: 0, computeUs: 200 });
  const client = connect(server.grpcUrl!);
  try {
    for (let i = 0; i < 3; i++) await client.call("ModelInfer", simpleRaw(2));
    const body = JSON.stringify({
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16], data: a },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16], data: b },
      ],
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://${server.url}/v2/models/simple/infer`, {
        method: "POST",
        body,
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const truth = server.groundTruth("simple");
    assert.equal(truth.successCount, 5);
    assert.equal(truth.inferenceCount, 8);
    assert.ok(truth.computeInferNs >= 5 * 200_000, `${truth.computeInferNs}`);
    const grpcStats = await client.call<{ model_stats: Record<string, unknown>[] }>(
      "ModelStatistics",
      { name: "simple" },
    );
    const httpStats = await (await fetch(`http://${server.url}/v2/models/simple/stats`)).json();
    const g = grpcStats.model_stats[0];
    const h = httpStats.model_stats[0];
    assert.equal(g.name, "simple");
    assert.equal(g.inference_count, 8);
    assert.deepEqual(g.inference_stats, h.inference_stats);
    assert.deepEqual(g.batch_stats, h.batch_stats);
    assert.equal(g.last_inference, h.last_inference);
    const all = await client.call<{ model_stats: { name: string }[] }>("ModelStatistics", {});
    assert.deepEqual(all.model_stats.map((m) => m.name), [
      "simple",
      "simple_string",
      "simple_cached",
      "identity_fp32",
      "repeat_int32",
      "simple_sequence",
      "simple_sequence_string",
      "echo_all",
      "identity_int32",
      "simple_ensemble",
      "simple_bls",
    ]);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC ModelInfer and ModelStreamInfer: a 1 MiB tensor comes back byte for byte", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  // One element over 1 MiB, so the contents fill no frame exactly.
  const elements = (1 << 18) + 1;
  const values = Float32Array.from({ length: elements }, (_, i) => i * 0.5 - 7);
  const bytes = new Uint8Array(values.buffer);
  const request = (id: string) => ({
    model_name: "identity_fp32",
    id,
    inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, elements] }],
    raw_input_contents: [bytes],
  });
  try {
    const reply = await client.call<Reply>("ModelInfer", request("u"));
    assert.equal(reply.id, "u");
    assert.deepEqual(reply.outputs.map((o) => o.shape), [[1, elements]]);
    assert.deepEqual(new Uint8Array(copyOf(reply.raw_output_contents[0])), bytes);
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    stream.write(request("s"));
    stream.end();
    const [streamed] = await queue.take(1);
    assert.equal(streamed.infer_response?.id, "s");
    const raw = streamed.infer_response!.raw_output_contents[0];
    assert.deepEqual(new Uint8Array(copyOf(raw)), bytes);
  } finally {
    client.close();
    await server.close();
  }
});
