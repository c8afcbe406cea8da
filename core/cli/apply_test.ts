import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { defaultConfig, type RunConfig } from "./config.ts";
import { parseCommandLine } from "./command_line.ts";
import { type KserveOptions, TEST_KINDS } from "../testing/kinds.ts";

function run(args: string[]): { config: RunConfig; warnings: string[] } {
  const result = parseCommandLine(args, TEST_KINDS);
  if (result.action !== "run") throw new Error(`expected a run, got ${result.action}`);
  return result;
}

Deno.test("defaults: -m alone gives perf_analyzer's defaults and no warnings", () => {
  assertEquals(run(["-m", "simple"]), {
    action: "run",
    config: {
      ...defaultConfig(),
      model: "simple",
      serviceKind: "kserve",
      url: "localhost:8000",
      own: { level: 0 },
    },
    warnings: [],
  });
  assertEquals(run(["-msimple"]).config.model, "simple");
  assertEquals(run(["-m", "a", "-m", "b"]).config.model, "b");
});

interface ValueCase {
  short?: string;
  long?: string;
  value: string;
  get: (c: RunConfig) => unknown;
  want: unknown;
}

const VALUE_CASES: ValueCase[] = [
  { short: "x", value: "3", get: (c) => c.modelVersion, want: "3" },
  { long: "service-kind", value: "inproc", get: (c) => c.serviceKind, want: "inproc" },
  { long: "kserve-level", value: "3", get: (c) => (c.own as KserveOptions).level, want: 3 },
  {
    long: "service-kind",
    value: "plugin:https://example.com/b.ts",
    get: (c) => c.serviceKind,
    want: "plugin:https://example.com/b.ts",
  },
  { short: "u", value: "127.0.0.1:9000", get: (c) => c.url, want: "127.0.0.1:9000" },
  { short: "i", value: "http", get: (c) => c.protocol, want: "http" },
  { short: "i", value: "HTTP", get: (c) => c.protocol, want: "http" },
  { short: "H", value: "X-Id:  a:b", get: (c) => c.headers, want: [["X-Id", "a:b"]] },
  {
    long: "measurement-mode",
    value: "count_windows",
    get: (c) => c.measurementMode,
    want: "count_windows",
  },
  {
    short: "p",
    long: "measurement-interval",
    value: "1000",
    get: (c) => c.measurementIntervalMs,
    want: 1000,
  },
  {
    long: "measurement-request-count",
    value: "80",
    get: (c) => c.measurementRequestCount,
    want: 80,
  },
  {
    short: "s",
    long: "stability-percentage",
    value: "25",
    get: (c) => c.stabilityThreshold,
    want: 0.25,
  },
  { short: "s", value: "0", get: (c) => c.stabilityThreshold, want: 0 },
  { short: "r", long: "max-trials", value: "4", get: (c) => c.maxTrials, want: 4 },
  { long: "percentile", value: "95", get: (c) => c.percentile, want: 95 },
  { long: "percentile", value: "-1", get: (c) => c.percentile, want: -1 },
  {
    short: "l",
    long: "latency-threshold",
    value: "250",
    get: (c) => c.latencyThresholdMs,
    want: 250,
  },
  { long: "request-count", value: "50", get: (c) => c.requestCount, want: 50 },
  { long: "warmup-request-count", value: "10", get: (c) => c.warmupRequestCount, want: 10 },
  {
    long: "concurrency-range",
    value: "2:8:2",
    get: (c) => c.concurrency,
    want: { start: 2, end: 8, step: 2 },
  },
  { long: "max-threads", value: "4", get: (c) => c.maxThreads, want: 4 },
  { long: "input-data", value: "zero", get: (c) => c.inputData, want: "zero" },
  { long: "input-data", value: "random", get: (c) => c.inputData, want: "random" },
  { short: "b", value: "8", get: (c) => [c.batchSize, c.batchSizeSet], want: [8, true] },
  { long: "shape", value: "INPUT0:3,4", get: (c) => [...c.shapes], want: [["INPUT0", [3, 4]]] },
  { long: "string-length", value: "16", get: (c) => c.stringLength, want: 16 },
  { long: "string-data", value: "hi there", get: (c) => c.stringData, want: "hi there" },
  { short: "f", value: "out.csv", get: (c) => c.csvFile, want: "out.csv" },
];

/** Every spelling getopt_long accepts for one option and value. */
function spellings(c: ValueCase): string[][] {
  const forms: string[][] = [];
  if (c.long) forms.push([`--${c.long}`, c.value], [`--${c.long}=${c.value}`]);
  if (c.short) forms.push([`-${c.short}`, c.value], [`-${c.short}${c.value}`]);
  return forms;
}

Deno.test("every supported value option parses in every spelling", () => {
  let checked = 0;
  for (const c of VALUE_CASES) {
    for (const form of spellings(c)) {
      assertEquals(c.get(run(["-m", "simple", ...form]).config), c.want, form.join(" "));
      checked++;
    }
  }
  assertEquals(checked, 64);
});

Deno.test("every supported flag sets what it should", () => {
  const cases: [string[], (c: RunConfig) => unknown, unknown][] = [
    [["-a"], (c) => c.async, true],
    [["--async"], (c) => c.async, true],
    [["--sync"], (c) => c.async, false],
    [["--verbose-csv"], (c) => c.verboseCsv, true],
    [["-v"], (c) => c.verbose, 1],
    [["-v", "-v"], (c) => c.verbose, 2],
    [["-vvv"], (c) => c.verbose, 2],
    [["-z"], (c) => c.inputData, "zero"],
    [["-z", "--input-data", "zero"], (c) => c.inputData, "zero"],
    [["--binary-search", "--concurrency-range", "1:8", "-l", "10"], (c) => c.binarySearch, true],
  ];
  for (const [args, get, want] of cases) {
    assertEquals(get(run(["-m", "simple", ...args]).config), want, args.join(" "));
  }
});

Deno.test("repeatable options accumulate in order; a repeated shape name keeps the last", () => {
  const { config } = run([
    "-m",
    "s",
    "-H",
    "A:1",
    "-HB: 2",
    "--shape",
    "IN:1",
    "--shape=IN:2,2",
    "--shape",
    "OTHER:5",
  ]);
  assertEquals(config.headers, [["A", "1"], ["B", "2"]]);
  assertEquals([...config.shapes], [["IN", [2, 2]], ["OTHER", [5]]]);
});

Deno.test("derived values: max threads, request-count windows", () => {
  assertEquals(run(["-m", "s", "--concurrency-range", "1:32"]).config.maxThreads, 32);
  assertEquals(run(["-m", "s", "--concurrency-range", "1:8"]).config.maxThreads, 16);
  // end 0 (no limit) keeps the default 16.
  assertEquals(run(["-m", "s", "--concurrency-range", "1:0", "-l", "5"]).config.maxThreads, 16);
  assertEquals(
    run(["-m", "s", "--concurrency-range", "1:32", "--max-threads", "4"]).config.maxThreads,
    4,
  );
  const counted = run(["-m", "s", "--concurrency-range", "4", "--request-count", "100"]).config;
  assertEquals(
    [counted.measurementMode, counted.measurementRequestCount, counted.requestCount],
    ["count_windows", 100, 100],
  );
});

Deno.test("deprecated -t/-c/-d map onto the concurrency range, with warnings", () => {
  const cases: [string[], [number, number, number], string[]][] = [
    [["-t", "4"], [4, 4, 1], ["-t is deprecated; use --concurrency-range <start> instead."]],
    [["-t", "2", "-c", "8"], [2, 8, 1], [
      "-t is deprecated; use --concurrency-range <start> instead.",
      "-c is deprecated; use --concurrency-range <start>:<end> instead.",
    ]],
    [["-c", "6", "-d"], [1, 6, 1], [
      "-c is deprecated; use --concurrency-range <start>:<end> instead.",
      "-d is deprecated; use --concurrency-range <start>:<end> instead.",
    ]],
    [["-d", "-l", "10"], [1, 0, 1], [
      "-d is deprecated; use --concurrency-range <start>:<end> instead.",
    ]],
    [["-t", "2", "-t", "3"], [3, 3, 1], [
      "-t is deprecated; use --concurrency-range <start> instead.",
    ]],
    [["-z"], [1, 1, 1], ["-z is deprecated; use --input-data zero instead."]],
  ];
  for (const [args, [start, end, step], warnings] of cases) {
    const result = run(["-m", "s", ...args]);
    assertEquals(result.config.concurrency, { start, end, step }, args.join(" "));
    assertEquals(result.warnings, warnings, args.join(" "));
  }
  const both = run(["-m", "s", "--string-data", "x", "--string-length", "4"]);
  assertEquals(both.warnings, ["--string-length has no effect when --string-data is given."]);
});
