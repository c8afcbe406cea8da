/** The HTTP backend against the embedded reference server (server/mod.ts). */
import assert from "node:assert/strict";
import { type Backend, hasServerStats, type RequestSpec } from "../../core/backend.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { startServer } from "../../server/mod.ts";
import { toReply } from "../net/control_client.ts";
import { HttpConnection } from "../../wire/http1/connection.ts";
import { parseServerUrl } from "../net/http_url.ts";
import type { PreparedInfer } from "./infer_request.ts";
import { NO_CONFIG_NOTE, NO_STATS_NOTE, UNKNOWN_MAX_BATCH_SIZE } from "../shared/model_info.ts";
import { tensorFromJson, tensorToJson } from "../../core/data/tensor_codec.ts";
import { createTritonHttp } from "./http.ts";
import { tritonOptions, type TritonOverrides } from "./testing/options.ts";

const A = Array.from({ length: 32 }, (_, i) => i);
const B = Array.from({ length: 32 }, (_, i) => 100 - i);

function simpleSpec(a: number[], b: number[], batch: number): RequestSpec {
  return {
    model: "simple",
    version: "",
    inputs: [
      { name: "INPUT0", datatype: "INT32", shape: [batch, 16], bytes: tensorFromJson("INT32", a) },
      { name: "INPUT1", datatype: "INT32", shape: [batch, 16], bytes: tensorFromJson("INT32", b) },
    ],
    outputs: ["OUTPUT0", "OUTPUT1"],
    batchSize: batch,
  };
}

/** Sends the prepared bytes on a raw connection and decodes OUTPUT0/OUTPUT1 from the reply. */
async function outputsOf(url: string, prepared: PreparedInfer): Promise<Map<string, unknown[]>> {
  const http = new HttpConnection(parseServerUrl(url));
  try {
    const res = await http.exchange(prepared.bytes, null);
    assert.equal(res.head.status, 200);
    const jsonLength = res.head.inferHeaderLength >= 0
      ? res.head.inferHeaderLength
      : res.bodyEnd - res.bodyStart;
    const header = toReply({ ...res, bodyEnd: res.bodyStart + jsonLength }).json as {
      outputs: {
        name: string;
        datatype: "INT32";
        data?: unknown[];
        parameters?: Record<string, number>;
      }[];
    };
    const out = new Map<string, unknown[]>();
    let at = res.bodyStart + jsonLength;
    for (const o of header.outputs) {
      const size = o.parameters?.binary_data_size;
      if (size === undefined) {
        out.set(o.name, o.data!);
        continue;
      }
      out.set(o.name, tensorToJson(o.datatype, res.buf.slice(at, at + size)));
      at += size;
    }
    return out;
  } finally {
    http.close();
  }
}

async function withBackend(
  serverOpts: Parameters<typeof startServer>[0],
  over: TritonOverrides,
  body: (backend: Backend, url: string) => Promise<void>,
): Promise<void> {
  const server = await startServer(serverOpts);
  const backend = createTritonHttp(tritonOptions(server.url, over));
  try {
    await body(backend, server.url);
  } finally {
    await backend.close();
    await server.close();
  }
}

Deno.test("reference server: describe simple", async () => {
  await withBackend({}, {}, async (backend) => {
    const info = await backend.describe("simple", "");
    assert.equal(info.maxBatchSize, 8);
    assert.deepEqual(info.inputs.map((t) => [t.name, t.datatype, t.shape]), [
      ["INPUT0", "INT32", [16]],
      ["INPUT1", "INT32", [16]],
    ]);
    assert.deepEqual(info.outputs.map((t) => t.name), ["OUTPUT0", "OUTPUT1"]);
    assert.deepEqual(info.notes, []);
  });
});

Deno.test("reference server: binary and JSON requests compute sum and difference", async () => {
  const sum = A.map((x, i) => x + B[i]);
  const diff = A.map((x, i) => x - B[i]);
  for (const format of ["binary", "json"] as const) {
    const over = { own: { inputTensorFormat: format, outputTensorFormat: format } };
    await withBackend({}, over, async (backend, url) => {
      await backend.describe("simple", "");
      const outs = await outputsOf(url, backend.prepare(simpleSpec(A, B, 2)) as PreparedInfer);
      assert.deepEqual(outs.get("OUTPUT0"), sum, format);
      assert.deepEqual(outs.get("OUTPUT1"), diff, format);
    });
  }
});

Deno.test("reference server: sends are ok, stats match ground truth, errors map", async () => {
  const server = await startServer({});
  const backend = createTritonHttp(tritonOptions(server.url));
  try {
    await backend.describe("simple", "");
    const good = backend.prepare(simpleSpec(A.slice(0, 16), B.slice(0, 16), 1));
    const ch = await backend.connect();
    const rec = new RequestRecord();
    for (let i = 0; i < 20; i++) {
      rec.reset(0);
      await ch.send(good, rec);
      assert.equal(rec.outcome, "ok", rec.error);
    }
    assert.ok(hasServerStats(backend));
    const stats = await backend.serverStats("simple", "");
    assert.deepEqual(stats, server.groundTruth("simple"));
    assert.equal(stats?.successCount, 20);
    // Shape [1,16] announced with 8 elements of data: the server must refuse it.
    const bad = simpleSpec(A.slice(0, 8), B.slice(0, 8), 1);
    rec.reset(0);
    await ch.send(backend.prepare(bad), rec);
    assert.equal(rec.outcome, "server_error");
    assert.equal(rec.status, 400);
    assert.ok(rec.error.length > 0 && !rec.error.startsWith("HTTP "), rec.error);
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("reference server without /config and statistics", async () => {
  await withBackend({ noConfig: true, noStats: true }, {}, async (backend) => {
    const info = await backend.describe("simple", "");
    assert.equal(info.maxBatchSize, UNKNOWN_MAX_BATCH_SIZE);
    assert.deepEqual(info.inputs[0].shape, [16]);
    assert.deepEqual(info.notes, [NO_CONFIG_NOTE, NO_STATS_NOTE]);
    assert.ok(hasServerStats(backend));
    assert.equal(await backend.serverStats("simple", ""), undefined);
  });
});
