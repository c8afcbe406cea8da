import assert from "node:assert/strict";
import { checkThresholds, parseThreshold } from "./thresholds.ts";
import { level } from "./testing/testdata.ts";
import type { ClientStats } from "../measure/results.ts";

Deno.test("thresholds parse into metric, comparison and a value in the metric's scale", () => {
  assert.deepEqual(parseThreshold("p99<5ms"), {
    text: "p99<5ms",
    metric: "latency",
    stat: 99,
    op: "<",
    value: 5e6,
  });
  assert.equal(parseThreshold("avg <= 800us").value, 800_000);
  assert.equal(parseThreshold("p99.9<1s").stat, 99.9);
  assert.deepEqual(
    [parseThreshold("throughput>=2000").metric, parseThreshold("throughput>=2000").value],
    ["throughput", 2000],
  );
  assert.equal(parseThreshold("error_rate<1%").value, 1);
  const bad: [string, RegExp][] = [
    ["p99 5ms", /It must be <metric><comparison><value>/],
    ["p99<5", /A latency needs a unit/],
    ["p42<5ms", /Unknown metric "p42": use avg, p25, p50/],
    ["error_rate<1", /end it with %/],
    ["throughput>5ms", /Throughput is in infer\/sec/],
  ];
  for (const [text, why] of bad) {
    assert.throws(() => parseThreshold(text), why, text);
    assert.throws(() => parseThreshold(text), new RegExp(`Got "${text}"`), text);
  }
});

/** A level with 98 successes and 2 failures, p99 4.2 ms, avg 1 ms, 1000 infer/sec. */
function hand(): ClientStats {
  return {
    requestCount: 98,
    errorCount: 2,
    throughput: 1000,
    avgLatencyNs: 1e6,
    percentilesNs: new Map([[50, 9e5], [99, 4.2e6]]),
    spectrumNs: [{ percentile: 99.9, ns: 7e6 }],
  } as unknown as ClientStats;
}

Deno.test("every level is checked against every threshold, with its measured value", () => {
  const levels = [level(1, hand(), undefined), level(2, hand(), undefined)];
  const gates = ["p99<5ms", "p99.9<5ms", "throughput>=1000", "error_rate<2%", "avg<=1ms"]
    .map(parseThreshold);
  const v = checkThresholds(gates, levels, (l) => `c=${l.value}`);
  assert.deepEqual(v.lines.slice(0, 6), [
    "Thresholds:",
    "  PASS  c=1: p99<5ms (measured 4200 usec)",
    "  FAIL  c=1: p99.9<5ms (measured 7000 usec)",
    "  PASS  c=1: throughput>=1000 (measured 1000.0 infer/sec)",
    "  FAIL  c=1: error_rate<2% (measured 2.00%)",
    "  PASS  c=1: avg<=1ms (measured 1000 usec)",
  ]);
  assert.equal(v.failed, 4);
  assert.equal(checkThresholds(gates, [], () => "").failed, gates.length);
});
