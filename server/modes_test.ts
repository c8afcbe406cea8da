import assert from "node:assert/strict";
import { startServer } from "./mod.ts";
import { getJson, infer, range16, simpleJson } from "./testing/helpers.ts";

Deno.test("noConfig: no /config route and no model_configuration extension", async () => {
  const server = await startServer({ noConfig: true });
  try {
    const meta = await getJson(`http://${server.url}/v2`);
    assert.deepEqual((meta.json as { extensions: string[] }).extensions, [
      "sequence",
      "system_shared_memory",
      "binary_tensor_data",
      "parameters",
      "statistics",
      "trace",
    ]);
    for (const path of ["/v2/models/simple/config", "/v2/models/simple/versions/1/config"]) {
      const res = await getJson(`http://${server.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { error: "Not Found" });
    }
    assert.equal((await getJson(`http://${server.url}/v2/models/simple/stats`)).status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("noStats: stats routes 404, statistics not listed, inference unaffected", async () => {
  const server = await startServer({ noStats: true });
  try {
    const meta = await getJson(`http://${server.url}/v2`);
    assert.deepEqual((meta.json as { extensions: string[] }).extensions, [
      "sequence",
      "model_configuration",
      "system_shared_memory",
      "binary_tensor_data",
      "parameters",
      "trace",
    ]);
    const paths = [
      "/v2/models/stats",
      "/v2/models/simple/stats",
      "/v2/models/simple/versions/1/stats",
    ];
    for (const path of paths) {
      const res = await getJson(`http://${server.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { error: "Not Found" });
    }
    assert.equal((await infer(server.url, "simple", simpleJson(range16(), range16()))).status, 200);
    // The server still keeps its ground truth.
    assert.equal(server.groundTruth("simple").successCount, 1);
    assert.equal((await getJson(`http://${server.url}/v2/models/simple/config`)).status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("url is HOST:PORT without a scheme and invalid options are refused", async () => {
  const server = await startServer({ httpPort: 0 });
  try {
    assert.equal(server.host, "127.0.0.1");
    assert.ok(server.httpPort > 0);
    assert.equal(server.url, `127.0.0.1:${server.httpPort}`);
    assert.throws(() => server.groundTruth("nope"), RangeError);
  } finally {
    await server.close();
  }
  await assert.rejects(startServer({ instances: 0 }), RangeError);
  await assert.rejects(startServer({ computeUs: -1 }), RangeError);
  await assert.rejects(
    startServer({ computeUs: { kind: "uniform", minUs: 5, maxUs: 1 } }),
    RangeError,
  );
});
