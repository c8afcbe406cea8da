import assert from "node:assert/strict";
import { LatencyHistogram } from "./histogram.ts";

/** perf_analyzer's rule on a plain sorted array, the reference the histogram must match. */
function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.floor((p / 100) * (sorted.length - 1) + 0.5)];
}

Deno.test("percentiles follow perf_analyzer's rank rule within HDR precision", () => {
  const h = new LatencyHistogram();
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 5000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const v = 50_000 + (seed % 900_000);
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const p of [1, 50, 90, 95, 99]) {
    const want = exactPercentile(values, p);
    const got = h.percentile(p);
    assert.ok(Math.abs(got - want) / want <= 0.001, `p${p}: got ${got}, want ${want}`);
  }
  h.destroy();
});

Deno.test("small counts pick the exact rank (nearest rank with rounding)", () => {
  const h = new LatencyHistogram();
  for (const v of [1000, 2000, 3000, 4000]) h.record(v);
  // n = 4: p50 → floor(0.5 × 3 + 0.5) = 2 → third value; p90 → floor(3.2) = 3 → fourth.
  assert.equal(Math.round(h.percentile(50) / 10) * 10, 3000);
  assert.equal(Math.round(h.percentile(90) / 10) * 10, 4000);
  assert.equal(Math.round(h.percentile(1) / 10) * 10, 1000);
  h.destroy();
});

Deno.test("mean and sample standard deviation are exact", () => {
  const h = new LatencyHistogram();
  for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) h.record(v * 1000);
  assert.equal(h.mean, 5000);
  // Sample variance of the set is 32/7 (×1e6 for the ns scale).
  assert.ok(Math.abs(h.std - Math.sqrt(32 / 7) * 1000) < 1e-6);
  h.destroy();
});

Deno.test("std is NaN below two samples and an empty histogram reports zeros", () => {
  const h = new LatencyHistogram();
  assert.equal(h.percentile(50), 0);
  h.record(10);
  assert.ok(Number.isNaN(h.std));
  h.destroy();
});

Deno.test("add merges moments exactly and reset empties", () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  const all = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) {
    (i % 3 === 0 ? a : b).record(i * 1000);
    all.record(i * 1000);
  }
  a.add(b);
  assert.equal(a.count, 100);
  assert.ok(Math.abs(a.mean - all.mean) < 1e-9);
  assert.ok(Math.abs(a.std - all.std) < 1e-6);
  assert.equal(a.percentile(99), all.percentile(99));
  a.reset();
  assert.equal(a.count, 0);
  assert.equal(a.mean, 0);
  for (const h of [a, b, all]) h.destroy();
});

Deno.test("encoded histograms added together equal one histogram of all the values", () => {
  const whole = new LatencyHistogram();
  const merged = new LatencyHistogram();
  const parts = [0, 1, 2, 3].map(() => new LatencyHistogram());
  let x = 12345;
  for (let i = 0; i < 40_000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    // One slow part: averaging per-part percentiles would be far off; adding is exact.
    const ns = 50_000 + (x % 900_000) + (i % 4 === 3 ? 5_000_000 : 0);
    whole.record(ns);
    parts[i % 4].record(ns);
  }
  merged.addEncoded(new LatencyHistogram().encode());
  for (const p of parts) merged.addEncoded(JSON.parse(JSON.stringify(p.encode())));
  for (const p of [0, 50, 90, 95, 99, 99.9, 100]) {
    assert.equal(merged.percentile(p), whole.percentile(p), `p${p}`);
  }
  assert.equal(merged.count, whole.count);
  assert.equal(merged.min, whole.min);
  assert.equal(merged.max, whole.max);
  assert.ok(Math.abs(merged.mean - whole.mean) < 1e-6 * whole.mean);
  assert.ok(Math.abs(merged.std - whole.std) < 1e-6 * whole.std);
  for (const h of [whole, merged, ...parts]) h.destroy();
});
