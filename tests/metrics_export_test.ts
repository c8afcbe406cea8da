/**
 * End-to-end: --collect-metrics against the reference server's simulated GPUs, and
 * --profile-export-file read back and compared with the report and the server's ground truth.
 */
import assert from "node:assert/strict";
import { type ReferenceServer, type ServerOptions, startServer } from "../server/mod.ts";
import { ANY_THREE_WINDOWS, numberAfter, runCli, withTempDir } from "./cli_harness.ts";

/**
 * An in-process server (the metrics tests reach into its simulated GPUs) and a temporary
 * directory for the files the run writes, both gone afterwards.
 */
async function withServerDir(
  options: ServerOptions,
  fn: (server: ReferenceServer, dir: string) => Promise<void>,
): Promise<void> {
  const server = await startServer(options);
  try {
    await withTempDir("pa_metrics_", (dir) => fn(server, dir));
  } finally {
    await server.close();
  }
}

Deno.test("--collect-metrics: console block and verbose-CSV cells in perf_analyzer's layout", async () => {
  await withServerDir({ metricsPort: 0 }, async (server, dir) => {
    server.gpus.set(0, { utilization: 0.5, powerWatts: 123.456, memoryUsedBytes: 4096 });
    const [g0, g1] = server.gpus.gpus.map((g) => g.uuid);
    const csv = `${dir}/m.csv`;
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "-p",
      "250",
      ...ANY_THREE_WINDOWS,
      "--collect-metrics",
      "--metrics-url",
      server.metricsUrl!,
      "--metrics-interval",
      "50",
      "-f",
      csv,
      "--verbose-csv",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const block = [
      "  Server Prometheus Metrics:",
      "    Avg GPU Utilization:",
      `      ${g0} : 50%`,
      `      ${g1} : 75%`,
      "    Avg GPU Power Usage:",
      `      ${g0} : 123.456 watts`,
      `      ${g1} : 200.25 watts`,
      "    Max GPU Memory Usage:",
      `      ${g0} : 4096 bytes`,
      `      ${g1} : 2147483648 bytes`,
      "    Total GPU Memory:",
      `      ${g0} : 17179869184 bytes`,
      `      ${g1} : 34359738368 bytes`,
    ].join("\n");
    assert.ok(r.stdout.includes(block + "\n"), r.stdout);
    // The block follows the Server block, as perf_analyzer prints it.
    assert.ok(r.stdout.indexOf("  Server: ") < r.stdout.indexOf(block));
    assert.ok(server.gpus.scrapes >= 3, `${server.gpus.scrapes} scrapes`);
    const [header, row] = (await Deno.readTextFile(csv)).trim().split("\n");
    assert.ok(
      header.endsWith(
        ",Avg latency,request/response,response wait,Avg GPU Utilization,Avg GPU Power Usage," +
          "Max GPU Memory Usage,Total GPU Memory",
      ),
      header,
    );
    const cells = row.split(",");
    assert.deepEqual(cells.slice(-4), [
      `${g0}:0.5;${g1}:0.75;`,
      `${g0}:123.456;${g1}:200.25;`,
      `${g0}:4096;${g1}:2147483648;`,
      `${g0}:17179869184;${g1}:34359738368;`,
    ]);
  });
});

Deno.test("--collect-metrics: an unreachable metrics URL is warned about, the run goes on", async () => {
  const server = await startServer();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  try {
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--request-count",
      "20",
      "--collect-metrics",
      "--metrics-url",
      `127.0.0.1:${deadPort}/metrics`,
      "--metrics-interval",
      "20",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 20);
    assert.match(
      r.stderr,
      new RegExp(`metrics scrape of http://127.0.0.1:${deadPort}/metrics failed`),
    );
    assert.match(r.stderr, /\d+ metrics scrape\(s\) of .* failed during the run/);
  } finally {
    await server.close();
  }
});

Deno.test("--profile-export-file: --request-count run, counts equal the report and the server", async () => {
  await withServerDir({}, async (server, dir) => {
    const path = `${dir}/export.json`;
    const before = BigInt(Date.now()) * 1_000_000n;
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--request-count",
      "50",
      "--profile-export-file",
      path,
    ]);
    const after = BigInt(Date.now()) * 1_000_000n;
    assert.equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(path);
    assert.ok(!text.includes("\n"), "compact JSON on one line");
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json), ["experiments", "version", "service_kind", "endpoint"]);
    assert.equal(json.service_kind, "triton");
    assert.equal(json.endpoint, "");
    const [exp] = json.experiments;
    assert.deepEqual(Object.keys(exp), ["experiment", "requests", "window_boundaries"]);
    assert.deepEqual(exp.experiment, { mode: "concurrency", value: 1 });
    assert.equal(exp.requests.length, 50);
    assert.equal(exp.requests.length, numberAfter(r.stdout, "    Request count: "));
    assert.equal(exp.requests.length, server.groundTruth("simple").successCount);
    // Integers beyond 2^53: compare them exactly as text-derived BigInts.
    const raw = [...text.matchAll(/"timestamp":(\d+),"response_timestamps":\[(\d+)\]/g)];
    assert.equal(raw.length, 50);
    const bounds = text.match(/"window_boundaries":\[(\d+),(\d+)\]/)!;
    const [start, end] = [BigInt(bounds[1]), BigInt(bounds[2])];
    assert.ok(
      before <= start + 1_000_000n && end <= after + 1_000_000n,
      `${before} ${start} ${end} ${after}`,
    );
    let last = 0n;
    for (const [, send, response] of raw) {
      const s = BigInt(send);
      const e = BigInt(response);
      assert.ok(s >= last, "sync concurrency 1 sends in order");
      assert.ok(e > s && e - s < 1_000_000_000n, `response after send, in ns: ${s} ${e}`);
      assert.ok(s >= start && e <= end, "inside the window");
      last = e;
    }
  });
});

Deno.test("--profile-export-file: one experiment per level, every window edge, no overwrite", async () => {
  await withServerDir({}, async (server, dir) => {
    const path = `${dir}/sweep.json`;
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--concurrency-range",
      "1:2",
      "-p",
      "150",
      ...ANY_THREE_WINDOWS,
      "--profile-export-file",
      path,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(json.experiments.map((e: { experiment: unknown }) => e.experiment), [
      { mode: "concurrency", value: 1 },
      { mode: "concurrency", value: 2 },
    ]);
    let exported = 0;
    for (const [i, exp] of json.experiments.entries()) {
      // Every window of the level (unstable ones too): at least the three reported.
      assert.ok(exp.window_boundaries.length >= 4, `${exp.window_boundaries.length}`);
      const reported = numberAfter(
        r.stdout,
        "    Request count: ",
        r.stdout.indexOf(`Request concurrency: ${i + 1}`),
      );
      assert.ok(exp.requests.length >= reported, `${exp.requests.length} >= ${reported}`);
      exported += exp.requests.length;
    }
    assert.ok(exported <= server.groundTruth("simple").successCount);
    const again = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--request-count",
      "5",
      "--profile-export-file",
      path,
    ]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /--profile-export-file .*already exists/);
  });
});

Deno.test("--profile-export-file: a decoupled model over a stream exports every response time", async () => {
  await withServerDir({ grpcPort: 0 }, async (server, dir) => {
    const path = `${dir}/stream.json`;
    const r = await runCli([
      "-m",
      "repeat_int32",
      "-u",
      server.grpcUrl!,
      "-i",
      "grpc",
      "--streaming",
      "--input-data",
      "zero",
      "--shape",
      "IN:4",
      "--shape",
      "DELAY:4",
      "--request-count",
      "20",
      "--profile-export-file",
      path,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(path);
    const json = JSON.parse(text);
    assert.equal(json.experiments[0].requests.length, 20);
    const raw = [...text.matchAll(/"timestamp":(\d+),"response_timestamps":\[([\d,]+)\]/g)];
    assert.equal(raw.length, 20);
    for (const [, send, responses] of raw) {
      const times = responses.split(",").map(BigInt);
      assert.equal(times.length, 4, "four responses per request");
      let prev = BigInt(send);
      for (const t of times) {
        assert.ok(t >= prev, "responses in order, after the send");
        prev = t;
      }
    }
  });
});

Deno.test("--profile-export-file: sequence requests carry their sequence_id", async () => {
  await withServerDir({}, async (server, dir) => {
    const path = `${dir}/seq.json`;
    const r = await runCli([
      "-m",
      "simple_sequence",
      "-u",
      server.url,
      "--concurrency-range",
      "2",
      "--sequence-length",
      "5",
      "--sequence-length-variation",
      "0",
      "--request-count",
      "40",
      "--sequence-id-range",
      "100",
      "--profile-export-file",
      path,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const reqs = JSON.parse(await Deno.readTextFile(path)).experiments[0].requests;
    assert.equal(reqs.length, 40);
    const perId = new Map<number, number>();
    for (const q of reqs) {
      assert.deepEqual(Object.keys(q), ["timestamp", "sequence_id", "response_timestamps"]);
      assert.ok(q.sequence_id >= 100, `${q.sequence_id}`);
      perId.set(q.sequence_id, (perId.get(q.sequence_id) ?? 0) + 1);
    }
    // Sequences of 5 on two slots, each id its own sequence; only the (at most 2) sequences
    // the request count cut short have fewer.
    const counts = [...perId.values()];
    assert.ok(counts.every((n) => n <= 5), `${counts}`);
    assert.ok(counts.filter((n) => n !== 5).length <= 2, `${counts}`);
    assert.ok(counts.length >= 8, `${counts}`);
  });
});
