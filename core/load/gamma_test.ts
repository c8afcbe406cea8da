/** The gamma schedule: seeded, the asked mean gap, and the spread its shape implies. */
import assert from "node:assert/strict";
import { gammaSchedule } from "./schedule.ts";

function gaps(rate: number, shape: number, seed: number, n: number): number[] {
  const s = gammaSchedule(rate, shape, seed);
  let previous = s.next();
  return Array.from({ length: n }, () => {
    const at = s.next();
    const gap = at - previous;
    previous = at;
    return gap;
  });
}

Deno.test("gamma schedule: mean gap 1/rate, coefficient of variation 1/sqrt(shape)", () => {
  for (const shape of [0.25, 1, 4]) {
    const g = gaps(100, shape, 7, 200_000);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    const variance = g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length;
    const cv2 = variance / mean ** 2;
    assert.ok(Math.abs(mean / 1e7 - 1) < 0.01, `shape ${shape}: mean ${mean}`);
    assert.ok(Math.abs(cv2 * shape - 1) < 0.03, `shape ${shape}: cv² ${cv2}`);
    assert.ok(g.every((x) => x >= 0));
  }
});

Deno.test("gamma schedule: the same seed gives the same schedule; bad shapes are refused", () => {
  assert.deepEqual(gaps(50, 2, 3, 100), gaps(50, 2, 3, 100));
  assert.notDeepEqual(gaps(50, 2, 3, 100), gaps(50, 2, 4, 100));
  assert.throws(() => gammaSchedule(10, 0, 1), /burstiness\) of 0: it must be > 0/);
  assert.match(gammaSchedule(10, 0.5, 1).describe(), /gamma: mean gap 100\.0 ms, burstiness 0\.5/);
});
