import assert from "node:assert/strict";
import { CompareExit, compareMain } from "./compare_cli.ts";
import { formatRunSummary, type RunSummary } from "./json.ts";
import { closedLoopSummary } from "./testing/fixture.ts";
import { welchHalfWidth } from "./compare_noise.ts";

/** Runs compare over in-memory files; returns exit code, output and the files it wrote. */
async function compare(files: Record<string, string>, args: string[]) {
  let stdout = "";
  let stderr = "";
  const written: Record<string, string> = {};
  const code = await compareMain(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readTextFile: (p) => {
      if (!(p in files)) return Promise.reject(new Deno.errors.NotFound(`No such file: ${p}`));
      return Promise.resolve(files[p]);
    },
    writeTextFile: (p, text) => {
      if (p.startsWith("/nonexistent/")) return Promise.reject(new Deno.errors.NotFound(p));
      written[p] = text;
      return Promise.resolve();
    },
  });
  return { code, stdout, stderr, written };
}

/** B = A with throughput scaled and every latency scaled. */
function scaled(tput: number, lat: number, drop?: number): RunSummary {
  const s = closedLoopSummary();
  for (const l of s.levels) {
    l.throughput *= tput;
    for (const w of l.windows ?? []) {
      w.throughput *= tput;
      w.avgLatencyUs *= lat;
      w.stabilizingLatencyUs *= lat;
    }
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
  assert.equal(slow.stdout.match(/REGRESSION \(drop over 10%, noise unknown\)/g)?.length, 2);
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
  assert.match(
    r.stdout,
    /^ +p99 usec \* .*\+30\.0% {2}REGRESSION \(rise over 20%, noise unknown\)$/m,
  );
  // Gating on p50 instead moves the star and the flag.
  const p50 = await compare({ a: A, b: late }, ["a", "b", "--percentile", "p50"]);
  assert.match(p50.stdout, /^ +p50 usec \* .*REGRESSION/m);
  assert.match(p50.stdout, /^ +p99 usec {3}/m);
});

Deno.test("the Welch half-width of two window series, by hand", () => {
  // Both variances 4, n = 3: df = 4, t = 2.776, half-width = 2.776 × sqrt(4/3 + 4/3).
  assert.equal(welchHalfWidth([10, 12, 14], [9, 11, 13])!.toFixed(4), "4.5332");
  assert.equal(welchHalfWidth([5, 5, 5], [4, 4, 4]), 0);
  assert.equal(welchHalfWidth([5], [4, 4]), undefined);
});

/** One level whose three reported windows have these throughputs (and flat latency). */
function windowed(throughputs: number[]): RunSummary {
  const s = closedLoopSummary();
  s.levels = s.levels.slice(0, 1);
  const l = s.levels[0];
  l.windows = throughputs.map((throughput) => ({
    throughput,
    avgLatencyUs: 200,
    stabilizingLatencyUs: 200,
  }));
  l.reportedWindows = 3;
  l.throughput = throughputs.reduce((a, b) => a + b, 0) / throughputs.length;
  return s;
}

Deno.test("a drop past the gate but inside the windows' spread is noise, not a regression", async () => {
  // A busy machine: windows 1000 ± 150. B is 15 % lower with the same spread.
  const a = formatRunSummary(windowed([850, 1000, 1150]));
  const noisy = await compare({ a, b: formatRunSummary(windowed([700, 850, 1000])) }, ["a", "b"]);
  assert.equal(noisy.code, CompareExit.Within, noisy.stdout);
  // Half-width 2.776 × sqrt(2 × 22500 / 3) = 340.0 infer/sec, 34.0 % of A's 1000.
  assert.match(noisy.stdout, /^concurrency 1 .*-15\.0% {2}within noise \(noise ±34\.0%\)$/m);
  assert.match(noisy.stdout, /Result: within thresholds; 1 change\(s\) within noise\n$/);
  // A quiet machine: windows 1000 ± 5; the same 15 % drop is a regression.
  const quiet = formatRunSummary(windowed([995, 1000, 1005]));
  const real = await compare({ a: quiet, b: formatRunSummary(windowed([845, 850, 855])) }, [
    "a",
    "b",
  ]);
  assert.equal(real.code, CompareExit.Regression, real.stdout);
  assert.match(real.stdout, /-15\.0% {2}REGRESSION \(drop over 10%, noise ±1\.1%\)$/m);
});

Deno.test("files without windows (older builds) gate on the thresholds alone", async () => {
  const old = windowed([850, 1000, 1150]);
  delete old.levels[0].windows;
  const b = windowed([700, 850, 1000]);
  const r = await compare({ a: formatRunSummary(old), b: formatRunSummary(b) }, ["a", "b"]);
  assert.equal(r.code, CompareExit.Regression);
  assert.match(r.stdout, /REGRESSION \(drop over 10%, noise unknown\)$/m);
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

Deno.test("--report-html draws both runs on one page with every row's verdict", async () => {
  const r = await compare({ a: A, b: formatRunSummary(scaled(0.8, 1)) }, [
    "a",
    "b",
    "--report-html",
    "cmp.html",
  ]);
  assert.equal(r.code, CompareExit.Regression);
  const page = r.written["cmp.html"];
  for (const id of ["a-avg", "a-p99", "b-avg", "b-p99"]) {
    assert.match(page, new RegExp(`data-series="${id}" data-points="2"`), id);
  }
  assert.match(page, /data-chart="compare-throughput"/);
  assert.equal(page.match(/<tr class="regression">/g)?.length, 2);
  assert.match(
    page,
    /<td>c=1<\/td><td>throughput \*<\/td><td>5733\.34<\/td><td>4586\.67<\/td><td>-20\.0%<\/td><td><\/td><td>REGRESSION<\/td>/,
  );
  assert.match(page, /Result: 2 regression\(s\)/);
  // B's levels in the other order (a binary search measures out of order): bars stay per level.
  const reversed = scaled(0.8, 1);
  reversed.levels.reverse();
  const swapped = await compare({ a: A, b: formatRunSummary(reversed) }, [
    "a",
    "b",
    "--report-html",
    "swapped.html",
  ]);
  const bars = [...swapped.written["swapped.html"].matchAll(
    /data-series="(a|b)"[^]*?(?=data-series=|<\/svg>)/g,
  )].map((m) => [m[1], [...m[0].matchAll(/data-value="([\d.]+)"/g)].map((v) => v[1])]);
  assert.deepEqual(bars, [["a", ["5733.34", "6064.76"]], ["b", ["4586.67", "4851.81"]]]);
  const bad = await compare({ a: A, b: A }, ["a", "b", "--report-html", "/nonexistent/x.html"]);
  assert.equal(bad.code, CompareExit.Usage);
  assert.match(bad.stderr, /Cannot write --report-html "\/nonexistent\/x.html"/);
});
