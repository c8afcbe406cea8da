import assert from "node:assert/strict";
import type { PassSummary } from "./results.ts";
import { isStable, overLatencyLimit, throughputStable } from "./stability.ts";

function pass(throughput: number, latencyUs: number): PassSummary {
  const ns = latencyUs * 1000;
  return { throughput, avgLatencyNs: ns, stdLatencyNs: 0, stabilizingLatencyNs: ns, errorCount: 0 };
}

const rule = { threshold: 0.1, latencyLimitNs: 0 };

Deno.test("fewer than three windows are never stable", () => {
  assert.equal(isStable([pass(100, 10), pass(100, 10)], rule), false);
});

Deno.test("three windows within 10% are stable; 10% exactly is still stable", () => {
  assert.equal(isStable([pass(100, 10), pass(105, 10.5), pass(110, 11)], rule), true);
  assert.equal(isStable([pass(100, 10), pass(105, 10), pass(111, 10)], rule), false);
});

Deno.test("only the last three windows count", () => {
  const passes = [pass(10, 99), pass(500, 1), pass(100, 10), pass(101, 10), pass(102, 10)];
  assert.equal(isStable(passes, rule), true);
});

Deno.test("a zero-throughput window blocks stability", () => {
  assert.equal(isStable([pass(0, 10), pass(100, 10), pass(100, 10)], rule), false);
  assert.equal(throughputStable([pass(100, 10), pass(0, 10), pass(100, 10)], rule), false);
});

Deno.test("latency instability fails isStable but not throughputStable (async rule)", () => {
  const passes = [pass(100, 10), pass(100, 20), pass(100, 10)];
  assert.equal(isStable(passes, rule), false);
  assert.equal(throughputStable(passes, rule), true);
});

Deno.test("threshold 0 demands identical windows", () => {
  const zero = { threshold: 0, latencyLimitNs: 0 };
  assert.equal(isStable([pass(5, 5), pass(5, 5), pass(5, 5)], zero), true);
  assert.equal(isStable([pass(5, 5), pass(5, 5), pass(5.001, 5)], zero), false);
});

Deno.test("latency limit: any of the last three windows at or over it", () => {
  const limited = { threshold: 0.1, latencyLimitNs: 10_000 };
  assert.equal(overLatencyLimit([pass(1, 9), pass(1, 9.9)], limited), false);
  assert.equal(overLatencyLimit([pass(1, 9), pass(1, 10)], limited), true);
  assert.equal(overLatencyLimit([pass(1, 50), pass(1, 1), pass(1, 1), pass(1, 1)], limited), false);
  assert.equal(overLatencyLimit([pass(1, 50)], rule), false);
});
