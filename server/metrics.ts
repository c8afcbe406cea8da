/**
 * The reference server's Prometheus endpoint (docs/protocols.md §3): Triton's per-model
 * nv_inference_* counters, taken from the same exact statistics /stats serves, and the GPU gauges
 * of two SIMULATED GPUs. There is no GPU here; the gauges hold fixed values that a test can change
 * through {@link GpuSimulator.set}, so it can assert the client's aggregation exactly.
 */
import { serveHttp } from "./listen.ts";
import type { ServerContext } from "./kserve/routes.ts";

export interface GpuState {
  uuid: string;
  /** Fraction 0..1, as Triton reports it. */
  utilization: number;
  powerWatts: number;
  powerLimitWatts: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
}

const GIB = 1024 ** 3;

/** Two GPUs with distinct uuids and distinct, fixed readings. */
export function defaultGpus(): GpuState[] {
  return [
    {
      uuid: "GPU-00000000-0000-4000-8000-000000000001",
      utilization: 0.25,
      powerWatts: 100.5,
      powerLimitWatts: 300,
      memoryUsedBytes: 1 * GIB,
      memoryTotalBytes: 16 * GIB,
    },
    {
      uuid: "GPU-00000000-0000-4000-8000-000000000002",
      utilization: 0.75,
      powerWatts: 200.25,
      powerLimitWatts: 350,
      memoryUsedBytes: 2 * GIB,
      memoryTotalBytes: 32 * GIB,
    },
  ];
}

/** The simulated GPUs; values change only when a test sets them. */
export class GpuSimulator {
  readonly gpus: GpuState[] = defaultGpus();
  /** Scrapes served so far. */
  scrapes = 0;

  /** Changes GPU `index`'s readings from the next scrape on. */
  set(index: number, values: Partial<Omit<GpuState, "uuid">>): void {
    const gpu = this.gpus[index];
    if (gpu === undefined) {
      throw new RangeError(`Cannot set GPU ${index}: the server simulates ${this.gpus.length}`);
    }
    Object.assign(gpu, values);
  }
}

type Family = [name: string, type: string, help: string];

function family(lines: string[], [name, type, help]: Family): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** Triton's per-model metrics, in the order Triton lists them. */
function modelLines(ctx: ServerContext, lines: string[]): void {
  const models = [...ctx.models.values()].map((m) => ({
    labels: `model="${m.spec.name}",version="${m.spec.version}"`,
    stats: m.executor.stats.snapshot(),
    failures: m.executor.stats.fail.count,
  }));
  const us = (ns: number) => Math.floor(ns / 1000);
  const counters: [Family, (m: (typeof models)[number]) => string][] = [
    [[
      "nv_inference_request_success",
      "counter",
      "Number of successful inference requests, all batch sizes",
    ], (m) => `{${m.labels}} ${m.stats.successCount}`],
    [[
      "nv_inference_request_failure",
      "counter",
      "Number of failed inference requests, all batch sizes",
    ], (m) => `{${m.labels},reason="OTHER"} ${m.failures}`],
    [[
      "nv_inference_count",
      "counter",
      "Number of inferences performed (does not include cached requests)",
    ], (m) => `{${m.labels}} ${m.stats.inferenceCount}`],
    [[
      "nv_inference_exec_count",
      "counter",
      "Number of model executions performed (does not include cached requests)",
    ], (m) => `{${m.labels}} ${m.stats.executionCount}`],
    [[
      "nv_inference_request_duration_us",
      "counter",
      "Cumulative inference request duration in microseconds (includes cached requests)",
    ], (m) => `{${m.labels}} ${us(m.stats.successNs)}`],
    [[
      "nv_inference_queue_duration_us",
      "counter",
      "Cumulative inference queuing duration in microseconds (includes cached requests)",
    ], (m) => `{${m.labels}} ${us(m.stats.queueNs)}`],
    [[
      "nv_inference_compute_input_duration_us",
      "counter",
      "Cumulative compute input duration in microseconds (does not include cached requests)",
    ], (m) => `{${m.labels}} ${us(m.stats.computeInputNs)}`],
    [[
      "nv_inference_compute_infer_duration_us",
      "counter",
      "Cumulative compute inference duration in microseconds (does not include cached requests)",
    ], (m) => `{${m.labels}} ${us(m.stats.computeInferNs)}`],
    [[
      "nv_inference_compute_output_duration_us",
      "counter",
      "Cumulative inference compute output duration in microseconds (does not include cached requests)",
    ], (m) => `{${m.labels}} ${us(m.stats.computeOutputNs)}`],
  ];
  for (const [fam, value] of counters) {
    family(lines, fam);
    for (const m of models) lines.push(`${fam[0]}${value(m)}`);
  }
}

function gpuLines(gpus: GpuState[], lines: string[]): void {
  const gauges: [Family, (g: GpuState) => number][] = [
    [["nv_gpu_utilization", "gauge", "GPU utilization rate [0.0 - 1.0)"], (g) => g.utilization],
    [
      ["nv_gpu_memory_total_bytes", "gauge", "GPU total memory, in bytes"],
      (g) => g.memoryTotalBytes,
    ],
    [["nv_gpu_memory_used_bytes", "gauge", "GPU used memory, in bytes"], (g) => g.memoryUsedBytes],
    [["nv_gpu_power_usage", "gauge", "GPU power usage in watts"], (g) => g.powerWatts],
    [
      ["nv_gpu_power_limit", "gauge", "GPU power management limit in watts"],
      (g) => g.powerLimitWatts,
    ],
  ];
  for (const [fam, value] of gauges) {
    family(lines, fam);
    for (const g of gpus) lines.push(`${fam[0]}{gpu_uuid="${g.uuid}"} ${value(g)}`);
  }
}

/** The whole exposition text, as one scrape of Triton's :8002/metrics would see it. */
export function metricsText(ctx: ServerContext, sim: GpuSimulator): string {
  const lines: string[] = [];
  modelLines(ctx, lines);
  gpuLines(sim.gpus, lines);
  return lines.join("\n") + "\n";
}

/** GET /metrics or /metrics/ only, as Triton's metrics server answers. */
export function handleMetrics(ctx: ServerContext, sim: GpuSimulator, req: Request): Response {
  const path = new URL(req.url).pathname;
  if (path !== "/metrics" && path !== "/metrics/") return new Response("", { status: 404 });
  if (req.method !== "GET") return new Response("", { status: 405 });
  sim.scrapes++;
  return new Response(metricsText(ctx, sim), {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

export function startMetrics(
  ctx: ServerContext,
  sim: GpuSimulator,
  host: string,
  port: number,
): MetricsListener {
  const server = serveHttp(host, port, (req) => handleMetrics(ctx, sim, req));
  return { port: server.port, close: () => server.shutdown() };
}
