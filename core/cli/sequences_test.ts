import assert from "node:assert/strict";
import { parseCommandLine } from "./command_line.ts";
import { UsageError } from "../errors.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

function config(...args: string[]) {
  const result = parseCommandLine(["-m", "seq", ...args], TEST_KINDS);
  if (result.action !== "run") throw new Error(`expected a run, got ${result.action}`);
  return result;
}

function error(...args: string[]): string {
  try {
    parseCommandLine(["-m", "seq", ...args], TEST_KINDS);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("expected a usage error");
}

Deno.test("sequence options set the config; defaults are perf_analyzer's", () => {
  const plain = config().config;
  assert.deepEqual(
    [plain.numOfSequences, plain.sequenceLength, plain.sequenceLengthVariation],
    [4, 20, 20],
  );
  assert.deepEqual([plain.sequenceIdStart, plain.sequenceIdEnd], [1, 0xffffffff]);
  assert.equal(plain.serialSequences, false);
  assert.equal(plain.validationMode, "fail");
  const c = config(
    "--num-of-sequences",
    "8",
    "--sequence-length",
    "5",
    "--sequence-length-variation",
    "0",
    "--sequence-id-range",
    "100:200",
    "--serial-sequences",
    "--validation-mode",
    "count",
  ).config;
  assert.deepEqual(
    [c.numOfSequences, c.sequenceLength, c.sequenceLengthSet, c.sequenceLengthVariation],
    [8, 5, true, 0],
  );
  assert.deepEqual([c.sequenceIdStart, c.sequenceIdEnd, c.serialSequences], [100, 200, true]);
  assert.equal(c.validationMode, "count");
  assert.equal(config("--sequence-id-range", "7").config.sequenceIdEnd, 0xffffffff);
});

Deno.test("bad sequence values name the option, the rule and the value", () => {
  assert.equal(
    error("--sequence-id-range", "5:5"),
    'Failed to parse --sequence-id-range. The end must be greater than the start. Got "5:5".',
  );
  assert.equal(
    error("--sequence-id-range", "0"),
    'Failed to parse --sequence-id-range. The start must be >= 1 (0 means no sequence). Got "0".',
  );
  assert.equal(
    error("--sequence-id-range", "1:2:3"),
    'Failed to parse --sequence-id-range. Expected start or start:end (e.g. 1:1000). Got "1:2:3".',
  );
  assert.equal(
    error("--sequence-length-variation", "101"),
    'Failed to parse --sequence-length-variation. The value must be a percentage, 0..100. Got "101".',
  );
  assert.equal(
    error("--num-of-sequences", "0"),
    'Failed to parse --num-of-sequences. The value must be > 0. Got "0".',
  );
  assert.match(error("--validation-mode", "warn"), /^Failed to parse --validation-mode\./);
});

Deno.test("input data: JSON files append in order; a directory alias warns", () => {
  const c = config("--input-data", "a.json", "--input-data", "b.json").config;
  assert.equal(c.inputData, "files");
  assert.deepEqual(c.inputDataPaths, ["a.json", "b.json"]);
  const d = config("--data-directory", "dir");
  assert.deepEqual(d.config.inputDataPaths, ["dir"]);
  assert.deepEqual(d.warnings, ["--data-directory is deprecated; use --input-data <dir> instead."]);
  assert.equal(
    error("--input-data", "random", "--input-data", "x.json"),
    '--input-data "x.json" cannot be combined with an earlier --input-data; only JSON files ' +
      "may be given more than once.",
  );
});

Deno.test("--fixed-schedule: an open-loop mode that needs JSON data and no request count", () => {
  const c = config("--fixed-schedule", "--input-data", "d.json").config;
  assert.equal(c.loadMode, "fixed_schedule");
  assert.equal(c.maxThreads, 4, "perf_analyzer's open-loop thread default");
  assert.match(error("--fixed-schedule"), /^--fixed-schedule replays the entries of --input-data/);
  assert.equal(
    error("--fixed-schedule", "--input-data", "d.json", "--request-count", "5"),
    "--request-count does not apply to --fixed-schedule: every entry after the warmup ones " +
      "is sent once.",
  );
  assert.equal(
    error("--fixed-schedule", "--input-data", "d.json", "--request-distribution", "poisson"),
    "--request-distribution does not apply to --fixed-schedule.",
  );
  assert.equal(
    error("--fixed-schedule", "--request-rate-range", "5"),
    "Cannot use both FixedSchedule and RequestRate inference load modes.",
  );
});
