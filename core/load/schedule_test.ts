import assert from "node:assert/strict";
import {
  constantSchedule,
  fixedSchedules,
  intervalSchedule,
  parseIntervals,
  poissonSchedule,
  type Schedule,
} from "./schedule.ts";

function take(s: Schedule, n: number): number[] {
  return Array.from({ length: n }, () => s.next());
}

Deno.test("constant: exact multiples of 1/rate, no drift after a million requests", () => {
  const s = constantSchedule(400);
  assert.deepEqual(take(s, 4), [0, 2.5e6, 5e6, 7.5e6]);
  const far = constantSchedule(3);
  let last = 0;
  for (let i = 0; i < 1_000_000; i++) last = far.next();
  assert.equal(last, 999_999 * (1e9 / 3));
});

Deno.test("poisson: same seed same schedule; mean gap 1/rate; exponential spread", () => {
  assert.deepEqual(take(poissonSchedule(1000, 9), 50), take(poissonSchedule(1000, 9), 50));
  assert.notDeepEqual(take(poissonSchedule(1000, 9), 50), take(poissonSchedule(1000, 10), 50));
  const s = poissonSchedule(1000, 1);
  const offsets = take(s, 100_001);
  const gaps = offsets.slice(1).map((t, i) => t - offsets[i]);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(Math.abs(mean - 1e6) / 1e6 < 0.01, `mean gap ${mean}`);
  // For an exponential distribution the standard deviation equals the mean.
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(sd - mean) / mean < 0.02, `sd ${sd}`);
  assert.ok(gaps.every((g) => g >= 0));
});

Deno.test("intervals loop and report count / total as the rate", () => {
  const s = intervalSchedule([1e6, 3e6], "f.txt");
  assert.deepEqual(take(s, 5), [0, 1e6, 4e6, 5e6, 8e6]);
  assert.equal(s.rate, 500);
  assert.throws(() => intervalSchedule([0, 0], "z.txt"), /must add up to more than 0/);
});

Deno.test("bad rates are RangeErrors naming the value", () => {
  assert.throws(() => constantSchedule(0), /request rate of 0/);
  assert.throws(() => poissonSchedule(-1, 1), /request rate of -1/);
});

Deno.test("interval files: µs per line, blank lines skipped, errors name file and line", () => {
  assert.deepEqual(parseIntervals("100\n\n2500\r\n7\n", "a.txt"), [100e3, 2500e3, 7e3]);
  assert.throws(
    () => parseIntervals("100\n1.5\n", "b.txt"),
    /file "b\.txt": line 2 \("1\.5"\) is not a whole number of microseconds/,
  );
  assert.throws(() => parseIntervals("\n \n", "c.txt"), /"c\.txt": it has no intervals/);
});

Deno.test("fixed schedule: warmup entries first, then the rest from their own start", () => {
  const schedules = fixedSchedules([0, 5, 10, 10, 40], "data.json");
  const warmup = schedules.next();
  assert.deepEqual(take(warmup, 2), [0, 5e6]);
  const measured = schedules.next();
  assert.deepEqual(take(measured, 3), [0, 0, 30e6]);
  // Entries 2..4: 2 gaps over 30 ms.
  assert.equal(measured.rate, (2 * 1000) / 30);
  assert.equal(schedules.rateFrom(0), (4 * 1000) / 40);
  assert.throws(
    () => fixedSchedules([0, 7, 3], "data.json"),
    new RangeError(
      "Cannot use data.json with --fixed-schedule: entry 2 has timestamp 3; timestamps must " +
        "be numbers of ms >= 0 that never decrease",
    ),
  );
});
