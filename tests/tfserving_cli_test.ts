/**
 * End-to-end: `--service-kind tfserving` against the reference server's TF Serving listeners.
 * The report is client-side only (TF Serving keeps no statistics), so the check is that the
 * request count the report and the CSV give equals the server's ground truth.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";

const BASE = ["-m", "simple", "--service-kind", "tfserving"];

/** The one data row of a single-level CSV report, by column name. */
async function csvRow(path: string): Promise<Record<string, string>> {
  const [head, row] = (await Deno.readTextFile(path)).trim().split("\n");
  const keys = head.split(",");
  const values = row.split(",");
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
}

Deno.test("tfserving CLI -i grpc: every request reached the model, client-side report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pa_tfserving_" });
  try {
    await withServer({ tfservingPort: 0 }, async (server) => {
      const r = await runCli([
        ...BASE,
        ...["-i", "grpc", "-u", server.tfservingUrl!, "--request-count", "25"],
        ...["-f", `${dir}/out.csv`, "--profile-export-file", `${dir}/export.json`],
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Service Kind: TENSORFLOW_SERVING/);
      assert.doesNotMatch(r.stdout, /Batch size:/, "no -b, no batch line (perf_analyzer's rule)");
      assert.equal(numberAfter(r.stdout, "    Request count: "), 25);
      assert.doesNotMatch(r.stdout, /Server:|Inference count:/, "no server-side section");
      assert.equal((await server.groundTruth("simple")).successCount, 25);
      const row = await csvRow(`${dir}/out.csv`);
      assert.equal(row.Concurrency, "1");
      assert.ok(Number(row["Inferences/Second"]) > 0, JSON.stringify(row));
      const exported = JSON.parse(await Deno.readTextFile(`${dir}/export.json`));
      assert.equal(exported.service_kind, "tfserving");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tfserving CLI: -b 4 --async sends batches of four", async () => {
  await withServer({ tfservingPort: 0 }, async (server) => {
    const r = await runCli([
      ...BASE,
      ...["-i", "grpc", "-u", server.tfservingUrl!, "-b", "4", "--async"],
      ...["--concurrency-range", "2", "--request-count", "10"],
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes("  Batch size: 4\n  Service Kind: TENSORFLOW_SERVING\n"), r.stdout);
    assert.match(r.stdout, /Using asynchronous calls for inference/);
    const truth = await server.groundTruth("simple");
    assert.equal(truth.successCount, 10);
    assert.equal(truth.inferenceCount, 40);
  });
});

Deno.test("tfserving CLI: unknown signature and --streaming are clear errors", async () => {
  await withServer({ tfservingPort: 0 }, async (server) => {
    const sig = await runCli([
      ...BASE,
      ...["-i", "grpc", "-u", server.tfservingUrl!, "--model-signature-name", "predict"],
      ...["--request-count", "5"],
    ]);
    assert.notEqual(sig.code, 0);
    assert.match(
      sig.stderr,
      /model 'simple' has no signature 'predict' \(it has: serving_default\); pick one with --model-signature-name/,
    );
    const unknown = await runCli([
      ...["-m", "nope", "--service-kind", "tfserving", "-i", "grpc"],
      ...["-u", server.tfservingUrl!, "--request-count", "5"],
    ]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /Servable not found for request: Latest\(nope\)/);
    const streaming = await runCli([...BASE, "-i", "grpc", "--streaming"]);
    assert.equal(streaming.code, 99);
    assert.match(streaming.stderr, /--streaming is not supported with --service-kind tfserving/);
    assert.equal((await server.groundTruth("simple")).successCount, 0);
  });
});

Deno.test("tfserving CLI -i http: REST :predict, request rate mode, counts match", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      ...BASE,
      ...["-i", "http", "-u", server.url, "--request-rate-range", "200"],
      ...["--request-count", "30", "--model-signature-name", "serving_default"],
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Service Kind: TENSORFLOW_SERVING/);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 30);
    assert.equal((await server.groundTruth("simple")).successCount, 30);
  });
});
