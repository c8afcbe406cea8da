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
  const until = Date.now() + 120;
  while (Date.now() < until) { /* burn CPU on purpose */ }
  const spent = read() - before;
  assert.ok(spent >= 50_000 && spent <= 1_000_000, `spent ${spent} µs`);
});
