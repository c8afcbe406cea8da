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
    /must default-export a plugin function \(api\) => BackendDescriptor/,
  );
  await assert.rejects(
    () => loadBackend("plugin:testing/plugin_v1.ts", TEST_KINDS, here),
    /implements backend contract version 1, but this tool implements version 2 \(a v1 BackendFactory: default-export a plugin function typed with core\/plugin_api\.ts/,
  );
});

Deno.test("a plugin's flags are checked when it loads: each needs a name and apply, then defaults()", async () => {
  const base = `contractVersion: 2, kind: "k", title: "K", protocols: ["http"], defaultUrl: {},
    capabilities: { headers: true, streaming: [], compression: false, requestTimeout: false,
    outputCapture: false }, help: { protocols: "", serverStats: "no", modes: "" },
    create() {}`;
  const cases: [string, RegExp][] = [
    ["flags: {}", /: flags is not an array$/],
    [
      'flags: [{ long: "ok", apply() {} }, { long: "" }]',
      /: flags\[1\] needs a non-empty long name and an apply\(options, value\) function$/,
    ],
    [
      'flags: [{ long: "x", short: "xy", apply() {} }]',
      /: flags\[0\] \(--x\): short must be one letter or digit$/,
    ],
    [
      'flags: [{ long: "x", apply() {} }]',
      /declares flags but no defaults\(\) for the options they fill$/,
    ],
  ];
  const dir = await Deno.makeTempDir({ prefix: "pa_registry_" });
  try {
    for (const [i, [flags, want]] of cases.entries()) {
      await Deno.writeTextFile(`${dir}/p${i}.js`, `export default { ${base}, ${flags} };`);
      await assert.rejects(() => loadBackend(`plugin:p${i}.js`, TEST_KINDS, dir), (e: Error) => {
        assert.ok(isRunError(e));
        assert.match(e.message, new RegExp(`^backend module file:///.*/p${i}\\.js`));
        assert.match(e.message, want);
        return true;
      });
    }
    // Flags with defaults() load.
    await Deno.writeTextFile(
      `${dir}/ok.js`,
      `export default { ${base}, flags: [{ long: "x", apply() {} }], defaults: () => ({}) };`,
    );
    assert.equal((await loadBackend("plugin:ok.js", TEST_KINDS, dir)).kind, "k");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
