import assert from "node:assert/strict";
import type { GpuMetrics } from "../metrics/gpu_metrics.ts";
import { metricsCells, metricsLines } from "./metrics.ts";

function metrics(entries: [string, number, number, number, number][]): GpuMetrics {
  return {
    utilization: new Map(entries.map(([u, v]) => [u, v])),
    powerWatts: new Map(entries.map(([u, , v]) => [u, v])),
    memoryUsedBytes: new Map(entries.map(([u, , , v]) => [u, v])),
    memoryTotalBytes: new Map(entries.map(([u, , , , v]) => [u, v])),
    scrapes: 3,
    failedScrapes: 0,
  };
}

Deno.test("metrics block: sorted uuids, percent, watts and bytes as perf_analyzer prints them", () => {
  const m = metrics([
    ["GPU-b", 0.123456789, 250, 2 ** 40, 2 ** 41],
    ["GPU-a", 1 / 3, 99.99999, 0, 17179869184],
  ]);
  assert.deepEqual(metricsLines(m), [
    "  Server Prometheus Metrics:",
    "    Avg GPU Utilization:",
    "      GPU-a : 33.3333%",
    "      GPU-b : 12.3457%",
    "    Avg GPU Power Usage:",
    "      GPU-a : 100 watts",
    "      GPU-b : 250 watts",
    "    Max GPU Memory Usage:",
    "      GPU-a : 0 bytes",
    "      GPU-b : 1099511627776 bytes",
    "    Total GPU Memory:",
    "      GPU-a : 17179869184 bytes",
    "      GPU-b : 2199023255552 bytes",
  ]);
  assert.deepEqual(metricsCells(m), [
    "GPU-a:0.333333;GPU-b:0.123457;",
    "GPU-a:100;GPU-b:250;",
    "GPU-a:0;GPU-b:1099511627776;",
    "GPU-a:17179869184;GPU-b:2199023255552;",
  ]);
});

Deno.test("metrics block: omitted beyond 16 GPUs; a level without metrics gets empty cells", () => {
  const many = metrics(
    Array.from(
      { length: 17 },
      (_, i) => [`GPU-${i}`, 0.5, 1, 1, 1] as [string, number, number, number, number],
    ),
  );
  assert.deepEqual(metricsLines(many), []);
  assert.equal(metricsCells(many)[0].split(";").length, 18);
  assert.deepEqual(metricsCells(undefined), ["", "", "", ""]);
  assert.deepEqual(metricsLines(metrics([])), [
    "  Server Prometheus Metrics:",
    "    Avg GPU Utilization:",
    "    Avg GPU Power Usage:",
    "    Max GPU Memory Usage:",
    "    Total GPU Memory:",
  ]);
});
