import assert from "node:assert/strict";
import type { BackendDescriptor } from "../backend.ts";
import { isUsageError } from "../errors.ts";
import { TEST_KINDS } from "../testing/kinds.ts";
import { parseCommandLine } from "./command_line.ts";

/** The test kinds, the first ("kserve") declaring multi-turn sessions. */
const KINDS: readonly BackendDescriptor[] = [
  { ...TEST_KINDS[0], capabilities: { ...TEST_KINDS[0].capabilities, sessions: true } },
  ...TEST_KINDS.slice(1),
];

function parse(args: string[]) {
  const r = parseCommandLine(["-m", "llm", "--input-data", "s.json", ...args], KINDS);
  assert.ok(r.action === "run");
  return r.config;
}

function usageError(args: string[]): string {
  try {
    parseCommandLine(["-m", "llm", ...args], KINDS);
  } catch (e) {
    if (isUsageError(e)) return e.message;
    throw e;
  }
  throw new Error(`expected a UsageError for: ${args.join(" ")}`);
}

Deno.test("--session-concurrency n: its own load mode, one level of n", () => {
  const c = parse(["--session-concurrency", "3", "--streaming", "-i", "grpc"]);
  assert.equal(c.loadMode, "session_concurrency");
  assert.equal(c.sessionConcurrency, 3);
  assert.deepEqual(c.concurrency, { start: 3, end: 3, step: 1 });
  assert.equal(c.requestCount, 0, "the run sets it from the data");
  assert.equal(parse([]).sessionConcurrency, 0);
});

Deno.test("--session-concurrency refuses what a single run of every session cannot honour", () => {
  const files = ["--input-data", "s.json", "--session-concurrency", "2"];
  const cases: [string[], string][] = [
    [["--session-concurrency", "2"], "--session-concurrency plays the entries of --input-data"],
    [["--input-data", "zero", "--session-concurrency", "2"], "give --input-data <file.json>"],
    [[...files, "--request-count", "4"], "--request-count does not apply"],
    [[...files, "--warmup-request-count", "1"], "--warmup-request-count does not apply"],
    [[...files, "--binary-search"], "--binary-search does not apply"],
    [[...files, "-l", "5"], "-l (--latency-threshold) does not apply"],
    [[...files, "-b", "2"], "-b greater than 1 does not apply"],
    [[...files, "--request-distribution", "poisson"], "--request-distribution does not apply"],
    [[...files, "--max-inflight", "8"], "--max-inflight does not apply"],
    [[...files, "-t", "2"], "Cannot use both SessionConcurrency and Concurrency"],
    [[...files, "--request-intervals", "f"], "Cannot use both SessionConcurrency and Request"],
    [["--session-concurrency", "x"], "--session-concurrency"],
    [
      [...files, "--service-kind", "inproc"],
      "--session-concurrency is not supported with --service-kind inproc",
    ],
  ];
  for (const [args, want] of cases) {
    const got = usageError(args);
    assert.ok(got.includes(want), `${args.join(" ")}: ${got}`);
  }
});
