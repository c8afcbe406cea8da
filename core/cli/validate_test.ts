import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { parseCommandLine, usageText, versionText } from "./command_line.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

/** The UsageError message parseCommandLine throws for args. */
function errorOf(args: string[]): string {
  try {
    parseCommandLine(args, TEST_KINDS);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`expected a UsageError for: ${args.join(" ")}`);
}

function check(cases: [string[], string][]): void {
  for (const [args, want] of cases) assertEquals(errorOf(args), want, args.join(" "));
}

Deno.test("golden usage errors: our message starts with perf_analyzer's exact text", async () => {
  const golden = await Deno.readTextFile(new URL("../../tests/golden/errors.txt", import.meta.url));
  const pairs = [...golden.matchAll(/^\$ perf_analyzer (.*)\nError: (.*)$/gm)];
  assertEquals(pairs.length, 6);
  for (const [, command, message] of pairs) {
    const ours = errorOf(command.split(" "));
    assert(ours === message || ours.startsWith(`${message} Got "`), `${command}: ${ours}`);
  }
});

Deno.test("value errors: perf_analyzer's text plus the value given", () => {
  check([
    [["-m", "s", "-b", "0"], 'Failed to parse -b (batch size). The value must be > 0. Got "0".'],
    [
      ["-m", "s", "-p", "0"],
      'Failed to parse --measurement-interval (-p). The value must be > 0 msec. Got "0".',
    ],
    [
      ["-m", "s", "--percentile", "101"],
      "Failed to parse --percentile. The value must be -1 for not reporting or in range (0, 100). " +
      'Got "101".',
    ],
    [
      ["-m", "s", "--percentile=0"],
      "Failed to parse --percentile. The value must be -1 for not reporting or in range (0, 100). " +
      'Got "0".',
    ],
    [
      ["-m", "s", "--concurrency-range", "1:2:3:4"],
      'Failed to parse --concurrency-range. The value does not match <start:end:step>. Got "1:2:3:4".',
    ],
    [["-m", "s", "-r", "0"], 'Failed to parse --max-trials (-r). The value must be > 0. Got "0".'],
    [
      ["-m", "s", "-s", "-5"],
      'Failed to parse --stability-percentage (-s). The value must be >= 0.0. Got "-5".',
    ],
    [
      ["-m", "s", "-l", "-1"],
      'Failed to parse --latency-threshold (-l). The value must be >= 0 msecs. Got "-1".',
    ],
    [
      ["-m", "s", "--max-threads", "0"],
      'Failed to parse --max-threads. The value must be > 0. Got "0".',
    ],
    [
      ["-m", "s", "--measurement-request-count", "0"],
      'Failed to parse --measurement-request-count. The value must be > 0. Got "0".',
    ],
    [
      ["-m", "s", "--request-count", "-1"],
      'Failed to parse --request-count. The value must be >= 0 (0 = off). Got "-1".',
    ],
    [
      ["-m", "s", "--string-length", "0"],
      'Failed to parse --string-length. The value must be > 0. Got "0".',
    ],
    [
      ["-m", "s", "-t", "0"],
      'Failed to parse -t (concurrent request count). The value must be > 0. Got "0".',
    ],
    [
      ["-m", "s", "--measurement-mode", "windows"],
      'Failed to parse --measurement-mode. The value must be "time_windows" or "count_windows". ' +
      'Got "windows".',
    ],
    [
      ["-m", "s", "--shape", "INPUT0:3,x"],
      'Cannot parse --shape "INPUT0:3,x": dimension "x" is not a positive integer.',
    ],
    [["-m", "s", "-u", ""], 'Failed to parse -u (URL). The value must not be empty. Got "".'],
  ]);
});

Deno.test("non-numeric values for numeric options are clean usage errors", () => {
  check([
    [
      ["-m", "s", "-p", "abc"],
      'Failed to parse --measurement-interval (-p). The value must be an integer. Got "abc".',
    ],
    [
      ["-m", "s", "-b", "4x"],
      'Failed to parse -b (batch size). The value must be an integer. Got "4x".',
    ],
    [
      ["-m", "s", "--percentile", "9.5"],
      'Failed to parse --percentile. The value must be an integer. Got "9.5".',
    ],
    [
      ["-m", "s", "-s", "ten"],
      'Failed to parse --stability-percentage (-s). The value must be a number. Got "ten".',
    ],
    [
      ["-m", "s", "--max-threads="],
      'Failed to parse --max-threads. The value must be an integer. Got "".',
    ],
  ]);
});

Deno.test("unsupported values of supported options", () => {
  check([
    [
      ["-m", "s", "-i", "tcp"],
      'Failed to parse -i (protocol). The value should be either HTTP or gRPC. Got "tcp".',
    ],
    [
      ["-m", "s", "--input-data", "a.json", "--input-data", "zero"],
      '--input-data "zero" cannot be combined with an earlier --input-data; only JSON files ' +
      "may be given more than once.",
    ],
    [
      ["-m", "s", "--service-kind", "foo"],
      'Failed to parse --service-kind. The value must be "kserve", "inproc" or ' +
      '"plugin:<module path or URL>". Got "foo".',
    ],
    [
      ["-m", "s", "--service-kind", "plugin:"],
      'Failed to parse --service-kind. The plugin module path or URL is empty. Got "plugin:".',
    ],
  ]);
});

Deno.test("load-mode conflicts are reported before anything about support", () => {
  const both = (a: string, b: string) => `Cannot use both ${a} and ${b} inference load modes.`;
  check([
    [
      ["-m", "s", "--concurrency-range", "1:2", "--request-rate-range", "10"],
      both("Concurrency", "RequestRate"),
    ],
    [
      ["-m", "s", "--request-rate-range", "10", "--concurrency-range", "1:2"],
      both("RequestRate", "Concurrency"),
    ],
    [
      ["-m", "s", "-t", "2", "--request-intervals", "f.txt"],
      both("Concurrency", "RequestIntervals"),
    ],
    [
      ["-m", "s", "-d", "--periodic-concurrency-range", "1:4"],
      both("Concurrency", "PeriodicConcurrency"),
    ],
    [
      ["-m", "s", "--fixed-schedule", "--session-concurrency", "2"],
      both("FixedSchedule", "SessionConcurrency"),
    ],
    [["-m", "s", "--request-rate-range=5", "-c", "4"], both("RequestRate", "Concurrency")],
  ]);
  // Options of one mode never conflict with each other: the last value wins.
  const again = parseCommandLine([
    "-m",
    "s",
    "--request-rate-range",
    "5",
    "--request-rate-range",
    "6",
  ], TEST_KINDS);
  assert(again.action === "run");
  assertEquals(again.config.requestRate, { start: 6, end: 6, step: 1 });
});

Deno.test("cross-option rules", () => {
  check([
    [[], "-m flag must be specified"],
    [["-b", "2", "-m", ""], "-m flag must be specified"],
    [["-m", "s", "-a", "--sync"], "Cannot specify --async and --sync simultaneously."],
    [
      ["-m", "s", "-t", "2", "--concurrency-range", "4"],
      "Cannot use deprecated options (-t, -c, -d) with --concurrency-range.",
    ],
    [
      ["-m", "s", "-t", "4", "-c", "2"],
      "The maximum concurrency must be >= the start, or 0 for no limit. Got -c 2 with -t 4.",
    ],
    [
      ["-m", "s", "-z", "--input-data", "random"],
      "The -z flag cannot be used with --input-data random.",
    ],
    [
      ["-m", "s", "--input-data", "random", "-z"],
      "The -z flag cannot be used with --input-data random.",
    ],
    [
      ["-m", "s", "--concurrency-range", "1:0"],
      "The end of the search range and the latency limit can not be both 0 (or 0.0) simultaneously",
    ],
    [
      ["-m", "s", "-d"],
      "The end of the search range and the latency limit can not be both 0 (or 0.0) simultaneously",
    ],
    [
      ["-m", "s", "--binary-search", "-l", "5"],
      "The --binary-search option needs an explicit start and end: --concurrency-range <start:end[:step]>.",
    ],
    [
      ["-m", "s", "--binary-search", "-l", "5", "--concurrency-range", "4"],
      "The --binary-search option needs an explicit start and end: --concurrency-range <start:end[:step]>.",
    ],
    [
      ["-m", "s", "--binary-search", "-l", "5", "--concurrency-range", "1:0"],
      "The end of the range can not be 0 (or 0.0) for binary search mode.",
    ],
    [
      ["-m", "s", "--binary-search", "--concurrency-range", "1:8"],
      "The --latency-threshold cannot be 0 for binary search mode.",
    ],
    [
      ["-m", "s", "--concurrency-range", "4", "--request-count", "2"],
      "request-count can not be less than concurrency. Got --request-count 2 with concurrency 4.",
    ],
    [
      ["-m", "s", "--concurrency-range", "1:4", "--request-count", "8"],
      "request-count not supported with multiple concurrency values in one run. Got concurrency range 1:4:1.",
    ],
    [
      ["-m", "s", "--concurrency-range", "1:4:2", "--warmup-request-count", "8"],
      "warmup-request-count not supported with multiple concurrency values in one run. Got concurrency range 1:4:2.",
    ],
  ]);
});

Deno.test("errors follow argv order", () => {
  check([
    [["-b", "0", "--foo"], 'Failed to parse -b (batch size). The value must be > 0. Got "0".'],
    [["--foo", "-b", "0"], "Invalid long option '--foo'"],
  ]);
});

Deno.test("--enable-mpi: one level per rank, with perf_analyzer's wording for a range", () => {
  check([
    [
      ["--enable-mpi", "-m", "s", "--concurrency-range", "1:4"],
      "Cannot specify --concurrency-range when in multi-model mode.",
    ],
    [
      ["--enable-mpi", "-m", "s", "--request-rate-range", "10:20:5"],
      "Cannot specify --request-rate-range when in multi-model mode.",
    ],
    [
      ["--enable-mpi", "-m", "s", "--worker-count", "2", "--start-at", "1", "--dist-out", "d"],
      "--enable-mpi runs one model per rank; the distributed-run flags split one model's load " +
      "over workers (under mpirun too, without --enable-mpi): give one or the other.",
    ],
  ]);
  for (const args of [["--concurrency-range", "4"], ["--request-rate-range", "50"], []]) {
    const parsed = parseCommandLine(["--enable-mpi", "-m", "s", ...args], TEST_KINDS);
    assert(parsed.action === "run" && parsed.config.enableMpi, args.join(" "));
  }
});

Deno.test("help and version end the parse where they appear", () => {
  assertEquals(parseCommandLine(["--help"], TEST_KINDS), {
    action: "help",
    text: usageText(TEST_KINDS),
  });
  assertEquals(parseCommandLine(["-m", "s", "-h", "--bogus"], TEST_KINDS), {
    action: "help",
    text: usageText(TEST_KINDS),
  });
  assertEquals(parseCommandLine(["--version", "-b", "0"], TEST_KINDS), {
    action: "version",
    text: versionText(),
  });
  assertEquals(errorOf(["--bogus", "--help"]), "Invalid long option '--bogus'");
});

Deno.test("--max-threads is accepted for compatibility with a warning that it changes nothing", () => {
  const r = parseCommandLine(["-m", "s", "--max-threads", "4"], TEST_KINDS);
  assert(r.action === "run");
  assertEquals(r.config.maxThreads, 4);
  assert(r.warnings.some((w) => w.startsWith("--max-threads has no effect in concurrency mode")));
  const quiet = parseCommandLine(["-m", "s"], TEST_KINDS);
  assert(quiet.action === "run");
  assertEquals(quiet.warnings, []);
});

Deno.test("gRPC options: default port 8001, streaming implies async, HTTP refuses them", () => {
  const grpc = parseCommandLine(["-m", "s", "-i", "gRPC", "--streaming"], TEST_KINDS);
  assert(grpc.action === "run");
  assertEquals([grpc.config.protocol, grpc.config.url], ["grpc", "localhost:8001"]);
  assertEquals([grpc.config.streaming, grpc.config.async], [true, true]);
  for (const streaming of [[], ["--streaming"]]) {
    const timed = parseCommandLine(
      ["-m", "s", "-i", "grpc", ...streaming, "--request-timeout", "100"],
      TEST_KINDS,
    );
    assert(timed.action === "run");
    assertEquals(timed.config.requestTimeoutMs, 100);
  }
  const explicit = parseCommandLine(["-m", "s", "-u", "h:9", "-i", "grpc"], TEST_KINDS);
  assert(explicit.action === "run");
  assertEquals(explicit.config.url, "h:9");
  check([
    [["-m", "s", "--streaming"], "Streaming is only allowed with gRPC protocol (-i grpc)."],
    [
      ["-m", "s", "--grpc-compression-algorithm", "gzip"],
      "Using compression algorithm is only allowed with gRPC protocol.",
    ],
    [["-m", "s", "-i", "grpc", "--streaming", "--sync"], "Cannot specify --streaming with --sync."],
  ]);
});
