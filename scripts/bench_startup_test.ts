import assert from "node:assert/strict";
import {
  bundleTaskArgs,
  runStartupSection,
  startupLines,
  startupStats,
  TARGET_STARTUP_S,
} from "./bench_startup.ts";

Deno.test("bench_startup: median and p90 by nearest rank, min and max, to the millisecond", () => {
  // 1..10 tenths, shuffled: the 5th and 9th of ten sorted values.
  const times = [0.7, 0.2, 1.0, 0.5, 0.1, 0.9, 0.3, 0.8, 0.6, 0.4];
  assert.deepEqual(startupStats(times), { medianS: 0.5, p90S: 0.9, minS: 0.1, maxS: 1.0 });
  assert.deepEqual(startupStats([0.12345, 0.0456789, 0.2]), {
    medianS: 0.123,
    p90S: 0.2,
    minS: 0.046,
    maxS: 0.2,
  });
});

Deno.test("bench_startup: the bundle is built by the task's command, only -o changed", async () => {
  const args = await bundleTaskArgs("/tmp/x/pa.js");
  assert.equal(args[0], "bundle");
  assert.equal(args[args.indexOf("-o") + 1], "/tmp/x/pa.js");
  assert.equal(args.at(-1), "main.ts");
});

Deno.test("bench_startup: every command runs, exits 0 and is timed", async () => {
  const logged: string[] = [];
  const s = await runStartupSection({ runs: 2 }, (l) => logged.push(l));
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.rows.map((r) => r.command), [
    "deno run -A empty.ts",
    "deno run -A main.ts --version",
    "deno run -A main.ts --help",
    "deno run -A perf_analyzer.js --version",
    "deno run -A perf_analyzer.js --help",
  ]);
  for (const r of s.rows) {
    assert.equal(r.runs, 2);
    // Generous: a busy two-core machine, not a timing claim.
    assert.ok(r.medianS > 0 && r.medianS < 5, `${r.command}: median ${r.medianS} s`);
    assert.ok(r.minS <= r.medianS && r.medianS <= r.p90S && r.p90S <= r.maxS, r.command);
  }
  // The bundle carries every backend and npm package: megabytes, not a stub.
  assert.ok(s.bundleBytes > 1_000_000, `${s.bundleBytes} bytes`);
  assert.ok(s.bundleBuildS > 0);
  // The floor has no target; the four entry-point rows do, judged on their medians.
  assert.deepEqual(s.targets.map((t) => [t.value, t.pass]), [
    ...s.rows.slice(1).map((r) => [r.medianS, r.medianS <= TARGET_STARTUP_S]),
  ]);
  assert.deepEqual(logged, [
    "start-up: building the bundle with deno task bundle's command ...",
    "start-up: one warm-up run, then 2 timed runs of 5 commands ...",
  ]);
  const lines = startupLines(s);
  assert.equal(lines.length, 1 + 1 + 5 + 1 + 4);
  assert.match(lines[2], /^ {2}deno run -A empty\.ts +2 +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d{3}/);
  assert.match(
    lines[7],
    /outside the checkout \(so --version names no commit\): \d{1,3}(,\d{3}){2,} bytes/,
  );
  assert.match(lines[8], /^ {2}(PASS|FAIL) {2}start-up, deno run -A main\.ts --version: median/);
});
