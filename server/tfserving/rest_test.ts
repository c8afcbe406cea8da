/**
 * TF Serving's REST API on the reference server's HTTP port: status, metadata in proto JSON,
 * :predict in columnar and row form, and {"error"} replies with TF Serving's statuses. Every
 * :predict lands in the same ground truth as the other front ends.
 */
import assert from "node:assert/strict";
import { type ReferenceServer, startServer } from "../server.ts";

async function withRest(fn: (server: ReferenceServer) => Promise<void>): Promise<void> {
  const server = await startServer({});
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function call(
  server: ReferenceServer,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://${server.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const A = Array.from({ length: 16 }, (_, i) => i);
const ONES = A.map(() => 1);

Deno.test("tfserving REST: status and metadata", async () => {
  await withRest(async (server) => {
    assert.deepEqual(await call(server, "/v1/models/simple"), {
      status: 200,
      json: {
        model_version_status: [{
          version: "1",
          state: "AVAILABLE",
          status: { error_code: "OK", error_message: "" },
        }],
      },
    });
    const meta = await call(server, "/v1/models/simple/versions/1/metadata");
    assert.equal(meta.status, 200);
    const any = (meta.json.metadata as Record<string, Record<string, unknown>>).signature_def;
    assert.equal(any["@type"], "type.googleapis.com/tensorflow.serving.SignatureDefMap");
    const sig = (any.signature_def as Record<string, Record<string, Record<string, unknown>>>)
      .serving_default;
    assert.deepEqual(sig.inputs.INPUT1, {
      name: "INPUT1:0",
      dtype: "DT_INT32",
      tensor_shape: { dim: [{ size: "-1" }, { size: "16" }] },
    });
    assert.equal(sig.method_name, "tensorflow/serving/predict");
  });
});

Deno.test("tfserving REST: columnar and row :predict compute simple", async () => {
  await withRest(async (server) => {
    const columnar = await call(server, "/v1/models/simple:predict", {
      signature_name: "serving_default",
      inputs: { INPUT0: [A], INPUT1: [ONES] },
    });
    assert.deepEqual(columnar, {
      status: 200,
      json: { outputs: { OUTPUT0: [A.map((x) => x + 1)], OUTPUT1: [A.map((x) => x - 1)] } },
    });
    const rows = await call(server, "/v1/models/simple/labels/1:predict", {
      instances: [{ INPUT0: A, INPUT1: ONES }, { INPUT0: ONES, INPUT1: ONES }],
    });
    assert.equal(rows.status, 200, JSON.stringify(rows.json));
    assert.deepEqual(rows.json.predictions, [
      { OUTPUT0: A.map((x) => x + 1), OUTPUT1: A.map((x) => x - 1) },
      { OUTPUT0: A.map(() => 2), OUTPUT1: A.map(() => 0) },
    ]);
    const truth = server.groundTruth("simple");
    assert.equal(truth.successCount, 2);
    assert.equal(truth.inferenceCount, 3, "batch 1 then batch 2");
  });
});

Deno.test("tfserving REST: errors are {error} with TF Serving's statuses", async () => {
  await withRest(async (server) => {
    const body = { inputs: { INPUT0: [A], INPUT1: [ONES] } };
    assert.deepEqual(await call(server, "/v1/models/nope:predict", body), {
      status: 404,
      json: { error: "Servable not found for request: Latest(nope)" },
    });
    assert.deepEqual(await call(server, "/v1/models/simple/versions/2/metadata"), {
      status: 404,
      json: { error: "Servable not found for request: Specific(simple, 2)" },
    });
    const sig = await call(server, "/v1/models/simple:predict", { ...body, signature_name: "x" });
    assert.deepEqual(sig, { status: 400, json: { error: 'Serving signature key "x" not found.' } });
    const both = await call(server, "/v1/models/simple:predict", { ...body, instances: [] });
    assert.equal(both.status, 400);
    assert.match(String(both.json.error), /exactly one of 'instances' .* or 'inputs'/);
    const ragged = await call(server, "/v1/models/simple:predict", {
      inputs: { INPUT0: [A, [1]], INPUT1: [ONES, ONES] },
    });
    assert.equal(ragged.status, 400);
    assert.match(String(ragged.json.error), /tensor 'INPUT0' is a ragged list/);
    const alias = await call(server, "/v1/models/simple:predict", {
      inputs: { INPUT0: [A], X: [ONES] },
    });
    assert.equal(alias.status, 400);
    assert.match(String(alias.json.error), /input tensor alias not found in signature: X\./);
    const json = await call(server, "/v1/models/simple:predict", "{nope");
    assert.equal(json.status, 400);
    assert.match(String(json.json.error), /^JSON Parse error: /);
    const method = await call(server, "/v1/models/simple/metadata", body);
    assert.deepEqual(method, {
      status: 404,
      json: { error: "Malformed request: POST /v1/models/simple/metadata" },
    });
    assert.equal(server.groundTruth("simple").successCount, 0);
  });
});
