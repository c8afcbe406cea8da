import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import {
  binaryBody,
  bytesBlob,
  infer,
  int32Blob,
  outputs,
  range16,
  simpleJson,
} from "../testing/helpers.ts";

const MAX = 2147483647;

Deno.test("simple over JSON: add and subtract with int32 wraparound, id echoed", async () => {
  const server = await startServer();
  try {
    const a = range16(1);
    a[15] = MAX;
    const b = range16(0).map(() => 3);
    b[14] = -MAX - 1;
    const reply = await infer(server.url, "simple", { id: "req-7", ...simpleJson(a, b, 2) });
    assert.deepEqual(reply.status, 200);
    assert.deepEqual(reply.contentType, "application/json");
    assert.deepEqual(reply.headerLength, undefined);
    assert.deepEqual(reply.json.id, "req-7");
    assert.deepEqual(reply.json.model_name, "simple");
    assert.deepEqual(reply.json.model_version, "1");
    const [sum, diff] = outputs(reply);
    const sumRow = a.map((x, i) => (x + b[i]) | 0);
    const diffRow = a.map((x, i) => (x - b[i]) | 0);
    assert.deepEqual(sumRow[15], -2147483646); // MAX + 3 wraps
    assert.deepEqual(diffRow[14], -2147483633); // 15 - INT32_MIN wraps
    assert.deepEqual(sum, {
      name: "OUTPUT0",
      datatype: "INT32",
      shape: [2, 16],
      data: [...sumRow, ...sumRow],
    });
    assert.deepEqual(diff, {
      name: "OUTPUT1",
      datatype: "INT32",
      shape: [2, 16],
      data: [...diffRow, ...diffRow],
    });
    // No id in the request, no id in the response.
    const anon = await infer(server.url, "simple", simpleJson(a, b));
    assert.deepEqual("id" in anon.json, false);
  } finally {
    await server.close();
  }
});

Deno.test("simple over binary: inputs and outputs as blobs", async () => {
  const server = await startServer();
  try {
    const a = range16(100);
    const b = range16(-5);
    const header = {
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16], parameters: { binary_data_size: 64 } },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16], parameters: { binary_data_size: 64 } },
      ],
      outputs: [
        { name: "OUTPUT1", parameters: { binary_data: true } },
        { name: "OUTPUT0", parameters: { binary_data: true } },
      ],
    };
    const { body, headerLength } = binaryBody(header, [int32Blob(a), int32Blob(b)]);
    const reply = await infer(server.url, "simple", body, {
      "inference-header-content-length": String(headerLength),
      "content-type": "application/octet-stream",
    });
    assert.deepEqual(reply.status, 200);
    assert.deepEqual(reply.contentType, "application/octet-stream");
    const outs = outputs(reply);
    assert.deepEqual(outs.map((o) => o.name), ["OUTPUT1", "OUTPUT0"]); // request order
    assert.deepEqual(outs[0].parameters, { binary_data_size: 64 });
    assert.deepEqual("data" in outs[0], false);
    const sum = new Int32Array(reply.blobs.get("OUTPUT0")!.buffer);
    const diff = new Int32Array(reply.blobs.get("OUTPUT1")!.buffer);
    assert.deepEqual([...sum], a.map((x, i) => x + b[i]));
    assert.deepEqual([...diff], a.map((x, i) => x - b[i]));
  } finally {
    await server.close();
  }
});

Deno.test("binary_data_output is the default and per-output binary_data overrides it", async () => {
  const server = await startServer();
  try {
    const req = {
      ...simpleJson(range16(), range16()),
      parameters: { binary_data_output: true },
      outputs: [{ name: "OUTPUT0" }, { name: "OUTPUT1", parameters: { binary_data: false } }],
    };
    const reply = await infer(server.url, "simple", req);
    assert.deepEqual(reply.contentType, "application/octet-stream");
    const [o0, o1] = outputs(reply);
    assert.deepEqual(o0.parameters, { binary_data_size: 64 });
    assert.deepEqual(o1.data, range16().map(() => 0));
    assert.deepEqual(
      [...new Int32Array(reply.blobs.get("OUTPUT0")!.buffer)],
      range16().map((x) => 2 * x),
    );
    // A pure-JSON body may still carry Inference-Header-Content-Length (the C++ client does).
    const plain = new TextEncoder().encode(JSON.stringify(simpleJson(range16(), range16(1))));
    const withLength = await infer(server.url, "simple", plain, {
      "inference-header-content-length": String(plain.length),
    });
    assert.equal(withLength.status, 200);
    assert.deepEqual(outputs(withLength)[1].data, range16().map(() => -1));
    // Only the requested output comes back.
    const one = await infer(server.url, "simple", {
      ...simpleJson(range16(), range16()),
      outputs: [{ name: "OUTPUT1" }],
    });
    assert.deepEqual(outputs(one).map((o) => o.name), ["OUTPUT1"]);
  } finally {
    await server.close();
  }
});

Deno.test("simple_string adds decimal strings, in JSON and in binary", async () => {
  const server = await startServer();
  try {
    const a = range16().map((i) => String(i * 10));
    const b = range16().map((i) => String(-i));
    const json = await infer(server.url, "simple_string", {
      inputs: [
        { name: "INPUT0", datatype: "BYTES", shape: [1, 16], data: a },
        { name: "INPUT1", datatype: "BYTES", shape: [1, 16], data: b },
      ],
    });
    assert.deepEqual(json.status, 200);
    const [sum, diff] = outputs(json);
    assert.deepEqual(sum.datatype, "BYTES");
    assert.deepEqual(sum.data, range16().map((i) => String(i * 9)));
    assert.deepEqual(diff.data, range16().map((i) => String(i * 11)));
    const header = {
      inputs: [
        {
          name: "INPUT0",
          datatype: "BYTES",
          shape: [1, 16],
          parameters: { binary_data_size: bytesBlob(a).length },
        },
        {
          name: "INPUT1",
          datatype: "BYTES",
          shape: [1, 16],
          parameters: { binary_data_size: bytesBlob(b).length },
        },
      ],
      parameters: { binary_data_output: true },
    };
    const { body, headerLength } = binaryBody(header, [bytesBlob(a), bytesBlob(b)]);
    const bin = await infer(server.url, "simple_string", body, {
      "inference-header-content-length": String(headerLength),
    });
    assert.deepEqual(bin.status, 200);
    const expected = bytesBlob(range16().map((i) => String(i * 9)));
    assert.deepEqual(bin.blobs.get("OUTPUT0"), expected);
  } finally {
    await server.close();
  }
});

Deno.test("identity_fp32 echoes variable-length input, and accepts a raw binary body", async () => {
  const server = await startServer();
  try {
    const values = [0.5, -1.25, 3, 1e-3, 7, 8, 9];
    const json = await infer(server.url, "identity_fp32", {
      inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, 7], data: values }],
    });
    assert.deepEqual(json.status, 200);
    assert.deepEqual(outputs(json)[0].shape, [1, 7]);
    assert.deepEqual(outputs(json)[0].data, [...Float32Array.from(values)]);
    const three = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const header = {
      inputs: [{
        name: "INPUT0",
        datatype: "FP32",
        shape: [2, 3],
        parameters: { binary_data_size: 24 },
      }],
      outputs: [{ name: "OUTPUT0", parameters: { binary_data: true } }],
    };
    // A header length that is not a multiple of 4 forces an unaligned blob.
    const { body, headerLength } = binaryBody(header, [new Uint8Array(three.buffer)]);
    const bin = await infer(server.url, "identity_fp32", body, {
      "inference-header-content-length": String(headerLength),
    });
    assert.deepEqual(outputs(bin)[0].shape, [2, 3]);
    assert.deepEqual(bin.blobs.get("OUTPUT0"), new Uint8Array(three.buffer));
    const raw = await infer(server.url, "identity_fp32", new Uint8Array(three.buffer), {
      "inference-header-content-length": "0",
    });
    assert.deepEqual(raw.status, 200);
    assert.deepEqual(outputs(raw)[0].shape, [1, 6]);
    assert.deepEqual(raw.blobs.get("OUTPUT0"), new Uint8Array(three.buffer));
  } finally {
    await server.close();
  }
});

Deno.test("nested JSON data and a gzip-compressed body are accepted", async () => {
  const server = await startServer();
  try {
    const req = {
      inputs: [{ name: "INPUT0", datatype: "FP32", shape: [2, 2], data: [[1, 2], [3, 4]] }],
    };
    const reply = await infer(server.url, "identity_fp32", req);
    assert.deepEqual(outputs(reply)[0].data, [1, 2, 3, 4]);
    const plain = new Blob([JSON.stringify(req)]).stream();
    const gz = await new Response(plain.pipeThrough(new CompressionStream("gzip"))).bytes();
    const zipped = await infer(server.url, "identity_fp32", gz, { "content-encoding": "gzip" });
    assert.equal(zipped.status, 200);
    assert.deepEqual(outputs(zipped)[0].data, [1, 2, 3, 4]);
    const br = await infer(server.url, "identity_fp32", gz, { "content-encoding": "br" });
    assert.equal(br.status, 501);
    assert.equal(br.json.error, "Unsupported compression type");
  } finally {
    await server.close();
  }
});
