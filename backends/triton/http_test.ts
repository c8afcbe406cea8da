import assert from "node:assert/strict";
import { hasServerStats } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { NO_CONFIG_NOTE, NO_STATS_NOTE, UNKNOWN_MAX_BATCH_SIZE } from "../shared/model_info.ts";
import {
  httpResponse,
  type RawRequest,
  type RawServer,
  startRawServer,
  writeAll,
} from "../../wire/http1/testing/raw_server.ts";
import { createTritonHttp } from "./http.ts";
import { tritonOptions, type TritonOverrides } from "./testing/options.ts";

type Routes = Record<string, [number, unknown]>;

/** A fake KServe server answering GET/POST by exact path; records every request. */
function fakeServer(routes: Routes, seen: RawRequest[] = []): RawServer {
  return startRawServer(async (conn, reader) => {
    for (let req = await reader.next(); req; req = await reader.next()) {
      seen.push(req);
      const path = req.head.split(" ")[1];
      const [status, body] = routes[path] ?? [404, { error: "Not Found" }];
      await writeAll(
        conn,
        httpResponse(status, typeof body === "string" ? body : JSON.stringify(body)),
      );
    }
  });
}

function options(port: number, over: TritonOverrides = {}) {
  return tritonOptions(`localhost:${port}`, { headers: [["X-Api-Key", "k1"]], ...over });
}

const SIMPLE_METADATA = {
  name: "simple",
  versions: ["1"],
  platform: "tensorflow_graphdef",
  inputs: [
    { name: "INPUT0", datatype: "INT32", shape: [-1, 16] },
    { name: "INPUT1", datatype: "INT32", shape: ["-1", "16"] },
  ],
  outputs: [{ name: "OUTPUT0", datatype: "INT32", shape: [-1, 16] }],
};

const TRITON_ROUTES: Routes = {
  "/v2": [200, { name: "triton", extensions: ["model_configuration", "statistics"] }],
  "/v2/models/simple": [200, SIMPLE_METADATA],
  "/v2/models/simple/config": [200, {
    name: "simple",
    max_batch_size: "8",
    input: [{ name: "INPUT1", optional: true }, { name: "INPUT0", is_shape_tensor: false }],
    dynamic_batching: {},
    response_cache: { enable: true },
    model_transaction_policy: { decoupled: false },
  }],
  "/v2/models/simple/infer": [200, { model_name: "simple", outputs: [] }],
};

Deno.test("describe normalizes Triton metadata + config", async () => {
  const seen: RawRequest[] = [];
  const server = fakeServer(TRITON_ROUTES, seen);
  const backend = createTritonHttp(options(server.port));
  try {
    const info = await backend.describe("simple", "");
    assert.deepEqual(info, {
      name: "simple",
      version: "1",
      platform: "tensorflow_graphdef",
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [16] },
        { name: "INPUT1", datatype: "INT32", shape: [16], optional: true },
      ],
      outputs: [{ name: "OUTPUT0", datatype: "INT32", shape: [16] }],
      maxBatchSize: 8,
      sequence: false,
      sequenceStringIds: false,
      responses: "one",
      dynamicBatching: true,
      responseCache: true,
      notes: [],
    });
    assert.deepEqual(seen.map((r) => r.head.split("\r\n")[0]), [
      "GET /v2 HTTP/1.1",
      "GET /v2/models/simple HTTP/1.1",
      "GET /v2/models/simple/config HTTP/1.1",
    ]);
    assert.ok(seen.every((r) => r.headers.get("x-api-key") === "k1"));
    assert.equal(server.accepted, 1, "control calls share one keep-alive connection");
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("prepare targets the spec's model and outputs, and a channel sends it", async () => {
  const seen: RawRequest[] = [];
  const server = fakeServer(TRITON_ROUTES, seen);
  const backend = createTritonHttp(options(server.port));
  try {
    await backend.describe("simple", "");
    const prepared = backend.prepare({
      model: "simple",
      version: "",
      inputs: [{ name: "INPUT0", datatype: "INT32", shape: [1, 16], bytes: new Uint8Array(64) }],
      outputs: ["OUTPUT0"],
      batchSize: 1,
    });
    const ch = await backend.connect();
    const rec = new RequestRecord();
    await ch.send(prepared, rec);
    assert.equal(rec.outcome, "ok", rec.error);
    const infer = seen[seen.length - 1];
    assert.equal(infer.head.split("\r\n")[0], "POST /v2/models/simple/infer HTTP/1.1");
    assert.match(new TextDecoder().decode(infer.body), /"outputs":\[\{"name":"OUTPUT0"/);
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("server without /config or statistics: metadata only, with notes", async () => {
  const server = fakeServer({
    "/v2": [200, { name: "mlserver", version: "1.6", extensions: [] }],
    "/v2/models/simple/versions/2": [200, SIMPLE_METADATA],
  });
  const backend = createTritonHttp(options(server.port));
  try {
    const info = await backend.describe("simple", "2");
    assert.equal(info.version, "2");
    assert.equal(info.maxBatchSize, UNKNOWN_MAX_BATCH_SIZE);
    assert.deepEqual(info.inputs.map((t) => t.shape), [[16], [16]]);
    assert.deepEqual(info.notes, [NO_CONFIG_NOTE, NO_STATS_NOTE]);
    assert.ok(hasServerStats(backend));
    assert.equal(await backend.serverStats("simple", "2"), undefined);
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("unknown model: RunError with the server's error text", async () => {
  const server = fakeServer({
    "/v2": [200, { extensions: [] }],
    "/v2/models/nope": [400, { error: "Request for unknown model: 'nope' is not found" }],
  });
  const backend = createTritonHttp(options(server.port));
  try {
    await assert.rejects(() => backend.describe("nope", ""), (e) =>
      e instanceof RunError &&
      e.message === "failed to get model metadata: Request for unknown model: 'nope' is not found");
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("unreachable server: perf_analyzer's exact message; TLS options need https", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const backend = createTritonHttp(options(port, { url: `127.0.0.1:${port}` }));
  await assert.rejects(() => backend.describe("simple", ""), (e) =>
    e instanceof RunError &&
    e.message ===
      `failed to get model metadata: HTTP client failed: Couldn't connect to server at ` +
        `127.0.0.1:${port}: is the server running there, and is that its HTTP port ` +
        "(Triton's default is 8000)?");
  await backend.close();
  const tls = { verifyPeer: true, verifyHost: true };
  assert.throws(() => createTritonHttp(options(1, { url: "h:1", tls })), /not an https:\/\/ URL/);
});

Deno.test("serverStats reads the statistics endpoint", async () => {
  const pair = (count: number, ns: number) => ({ count, ns });
  const server = fakeServer({
    "/v2": [200, { extensions: ["statistics"] }],
    "/v2/models/simple/stats": [200, {
      model_stats: [{
        name: "simple",
        version: "1",
        inference_count: 10,
        execution_count: 5,
        inference_stats: {
          success: pair(5, 900),
          queue: pair(5, 100),
          compute_infer: pair(5, 700),
        },
      }],
    }],
  });
  const backend = createTritonHttp(options(server.port));
  try {
    assert.ok(hasServerStats(backend));
    const s = await backend.serverStats("simple", "");
    assert.equal(s?.inferenceCount, 10);
    assert.equal(s?.successNs, 900);
    assert.equal(s?.computeInferCount, 5);
    assert.equal(s?.cacheHitCount, 0);
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("trace flags on a server without the trace extension fail describe, changing nothing", async () => {
  const seen: RawRequest[] = [];
  const server = fakeServer(TRITON_ROUTES, seen);
  const backend = createTritonHttp(options(server.port, { own: { trace: { trace_rate: "5" } } }));
  try {
    await assert.rejects(
      backend.describe("simple", ""),
      (e) => e instanceof RunError && e.message === "failed to update trace settings: Not Found",
    );
    await backend.close();
    const trace = seen.map((r) => r.head.split("\r\n")[0]).filter((l) => l.includes("/trace/"));
    // Only the read was tried: no update, so nothing to restore.
    assert.deepEqual(trace, ["GET /v2/models/simple/trace/setting HTTP/1.1"]);
  } finally {
    await server.close();
  }
});
