import assert from "node:assert/strict";
import { mainThreadCpuReader, parseThreadStat } from "./cpu_time.ts";

Deno.test("thread stat: utime + stime ticks become µs, even with spaces in the name", () => {
  const stat = "4242 (deno (main) x) R 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0";
  assert.equal(parseThreadStat(stat), 3_000_000);
  assert.throws(() => parseThreadStat("1 (x) R"), SyntaxError);
});

Deno.test("the reader counts this thread's busy time", () => {
  const read = mainThreadCpuReader();
  const before = read();
  const started = Date.now();
  // Burn until the reader has seen 50 ms (at most 10 s): on a busy machine the thread gets only
  // part of a core, so a fixed wall-clock burn promises no CPU time.
  while (read() - before < 50_000 && Date.now() - started < 10_000) { /* burn CPU on purpose */ }
  const spent = read() - before;
  const wallUs = (Date.now() - started) * 1000;
  assert.ok(spent >= 50_000, `spent ${spent} µs`);
  // One thread cannot use more CPU than wall time, give or take the counter's 10 ms ticks: both
  // readings round to a tick, so the difference may be up to two ticks over (seen: 50 ms of CPU
  // in 37 ms of wall time on a loaded machine).
  assert.ok(spent <= wallUs + 20_000, `spent ${spent} µs in ${wallUs} µs`);
});
