import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import { binaryBody, infer, int32Blob, range16, simpleJson } from "../testing/helpers.ts";

interface Pair {
  count: number;
  ns: number;
}

async function statsOf(url: string, model: string) {
  const res = await fetch(`http://${url}/v2/models/${model}/stats`);
  const body = await res.json();
  assert.equal(res.status, 200);
  return body.model_stats[0];
}

/** Every number anywhere in the JSON must be an integer (perf_analyzer reads uint64s). */
function assertIntegers(v: unknown, path = "$"): void {
  if (typeof v === "number") assert.ok(Number.isInteger(v) && v >= 0, `${path} = ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => assertIntegers(x, `${path}[${i}]`));
  else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) assertIntegers(x, `${path}.${k}`);
  }
}

Deno.test("statistics: integer counters, equal counts, batch elements and executions", async () => {
  const server = await startServer();
  try {
    assert.equal(
      (await infer(server.url, "simple", simpleJson(range16(), range16(), 4))).status,
      200,
    );
    const header = {
      inputs: ["INPUT0", "INPUT1"].map((name) => ({
        name,
        datatype: "INT32",
        shape: [1, 16],
        parameters: { binary_data_size: 64 },
      })),
    };
    const { body, headerLength } = binaryBody(header, [int32Blob(range16()), int32Blob(range16())]);
    const bin = await infer(server.url, "simple", body, {
      "inference-header-content-length": String(headerLength),
    });
    assert.equal(bin.status, 200);
    assert.equal((await infer(server.url, "simple", { inputs: [] })).status, 400);

    const s = await statsOf(server.url, "simple");
    assertIntegers(s);
    assert.equal(s.name, "simple");
    assert.equal(s.version, "1");
    assert.equal(s.inference_count, 5);
    assert.equal(s.execution_count, 2);
    const st = s.inference_stats as Record<string, Pair>;
    assert.equal(st.success.count, 2);
    assert.equal(st.fail.count, 1);
    assert.ok(st.fail.ns > 0);
    for (const k of ["queue", "compute_input", "compute_infer", "compute_output"]) {
      assert.equal(st[k].count, st.success.count, k);
    }
    const parts = st.queue.ns + st.compute_input.ns + st.compute_infer.ns + st.compute_output.ns;
    assert.ok(st.success.ns >= parts, `success ${st.success.ns} < parts ${parts}`);
    assert.deepEqual(s.batch_stats.map((b: { batch_size: number }) => b.batch_size), [1, 4]);
    assert.equal(s.batch_stats[1].compute_infer.count, 1);
    assert.ok(s.last_inference > Date.now() - 60_000);

    const truth = server.groundTruth("simple");
    assert.deepEqual(truth, {
      inferenceCount: 5,
      executionCount: 2,
      successCount: 2,
      successNs: st.success.ns,
      queueCount: 2,
      queueNs: st.queue.ns,
      computeInputCount: 2,
      computeInputNs: st.compute_input.ns,
      computeInferCount: 2,
      computeInferNs: st.compute_infer.ns,
      computeOutputCount: 2,
      computeOutputNs: st.compute_output.ns,
      cacheHitCount: 0,
      cacheHitNs: 0,
      cacheMissCount: 0,
      cacheMissNs: 0,
    });
    // The other models were untouched; /v2/models/stats lists every model.
    const all = await (await fetch(`http://${server.url}/v2/models/stats`)).json();
    assert.deepEqual(all.model_stats.map((m: { name: string }) => m.name), [
      "simple",
      "simple_string",
      "simple_cached",
      "identity_fp32",
      "repeat_int32",
      "simple_sequence",
      "simple_sequence_string",
      "echo_all",
      "identity_int32",
      "simple_ensemble",
      "simple_bls",
    ]);
    assert.equal(all.model_stats[2].inference_stats.success.count, 0);
    assert.deepEqual(all.model_stats[2].batch_stats, []);
  } finally {
    await server.close();
  }
});

Deno.test("statistics: 2000 us compute on one instance makes concurrent requests queue", async () => {
  const server = await startServer({ computeUs: 2000, instances: 1 });
  try {
    const started = performance.now();
    const replies = await Promise.all(
      [1, 2, 3, 4].map(() => infer(server.url, "simple", simpleJson(range16(), range16()))),
    );
    const wallMs = performance.now() - started;
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200]);
    // One instance runs the four 2 ms executions one after another.
    assert.ok(wallMs >= 8, `wall ${wallMs} ms`);
    const truth = server.groundTruth("simple");
    assert.equal(truth.successCount, 4);
    assert.ok(truth.computeInferNs >= 4 * 2_000_000, `infer ${truth.computeInferNs}`);
    // The last request alone waits for at least two whole executions before it.
    assert.ok(truth.queueNs >= 2 * 2_000_000, `queue ${truth.queueNs}`);
    assert.ok(truth.successNs >= truth.queueNs + truth.computeInferNs);
  } finally {
    await server.close();
  }
});

Deno.test("statistics: two instances run two executions at once", async () => {
  const server = await startServer({ computeUs: 20_000, instances: 2 });
  try {
    await Promise.all(
      [1, 2].map(() => infer(server.url, "simple", simpleJson(range16(), range16()))),
    );
    const truth = server.groundTruth("simple");
    assert.equal(truth.successCount, 2);
    assert.ok(truth.computeInferNs >= 2 * 20_000_000);
    // Neither request waited for the other's 20 ms execution.
    assert.ok(truth.queueNs < 20_000_000, `queue ${truth.queueNs}`);
  } finally {
    await server.close();
  }
});
