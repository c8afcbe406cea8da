import assert from "node:assert/strict";
import { isRunError } from "./errors.ts";
import { loadBackend } from "./registry.ts";
import { TEST_KINDS } from "./testing/kinds.ts";
import { backendOptions } from "./testing/backend_options.ts";

const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("a plugin module is loaded by relative path and checked", async () => {
  const d = await loadBackend("plugin:testing/plugin_ok.ts", TEST_KINDS, here);
  assert.equal(d.kind, "fake");
  const backend = await d.create(backendOptions({ url: "x" }));
  assert.equal((await backend.describe("m", "")).name, "m");
});

Deno.test("built-in kinds come from the injected list", async () => {
  assert.equal(await loadBackend("inproc", TEST_KINDS, here), TEST_KINDS[1]);
});

Deno.test("unknown kinds, missing modules, wrong exports and v1 plugins are clear errors", async () => {
  await assert.rejects(() => loadBackend("openai", TEST_KINDS, here), (e: Error) => {
    assert.ok(isRunError(e));
    assert.match(e.message, /unknown service kind 'openai'; built-in kinds: kserve, inproc,/);
    return true;
  });
  await assert.rejects(
    () => loadBackend("plugin:testing/missing.ts", TEST_KINDS, here),
    /cannot load backend module testing\/missing\.ts \(file:\/\/\/.*\/core\/testing\/missing\.ts\): Module not found/,
  );
  await assert.rejects(
    () => loadBackend("plugin:testing/fake_backend.ts", TEST_KINDS, here),
    /must default-export a BackendDescriptor/,
  );
  await assert.rejects(
    () => loadBackend("plugin:testing/plugin_v1.ts", TEST_KINDS, here),
    /implements backend contract version 1, but this tool implements version 2 \(a v1 BackendFactory: export a descriptor from core\/plugin\.ts/,
  );
});
