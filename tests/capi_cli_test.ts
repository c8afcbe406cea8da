/**
 * End-to-end: the CLI with --service-kind triton_c_api against the C API double, in-process,
 * with the server-side breakdown compared to the double's own counters. Sync, async and
 * request-rate modes all run (perf_analyzer's C API mode allows only sync concurrency).
 */
import assert from "node:assert/strict";
import {
  type CapiTarget,
  capiTarget,
  openGroundTruth,
  skipReason,
} from "../backends/triton_c_api/testing/fake_lib.ts";
import { numberAfter, runCli, serverBreakdown } from "./cli_harness.ts";

function test(name: string, fn: (t: CapiTarget) => Promise<void>): void {
  Deno.test({
    name: skipReason ? `${name} (skipped: ${skipReason})` : name,
    ignore: skipReason !== "",
    fn: async () => fn(await capiTarget()),
  });
}

const capi = (t: CapiTarget) => [
  "-m",
  "simple",
  "--service-kind",
  "triton_c_api",
  "--triton-server-directory",
  t.dir,
  "--model-repository",
  t.repo,
];

/** Runs the CLI with FAKE_TRITON_COMPUTE_US set, and compares its server block with the truth. */
async function runAgainstTruth(t: CapiTarget, args: string[], computeUs: number, expect: number) {
  const truth = t.fake ? openGroundTruth(t) : undefined;
  Deno.env.set("FAKE_TRITON_COMPUTE_US", String(computeUs));
  try {
    const r = await runCli([...capi(t), ...args]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(r.stdout.startsWith("server is alive!\n*** Measurement Settings ***\n"), r.stdout);
    assert.match(r.stdout, /\n {2}Service Kind: TRITON_C_API\n/);
    assert.equal(numberAfter(r.stdout, "    Request count: "), expect);
    assert.equal(numberAfter(r.stdout, "    Successful request count: "), expect);
    if (truth) {
      const s = truth.read();
      assert.equal(s.successCount, expect);
      assert.equal(numberAfter(r.stdout, "    Inference count: "), s.inferenceCount);
      assert.equal(numberAfter(r.stdout, "    Execution count: "), s.executionCount);
      const b = serverBreakdown(r.stdout);
      const avg = (ns: number, n: number) => Math.trunc(ns / n / 1000);
      assert.equal(b["Avg request latency"], avg(s.successNs, s.successCount));
      assert.equal(b["queue"], avg(s.queueNs, s.queueCount));
      assert.equal(b["compute infer"], avg(s.computeInferNs, s.computeInferCount));
      assert.ok(b["compute infer"] >= computeUs, `compute infer ${b["compute infer"]} µs`);
    }
    return r;
  } finally {
    Deno.env.delete("FAKE_TRITON_COMPUTE_US");
    truth?.close();
  }
}

test("triton_c_api CLI: sync --request-count, server block equals the double's counters", async (t) => {
  await runAgainstTruth(t, ["--request-count", "150", "-b", "2"], 200, 150);
});

test("triton_c_api CLI: --async concurrency 4 works (perf_analyzer's limit is lifted)", async (t) => {
  const r = await runAgainstTruth(
    t,
    ["--async", "--concurrency-range", "4", "--request-count", "300"],
    100,
    300,
  );
  assert.match(r.stdout, /Using asynchronous calls for inference/);
});

test("triton_c_api CLI: request-rate mode works and is paced", async (t) => {
  const r = await runAgainstTruth(
    t,
    ["--request-rate-range", "400", "--request-count", "100"],
    100,
    100,
  );
  assert.match(r.stdout, /Request Rate: 400 inference requests per second/);
  // Never faster than the schedule (100 sends 2.5 ms apart span 247.5 ms, plus jitter); how
  // closely a busy machine keeps up with it is the bench's claim, not this test's.
  const tput = numberAfter(r.stdout, "    Throughput: ");
  assert.ok(tput > 0 && tput < 500, `throughput ${tput}`);
});

test("triton_c_api CLI: -i and -u are ignored with a warning", async (t) => {
  const r = await runCli([...capi(t), "-i", "grpc", "--request-count", "20"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARNING: -i and -u have no effect with --service-kind triton_c_api/);
});

test("triton_c_api CLI: unknown model and bad library path exit 99 with clear errors", async (t) => {
  const unknown = await runCli([
    ...capi(t).slice(2),
    "-m",
    "no_such_model",
    "--request-count",
    "10",
  ]);
  assert.equal(unknown.code, 99);
  assert.match(unknown.stderr, /failed to get model metadata: Not found - .*'no_such_model'/);
  const empty = await Deno.makeTempDir();
  try {
    const bad = await runCli([
      "-m",
      "simple",
      "--service-kind",
      "triton_c_api",
      "--triton-server-directory",
      empty,
      "--model-repository",
      t.repo,
    ]);
    assert.equal(bad.code, 99);
    assert.ok(bad.stderr.includes(`cannot find ${empty}/lib/libtritonserver.so`), bad.stderr);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("triton_c_api CLI: --model-repository is required, and only for triton_c_api", async () => {
  const missing = await runCli(["-m", "simple", "--service-kind", "triton_c_api"]);
  assert.equal(missing.code, 99);
  assert.match(
    missing.stderr,
    /--model-repository should not be empty when using service-kind=triton_c_api/,
  );
  const stray = await runCli(["-m", "simple", "--model-repository", "/tmp"]);
  assert.equal(stray.code, 99);
  assert.match(stray.stderr, /only used with --service-kind triton_c_api/);
  const base = ["-m", "simple", "--service-kind", "triton_c_api", "--model-repository", "/tmp"];
  const timeout = await runCli([...base, "--request-timeout", "5"]);
  assert.equal(timeout.code, 99);
  assert.match(
    timeout.stderr,
    /--request-timeout is not supported with --service-kind triton_c_api/,
  );
});
