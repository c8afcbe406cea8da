import assert from "node:assert/strict";
import type { Clock } from "../clock.ts";
import { isRunError } from "../errors.ts";
import { waitForStart } from "./start.ts";

/** A clock whose sleeps advance it at once. */
function fakeClock(startNs: number): Clock & { slept: number[] } {
  let now = startNs;
  const slept: number[] = [];
  return {
    slept,
    nowNs: () => now,
    toEpochNs: (ns) => ns,
    sleep: (ms) => {
      slept.push(ms);
      now += ms * 1e6;
      return Promise.resolve();
    },
  };
}

Deno.test("--start-at: an early worker sleeps until it; t0 is that instant on the monotonic clock", async () => {
  const clock = fakeClock(7e9);
  const facts = await waitForStart(10_500, 1000, clock, () => 10_000);
  assert.deepEqual(clock.slept, [500]);
  assert.equal(facts.t0Ns, 7e9 + 500e6);
  assert.equal(facts.lateNs, 0);
  assert.equal(facts.actualStartMs, 10_500);
});

Deno.test("--start-at: late within the tolerance starts at once on the grid; past it, an error", async () => {
  const clock = fakeClock(7e9);
  const facts = await waitForStart(10_000, 1000, clock, () => 10_300);
  assert.deepEqual(clock.slept, []);
  // The grid stays where the others have it: 300 ms in the past for this worker.
  assert.equal(facts.t0Ns, 7e9 - 300e6);
  assert.equal(facts.lateNs, 300e6);
  await assert.rejects(
    () => waitForStart(10_000, 1000, clock, () => 11_001),
    (e) => isRunError(e) && /missed the start: ready 1001 ms after --start-at/.test(e.message),
  );
});
