import assert from "node:assert/strict";
import { startServer, startServerWorker } from "./mod.ts";
import { infer, range16, simpleJson } from "./testing/helpers.ts";

/**
 * The exposition read by its line grammar (`name{labels} value`, `# TYPE name type`) rather
 * than by the client's parser, so a parser bug cannot hide a server bug here.
 */
function samplesOf(text: string, name: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`));
}

function one(text: string, name: string, label: string, value: string): number {
  const hits = samplesOf(text, name).filter((line) => line.includes(`${label}="${value}"`));
  assert.equal(hits.length, 1, `${name}{${label}="${value}"}`);
  return Number(hits[0].slice(hits[0].lastIndexOf(" ") + 1));
}

function typeOf(text: string, name: string): string | undefined {
  return text.split("\n").find((line) => line.startsWith(`# TYPE ${name} `))?.split(" ")[3];
}

Deno.test("metrics: Triton names, two simulated GPUs, counters equal the ground truth", async () => {
  const server = await startServer({ metricsPort: 0 });
  try {
    assert.match(server.metricsUrl!, /^127\.0\.0\.1:\d+\/metrics$/);
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await infer(server.url, "simple", simpleJson(range16(), range16(), 2))).status,
        200,
      );
    }
    const res = await fetch(`http://${server.metricsUrl}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    const e = await res.text();
    assert.equal(typeOf(e, "nv_gpu_utilization"), "gauge");
    assert.equal(typeOf(e, "nv_inference_count"), "counter");
    const truth = server.groundTruth("simple");
    const model = (name: string) => one(e, name, "model", "simple");
    assert.equal(model("nv_inference_request_success"), 3);
    assert.equal(model("nv_inference_request_success"), truth.successCount);
    assert.equal(model("nv_inference_count"), 6);
    assert.equal(model("nv_inference_exec_count"), truth.executionCount);
    assert.equal(model("nv_inference_request_duration_us"), Math.floor(truth.successNs / 1000));
    assert.equal(model("nv_inference_queue_duration_us"), Math.floor(truth.queueNs / 1000));
    assert.equal(model("nv_inference_request_failure"), 0);
    const [g0, g1] = server.gpus.gpus.map((g) => g.uuid);
    assert.notEqual(g0, g1);
    assert.equal(one(e, "nv_gpu_utilization", "gpu_uuid", g0), 0.25);
    assert.equal(one(e, "nv_gpu_utilization", "gpu_uuid", g1), 0.75);
    assert.equal(one(e, "nv_gpu_power_usage", "gpu_uuid", g1), 200.25);
    assert.equal(one(e, "nv_gpu_power_limit", "gpu_uuid", g0), 300);
    assert.equal(one(e, "nv_gpu_memory_total_bytes", "gpu_uuid", g1), 32 * 1024 ** 3);
    server.gpus.set(0, { utilization: 0.5, memoryUsedBytes: 123 });
    const again = await (await fetch(`http://${server.metricsUrl}/`)).text();
    assert.equal(one(again, "nv_gpu_utilization", "gpu_uuid", g0), 0.5);
    assert.equal(one(again, "nv_gpu_memory_used_bytes", "gpu_uuid", g0), 123);
    assert.equal(server.gpus.scrapes, 2);
    assert.throws(() => server.gpus.set(2, { utilization: 1 }), /simulates 2/);
  } finally {
    await server.close();
  }
});

Deno.test("metrics: only GET /metrics; no listener unless metricsPort is given", async () => {
  const server = await startServer({ metricsPort: 0 });
  try {
    const base = `http://${server.metricsUrl!.replace(/\/metrics$/, "")}`;
    const missing = await fetch(`${base}/v2`);
    await missing.body?.cancel();
    assert.equal(missing.status, 404);
    const post = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
    await post.body?.cancel();
    assert.equal(post.status, 405);
  } finally {
    await server.close();
  }
  const plain = await startServer();
  try {
    assert.equal(plain.metricsUrl, undefined);
  } finally {
    await plain.close();
  }
});

Deno.test("metrics: the Worker server exposes the same endpoint", async () => {
  const server = await startServerWorker({ metricsPort: 0 });
  try {
    assert.equal((await infer(server.url, "simple", simpleJson(range16(), range16()))).status, 200);
    const e = await (await fetch(`http://${server.metricsUrl!}`)).text();
    assert.equal(one(e, "nv_inference_request_success", "model", "simple"), 1);
    assert.equal(samplesOf(e, "nv_gpu_utilization").length, 2);
  } finally {
    await server.close();
  }
});
