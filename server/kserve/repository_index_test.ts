import assert from "node:assert/strict";
import { MODELS } from "../models/mod.ts";
import { startServer } from "../server.ts";

Deno.test("POST /v2/repository/index lists every model ready at version 1; GET is refused", async () => {
  const server = await startServer({});
  try {
    const base = `http://${server.url}/v2/repository/index`;
    const r = await fetch(base, { method: "POST", body: '{"ready": true}' });
    assert.equal(r.status, 200);
    assert.deepEqual(
      await r.json(),
      MODELS.map((m) => ({ name: m.name, version: "1", state: "READY" })),
    );
    const get = await fetch(base);
    await get.body?.cancel();
    assert.equal(get.status, 405);
  } finally {
    await server.close();
  }
});

Deno.test("a bare KServe server (noConfig) has no repository index", async () => {
  const server = await startServer({ noConfig: true });
  try {
    const r = await fetch(`http://${server.url}/v2/repository/index`, { method: "POST" });
    await r.body?.cancel();
    assert.equal(r.status, 404);
  } finally {
    await server.close();
  }
});
