import assert from "node:assert/strict";
import { ExitCode } from "../errors.ts";
import type { LevelResult, LevelStatus } from "./results.ts";
import { binarySweep, linearLevelCount, linearSweep, type SweepHooks } from "./sweep.ts";

/** Hooks whose level outcome is a function of the load value; records what happened. */
function hooks(outcome: (v: number) => LevelStatus, stopAfter = Infinity) {
  const measured: number[] = [];
  const reported: number[] = [];
  const rejected: number[] = [];
  const h: SweepHooks = {
    measure: (value) => {
      measured.push(value);
      return Promise.resolve({ value, status: outcome(value) } as LevelResult);
    },
    reported: (l) => reported.push(l.value),
    rejected: (l) => rejected.push(l.value),
    stopped: () => measured.length >= stopAfter,
  };
  return { h, measured, reported, rejected };
}

Deno.test("linear sweep visits start..end by step", async () => {
  const t = hooks(() => "stable");
  const r = await linearSweep({ start: 1, end: 7, step: 3 }, t.h);
  assert.deepEqual(t.measured, [1, 4, 7]);
  assert.deepEqual(r.levels.map((l) => l.value), [1, 4, 7]);
  assert.equal(r.exitCode, ExitCode.Success);
});

Deno.test("linear sweep with end 0 runs until the latency limit, exit 0", async () => {
  const t = hooks((v) => (v >= 5 ? "over_threshold" : "stable"));
  const r = await linearSweep({ start: 1, end: 0, step: 2 }, t.h);
  assert.deepEqual(t.measured, [1, 3, 5]);
  assert.deepEqual(t.rejected, [5]);
  assert.equal(r.levels.length, 2);
  assert.equal(r.exitCode, ExitCode.Success);
});

Deno.test("an unstable first level exits 2; a later one ends the sweep with 0", async () => {
  const first = await linearSweep({ start: 1, end: 3, step: 1 }, hooks(() => "unstable").h);
  assert.equal(first.exitCode, ExitCode.Unstable);
  assert.equal(first.levels.length, 0);
  const t = hooks((v) => (v === 2 ? "unstable" : "stable"));
  const later = await linearSweep({ start: 1, end: 3, step: 1 }, t.h);
  assert.equal(later.exitCode, ExitCode.Success);
  assert.deepEqual(t.measured, [1, 2]);
});

Deno.test("an interrupt stops the sweep after the current level", async () => {
  const t = hooks(() => "stable", 2);
  const r = await linearSweep({ start: 1, end: 10, step: 1 }, t.h);
  assert.deepEqual(t.measured, [1, 2]);
  assert.equal(r.levels.length, 2);
});

Deno.test("binary search narrows to the largest passing value within step", async () => {
  const t = hooks((v) => (v <= 37 ? "stable" : "over_threshold"));
  const r = await binarySweep({ start: 1, end: 64, step: 1 }, t.h);
  assert.deepEqual(t.measured, [1, 64, 32, 48, 40, 36, 38, 37]);
  assert.deepEqual(r.levels.map((l) => l.value), [1, 32, 36, 37]);
});

Deno.test("binary search stops early when start fails or end passes", async () => {
  const failing = hooks(() => "over_threshold");
  await binarySweep({ start: 4, end: 64, step: 1 }, failing.h);
  assert.deepEqual(failing.measured, [4]);
  const passing = hooks(() => "stable");
  const r = await binarySweep({ start: 4, end: 64, step: 1 }, passing.h);
  assert.deepEqual(passing.measured, [4, 64]);
  assert.equal(r.levels.length, 2);
});

Deno.test("rate sweeps: decimal steps do not drift, and binary search halves exactly", async () => {
  const linear = hooks(() => "stable");
  await linearSweep({ start: 0.1, end: 0.3, step: 0.1 }, linear.h);
  // 0.1 + 2 × 0.1 is 0.30000000000000004 > 0.3: the end still counts, three levels, not two.
  assert.equal(linear.measured.length, 3);
  const binary = hooks((v) => (v <= 300 ? "stable" : "over_threshold"));
  await binarySweep({ start: 100, end: 500, step: 50 }, binary.h, false);
  assert.deepEqual(binary.measured, [100, 500, 300, 400, 350]);
});

Deno.test("linear level count: what the sweep visits when all are stable, none without an end", async () => {
  for (
    const range of [
      { start: 1, end: 7, step: 3 },
      { start: 1, end: 8, step: 3 },
      { start: 0.1, end: 0.3, step: 0.1 },
      { start: 4, end: 4, step: 1 },
    ]
  ) {
    const t = hooks(() => "stable");
    await linearSweep(range, t.h);
    assert.equal(linearLevelCount(range), t.measured.length, JSON.stringify(range));
  }
  assert.equal(linearLevelCount({ start: 0.1, end: 0.3, step: 0.1 }), 3);
  assert.equal(linearLevelCount({ start: 1, end: 0, step: 1 }), undefined);
});
