import assert from "node:assert/strict";
import { buildRunSummary, formatRunSummary, SUMMARY_FORMAT, SUMMARY_VERSION } from "./json.ts";
import { parseRunSummary } from "./json_parse.ts";
import { closedLoopSummary, FIXED_DATE, openLoopSummary } from "./testing/fixture.ts";
import { writeReportFiles } from "./files.ts";
import { context, plainLevels } from "./testing/testdata.ts";

Deno.test("summary holds the golden run's numbers in µs and the server breakdown", () => {
  const s = closedLoopSummary();
  assert.equal(s.format, SUMMARY_FORMAT);
  assert.equal(s.version, SUMMARY_VERSION);
  assert.equal(s.levels.length, 2);
  const [l1] = s.levels;
  assert.equal(l1.mode, "concurrency");
  assert.equal(l1.value, 1);
  assert.equal(l1.requestCount, 20977);
  assert.equal(l1.throughput, 5733.3412);
  // Golden p50 is 165 µs; the fixture adds 300 ns, which the summary keeps.
  assert.deepEqual(l1.latencyUs, {
    avg: 171.9,
    std: 94.5,
    p50: 165.3,
    p90: 189.3,
    p95: 205.3,
    p99: 273.3,
  });
  assert.equal(l1.openLoop, undefined);
  const a = l1.server!.avgUs;
  assert.equal(l1.server!.successCount, 20979);
  assert.equal(a.request, 25.5);
  assert.equal(a.queue, 1);
  assert.equal(a.computeInfer, 21.9);
  // request − queue − (input + infer + output) = 25.5 − 1 − 25.7, clamped at 0.
  assert.equal(a.overhead, 0);
  assert.equal(s.settings.model, "simple");
  assert.equal(s.settings.loadMode, "concurrency");
  assert.equal(s.settings.createdAt, "2026-01-02T03:04:05.000Z");
});

Deno.test("open-loop levels carry send lateness and service time", () => {
  const s = openLoopSummary();
  const l2 = s.levels[1];
  assert.equal(l2.mode, "request_rate");
  assert.equal(l2.value, 400);
  assert.deepEqual(l2.openLoop!.latenessUs, { p50: 4, p90: 18, p99: 80, max: 240 });
  assert.deepEqual(l2.openLoop!.serviceUs, { avg: 200, p50: 210, p90: 260, p99: 360 });
  assert.equal(s.settings.requestRateRange, "200:400:200");
  assert.equal(s.settings.stabilizeOn, "p95");
  // The spectrum in µs, min to max, and each window with its failed requests.
  assert.deepEqual(l2.spectrumUs!.slice(0, 3), [
    { percentile: 0, us: 100 },
    { percentile: 25, us: 233.84 },
    { percentile: 50, us: 292.3 },
  ]);
  assert.deepEqual(l2.spectrumUs!.at(-1), { percentile: 100, us: 4993 });
  assert.deepEqual(l2.windows!.map((w) => w.errorCount), [0, 3, 2, 2]);
  assert.equal(l2.reportedWindows, 3);
  assert.deepEqual(l2.errors, [
    { text: "HTTP 503: server overloaded", count: 5 },
    { text: "request timed out", count: 2 },
  ]);
});

Deno.test("run info goes last into the settings; without it the settings are as before", () => {
  const runInfo = {
    commandLine: "perf_analyzer -m simple",
    host: "box",
    cpu: "X × 2",
    commit: "abc",
  };
  const s = buildRunSummary(plainLevels(), context({}, { runInfo }), FIXED_DATE);
  assert.deepEqual(Object.entries(s.settings).slice(-5), [
    ["serverStats", true],
    ["commandLine", "perf_analyzer -m simple"],
    ["host", "box"],
    ["cpu", "X × 2"],
    ["commit", "abc"],
  ]);
  assert.equal(closedLoopSummary().settings.host, undefined);
});

Deno.test("round trip: what is written parses back to the same summary", () => {
  for (const s of [closedLoopSummary(), openLoopSummary()]) {
    const text = formatRunSummary(s);
    assert.deepEqual(parseRunSummary(text, "a.json"), JSON.parse(JSON.stringify(s)));
  }
});

Deno.test("parse refuses files that are not a run summary, naming file and problem", () => {
  const good = JSON.parse(formatRunSummary(closedLoopSummary()));
  const cases: [string, RegExp][] = [
    ["{not json", /"x.json": not JSON/],
    ['{"levels": []}', /not a run summary .*--report-json/],
    [JSON.stringify({ ...good, version: 99 }), /version 99 is not supported/],
    [JSON.stringify({ ...good, levels: {} }), /"levels" is not an array/],
    [
      JSON.stringify({ ...good, levels: [{ ...good.levels[0], throughput: "fast" }] }),
      /levels\[0\]\.throughput must be a number, got "fast"/,
    ],
    [
      JSON.stringify({ ...good, levels: [{ ...good.levels[0], mode: "burst" }] }),
      /levels\[0\]\.mode must be/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseRunSummary(text, "x.json"), message);
  }
});

Deno.test("writeReportFiles: both files when asked, even for a run with no stable level", async () => {
  const written = new Map<string, string>();
  const io = {
    writeTextFile: (p: string, t: string) => Promise.resolve(void written.set(p, t)),
    stdout: () => assert.fail("nothing to print when every file is written"),
    stderr: () => assert.fail("nothing to say when every file is written"),
  };
  assert.equal(await writeReportFiles([], context({}), io, FIXED_DATE), true);
  assert.equal(written.size, 0, "nothing asked, nothing written");
  const ctx = context({ reportJsonFile: "r.json", reportHtmlFile: "r.html" });
  await writeReportFiles(plainLevels(), ctx, io, FIXED_DATE);
  assert.equal(parseRunSummary(written.get("r.json")!, "r.json").levels.length, 2);
  assert.match(written.get("r.html")!, /^<!DOCTYPE html>/);
  await writeReportFiles([], ctx, io, FIXED_DATE);
  assert.deepEqual(parseRunSummary(written.get("r.json")!, "r.json").levels, []);
  assert.match(written.get("r.html")!, /0 level\(s\) measured/);
});

Deno.test("writeReportFiles: a file that fails to write goes to stdout; the others are written", async () => {
  const written = new Map<string, string>();
  let stdout = "";
  let stderr = "";
  const io = {
    writeTextFile: (p: string, t: string) =>
      p === "full/r.json"
        ? Promise.reject(new Deno.errors.NotFound("No such file or directory (os error 2)"))
        : Promise.resolve(void written.set(p, t)),
    stdout: (t: string) => void (stdout += t),
    stderr: (t: string) => void (stderr += t),
  };
  const ctx = context({
    reportJsonFile: "full/r.json",
    reportHtmlFile: "r.html",
    csvFile: "r.csv",
  });
  assert.equal(await writeReportFiles(plainLevels(), ctx, io, FIXED_DATE), false);
  assert.deepEqual([...written.keys()], ["r.csv", "r.html"]);
  assert.equal(
    stderr,
    'error: Cannot write --report-json "full/r.json": its directory does not exist. ' +
      "Its content follows on stdout.\n",
  );
  const header = "--- --report-json full/r.json (not written) ---\n";
  assert.ok(stdout.startsWith(header));
  assert.equal(parseRunSummary(stdout.slice(header.length), "stdout").levels.length, 2);
});
