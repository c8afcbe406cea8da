/**
 * An infer response's binary outputs go out as they are: the body is the JSON header and then
 * views of the output tensors, joined only when small, streamed with its length otherwise.
 */
import assert from "node:assert/strict";
import { partsBody } from "./infer_response.ts";
import { startServer } from "../mod.ts";
import { binaryBody } from "../testing/helpers.ts";

async function streamed(body: BodyInit): Promise<Uint8Array[]> {
  assert.ok(body instanceof ReadableStream);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as ReadableStream<Uint8Array>) chunks.push(chunk);
  return chunks;
}

Deno.test("partsBody joins a small body and streams a large one's parts as they are", async () => {
  const head = new TextEncoder().encode('{"outputs":[]}');
  const small = partsBody([head, Uint8Array.of(1, 2, 3)]);
  assert.deepEqual(small.body, Uint8Array.of(...head, 1, 2, 3));
  assert.equal(small.length, head.length + 3);
  const tensor = new Uint8Array(1 << 20).fill(9);
  const large = partsBody([head, tensor, tensor.subarray(5)]);
  assert.equal(large.length, head.length + 2 * tensor.length - 5);
  const chunks = await streamed(large.body);
  assert.equal(chunks.length, 3);
  // The very arrays: nothing was copied.
  assert.equal(chunks[0], head);
  assert.equal(chunks[1], tensor);
  assert.equal(chunks[2].buffer, tensor.buffer);
});

Deno.test("a 4 MiB identity_fp32 reply over HTTP has its Content-Length and every byte", async () => {
  const server = await startServer();
  try {
    const values = Float32Array.from({ length: 1 << 20 }, (_, i) => i * 0.5);
    const header = {
      inputs: [{
        name: "INPUT0",
        datatype: "FP32",
        shape: [1, values.length],
        parameters: { binary_data_size: values.byteLength },
      }],
      outputs: [{ name: "OUTPUT0", parameters: { binary_data: true } }],
    };
    const { body, headerLength } = binaryBody(header, [new Uint8Array(values.buffer)]);
    const res = await fetch(`http://${server.url}/v2/models/identity_fp32/infer`, {
      method: "POST",
      headers: { "inference-header-content-length": String(headerLength) },
      body: body as Uint8Array<ArrayBuffer>,
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("transfer-encoding"), null);
    assert.equal(Number(res.headers.get("content-length")), bytes.length);
    const replyHeader = Number(res.headers.get("inference-header-content-length"));
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(0, replyHeader)));
    assert.deepEqual(json.outputs, [{
      name: "OUTPUT0",
      datatype: "FP32",
      shape: [1, values.length],
      parameters: { binary_data_size: values.byteLength },
    }]);
    assert.equal(bytes.length, replyHeader + values.byteLength);
    assert.deepEqual(bytes.subarray(replyHeader), new Uint8Array(values.buffer));
  } finally {
    await server.close();
  }
});
