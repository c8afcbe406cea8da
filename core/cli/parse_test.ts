import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { scanArgs } from "./parse.ts";
import { OPTIONS, OptionTable } from "./spec.ts";

const TABLE = new OptionTable([]);

/** Scans argv into [typed, value] pairs, or the UsageError message. */
function scan(argv: string[]): [string, string | undefined][] | string {
  try {
    return [...scanArgs(argv, TABLE)].map((o) => [o.typed, o.value]);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

Deno.test("scanArgs: short options, clusters, attached and separate values", () => {
  const cases: [string[], [string, string | undefined][]][] = [
    [["-b4"], [["-b", "4"]]],
    [["-b", "4"], [["-b", "4"]]],
    [["-va"], [["-v", undefined], ["-a", undefined]]],
    [["-vvz"], [["-v", undefined], ["-v", undefined], ["-z", undefined]]],
    [["-vm", "simple"], [["-v", undefined], ["-m", "simple"]]],
    [["-vmsimple"], [["-v", undefined], ["-m", "simple"]]],
    // getopt takes the next argument as the value even when it starts with '-'.
    [["-H", "-x:y"], [["-H", "-x:y"]]],
    [["-m", "s", "--"], [["-m", "s"]]],
    [[], []],
  ];
  for (const [argv, want] of cases) assertEquals(scan(argv), want, argv.join(" "));
});

Deno.test("scanArgs: long options with '=', separate values, flags and prefixes", () => {
  const cases: [string[], [string, string | undefined][]][] = [
    [["--concurrency-range", "1:4"], [["--concurrency-range", "1:4"]]],
    [["--concurrency-range=1:4"], [["--concurrency-range", "1:4"]]],
    [["--percentile", "-1"], [["--percentile", "-1"]]],
    [["--string-data="], [["--string-data", ""]]],
    [["--shape=a:1=2"], [["--shape", "a:1=2"]]],
    [["--async", "--verbose-csv"], [["--async", undefined], ["--verbose-csv", undefined]]],
    // Unambiguous prefixes resolve like getopt_long; the canonical name is reported.
    [["--concurrency", "2"], [["--concurrency-range", "2"]]],
    [["--verb"], [["--verbose-csv", undefined]]],
  ];
  for (const [argv, want] of cases) assertEquals(scan(argv), want, argv.join(" "));
});

Deno.test("scanArgs: syntax errors", () => {
  const cases: [string[], string][] = [
    [["--foo"], "Invalid long option '--foo'"],
    [["-q"], "Invalid short option '-q'"],
    [["-vq"], "Invalid short option '-q'"],
    [["-?"], "Invalid short option '-?'"],
    [["--", "x"], "Unexpected argument 'x'. This tool takes no positional arguments."],
    [["simple"], "Unexpected argument 'simple'. This tool takes no positional arguments."],
    [["-"], "Unexpected argument '-'. This tool takes no positional arguments."],
    [["--percentile"], "Missing value for option '--percentile'"],
    [["-m", "s", "-b"], "Missing value for option '-b'"],
    [["-vb"], "Missing value for option '-b'"],
    [["--async=yes"], `Option '--async' does not take a value. Got "yes".`],
    [["--stri", "x"], "Ambiguous long option '--stri' (could be --string-length, --string-data)"],
    [["--=x"], "Invalid long option '--'"],
  ];
  for (const [argv, want] of cases) assertEquals(scan(argv), want, argv.join(" "));
});

Deno.test("scanArgs stops at the first error, after yielding earlier options", () => {
  const seen: string[] = [];
  let error = "";
  try {
    for (const o of scanArgs(["-m", "s", "--nope", "-b", "2"], TABLE)) seen.push(o.typed);
  } catch (e) {
    error = e instanceof UsageError ? e.message : "other";
  }
  assertEquals(seen, ["-m"]);
  assertEquals(error, "Invalid long option '--nope'");
});

Deno.test("option table: unique names, exact lookups win over prefixes", () => {
  const longs = OPTIONS.flatMap((o) => (o.long ? [o.long] : []));
  const shorts = OPTIONS.flatMap((o) => (o.short ? [o.short] : []));
  assertEquals(new Set(longs).size, longs.length);
  assertEquals(new Set(shorts).size, shorts.length);
  // perf_analyzer's getopt string plus our -h.
  assertEquals(shorts.sort().join(""), [..."vdazcumxbtpiHlrsfh"].sort().join(""));
  // "sequence-length" is also a prefix of "sequence-length-variation": exact must win.
  const exact = TABLE.findLong("sequence-length");
  assertEquals(!Array.isArray(exact) && exact?.long, "sequence-length");
  const ambiguous = TABLE.findLong("sequence-length-");
  assertEquals(!Array.isArray(ambiguous) && ambiguous?.long, "sequence-length-variation");
});
