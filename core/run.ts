/**
 * One run, end to end: backend → model info → prepared requests → settings banner → warmup →
 * sweep of load levels → summary and CSV. Every side effect comes in through RunDeps, so the
 * whole run is driven in-process by the end-to-end tests.
 */
import { type Backend, hasServerStats, type ModelInfo } from "./backend.ts";
import type { Clock } from "./clock.ts";
import type { RunConfig } from "./config.ts";
import { Dispatcher } from "./dispatcher.ts";
import { ExitCode, RunError } from "./errors.ts";
import { syntheticRequest } from "./input_data.ts";
import { LevelMeasurer } from "./level.ts";
import { loadBackendFactory } from "./registry.ts";
import {
  formatLevel,
  formatSettings,
  formatSummary,
  type ReportContext,
} from "./report_console.ts";
import { formatCsv } from "./report_csv.ts";
import type { LevelResult } from "./results.ts";
import { binarySweep, linearSweep, type SweepResult } from "./sweep.ts";

export interface RunDeps {
  stdout(text: string): void;
  stderr(text: string): void;
  clock: Clock;
  /** Process CPU time in µs. */
  cpuUs(): number;
  /** Fires on the first SIGINT: finish the current window, report, stop. */
  signal: AbortSignal;
  writeTextFile(path: string, text: string): Promise<void>;
  cwd: string;
}

function checkModel(model: ModelInfo, config: RunConfig): void {
  if (model.decoupled) {
    throw new RunError(
      `model '${model.name}' is decoupled; it must be measured with gRPC streaming, ` +
        `which this build does not support yet`,
    );
  }
  if (model.sequence) {
    throw new RunError(
      `model '${model.name}' is a sequence model; sequence support is not in this build yet`,
    );
  }
  if (config.concurrency.start < 1) throw new RunError("concurrency must be at least 1");
}

async function createBackend(
  config: RunConfig,
  cwd: string,
): Promise<{ backend: Backend; kind: string }> {
  const factory = await loadBackendFactory(config.serviceKind, cwd);
  if (!factory.protocols.includes(config.protocol)) {
    throw new RunError(
      `service kind '${config.serviceKind}' does not support -i ${config.protocol} ` +
        `(supported: ${factory.protocols.join(", ")})`,
    );
  }
  const backend = factory.create({
    url: config.url,
    protocol: config.protocol,
    headers: config.headers,
    inputTensorFormat: config.inputTensorFormat,
    outputTensorFormat: config.outputTensorFormat,
    verbose: config.verbose > 0,
  });
  return { backend, kind: factory.kind };
}

function rejection(level: LevelResult, config: RunConfig): string {
  if (level.status === "over_threshold") {
    return `Measured latency went over the set limit of ${config.latencyThresholdMs} msec. \n`;
  }
  const hint = config.measurementMode === "count_windows"
    ? "--measurement-request-count"
    : "--measurement-interval";
  return `Failed to obtain stable measurement within ${config.maxTrials} measurement windows ` +
    `for concurrency ${level.value}. Please try to increase the ${hint}.\n`;
}

export async function run(config: RunConfig, deps: RunDeps): Promise<ExitCode> {
  const { backend, kind } = await createBackend(config, deps.cwd);
  try {
    const model = await backend.describe(config.model, config.modelVersion);
    checkModel(model, config);
    for (const note of model.notes) deps.stderr(`${note}\n`);
    const version = model.version || config.modelVersion;
    const statsSource = hasServerStats(backend) ? backend : undefined;
    const serverStats = statsSource !== undefined &&
      (await statsSource.serverStats(config.model, version)) !== undefined;
    const ctx: ReportContext = {
      config,
      model,
      protocolLabel: "HTTP",
      serverStats,
      backendKind: kind,
    };
    const prepared = [backend.prepare(syntheticRequest(model, config))];
    const measurer = new LevelMeasurer({
      mode: "concurrency",
      batchSize: config.batchSize,
      percentile: config.percentile,
      rule: {
        threshold: config.stabilityThreshold,
        latencyLimitNs: config.latencyThresholdMs * 1e6,
      },
      maxTrials: config.maxTrials,
      windowMs: config.measurementIntervalMs,
      windowRequests: config.measurementMode === "count_windows"
        ? config.measurementRequestCount
        : 0,
      requestCount: config.requestCount,
      async: config.async,
    }, {
      clock: deps.clock,
      cpuUs: deps.cpuUs,
      serverStats: serverStats ? () => statsSource!.serverStats(config.model, version) : undefined,
      signal: deps.signal,
      warn: (m) => deps.stderr(`${m}\n`),
    });
    const dispatcher = new Dispatcher(backend, prepared, deps.clock, measurer);
    try {
      deps.stdout(formatSettings(ctx));
      await warmup(config, dispatcher, measurer);
      const result = await sweep(config, ctx, deps, (v) => measurer.measure(v, dispatcher));
      if (result.levels.length > 0) deps.stdout(formatSummary(result.levels, ctx));
      if (config.csvFile && result.levels.length > 0) {
        await deps.writeTextFile(config.csvFile, formatCsv(result.levels, ctx));
      }
      return result.exitCode;
    } finally {
      measurer.pause();
      await dispatcher.stop();
      measurer.destroy();
    }
  } finally {
    await backend.close();
  }
}

/** Sends the warmup requests at the first level's concurrency (capped by their number). */
async function warmup(config: RunConfig, dispatcher: Dispatcher, measurer: LevelMeasurer) {
  const n = config.warmupRequestCount;
  if (n <= 0) return;
  measurer.pause();
  dispatcher.limit(n);
  await dispatcher.setConcurrency(Math.min(n, config.concurrency.start));
  await dispatcher.drain();
  dispatcher.limit(Infinity);
}

function sweep(
  config: RunConfig,
  ctx: ReportContext,
  deps: RunDeps,
  measure: (value: number) => Promise<LevelResult>,
): Promise<SweepResult> {
  const hooks = {
    measure,
    reported: (level: LevelResult) => deps.stdout(formatLevel(level, ctx)),
    rejected: (level: LevelResult) => deps.stderr(rejection(level, config)),
    stopped: () => deps.signal.aborted,
  };
  const range = config.concurrency;
  return config.binarySearch ? binarySweep(range, hooks) : linearSweep(range, hooks);
}
