import assert from "node:assert/strict";
import { CompareExit, compareMain } from "./compare_cli.ts";
import { formatRunSummary, type RunSummary } from "./json.ts";
import { closedLoopSummary } from "./testing/fixture.ts";

/** Runs compare over in-memory files; returns exit code and output. */
async function compare(files: Record<string, string>, args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await compareMain(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readTextFile: (p) => {
      if (!(p in files)) return Promise.reject(new Deno.errors.NotFound(`No such file: ${p}`));
      return Promise.resolve(files[p]);
    },
  });
  return { code, stdout, stderr };
}

/** B = A with throughput scaled and every latency scaled. */
function scaled(tput: number, lat: number, drop?: number): RunSummary {
  const s = closedLoopSummary();
  for (const l of s.levels) {
    l.throughput *= tput;
    for (const k of Object.keys(l.latencyUs)) {
      const v = l.latencyUs[k];
      if (v !== null) l.latencyUs[k] = v * lat;
    }
  }
  if (drop !== undefined) s.levels = s.levels.filter((l) => l.value !== drop);
  return s;
}

const A = formatRunSummary(closedLoopSummary());

Deno.test("within thresholds: exit 0, every level and statistic with A, B and delta", async () => {
  const r = await compare({ a: A, b: formatRunSummary(scaled(0.95, 1.05)) }, ["a", "b"]);
  assert.equal(r.code, CompareExit.Within, r.stdout + r.stderr);
  assert.match(r.stdout, /^concurrency 1 {2}infer\/sec \* +5733\.34 +5446\.67 +-5\.0%$/m);
  assert.match(r.stdout, /^ +p99 usec \* +273\.30 +286\.97 +\+5\.0%$/m);
  for (const stat of ["avg", "p50", "p90", "p95"]) {
    assert.equal(r.stdout.match(new RegExp(`^ +${stat} usec `, "gm"))?.length, 2, stat);
  }
  assert.match(r.stdout, /Result: within thresholds\n$/);
});

Deno.test("throughput drop or latency rise past the gate: exit 1, flagged rows", async () => {
  const slow = await compare({ a: A, b: formatRunSummary(scaled(0.8, 1)) }, ["a", "b"]);
  assert.equal(slow.code, CompareExit.Regression);
  assert.equal(slow.stdout.match(/REGRESSION \(drop over 10%\)/g)?.length, 2);
  assert.match(slow.stdout, /Result: 2 regression\(s\)/);
  // A looser gate lets the same files pass.
  const loose = await compare({ a: A, b: formatRunSummary(scaled(0.8, 1)) }, [
    "a",
    "b",
    "--max-throughput-drop",
    "25",
  ]);
  assert.equal(loose.code, CompareExit.Within, loose.stdout);
  const late = formatRunSummary(scaled(1, 1.3));
  const r = await compare({ a: A, b: late }, ["a", "b", "--max-latency-rise=20"]);
  assert.equal(r.code, CompareExit.Regression);
  assert.match(r.stdout, /^ +p99 usec \* .*\+30\.0% {2}REGRESSION \(rise over 20%\)$/m);
  // Gating on p50 instead moves the star and the flag.
  const p50 = await compare({ a: A, b: late }, ["a", "b", "--percentile", "p50"]);
  assert.match(p50.stdout, /^ +p50 usec \* .*REGRESSION/m);
  assert.match(p50.stdout, /^ +p99 usec {3}/m);
});

Deno.test("levels only in one file are listed; only-in-A is a regression", async () => {
  const r = await compare({ a: A, b: formatRunSummary(scaled(1, 1, 2)) }, ["a", "b"]);
  assert.equal(r.code, CompareExit.Regression);
  assert.match(r.stdout, /^Only in A: concurrency 2 \(not measured in B\) {2}REGRESSION$/m);
  const back = await compare({ a: formatRunSummary(scaled(1, 1, 2)), b: A }, ["a", "b"]);
  assert.equal(back.code, CompareExit.Within);
  assert.match(back.stdout, /^Only in B: concurrency 2 \(new in B\)$/m);
});

Deno.test("different settings are warned about", async () => {
  const b = closedLoopSummary();
  b.settings.batchSize = 4;
  const r = await compare({ a: A, b: formatRunSummary(b) }, ["a", "b"]);
  assert.match(r.stdout, /^WARNING: settings differ, batchSize: 1 → 4$/m);
});

Deno.test("bad files and bad usage: exit 2 with the reason", async () => {
  const cases: [Record<string, string>, string[], RegExp][] = [
    [{ a: A }, ["a", "missing.json"], /Cannot read run summary "missing.json": No such file/],
    [{ a: A, b: "[1,2]" }, ["a", "b"], /"b": not a run summary/],
    [{ a: A, b: A.replace('"version": 1', '"version": 7') }, ["a", "b"], /version 7/],
    [{ a: A }, ["a"], /expected two run summary files/],
    [{ a: A, b: A }, ["a", "b", "--max-latency-rise=-3"], /percentage >= 0, got "-3"/],
    [{ a: A, b: A }, ["a", "b", "--percentile", "p0"], /--percentile must be/],
    [{ a: A, b: A }, ["a", "b", "--percentile", "p99.9"], /no p99.9 latency for concurrency 1/],
    [{ a: A, b: A }, ["a", "b", "--bogus"], /Unknown option '--bogus'/],
  ];
  for (const [files, args, message] of cases) {
    const r = await compare(files, args);
    assert.equal(r.code, CompareExit.Usage, `${args.join(" ")}: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "");
  }
});

Deno.test("--help documents options and exit codes", async () => {
  const r = await compare({}, ["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--max-throughput-drop <pct>/);
  assert.match(r.stdout, /1 = regression/);
  assert.match(r.stdout, /2 = usage error/);
});
