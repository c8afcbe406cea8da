import assert from "node:assert/strict";
import { isUsageError } from "../errors.ts";
import { TEST_KINDS } from "../testing/kinds.ts";
import { parseCommandLine } from "./command_line.ts";

const WORKER = ["--worker-index", "1", "--worker-count", "3", "--start-at", "1700000000000"];

function parse(args: string[]) {
  const r = parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  assert.ok(r.action === "run");
  return r.config;
}

function usageError(args: string[]): string {
  try {
    parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  } catch (e) {
    if (isUsageError(e)) return e.message;
    throw e;
  }
  throw new Error(`expected a UsageError for: ${args.join(" ")}`);
}

Deno.test("distributed flags: parsed with their defaults; absent, the run is single", () => {
  assert.equal(parse([]).distributed, undefined);
  assert.deepEqual(parse([...WORKER, "--dist-out", "d"]).distributed, {
    workerIndex: 1,
    workerCount: 3,
    startAtMs: 1700000000000,
    out: "d",
    windows: 5,
    lateToleranceMs: 1000,
  });
  const c = parse([
    "--execution-segment",
    "1/4:1/2",
    "--execution-segment-sequence",
    "0,1/4,1/2,1",
    "--start-at",
    "5",
    "--dist-out",
    "d",
    "--dist-windows",
    "4",
    "--dist-run-id",
    "r1",
  ]);
  assert.equal(c.distributed?.segment, "1/4:1/2");
  assert.equal(c.distributed?.windows, 4);
  assert.equal(c.distributed?.runId, "r1");
});

Deno.test("distributed flags: what needs messages between workers is refused by name", () => {
  const out = [...WORKER, "--dist-out", "d"];
  assert.match(usageError(WORKER), /needs --dist-out/);
  assert.match(usageError(["--worker-index", "0", "--dist-out", "d"]), /needs --worker-count/);
  assert.match(usageError([...out, "--binary-search", "--concurrency-range", "1:8"]), /binary/);
  assert.match(usageError([...out, "--concurrency-range", "1:0", "-l", "50"]), /end 0/);
  assert.match(usageError([...out, "--stop-rule", "confidence"]), /confidence/);
  assert.match(
    usageError([...out, "--measurement-mode", "count_windows"]),
    /count_windows \(windows must share one time grid\) does not apply/,
  );
  assert.match(
    usageError([...out, "--execution-segment", "0:1/2"]),
    /--worker-index or --execution-segment, not both/,
  );
  assert.match(usageError([...out, "--dist-run-id", "a b"]), /--dist-run-id "a b"/);
  // --request-count is one window that ends when the count is sent: allowed.
  assert.equal(parse([...out, "--request-count", "30"]).requestCount, 30);
});
