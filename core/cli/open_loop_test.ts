import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { parseCommandLine } from "./command_line.ts";
import type { RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

function config(args: string[]): RunConfig {
  const r = parseCommandLine(["-m", "s", ...args], TEST_KINDS);
  assert(r.action === "run");
  return r.config;
}

function usageError(args: string[], text: string): void {
  throws(() => parseCommandLine(["-m", "s", ...args], TEST_KINDS), (e: Error) => {
    assert(e instanceof UsageError, `${e}`);
    assertEquals(e.message, text);
    return true;
  });
}

Deno.test("--request-rate-range: decimals, one value, defaults of perf_analyzer's rate mode", () => {
  const c = config(["--request-rate-range", "200:400.5:50"]);
  assertEquals(c.loadMode, "request_rate");
  assertEquals(c.requestRate, { start: 200, end: 400.5, step: 50 });
  assertEquals(c.maxThreads, 4);
  assertEquals(c.requestDistribution, "constant");
  assertEquals(c.latencyFrom, "intended");
  assertEquals(c.pacing, "spin");
  assertEquals([c.maxInflight, c.overload], [127, "queue"]);
  assertEquals(config(["--request-rate-range=20"]).requestRate, { start: 20, end: 20, step: 1 });
});

Deno.test("open-loop options parse into the config", () => {
  const c = config([
    "--request-rate-range",
    "10",
    "--request-distribution",
    "poisson",
    "--latency-from",
    "actual",
    "--pacing",
    "timer",
    "--schedule-seed",
    "77",
    "--max-inflight",
    "9",
    "--max-threads",
    "2",
    "--overload",
    "drop",
  ]);
  assertEquals(
    [c.requestDistribution, c.latencyFrom, c.pacing, c.scheduleSeed, c.maxInflight, c.maxThreads],
    ["poisson", "actual", "timer", 77, 9, 2],
  );
  assertEquals(c.overload, "drop");
  const i = config(["--request-intervals", "gaps.txt"]);
  assertEquals([i.loadMode, i.requestIntervalsFile], ["request_intervals", "gaps.txt"]);
});

Deno.test("rate values are checked and named", () => {
  usageError(
    ["--request-rate-range", "0"],
    'Failed to parse --request-rate-range. The start must be > 0. Got "0".',
  );
  usageError(
    ["--request-rate-range", "5:x"],
    'Failed to parse --request-rate-range. The value does not match <start:end:step>: "x" is ' +
      'not a number >= 0. Got "5:x".',
  );
  usageError(
    ["--request-rate-range", "10:5"],
    'Failed to parse --request-rate-range. The end must be >= the start, or 0 for no limit. Got "10:5".',
  );
  usageError(
    ["--request-rate-range", "10:0"],
    "The end of the search range and the latency limit can not be both 0 (or 0.0) simultaneously",
  );
});

Deno.test("open-loop-only options without an open-loop mode are errors, not ignored", () => {
  for (const flag of ["--request-distribution", "--latency-from", "--pacing", "--overload"]) {
    const values: Record<string, string> = {
      "--request-distribution": "poisson",
      "--latency-from": "actual",
      "--overload": "drop",
    };
    const value = values[flag] ?? "timer";
    usageError(
      [flag, value],
      `${flag} only applies to open-loop load (--request-rate-range or --request-intervals).`,
    );
  }
  usageError(
    ["--request-intervals", "f", "--request-distribution", "poisson"],
    "--request-distribution does not apply to --request-intervals.",
  );
});

Deno.test("binary search and request counts in rate mode follow perf_analyzer's rules", () => {
  const b = config(["--request-rate-range", "100:800:10", "--binary-search", "-l", "5"]);
  assert(b.binarySearch);
  usageError(
    ["--request-rate-range", "100", "--binary-search", "-l", "5"],
    "--binary-search needs an explicit start and end (end != 0) in --request-rate-range and a " +
      "latency threshold (-l).",
  );
  usageError(
    ["--request-rate-range", "100:200", "--request-count", "50"],
    "--request-count and --warmup-request-count need a single --request-rate-range value.",
  );
  assertEquals(config(["--request-rate-range", "100", "--request-count", "50"]).requestCount, 50);
});
