/**
 * The --collect-metrics parts of the reports, in perf_analyzer's layout: the console's "Server
 * Prometheus Metrics" block (docs/perf_analyzer.md §3.1) and the four verbose-CSV cells (§3.2).
 * GPUs are listed by uuid in sorted order (perf_analyzer keeps them in a std::map). Utilization
 * prints as a percentage on the console and as the raw 0..1 fraction in the CSV, as perf_analyzer
 * does; doubles use C++ default stream formatting, byte counts (uint64 there) print as integers.
 */
import { formatCpp } from "./format.ts";
import type { GpuMetrics } from "../metrics/gpu_metrics.ts";

/** perf_analyzer skips the console block for more GPUs than this (it would not fit). */
const MAX_CONSOLE_GPUS = 16;

export const METRICS_CSV_HEADER = [
  "Avg GPU Utilization",
  "Avg GPU Power Usage",
  "Max GPU Memory Usage",
  "Total GPU Memory",
];

function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const bytes = (v: number) => String(Math.round(v));

/** The console block; empty when more than 16 GPUs reported. */
export function metricsLines(m: GpuMetrics): string[] {
  const gpus = new Set([
    ...m.utilization.keys(),
    ...m.powerWatts.keys(),
    ...m.memoryUsedBytes.keys(),
    ...m.memoryTotalBytes.keys(),
  ]);
  if (gpus.size > MAX_CONSOLE_GPUS) return [];
  const lines = ["  Server Prometheus Metrics:"];
  const section = (title: string, map: Map<string, number>, text: (v: number) => string) => {
    lines.push(`    ${title}:`);
    for (const [uuid, v] of sorted(map)) lines.push(`      ${uuid} : ${text(v)}`);
  };
  section("Avg GPU Utilization", m.utilization, (v) => `${formatCpp(v * 100)}%`);
  section("Avg GPU Power Usage", m.powerWatts, (v) => `${formatCpp(v)} watts`);
  section("Max GPU Memory Usage", m.memoryUsedBytes, (v) => `${bytes(v)} bytes`);
  section("Total GPU Memory", m.memoryTotalBytes, (v) => `${bytes(v)} bytes`);
  return lines;
}

/** One cell per metric, each `uuid:value;` per GPU; empty cells when the level has none. */
export function metricsCells(m: GpuMetrics | undefined): string[] {
  if (m === undefined) return ["", "", "", ""];
  const cell = (map: Map<string, number>, text: (v: number) => string) =>
    sorted(map).map(([uuid, v]) => `${uuid}:${text(v)};`).join("");
  return [
    cell(m.utilization, formatCpp),
    cell(m.powerWatts, formatCpp),
    cell(m.memoryUsedBytes, bytes),
    cell(m.memoryTotalBytes, bytes),
  ];
}
