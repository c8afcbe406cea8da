import { deepStrictEqual as assertEquals, equal, match, ok as assert } from "node:assert/strict";
import { usageText, versionText } from "./help.ts";
import { HELP } from "./help_table.ts";
import { OPTIONS } from "./spec.ts";
import { TEST_KINDS } from "../testing/kinds.ts";
import { buildCommit, COMMIT_ENV, VERSION } from "../version.ts";
import { flagNames, perfAnalyzerFlagNames } from "../testing/perf_analyzer_flags.ts";

Deno.test("help documents every supported option exactly once", () => {
  const documented = Object.values(HELP).flat().map((e) => e.id).sort();
  const supported = OPTIONS.map((o) => o.id).sort();
  assertEquals(documented, supported);
});

Deno.test("help text: intro, groups in order, widths", () => {
  const text = usageText(TEST_KINDS);
  const lines = text.trimEnd().split("\n");
  assert(lines[0].startsWith("perf_analyzer "), lines[0]);
  assertEquals(lines[1], "Usage: perf_analyzer -m <model name> [options]");
  const groups = lines.filter((l) => /^[A-Z][a-z ]+:$/.test(l));
  assertEquals(groups, [
    "General:",
    "Measurement:",
    "Load:",
    "Input data:",
    "Sequences:",
    "Protocol:",
    "Output:",
    "Distributed runs:",
    "Examples:",
  ]);
  assert(lines.includes("Differences from perf_analyzer:"));
  for (const line of lines) assert(line.length <= 100, `too long: ${line}`);
  // Each option line shows its value form and default.
  assert(text.includes("-p, --measurement-interval <ms>"));
  const flat = text.replace(/\s+/g, " ");
  assert(
    flat.includes(
      "--concurrency-range <start:end:step> Requests kept in flight; one value = " +
        "one level; end 0 = grow until -l is reached. [default: 1:1:1]",
    ),
  );
  assert(flat.includes(
    "-l, --latency-threshold <ms> Stop the sweep once the latency reaches " +
      "this many ms. [default: 0 = no limit]",
  ));
  assert(text.includes("-h/--help exists"));
  assert(text.includes('Every value error names the value given (Got "...")'));
});

/** What git itself says of this checkout. */
function git(...args: string[]): string {
  const out = new Deno.Command("git", { args, cwd: new URL("../..", import.meta.url) })
    .outputSync();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("version line has perf_analyzer's shape and HEAD's commit, read without git", () => {
  const commit = git("rev-parse", "--short=12", "HEAD");
  equal(versionText(), `Perf Analyzer Version ${VERSION} (commit ${commit})\n`);
  match(commit, /^[0-9a-f]{12}$/);
});

Deno.test("reports ask git, which marks a modified checkout -dirty", () => {
  const described = git("describe", "--always", "--dirty", "--abbrev=12", "--exclude=*");
  equal(buildCommit(true), described);
  match(described, /^[0-9a-f]{12}(-dirty)?$/);
});

Deno.test("a packaged executable's commit wins over git's", () => {
  Deno.env.set(COMMIT_ENV, "abc123def456");
  try {
    equal(versionText(), `Perf Analyzer Version ${VERSION} (commit abc123def456)\n`);
  } finally {
    Deno.env.delete(COMMIT_ENV);
  }
});

Deno.test("every help entry appears with its flags, meaning and default", () => {
  const flat = usageText(TEST_KINDS).replace(/\s+/g, " ");
  let entries = 0;
  for (const entry of Object.values(HELP).flat()) {
    const tail = entry.def === "" ? "" : ` [default: ${entry.def}]`;
    const mark = entry.ours ? "(ours) " : "";
    assert(flat.includes(` ${entry.flags} ${mark}${entry.text}${tail}`), entry.flags);
    entries++;
  }
  assertEquals(entries, OPTIONS.length);
});

Deno.test("--help marks exactly the options perf_analyzer does not have as (ours)", () => {
  const pa = perfAnalyzerFlagNames();
  assert(pa.has("--concurrency-range") && pa.has("-m"), "the flag table was read");
  for (const entry of Object.values(HELP).flat()) {
    const inPa = flagNames(entry.flags).some((n) => pa.has(n));
    assertEquals(entry.ours === true, !inPa, entry.flags);
  }
  const text = usageText(TEST_KINDS);
  assert(/^ {2}--latency-from <intended\|actual> +\(ours\) /m.test(text));
  assert(/^ {2}--concurrency-range <start:end:step> +Requests kept/m.test(text));
});

Deno.test("help lists every exit code and the limits with their values", () => {
  const text = usageText(TEST_KINDS);
  const codes = text.slice(text.indexOf("Exit codes (perf_analyzer's, plus 4 and 130):\n"));
  for (const code of ["0", "2", "3", "4", "99", "130"]) {
    assert(new RegExp(`^  ${code} +[a-z]`, "m").test(codes), `exit code ${code}`);
  }
  const flat = text.replace(/\s+/g, " ");
  assert(
    flat.includes(
      "Input files (--input-data, --request-intervals): regular files only, at most 1 GiB",
    ),
  );
  assert(flat.includes("HTTP replies: at most 1 GiB held whole and 8 interim 1xx responses"));
});
