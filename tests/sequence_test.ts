/**
 * End-to-end: sequence models against the reference server, whose sequence accumulator checks
 * START, END and correlation ids strictly and counts every sequence, so a test proves each one
 * was started, played in order, and ended.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pa_sequences_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("concurrency 3: every sequence started and ended, in order, none left open", async () => {
  await withServer({ computeUs: 200, grpcPort: 0 }, async (server) => {
    for (const target of [["-u", server.url], ["-u", server.grpcUrl!, "-i", "grpc"]]) {
      const before = await server.sequences("simple_sequence");
      const r = await runCli([
        "-m",
        "simple_sequence",
        ...target,
        "--concurrency-range",
        "3",
        "--sequence-length",
        "5",
        "--sequence-length-variation",
        "0",
        "--request-count",
        "47",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const truth = await server.sequences("simple_sequence");
      const started = truth.started - before.started;
      assert.equal(truth.ended - before.ended, started, "every sequence ended");
      assert.equal(truth.active, 0);
      assert.equal(truth.rejected - before.rejected, 0);
      assert.equal(truth.restarted - before.restarted, 0);
      assert.equal(truth.overlapping - before.overlapping, 0, "one request per sequence at a time");
      // 47 measured requests, plus one END for each slot whose sequence was cut short.
      const requests = truth.requests - before.requests;
      const closings = requests - 47;
      assert.ok(closings >= 0 && closings <= 3, `${requests} requests`);
      const lengths = truth.endedLengths.slice(before.endedLengths.length);
      assert.equal(lengths.length, started);
      assert.equal(lengths.reduce((a, b) => a + b, 0), requests);
      assert.ok(lengths.filter((n) => n !== 5).length <= closings, `${lengths}`);
      // Every sequence not closed by the stop ended inside the measured requests.
      assert.equal(numberAfter(r.stdout, "    Sequence count: "), started - closings);
      assert.match(r.stdout, /Sequence count: \d+ \([0-9.]+ seq\/sec\)/);
    }
  });
});

Deno.test("JSON streams: each played in order to one id, validated against the running sum", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/streams.json`;
    const steps = (values: number[]) => values.map((v) => ({ INPUT: [v] }));
    const sums = (values: number[]) =>
      values.map((_, i) => ({
        OUTPUT: [values.slice(0, i + 1).reduce((a, b) => a + b, 0)],
      }));
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        data: [steps([1, 2, 3]), steps([10, 20, 30, 40])],
        validation_data: [sums([1, 2, 3]), sums([10, 20, 30, 40])],
      }),
    );
    await withServer({}, async (server) => {
      const r = await runCli([
        "-m",
        "simple_sequence",
        "-u",
        server.url,
        "--input-data",
        file,
        "--concurrency-range",
        "2",
        "--request-count",
        "60",
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /Failed requests/);
      const truth = await server.sequences("simple_sequence");
      assert.equal(truth.active, 0);
      assert.equal(truth.overlapping, 0);
      // Streams keep their own lengths; only the (at most 2) sequences the stop cut short differ.
      const odd = truth.endedLengths.filter((n) => n !== 3 && n !== 4);
      assert.ok(odd.length <= 2, `${truth.endedLengths}`);
    });
  });
});

Deno.test("open loop with --serial-sequences: ordered sequences at a fixed rate", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple_sequence",
      "-u",
      server.url,
      "--request-rate-range",
      "400",
      "--num-of-sequences",
      "3",
      "--serial-sequences",
      "--sequence-length",
      "4",
      "--sequence-length-variation",
      "0",
      "--request-count",
      "40",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const truth = await server.sequences("simple_sequence");
    assert.equal(truth.overlapping, 0);
    assert.equal(truth.active, 0, "stop closed every open sequence");
    assert.equal(truth.ended, truth.started);
    assert.equal(truth.rejected, 0);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 40);
  });
});

Deno.test("string correlation ids, and an id range too small for the load", async () => {
  await withServer({}, async (server) => {
    const r = await runCli([
      "-m",
      "simple_sequence_string",
      "-u",
      server.url,
      "--concurrency-range",
      "2",
      "--request-count",
      "30",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const truth = await server.sequences("simple_sequence_string");
    assert.equal(truth.rejected, 0);
    assert.equal(truth.active, 0);
    const small = await runCli([
      "-m",
      "simple_sequence",
      "-u",
      server.url,
      "--concurrency-range",
      "4",
      "--sequence-id-range",
      "10:12",
    ]);
    assert.equal(small.code, 99);
    assert.equal(
      small.stderr.trim(),
      "error: --sequence-id-range 10:12 holds 2 ids, fewer than the 4 sequences that can be live at " +
        "once; widen the range",
    );
  });
});
