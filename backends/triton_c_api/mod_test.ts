/**
 * The triton_c_api backend against the C double (or a real Triton, see backends/triton_c_api/testing/fake_lib.ts):
 * describe, outputs, batching, errors as outcomes, and statistics equal to the double's own
 * counters.
 */
import assert from "node:assert/strict";
import type { BackendOptions } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import { type CapiTarget, capiTarget, openGroundTruth, skipReason } from "./testing/fake_lib.ts";
import { assertOk, sendOnce, simpleSpec } from "../../conformance/fixture.ts";
import { createCapiBackend, modelVersionNumber, TritonCapiBackend } from "./mod.ts";
import type { CapiOptions } from "./options.ts";

function options(
  t: CapiTarget,
  extra: Partial<Omit<BackendOptions, "own">> & { own?: Partial<CapiOptions> } = {},
): BackendOptions<CapiOptions> {
  const { own, ...rest } = extra;
  return backendOptions({
    url: "",
    stdout: () => {},
    stderr: () => {},
    ...rest,
    own: { serverDirectory: t.dir, modelRepository: t.repo, ...own },
  });
}

function test(name: string, fn: (t: CapiTarget) => Promise<void>): void {
  Deno.test({
    name: skipReason ? `${name} (skipped: ${skipReason})` : name,
    ignore: skipReason !== "",
    fn: async () => fn(await capiTarget()),
  });
}

test("triton_c_api: describe maps metadata + config of simple to ModelInfo", async (t) => {
  let printed = "";
  const backend = createCapiBackend(options(t, { stdout: (s) => void (printed += s) }));
  try {
    const info = await backend.describe("simple", "");
    assert.equal(printed, "server is alive!\n");
    assert.equal(info.name, "simple");
    assert.equal(info.maxBatchSize, 8);
    assert.equal(info.responses, "one");
    assert.deepEqual(info.inputs.map((x) => [x.name, x.datatype, x.shape]), [
      ["INPUT0", "INT32", [16]],
      ["INPUT1", "INT32", [16]],
    ]);
    assert.deepEqual(info.outputs.map((x) => x.name), ["OUTPUT0", "OUTPUT1"]);
  } finally {
    await backend.close();
  }
});

test("triton_c_api: outputs are sum and difference; batch 4 is one execution", async (t) => {
  const backend = createCapiBackend(options(t));
  const truth = t.fake ? openGroundTruth(t) : undefined;
  try {
    await backend.describe("simple", "");
    // Capture is per channel: a channel connected without it leaves the outputs alone.
    const plain = await sendOnce(await backend.connect(), backend, simpleSpec(1));
    assertOk(plain);
    assert.deepEqual(plain.outputs, []);
    const ch = await backend.connect({ captureOutputs: true });
    const rec = await sendOnce(ch, backend, simpleSpec(1));
    assertOk(rec);
    const out = new Map(rec.outputs.map((x) => [x.name, x]));
    assert.deepEqual(out.get("OUTPUT0")!.shape, [1, 16]);
    assert.equal(out.get("OUTPUT0")!.datatype, "INT32");
    const sum = new Int32Array(out.get("OUTPUT0")!.bytes.slice().buffer);
    const diff = new Int32Array(out.get("OUTPUT1")!.bytes.slice().buffer);
    assert.deepEqual([...sum], Array.from({ length: 16 }, (_, i) => 2 * i));
    assert.deepEqual([...diff], new Array(16).fill(0));
    assertOk(await sendOnce(ch, backend, simpleSpec(4)));
    if (truth) {
      const s = truth.read();
      assert.equal(s.inferenceCount, 6);
      assert.equal(s.executionCount, 3);
    }
  } finally {
    await backend.close();
    truth?.close();
  }
});

test("triton_c_api: a rejected request is a server_error outcome; the channel goes on", async (t) => {
  const backend = createCapiBackend(options(t));
  try {
    await backend.describe("simple", "");
    const ch = await backend.connect();
    // Shape [1,16] announced with 8 elements of data: InferAsync refuses it.
    const bad = await sendOnce(ch, backend, simpleSpec(1, 8));
    assert.equal(bad.outcome, "server_error");
    // The double words it as Triton 2.x did; newer Triton says "input byte size mismatch".
    const wording = t.fake ? /unexpected total byte size 32 for input 'INPUT0'/ : /'INPUT0'/;
    assert.match(bad.error, /^Invalid argument - /);
    assert.match(bad.error, wording);
    assertOk(await sendOnce(ch, backend, simpleSpec(1)));
  } finally {
    await backend.close();
  }
});

test("triton_c_api: statistics equal the double's counters after concurrent sends", async (t) => {
  const backend = createCapiBackend(options(t));
  const truth = t.fake ? openGroundTruth(t) : undefined;
  try {
    await backend.describe("simple", "");
    assert.ok(backend instanceof TritonCapiBackend);
    const before = (await backend.serverStats("simple", ""))!;
    const channels = await Promise.all([1, 2, 3].map(() => backend.connect()));
    await Promise.all(channels.map(async (ch) => {
      for (let i = 0; i < 20; i++) assertOk(await sendOnce(ch, backend, simpleSpec(2)));
    }));
    const after = (await backend.serverStats("simple", ""))!;
    assert.equal(after.successCount - before.successCount, 60);
    assert.equal(after.inferenceCount - before.inferenceCount, 120);
    if (truth) assert.deepEqual(after, truth.read());
    // Every model's listing (what ensembles and BLS models read) holds the same counters.
    const all = await backend.allModelStats();
    assert.deepEqual(all.find((e) => e.name === "simple")?.stats, after);
  } finally {
    await backend.close();
    truth?.close();
  }
});

test("triton_c_api: an unknown model fails describe at once, worded as perf_analyzer", async (t) => {
  const backend = createCapiBackend(options(t));
  try {
    const started = performance.now();
    await assert.rejects(backend.describe("no_such_model", ""), (e: Error) => {
      assert.ok(e instanceof RunError, String(e));
      assert.match(e.message, /^failed to get model metadata: Not found - .*'no_such_model'/);
      return true;
    });
    assert.ok(performance.now() - started < 400, "no 500 ms readiness polling for it");
  } finally {
    await backend.close();
  }
});

test("triton_c_api: a directory without the library is a clear error naming the path", async (t) => {
  const empty = await Deno.makeTempDir();
  try {
    const backend = createCapiBackend(options(t, { own: { serverDirectory: empty } }));
    await assert.rejects(backend.describe("simple", ""), (e: Error) => {
      assert.ok(e instanceof RunError);
      assert.equal(
        e.message.split(":")[0],
        `cannot find ${empty}/lib/libtritonserver.so`,
      );
      return true;
    });
    await backend.close();
    const missing = createCapiBackend(options(t, { own: { modelRepository: `${empty}/nope` } }));
    await assert.rejects(missing.describe("simple", ""), /Unable to find filepath: .*\/nope$/);
    await missing.close();
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("triton_c_api: -x maps to the C API's int64 version", () => {
  assert.equal(modelVersionNumber(""), -1n);
  assert.equal(modelVersionNumber("3"), 3n);
  assert.throws(() => modelVersionNumber("v2"), /version string 'v2'/);
});
