/**
 * --periodic-concurrency-range end to end. Against the OpenAI mock (every SSE event is a
 * response) the mock's ground truth shows the concurrency it served growing in steps: each batch
 * arrives once every request of the one before had `--request-period` events written, and finds
 * start, start + step, ... requests in flight. Against the decoupled gRPC model the same holds
 * from the profile export. Every request completes, the export holds them all as concurrency 1,
 * and the console has the whole run's summary.
 */
import assert from "node:assert/strict";
import {
  numberAfter,
  OPENAI_CHAT,
  runCli,
  usageError,
  withServer,
  withTempDir,
} from "./cli_harness.ts";
import { parseCommandLine } from "../core/cli/command_line.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";
import type { OpenAiRequestTruth } from "../server/mod.ts";

const BASE = ["-m", "m", "-i", "grpc", "--streaming", "--profile-export-file", "x.json"];

Deno.test("--periodic-concurrency-range: perf_analyzer's value rules, with the value named", () => {
  const bad = (v: string) => usageError([...BASE, "--periodic-concurrency-range", v]);
  const head = "Failed to parse --periodic-concurrency-range.";
  assert.equal(bad("4"), `${head} Both <start> and <end> values must be provided. Got "4".`);
  assert.equal(bad("1:2:3:4"), `${head} The value does not match <start:end:step>. Got "1:2:3:4".`);
  assert.equal(bad("0:4:2"), `${head} The <start> value must be > 0. Got "0:4:2".`);
  assert.equal(bad("2:8:0"), `${head} The <step> value must be > 0. Got "2:8:0".`);
  assert.equal(bad("8:2"), `${head} The <start> must be <= <end>. Got "8:2".`);
  assert.equal(
    bad("2:9:2"),
    `${head} The <step> value must be a factor of the range size (<end> - <start>). Got "2:9:2".`,
  );
  assert.match(bad("2:x"), /"x" is not a non-negative integer/);
  assert.equal(
    usageError([...BASE, "--periodic-concurrency-range", "1:2", "--request-period", "0"]),
    'Failed to parse --request-period. The value must be > 0. Got "0".',
  );
});

Deno.test("--periodic-concurrency-range: combinations perf_analyzer refuses, and ours", () => {
  const range = ["--periodic-concurrency-range", "2:6:2"];
  assert.equal(
    usageError(["-m", "m", "--request-period", "3"]),
    "--request-period only applies to --periodic-concurrency-range.",
  );
  assert.equal(
    usageError([...BASE, "--concurrency-range", "2", ...range]),
    "Cannot use both Concurrency and PeriodicConcurrency inference load modes.",
  );
  assert.equal(
    usageError([...BASE, ...range, "--request-rate-range", "5"]),
    "Cannot use both PeriodicConcurrency and RequestRate inference load modes.",
  );
  assert.match(
    usageError(["-m", "m", "-i", "grpc", "--profile-export-file", "x.json", ...range]),
    /^The --periodic-concurrency-range option requires --streaming/,
  );
  assert.equal(
    usageError(["-m", "m", "-i", "grpc", "--streaming", ...range]),
    "Must provide --profile-export-file when using the --periodic-concurrency-range option.",
  );
  const combined = (extra: string[]) => usageError([...BASE, ...range, ...extra]);
  assert.match(combined(["--request-count", "6"]), /cannot be combined with --request-count/);
  assert.match(combined(["-f", "out.csv"]), /cannot be combined with -f/);
  assert.match(combined(["-l", "10"]), /cannot be combined with -l/);
  assert.match(combined(["--pacing", "timer"]), /^--pacing only applies to open-loop load/);
  const ok = parseCommandLine([...BASE, ...range, "--request-period", "4"], BUILT_IN_BACKENDS);
  assert.equal(ok.action, "run");
  if (ok.action !== "run") return;
  assert.deepEqual(ok.config.periodic, { start: 2, end: 6, step: 2 });
  assert.equal(ok.config.requestPeriod, 4);
  assert.equal(ok.config.loadMode, "periodic_concurrency");
});

interface Export {
  experiments: {
    experiment: { mode: string; value: number };
    requests: { timestamp: number; response_timestamps: number[] }[];
  }[];
}

async function readExport(path: string): Promise<Export> {
  return JSON.parse(await Deno.readTextFile(path)) as Export;
}

/** Requests the server held at `ns`: arrived by then and not yet ended. */
function inFlight(truth: OpenAiRequestTruth[], ns: number): number {
  return truth.filter((t) => t.arrivalNs <= ns && t.endNs > ns).length;
}

Deno.test("openai streaming: the mock serves 2, 4, 6 requests at once, each batch after 5 events of the last", async () => {
  const openai = { ttftUs: 2000, itlUs: 5000, outputTokens: 40, slots: 16 };
  await withServer({ openai }, async (server) => {
    await withTempDir("periodic_", async (dir) => {
      const data = `${dir}/chat.json`;
      const body = { messages: [{ role: "user", content: "hi" }] };
      await Deno.writeTextFile(data, JSON.stringify({ data: [{ payload: [body] }] }));
      const file = `${dir}/export.json`;
      const r = await runCli([
        ...OPENAI_CHAT,
        "-u",
        server.url,
        "--input-data",
        data,
        "--streaming",
        "--periodic-concurrency-range",
        "2:6:2",
        "--request-period",
        "5",
        "--profile-export-file",
        file,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = (await server.openaiTruth()).sort((a, b) => a.arrivalNs - b.arrivalNs);
      assert.equal(truth.length, 6, "exactly <end> requests");
      for (const t of truth) {
        assert.equal(t.completionTokens, 40, "every request ran to its end");
        assert.equal(t.cancelled, false);
      }
      for (let batch = 0; batch < 3; batch++) {
        const members = truth.slice(2 * batch, 2 * batch + 2);
        const last = members[1].arrivalNs;
        assert.equal(
          inFlight(truth, last),
          2 + 2 * batch,
          `in flight when batch ${batch} is in: ${
            JSON.stringify(truth.map((t) => [t.arrivalNs, t.endNs, t.events.length]))
          }`,
        );
        if (batch === 0) continue;
        // The batch came only after each request of the one before had 5 events written (the
        // role chunk and 4 tokens), while those were still streaming.
        for (const prev of truth.slice(2 * batch - 2, 2 * batch)) {
          assert.ok(members[0].arrivalNs >= prev.events[4].ns, `batch ${batch} came too early`);
          assert.ok(members[1].arrivalNs < prev.endNs, `batch ${batch} came after the end`);
        }
      }
      const doc = await readExport(file);
      assert.equal(doc.experiments.length, 1);
      assert.deepEqual(doc.experiments[0].experiment, { mode: "concurrency", value: 1 });
      const reqs = doc.experiments[0].requests;
      assert.equal(reqs.length, 6);
      const written = truth.map((t) => t.events.length).sort();
      assert.deepEqual(reqs.map((q) => q.response_timestamps.length).sort(), written);
      assert.match(
        r.stdout,
        /^Periodic concurrency 2:6:2, request period 5: 6 requests started in 3 batches /m,
      );
      assert.match(
        r.stdout,
        /^ {2}Batches started at \(ms after the first, requests in flight\): 0\.00 \(2\), \d+\.\d\d \(4\), \d+\.\d\d \(6\)$/m,
      );
      assert.equal(numberAfter(r.stdout, "    Request count: "), 6);
      assert.match(
        r.stdout,
        / Output Sequence Length \(tokens\) +│ +40\.00 +│ +40\.00 +│ +40\.00 /,
      );
      assert.doesNotMatch(r.stdout, /Inferences\/Second vs\. Client/);
    });
  });
});

Deno.test("triton gRPC decoupled: each request starts after every one before had 3 responses; all complete", async () => {
  await withServer({ grpcPort: 0, instances: 8 }, async (server) => {
    await withTempDir("periodic_grpc_", async (dir) => {
      const data = `${dir}/repeat.json`;
      const n = 8;
      const entry = {
        IN: { content: Array.from({ length: n }, (_, i) => i), shape: [n] },
        DELAY: { content: Array(n).fill(10), shape: [n] },
      };
      await Deno.writeTextFile(data, JSON.stringify({ data: [entry] }));
      const file = `${dir}/export.json`;
      const args = [
        "-m",
        "repeat_int32",
        "-i",
        "grpc",
        "-u",
        server.grpcUrl!,
        "--streaming",
        "--input-data",
        data,
        "--profile-export-file",
        file,
      ];
      const r = await runCli([
        ...args,
        "--periodic-concurrency-range",
        "1:4",
        "--request-period",
        "3",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal((await server.groundTruth("repeat_int32")).successCount, 4);
      const reqs = (await readExport(file)).experiments[0].requests
        .sort((a, b) => a.timestamp - b.timestamp);
      assert.equal(reqs.length, 4);
      for (const q of reqs) assert.equal(q.response_timestamps.length, n);
      for (let i = 1; i < reqs.length; i++) {
        // Request i went out once request i-1 (the latest batch) had its third response.
        assert.ok(reqs[i].timestamp >= reqs[i - 1].response_timestamps[2], `request ${i} early`);
        assert.ok(reqs[i].timestamp < reqs[i - 1].response_timestamps[n - 1], `request ${i} late`);
      }
      assert.match(
        r.stdout,
        /^ {2}Batches started at .*: 0\.00 \(1\), (\d+\.\d\d \(\d\)(, |$)){3}/m,
      );
      assert.equal(numberAfter(r.stdout, "    Request count: "), 4);
      assert.match(r.stdout, /^ {4}Response Throughput: /m);

      // A period no request reaches is perf_analyzer's error, not a stalled run.
      const file2 = `${dir}/export2.json`;
      const long = await runCli([
        ...args.slice(0, -1),
        file2,
        "--periodic-concurrency-range",
        "1:2",
        "--request-period",
        String(n + 1),
      ]);
      assert.equal(long.code, 99, long.stdout);
      assert.match(long.stderr, /completed after 8 responses, before the request period of 9/);
    });
  });
});
