import assert from "node:assert/strict";
import { hasServerStats, type RequestSpec } from "../../core/backend.ts";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { RunError } from "../../core/errors.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { startServer } from "../../server/mod.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import { TORCHSERVE_MODEL_NOTE, TorchServeBackend } from "./mod.ts";
import { PreparedPrediction, TORCHSERVE_INPUT } from "./request.ts";
import type { TorchServeOptions } from "./options.ts";

const A = Array.from({ length: 16 }, (_, i) => i);
const GOOD = new TextEncoder().encode(JSON.stringify({ INPUT0: A, INPUT1: A }));
const FILES: Record<string, Uint8Array> = {
  "/in/good.json": GOOD,
  "/in/bad.json": new TextEncoder().encode("{not json"),
};

/** A backend reading "files" from FILES, so the tests touch no disk. */
function backendFor(
  url: string,
  headers: [string, string][] = [],
  own: TorchServeOptions = { body: "multipart" },
) {
  return new TorchServeBackend(backendOptions({ url, headers, own }), undefined, (p) => {
    const f = FILES[p];
    if (!f) throw new Deno.errors.NotFound(`No such file or directory: ${p}`);
    return f;
  });
}

function fileSpec(path: string, model = "simple", version = ""): RequestSpec {
  const bytes = encodeStringElements([path]);
  return {
    model,
    version,
    inputs: [{ name: TORCHSERVE_INPUT, datatype: "BYTES", shape: [1], bytes }],
    outputs: [],
    batchSize: 1,
  };
}

Deno.test("torchserve: synthesized model, multipart body read once, ok and error outcomes", async () => {
  const server = await startServer({});
  const backend = backendFor(server.url, [["Authorization", "Bearer k3y"]]);
  try {
    const info = await backend.describe("simple", "");
    assert.deepEqual(info.inputs, [{ name: TORCHSERVE_INPUT, datatype: "BYTES", shape: [1] }]);
    assert.equal(info.maxBatchSize, 0);
    assert.deepEqual(info.notes, [TORCHSERVE_MODEL_NOTE]);
    assert.equal(hasServerStats(backend), false, "client-side only");
    const prepared = backend.prepare(fileSpec("/in/good.json")) as PreparedPrediction;
    const text = new TextDecoder().decode(prepared.bytes);
    assert.match(text, /^POST \/predictions\/simple HTTP\/1\.1\r\n/);
    assert.match(text, /\r\nAuthorization: Bearer k3y\r\n/);
    const boundary = /boundary=(\S+)\r\n/.exec(text)![1];
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    assert.equal(
      body,
      `--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="good.json"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n${new TextDecoder().decode(GOOD)}\r\n` +
        `--${boundary}--\r\n`,
    );
    assert.match(text, new RegExp(`Content-Length: ${new TextEncoder().encode(body).length}\r\n`));
    const ch = await backend.connect();
    const rec = new RequestRecord();
    for (let i = 0; i < 3; i++) {
      rec.reset(0);
      await ch.send(prepared, rec);
      assert.equal(rec.outcome, "ok", rec.error);
      assert.equal(rec.status, 200);
      assert.ok(rec.endNs >= rec.firstByteNs && rec.firstByteNs >= rec.sendStartNs);
    }
    assert.equal(server.groundTruth("simple").successCount, 3);
    const cases: [RequestSpec, RegExp][] = [
      [fileSpec("/in/bad.json"), /^PredictionException: the request body is not JSON/],
      [fileSpec("/in/good.json", "nope"), /^ModelNotFoundException: Model not found: nope$/],
      [fileSpec("/in/good.json", "simple", "7"), /^ModelVersionNotFoundException/],
    ];
    for (const [spec, message] of cases) {
      rec.reset(0);
      await ch.send(backend.prepare(spec), rec);
      assert.equal(rec.outcome, "server_error");
      assert.match(rec.error, message);
    }
    rec.reset(0);
    await ch.send(backend.prepare(fileSpec("/in/good.json", "simple", "1")), rec);
    assert.equal(rec.outcome, "ok", "the channel survives errors; version 1 exists");
    assert.equal(server.groundTruth("simple").successCount, 4);
    ch.close();
    rec.reset(0);
    await ch.send(prepared, rec);
    assert.equal(rec.outcome, "cancelled");
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("torchserve: --torchserve-body raw sends the file as the whole body", async () => {
  const server = await startServer({});
  const backend = backendFor(server.url, [], { body: "raw" });
  try {
    await backend.describe("simple", "");
    const prepared = backend.prepare(fileSpec("/in/good.json")) as PreparedPrediction;
    const text = new TextDecoder().decode(prepared.bytes);
    assert.match(text, /\r\nContent-Type: application\/octet-stream\r\n/);
    assert.match(text, new RegExp(`\r\nContent-Length: ${GOOD.length}\r\n`));
    assert.equal(text.slice(text.indexOf("\r\n\r\n") + 4), new TextDecoder().decode(GOOD));
    // The reference server's handler reads the raw body as TorchServe's input "body".
    const ch = await backend.connect();
    const rec = new RequestRecord();
    for (let i = 0; i < 2; i++) {
      rec.reset(0);
      await ch.send(prepared, rec);
      assert.equal(rec.outcome, "ok", rec.error);
    }
    assert.equal(server.groundTruth("simple").successCount, 2);
  } finally {
    await backend.close();
    await server.close();
  }
});

Deno.test("torchserve: bad data and bad servers are clear errors", async () => {
  const backend = backendFor("127.0.0.1:1");
  try {
    assert.throws(() => backend.prepare(fileSpec("/in/missing.json")), (e: Error) => {
      assert.ok(e instanceof RunError);
      assert.match(e.message, /cannot read the TORCHSERVE_INPUT file '\/in\/missing\.json'/);
      return true;
    });
    const noInput = { ...fileSpec("x"), inputs: [] };
    assert.throws(() => backend.prepare(noInput), /give --input-data <file\.json> with/);
    await assert.rejects(backend.describe("simple", ""), /GET \/ping\) failed: Couldn't connect/);
  } finally {
    await backend.close();
  }
  // A server that answers /ping with TorchServe's unhealthy reply.
  const seen: string[] = [];
  const sick = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    seen.push(req.headers.get("authorization") ?? "");
    return Response.json({ status: "Unhealthy" }, { status: 500 });
  });
  const sickBackend = backendFor(`127.0.0.1:${sick.addr.port}`, [["Authorization", "Bearer t"]]);
  try {
    await assert.rejects(sickBackend.describe("m", ""), /HTTP 500, status "Unhealthy"/);
    assert.deepEqual(seen, ["Bearer t"], "-H headers reach the control plane too");
  } finally {
    await sickBackend.close();
    await sick.shutdown();
  }
});
