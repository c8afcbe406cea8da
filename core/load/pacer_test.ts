import assert from "node:assert/strict";
import { systemClock } from "../clock.ts";
import { makePacer } from "./pacer.ts";
import { FakeClock } from "../testing/fake_clock.ts";

Deno.test("spin pacing wakes within a fraction of a millisecond of the target", async () => {
  const pacer = makePacer(systemClock, "spin");
  const signal = new AbortController().signal;
  const late: number[] = [];
  for (let i = 0; i < 20; i++) {
    const target = systemClock.nowNs() + 3e6;
    await pacer.waitUntil(target, signal);
    late.push(systemClock.nowNs() - target);
  }
  late.sort((a, b) => a - b);
  assert.ok(late[0] >= 0, "never early");
  // Median lateness well under the ~2 ms a timer alone would give (shared CI machines vary).
  assert.ok(late[10] < 1_000_000, `median lateness ${late[10]} ns`);
});

Deno.test("timer pacing on a fake clock lands exactly on the target", async () => {
  const clock = new FakeClock();
  const pacer = makePacer(clock, "timer");
  await pacer.waitUntil(7_500_000, new AbortController().signal);
  assert.equal(clock.nowNs(), 7_500_000);
  await pacer.waitUntil(1_000_000, new AbortController().signal);
  assert.equal(clock.nowNs(), 7_500_000, "a past target does not wait");
});

Deno.test("an abort ends the wait at once in both modes", async () => {
  for (const mode of ["spin", "timer"] as const) {
    const pacer = makePacer(systemClock, mode);
    const abort = new AbortController();
    const started = systemClock.nowNs();
    setTimeout(() => abort.abort(), 20);
    await pacer.waitUntil(started + 10e9, abort.signal);
    assert.ok(systemClock.nowNs() - started < 1e9, mode);
  }
});
