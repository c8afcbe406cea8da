import assert from "node:assert/strict";
import { intervalWithin, latencyInterval, quantileRanks } from "./confidence.ts";
import { LatencyHistogram } from "./histogram.ts";

Deno.test("quantile ranks: symmetric around n·q, undefined while the sample is too small", () => {
  // 2.5758 × √(10000 × 0.25) = 128.8 ranks either side of 5000 (0-based: minus one).
  assert.deepEqual(quantileRanks(10_000, 0.5), [4870, 5128]);
  assert.equal(quantileRanks(100, 0.99), undefined, "100 samples cannot bound p99");
  const r = quantileRanks(10_000, 0.99)!;
  assert.ok(r[0] < 9900 && r[1] > 9900 && r[1] <= 9999, `${r}`);
});

Deno.test("the p50 interval of a uniform sample covers the true median and narrows with n", () => {
  const small = new LatencyHistogram();
  const large = new LatencyHistogram();
  for (let i = 0; i < 1_000; i++) small.record(1e6 + (i * 7919 % 1000) * 1000);
  for (let i = 0; i < 100_000; i++) large.record(1e6 + (i * 7919 % 1000) * 1000);
  const a = latencyInterval(small, 50)!;
  const b = latencyInterval(large, 50)!;
  for (const iv of [a, b]) {
    assert.ok(iv.lowNs <= 1.5e6 && iv.highNs >= 1.499e6, `${iv.lowNs}..${iv.highNs}`);
  }
  assert.ok(b.highNs - b.lowNs < (a.highNs - a.lowNs) / 5);
  assert.equal(intervalWithin(b, 0.01), true);
  assert.equal(intervalWithin(a, 0.01), false);
  small.destroy();
  large.destroy();
});

Deno.test("mean interval: z·σ/√n around the exact mean", () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 400; i++) h.record(i % 2 === 0 ? 900 : 1100);
  const iv = latencyInterval(h, -1)!;
  assert.equal(iv.estimateNs, 1000);
  const half = 2.5758293035489 * h.std / 20;
  assert.ok(Math.abs(iv.highNs - 1000 - half) < 1e-9);
  assert.equal(latencyInterval(new LatencyHistogram(), -1), undefined);
  h.destroy();
});
