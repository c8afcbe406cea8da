import assert from "node:assert/strict";
import { RunError } from "./errors.ts";
import { loadBackendFactory } from "./registry.ts";

const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("a plugin module is loaded by relative path and checked", async () => {
  const f = await loadBackendFactory("plugin:testing/plugin_ok.ts", here);
  assert.equal(f.kind, "fake");
  const backend = f.create({
    url: "x",
    protocol: "http",
    headers: [],
    inputTensorFormat: "binary",
    outputTensorFormat: "binary",
    verbose: false,
  });
  assert.equal((await backend.describe("m", "")).name, "m");
});

Deno.test("unknown kinds, missing modules and wrong exports are clear errors", async () => {
  await assert.rejects(() => loadBackendFactory("openai", here), (e: Error) => {
    assert.ok(e instanceof RunError);
    assert.match(e.message, /unknown service kind 'openai'; built-in kinds: triton/);
    return true;
  });
  await assert.rejects(
    () => loadBackendFactory("plugin:testing/missing.ts", here),
    /cannot load backend module file:.*missing\.ts/,
  );
  await assert.rejects(
    () => loadBackendFactory("plugin:testing/fake_backend.ts", here),
    /must default-export a BackendFactory/,
  );
});
