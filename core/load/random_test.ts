import assert from "node:assert/strict";
import { SeededRandom } from "./random.ts";

Deno.test("the same seed gives the same stream; another seed another one", () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const sa = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.nextUint32()));
});

Deno.test("floats are uniform in [0, 1): mean and range over 100k draws", () => {
  const r = new SeededRandom(7);
  let sum = 0;
  let min = 1;
  let max = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = r.nextFloat();
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.005);
  assert.ok(min >= 0 && min < 0.001 && max < 1 && max > 0.999);
});
