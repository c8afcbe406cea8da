/**
 * End-to-end: `--service-kind torchserve` against the reference server's TorchServe routes.
 * Two input files alternate (perf_analyzer's {"data": [{"TORCHSERVE_INPUT": [path]}]}), one with
 * batch 1 and one with batch 2 worth of elements, so the server's inference count proves each
 * file's bytes were the bodies sent.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";

const A = Array.from({ length: 16 }, (_, i) => i);

async function withInputs(fn: (json: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pa_torchserve_" });
  try {
    await Deno.writeTextFile(`${dir}/one.json`, JSON.stringify({ INPUT0: A, INPUT1: A }));
    await Deno.writeTextFile(
      `${dir}/two.json`,
      JSON.stringify({ INPUT0: [...A, ...A], INPUT1: [...A, ...A] }),
    );
    const json = `${dir}/data.json`;
    await Deno.writeTextFile(
      json,
      JSON.stringify({
        data: [{ TORCHSERVE_INPUT: [`${dir}/one.json`] }, {
          TORCHSERVE_INPUT: [`${dir}/two.json`],
        }],
      }),
    );
    await fn(json, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("torchserve CLI: client-side report, every request reached the model", async () => {
  await withInputs(async (json) => {
    await withServer({}, async (server) => {
      const r = await runCli([
        "-m",
        "simple",
        "--service-kind",
        "torchserve",
        "-u",
        server.url,
        "--input-data",
        json,
        "-H",
        "Authorization: Bearer abc",
        "--request-count",
        "20",
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /TorchServe has no model metadata API/);
      assert.match(r.stdout, /Service Kind: TORCHSERVE/);
      assert.equal(numberAfter(r.stdout, "    Request count: "), 20);
      assert.doesNotMatch(r.stdout, /Server:|Inference count:/, "no server-side section");
      const truth = await server.groundTruth("simple");
      assert.equal(truth.successCount, 20);
      // Entries alternate: 10 requests of one item, 10 of two.
      assert.equal(truth.inferenceCount, 30);
    });
  });
});

Deno.test("torchserve CLI: no --input-data or -i grpc are clear errors", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple",
      "--service-kind",
      "torchserve",
      "-u",
      server.url,
      "--request-count",
      "5",
    ]);
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /^Error: --service-kind torchserve needs --input-data <file\.json> .*TORCHSERVE_INPUT/m,
    );
    const grpc = await runCli([
      ...["-m", "simple", "--service-kind", "torchserve", "-i", "grpc"],
      ...["--input-data", "x.json"],
    ]);
    assert.equal(grpc.code, 99);
    assert.match(grpc.stderr, /service kind 'torchserve' does not support -i grpc/);
  });
});
