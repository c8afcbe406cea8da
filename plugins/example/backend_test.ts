/**
 * The example plugin loaded BY PATH through `plugin:` (the way users load it), run through the
 * conformance suite, the conformance script, and one end-to-end CLI run.
 */
import assert from "node:assert/strict";
import { conformanceSuite } from "../../conformance/mod.ts";
import { pluginFixture } from "../../conformance/kinds.ts";
import torchserve from "../../backends/torchserve/descriptor.ts";
import { BUILT_IN_BACKENDS } from "../../backends/mod.ts";
import { loadBackend } from "../../core/registry.ts";
import { conformance } from "../../scripts/conformance.ts";
import { numberAfter, runCli, withServer } from "../../tests/cli_harness.ts";

const HERE = new URL(".", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const PLUGIN = "plugin:plugins/example/backend.ts";

const descriptor = await loadBackend(PLUGIN, BUILT_IN_BACKENDS, ROOT);

// It batches (the reference handler splits a flat list into 16-element items) and sends INT32,
// FP32 and BYTES as JSON; it declares no timeout and no output capture, and has no statistics.
await conformanceSuite(
  "example plugin",
  pluginFixture(descriptor, "http", {
    batching: true,
    datatypes: ["INT32", "FP32", "BYTES"],
    notes: ["example plugin: JSON over fetch; no server statistics"],
  }),
);

async function withModule(source: string, fn: (path: string) => Promise<void>) {
  const path = await Deno.makeTempFile({ prefix: "pa_plugin_", suffix: ".ts" });
  try {
    await Deno.writeTextFile(path, source);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("example plugin: end to end from the CLI, counted by the server", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      ...["-m", "simple", "-u", server.url, "--request-count", "12"],
      ...["--service-kind", `plugin:${HERE}backend.ts`],
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Service Kind: EXAMPLE-JSON/);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 12);
    assert.match(r.stderr, /example plugin: JSON over fetch/);
    assert.equal((await server.groundTruth("simple")).successCount, 12);
  });
});

Deno.test("conformance script: passes the example, fails a broken copy with exit 1", async () => {
  const lines: string[] = [];
  assert.equal(await conformance([`plugin:${HERE}backend.ts`], (l) => lines.push(l)), 0);
  // The script knows nothing of the example beyond the contract: INT32 only, no batching.
  assert.equal(lines.filter((l) => l.startsWith("  pass  ")).length, 10, lines.join("\n"));
  assert.equal(lines.filter((l) => l.startsWith("  skip  ")).length, 9, lines.join("\n"));
  assert.equal(lines.at(-1), "10 passed, 0 failed, 9 skipped");
  // The same plugin, but every request carries only half of INPUT0's elements.
  const broken = `import plugin from "${new URL("backend.ts", import.meta.url).href}";
export default (api) => { const f = plugin(api); return { ...f, async create(o) {
  const b = await f.create(o); const prep = b.prepare.bind(b);
  b.prepare = (s) => prep({ ...s, inputs: s.inputs.map((t) => ({ ...t, bytes: t.bytes.subarray(0, 32) })) });
  return b;
} }; };`;
  await withModule(broken, async (path) => {
    const out: string[] = [];
    assert.equal(await conformance([`plugin:${path}`], (l) => out.push(l)), 1);
    assert.ok(out.some((l) => l.startsWith("  FAIL  a request prepared once is sent many times")));
    assert.match(out.at(-1)!, /^\d+ passed, [1-9]\d* failed, \d+ skipped$/);
  });
  assert.equal(await conformance([], () => {}), 2, "usage error");
  assert.equal(await conformance(["torchserve", "-i", "grpc"], () => {}), 2, "HTTP only");
  assert.equal(await conformance(["tfserving", "--streaming"], () => {}), 2, "no streams");
  assert.equal(await conformance(["plugin:./nope.ts"], () => {}), 2, "load error");
});

Deno.test("a plugin of another contract version is refused with both versions named", async () => {
  const source = `import plugin from "${new URL("backend.ts", import.meta.url).href}";
export default (api) => ({ ...plugin(api), contractVersion: 99 });`;
  await withModule(source, async (path) => {
    await assert.rejects(
      loadBackend(`plugin:${path}`, BUILT_IN_BACKENDS),
      /implements backend contract version 99, but this tool implements version 2/,
    );
  });
});

Deno.test("validation_data is refused for a plugin that declares no output capture", async () => {
  await withServer({}, async (server) => {
    const data = await Deno.makeTempFile({ suffix: ".json" });
    try {
      const ints = Array.from({ length: 16 }, (_, i) => i);
      await Deno.writeTextFile(
        data,
        JSON.stringify({
          data: [{ INPUT0: ints, INPUT1: ints }],
          validation_data: [{ OUTPUT0: ints.map((i) => 2 * i), OUTPUT1: ints.map(() => 0) }],
        }),
      );
      const r = await runCli([
        ...["-m", "simple", "-u", server.url, "--request-count", "4", "--input-data", data],
        ...["--service-kind", `plugin:${HERE}backend.ts`],
      ]);
      assert.equal(r.code, 99, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        /validation_data, but --service-kind plugin:.*backend\.ts cannot capture outputs/,
      );
      assert.equal((await server.groundTruth("simple")).successCount, 0, "nothing was sent");
    } finally {
      await Deno.remove(data);
    }
  });
});

Deno.test("a plugin's declared capabilities are checked when the run loads it", async () => {
  const plugin = ["-m", "simple", "--service-kind", `plugin:${HERE}backend.ts`];
  const streaming = await runCli([...plugin, "-i", "grpc", "--streaming"]);
  assert.equal(streaming.code, 99);
  assert.match(
    streaming.stderr,
    /^Error: --streaming is not supported with --service-kind plugin:.*backend\.ts; drop it\.$/m,
  );
  const timeout = await runCli([...plugin, "--request-timeout", "5"]);
  assert.equal(timeout.code, 99);
  assert.match(
    timeout.stderr,
    /^Error: --request-timeout is not supported with --service-kind plugin:/m,
  );
});

Deno.test("a built-in descriptor loaded by path as a plugin is the same object", async () => {
  const byPath = await loadBackend(`plugin:${ROOT}backends/torchserve/descriptor.ts`, []);
  assert.equal(byPath, torchserve, "one module instance whichever way it is named");
  assert.equal(await loadBackend("torchserve", BUILT_IN_BACKENDS), torchserve);
});
