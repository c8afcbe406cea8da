/**
 * One run, end to end: backend → model info → prepared requests → settings banner → warmup →
 * sweep of load levels → summary and CSV. Every side effect comes in through RunDeps, so the
 * whole run is driven in-process by the end-to-end tests.
 */
import {
  type Backend,
  type BackendDescriptor,
  type BackendOptions,
  type ComposingModel,
  type Connector,
  hasServerStats,
  type ModelInfo,
} from "./backend.ts";
import type { Clock } from "./clock.ts";
import type { RunConfig } from "./cli/config.ts";
import { ExitCode, RunError } from "./errors.ts";
import { fitOpenFiles, readOpenFiles } from "./cli/open_files.ts";
import { LevelMeasurer } from "./measure/level.ts";
import { type ServerStatsReader, serverStatsReader } from "./measure/server_stats.ts";
import { type LoadPlan, planLoad } from "./load/plan.ts";
import { findBuiltIn } from "./registry.ts";
import {
  formatLevel,
  formatLevelHeader,
  formatSettings,
  formatSummary,
  type ReportContext,
} from "./report/console.ts";
import { formatPeriodic } from "./report/periodic.ts";
import { checkThresholds } from "./report/thresholds.ts";
import type { RunInfo } from "./report/format.ts";
import { STDOUT, writeReportFiles } from "./report/files.ts";
import { levelLabel, ProgressLine } from "./report/progress.ts";
import { OutputValidator } from "./data/output_validator.ts";
import { runData } from "./data/run_data.ts";
import { openSinks, type RunSinks } from "./report/sinks.ts";
import type { LevelResult } from "./measure/results.ts";
import { binarySweep, linearLevelCount, linearSweep, type SweepResult } from "./measure/sweep.ts";
import { sessionExperiment, sessionPlan, SessionSource } from "./load/session.ts";
import type { RankGroup } from "./distributed/mpi/ranks.ts";
import { DistributedWorker } from "./distributed/worker.ts";
import { framedArtifact } from "./distributed/artifact.ts";
import { resolvePath } from "./report/sinks.ts";
import { GoodputJudge } from "./measure/goodput.ts";

export interface RunDeps {
  stdout(text: string): void;
  stderr(text: string): void;
  clock: Clock;
  /** Process CPU time in µs. */
  cpuUs(): number;
  /** Fires on the first SIGINT: finish the current window, report, stop. */
  signal: AbortSignal;
  writeTextFile(path: string, text: string): Promise<void>;
  readTextFile(path: string): Promise<string>;
  cwd: string;
  /** Present when stderr is a terminal: its width, for the live progress line. */
  terminalColumns?: () => number;
  /** The built-in service kinds (backends/mod.ts, injected by main.ts). */
  backends: readonly BackendDescriptor[];
  /** Command line, host, CPU and commit for --report-json/--report-html (main.ts injects). */
  runInfo?: () => RunInfo;
  /** --enable-mpi: the other ranks of the mpirun job (barriers, levels ended together). */
  ranks?: RankGroup;
  /** The arguments as given: a distributed worker's artifact keeps them for `merge`. */
  argv?: readonly string[];
  /** Environment variables: a distributed worker learns its rank from the engine's. */
  env?: (name: string) => string | undefined;
  /**
   * Told every level once the sweep ends: those that passed (what the console and CSV report)
   * and all measured, in order. A front end with its own report layout reads them here.
   */
  levels?(reported: LevelResult[], measured: LevelResult[]): void;
}

/** A model that sends several responses per request needs a backend that records them all. */
function checkModel(model: ModelInfo, backend: Backend, config: RunConfig): void {
  const caps = backend.capabilities;
  if (model.responses === "many" && caps?.responses !== "many") {
    const how = caps?.manyResponsesHint ??
      `--service-kind ${config.serviceKind} records one response per request`;
    throw new RunError(
      `model '${model.name}' is decoupled: ${how} (a decoupled model sends several ` +
        "responses per request, which only a stream can carry)",
    );
  }
  if (config.concurrency.start < 1) throw new RunError("concurrency must be at least 1");
  if (model.sequence && config.loadMode === "periodic_concurrency") {
    throw new RunError(
      `model '${model.name}' is a sequence model: --periodic-concurrency-range sends each ` +
        "request once, with no sequence to continue",
    );
  }
}

/**
 * Closed-loop modes measure concurrency levels (a session run reports its session concurrency);
 * the open-loop modes measure rates.
 */
function levelMode(config: RunConfig): "concurrency" | "request_rate" {
  const closed = ["concurrency", "periodic_concurrency", "session_concurrency"];
  return closed.includes(config.loadMode) ? "concurrency" : "request_rate";
}

/** The descriptor for --service-kind: a built-in one, or the plugin the parse loaded. */
function resolveDescriptor(config: RunConfig, deps: RunDeps): BackendDescriptor {
  const descriptor = findBuiltIn(deps.backends, config.serviceKind) ?? config.plugin;
  if (descriptor === undefined) {
    throw new RunError(`--service-kind ${config.serviceKind} was not loaded before the parse`);
  }
  return descriptor;
}

async function createBackend(
  descriptor: BackendDescriptor,
  config: RunConfig,
  deps: RunDeps,
): Promise<Backend> {
  if (descriptor.protocols.length === 0) {
    // In-process backend: perf_analyzer ignores -i and -u for its C API; so do we, out loud.
    if (config.protocol !== "http" || config.urlSet) {
      deps.stderr(
        `WARNING: -i and -u have no effect with --service-kind ${config.serviceKind} ` +
          "(the server runs in this process)\n",
      );
    }
  } else if (!descriptor.protocols.includes(config.protocol)) {
    throw new RunError(
      `service kind '${config.serviceKind}' does not support -i ${config.protocol} ` +
        `(supported: ${descriptor.protocols.join(", ")})`,
    );
  }
  const options: BackendOptions = Object.freeze({
    url: config.url,
    protocol: config.protocol,
    headers: config.headers,
    verbose: config.verbose > 0,
    requestTimeoutMs: config.requestTimeoutMs,
    streaming: config.streaming,
    grpcCompression: config.grpcCompression,
    requestParameters: config.requestParameters,
    tls: config.tls,
    own: config.own,
    stdout: deps.stdout,
    stderr: deps.stderr,
  });
  return await descriptor.create(options);
}

function levelLabelOf(level: LevelResult): string {
  return `${level.mode === "concurrency" ? "Concurrency" : "Request rate"} ${level.value}`;
}

function rejection(level: LevelResult, config: RunConfig): string {
  if (level.status === "too_many_errors") {
    const c = level.client;
    const top = [...c.errors.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
    return `A measurement window had more than ${config.maxErrorRate! * 100}% failed requests ` +
      `(--max-error-rate): ${c.errorCount} of ${c.requestCount + c.errorCount} failed at ` +
      `${level.mode === "concurrency" ? "concurrency" : "request rate"} ${level.value}, ` +
      `most often: ${top}\n`;
  }
  if (level.status === "slo_missed") {
    const g = level.client.tokens?.goodput;
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    return `${levelLabelOf(level)}: ${g ? pct(g.attainment) : "no"} of the requests met every ` +
      `goodput target, under the ${pct(config.minAttainment ?? 0)} asked.\n`;
  }
  if (level.status === "saturated") {
    return `${levelLabelOf(level)}: time to first token grew window over window (the server ` +
      "queues ever more requests); the level was ended early.\n";
  }
  if (level.status === "over_threshold") {
    return `Measured latency went over the set limit of ${config.latencyThresholdMs} msec. \n`;
  }
  // perf_analyzer names the concurrency and the window option; its rate modes say only this.
  if (level.mode === "request_rate") return "Failed to obtain stable measurement.\n";
  const hint = config.measurementMode === "count_windows"
    ? "--measurement-request-count"
    : "--measurement-interval";
  // A distributed level runs exactly --dist-windows windows, whatever --max-trials says.
  const windows = config.distributed?.windows ?? config.maxTrials;
  return `Failed to obtain stable measurement within ${windows} measurement windows ` +
    `for concurrency ${level.value}. Please try to increase the ${hint}.\n`;
}

function measurerFor(
  config: RunConfig,
  deps: RunDeps,
  signal: AbortSignal,
  cpuUs: () => number,
  stats: ServerStatsReader | undefined,
  sinks: RunSinks,
  tokens: boolean,
  worker: DistributedWorker | undefined,
): LevelMeasurer {
  const sessions = config.loadMode === "session_concurrency";
  return new LevelMeasurer({
    mode: levelMode(config),
    batchSize: config.batchSize,
    percentile: config.percentile,
    rule: {
      threshold: config.stabilityThreshold,
      latencyLimitNs: config.latencyThresholdMs * 1e6,
    },
    maxTrials: config.maxTrials,
    windowMs: config.measurementIntervalMs,
    windowRequests: config.measurementMode === "count_windows" ? config.measurementRequestCount : 0,
    requestCount: config.requestCount,
    async: config.async,
    latencyFrom: config.latencyFrom,
    maxErrorRate: config.maxErrorRate,
    stopRule: config.stopRule,
    tokens,
    fixedWindows: config.distributed?.windows,
    goodput: config.goodput.length > 0 ? new GoodputJudge(config.goodput) : undefined,
    minAttainment: config.minAttainment,
    saturationGrowth: config.saturationGrowth,
    isolateLevels: config.isolateLevels,
  }, {
    clock: deps.clock,
    cpuUs,
    serverStats: stats,
    signal,
    warn: (m) => deps.stderr(`${m}\n`),
    metrics: sinks.metrics,
    export: sessions && sinks.export ? sessionExperiment(sinks.export) : sinks.export,
    // Only --enable-mpi ends levels together; a distributed worker runs fixed windows.
    ranks: config.enableMpi ? deps.ranks : undefined,
    observe: worker?.observe,
  });
}

/**
 * The profiled model, with the models --bls-composing-models names (each described, so an
 * ensemble among them brings its own steps) added to its composing models.
 */
async function describeAll(backend: Backend, config: RunConfig): Promise<ModelInfo> {
  const model = await backend.describe(config.model, config.modelVersion);
  if (config.blsComposingModels.length === 0) return model;
  if (!hasServerStats(backend)) {
    throw new RunError(
      `--bls-composing-models reports server statistics, which --service-kind ${backend.kind} ` +
        "does not have",
    );
  }
  const bls: ComposingModel[] = [];
  for (const ref of config.blsComposingModels) {
    const info = await backend.describe(ref.name, ref.version);
    bls.push({
      name: ref.name,
      version: ref.version,
      responseCache: info.responseCache,
      sequence: info.sequence,
      composing: info.composing ?? [],
    });
  }
  // A sequence model among the called ones makes the profiled model one, as in perf_analyzer.
  const sequence = model.sequence || bls.some((m) => m.sequence);
  return { ...model, sequence, composing: [...model.composing ?? [], ...bls] };
}

export async function run(given: RunConfig, deps: RunDeps): Promise<ExitCode> {
  const descriptor = resolveDescriptor(given, deps);
  // HTTP/1.1 holds a connection per request in flight; gRPC multiplexes many calls on one, and an
  // in-process backend opens none.
  const files = descriptor.protocols.length > 0 && given.protocol === "http"
    ? readOpenFiles()
    : undefined;
  let config = files ? fitOpenFiles(given, files, (m) => deps.stderr(`${m}\n`)) : given;
  const worker = given.distributed === undefined
    ? undefined
    : DistributedWorker.of(given, deps.env ?? (() => undefined));
  if (worker !== undefined) config = worker.shareConfig(config);
  const backend = await createBackend(descriptor, config, deps);
  const kind = descriptor.kind;
  try {
    const model = await describeAll(backend, config);
    checkModel(model, backend, config);
    for (const note of model.notes) deps.stderr(`${note}\n`);
    if (worker !== undefined && backend.capabilities?.units === "tokens") {
      throw new RunError("a distributed run does not carry token metrics yet");
    }
    const version = model.version || config.modelVersion;
    // The server's counters are global: one worker reads them for the whole run.
    const statsReader = worker !== undefined && !worker.statsWorker
      ? undefined
      : await serverStatsReader(
        backend,
        config.model,
        version,
        model.composing ?? [],
        (m) => deps.stderr(`${m}\n`),
      );
    const serverStats = statsReader !== undefined;
    const data = await runData(model, config, backend);
    if (config.loadMode === "fixed_schedule") {
      // Every entry after the warmup ones is sent once (docs/perf_analyzer.md §1.3).
      const count = data.timestampsMs.length - config.warmupRequestCount;
      config = { ...config, requestCount: worker ? worker.stripes.share(count) : count };
    }
    const sessions = data.source instanceof SessionSource ? data.source : undefined;
    if (sessions !== undefined) {
      // Every turn of every session is sent once: one window, ended when the last session is.
      config = { ...config, requestCount: sessions.turns };
      deps.stderr(
        `Playing ${sessions.sessions.length} sessions (${sessions.turns} turns) from the input ` +
          `data, ${config.sessionConcurrency} at a time; the run is reported as one level.\n`,
      );
    }
    if (data.validation && !descriptor.capabilities.outputCapture) {
      throw new RunError(
        `the input data has validation_data, but --service-kind ${config.serviceKind} cannot ` +
          "capture outputs to check them; drop validation_data to measure",
      );
    }
    const sinks = openSinks(config, deps, kind, backend.capabilities?.endpoint ?? "");
    // Capture is known now, before any channel exists; each channel is told when it connects.
    const connector: Connector = {
      connect: () =>
        backend.connect({
          captureOutputs: data.validation,
          exportTexts: sinks.export !== undefined,
        }),
    };
    // A validation failure in "fail" mode ends the run the way Ctrl-C does, then exits 99.
    const failed = new AbortController();
    const signal = AbortSignal.any([deps.signal, failed.signal]);
    // Polling for the next send time burns CPU on purpose; it is not client overhead.
    let spinNs = () => 0;
    const measurer = measurerFor(
      config,
      deps,
      signal,
      () => deps.cpuUs() - spinNs() / 1000,
      statsReader,
      sinks,
      backend.capabilities?.units === "tokens",
      worker,
    );
    const validator = data.validation
      ? new OutputValidator(measurer, config.validationMode, () => failed.abort())
      : undefined;
    const sink = validator ?? measurer;
    const plan = sessions !== undefined
      ? sessionPlan(config.sessionConcurrency, connector, sessions, deps.clock, sink, signal)
      : await planLoad(
        config,
        connector,
        data.source,
        deps.clock,
        sink,
        deps.readTextFile,
        data.timestampsMs,
        worker?.stripe,
      ).catch(async (e) => {
        await sinks.close();
        throw e;
      });
    spinNs = plan.spinNs;
    const ctx: ReportContext = {
      config,
      model,
      protocolLabel: config.protocol === "grpc" ? "gRPC" : "HTTP",
      serverStats,
      backendKind: kind,
      banner: descriptor.banner,
      rate: plan.rate,
      // Asked only when a summary is written: the commit costs a git call.
      runInfo: config.reportJsonFile ?? config.reportHtmlFile ? deps.runInfo?.() : undefined,
    };
    try {
      deps.stdout(formatSettings(ctx));
      sinks.start();
      await warmup(config, plan, measurer);
      const mismatch = () => new RunError(validator!.firstMismatch!);
      if (worker !== undefined) {
        return await runWorker(worker, {
          given,
          ctx,
          deps,
          plan,
          measurer,
          model,
          serverStats,
          failed: failed.signal,
          mismatch,
        });
      }
      // Every level in the order measured, those that did not pass too: the console and CSV
      // report only the passed ones (perf_analyzer's), the JSON and HTML every one with its status.
      const measured: LevelResult[] = [];
      // perf_analyzer's multi-model mode: every rank starts profiling, and ends it, together.
      await deps.ranks?.barrier();
      const result = await sweep(
        plan,
        config,
        ctx,
        deps,
        signal,
        progressive(
          measurer,
          config,
          deps,
          async (v) => {
            const level = await measurer.measure(v, plan.driver);
            measured.push(level);
            return level;
          },
          plannedLevels(plan, config),
        ),
      ).catch((e) => {
        // A window cut short by the mismatch may hold no valid request; the mismatch is the news.
        throw failed.signal.aborted ? mismatch() : e;
      });
      await deps.ranks?.barrier();
      if (failed.signal.aborted) throw mismatch();
      deps.levels?.(result.levels, measured);
      if (sessions !== undefined && sessions.skipped > 0) {
        deps.stderr(
          `${sessions.skipped} session turns were not sent: a failed turn ends its session (the ` +
            "turns after it would carry a history the server never produced).\n",
        );
      }
      return await reportRun(result, measured, ctx, deps);
    } finally {
      measurer.pause();
      await plan.driver.stop();
      await sinks.close();
      measurer.destroy();
    }
  } finally {
    await backend.close();
  }
}

/** What reports a finished sweep: where the text and files go, and whether Ctrl-C cut it short. */
export type ReportDeps = Pick<RunDeps, "stdout" | "stderr" | "writeTextFile" | "signal">;

/**
 * The end of a run: the summary table, the threshold gates, the files, and the exit code. Also
 * how `merge` ends, so a distributed run reports exactly as one machine's would.
 */
export async function reportRun(
  result: SweepResult,
  measured: LevelResult[],
  ctx: ReportContext,
  deps: ReportDeps,
): Promise<ExitCode> {
  const config = ctx.config;
  // perf_analyzer prints no summary table for periodic concurrency (its one level said it all).
  const table = config.loadMode !== "periodic_concurrency" && result.levels.length > 0;
  if (table) deps.stdout(formatSummary(result.levels, ctx));
  const gates = config.thresholds.length === 0
    ? undefined
    : checkThresholds(config.thresholds, result.levels, (l) => formatLevelHeader(l).trim());
  if (gates !== undefined) deps.stdout(gates.lines.join("\n") + "\n");
  ctx.interrupted = deps.signal.aborted;
  const written = await writeReportFiles({ reported: result.levels, measured }, ctx, deps);
  if (result.exitCode !== ExitCode.Success) return result.exitCode;
  if (!written) return ExitCode.Generic;
  if (deps.signal.aborted) {
    deps.stderr("Run interrupted: the last level was measured until Ctrl-C (exit 130)\n");
    return ExitCode.Interrupted;
  }
  if (gates !== undefined && gates.failed > 0) {
    deps.stderr(`${gates.failed} threshold check(s) failed (exit 4)\n`);
    return ExitCode.ThresholdFailed;
  }
  return ExitCode.Success;
}

/** Wraps each level's measurement in the live progress line when stderr is a terminal. */
function progressive(
  measurer: LevelMeasurer,
  config: RunConfig,
  deps: RunDeps,
  measure: (value: number) => Promise<LevelResult>,
  levels: number | undefined,
): (value: number) => Promise<LevelResult> {
  const columns = deps.terminalColumns;
  if (!config.progress || !columns) return measure;
  const line = new ProgressLine({
    write: deps.stderr,
    nowNs: () => deps.clock.nowNs(),
    columns,
    live: () => measurer.live(),
    batchSize: config.batchSize,
    levels,
  });
  const mode = levelMode(config);
  return async (value) => {
    line.start(levelLabel(mode, value));
    try {
      return await measure(value);
    } finally {
      line.stop();
    }
  };
}

/** Sends the warmup requests at the first level (concurrency capped by their number). */
async function warmup(config: RunConfig, plan: LoadPlan, measurer: LevelMeasurer) {
  const n = config.warmupRequestCount;
  if (n <= 0) return;
  measurer.pause();
  plan.driver.limit(n);
  const start = plan.range.start;
  await plan.driver.setLevel(plan.mode === "concurrency" ? Math.min(n, start) : start);
  await plan.driver.drain();
  plan.driver.limit(Infinity);
}

/**
 * Request intervals and fixed schedules replay one schedule: a single measurement, no search (as
 * perf_analyzer).
 */
function singleMeasurement(config: RunConfig): boolean {
  return config.loadMode === "request_intervals" || config.loadMode === "fixed_schedule";
}

/** How many levels the sweep will measure, for the progress line; unknown for a binary search. */
function plannedLevels(plan: LoadPlan, config: RunConfig): number | undefined {
  if (singleMeasurement(config)) return 1;
  return config.binarySearch ? undefined : linearLevelCount(plan.range);
}

/** The sweep of `plan`'s levels, each printed as it passes or explained when it does not. */
export function sweep(
  plan: Pick<LoadPlan, "range" | "integral" | "batches">,
  config: RunConfig,
  ctx: ReportContext,
  deps: Pick<RunDeps, "stdout" | "stderr">,
  signal: AbortSignal,
  measure: (value: number) => Promise<LevelResult>,
): Promise<SweepResult> {
  const hooks = {
    measure,
    reported: (level: LevelResult) =>
      deps.stdout(
        config.loadMode === "periodic_concurrency"
          ? formatPeriodic(level, ctx, plan.batches ?? [])
          : formatLevel(level, ctx),
      ),
    rejected: (level: LevelResult) => deps.stderr(rejection(level, config)),
    stopped: () => signal.aborted,
  };
  if (singleMeasurement(config)) return linearSweep(plan.range, hooks);
  return config.binarySearch
    ? binarySweep(plan.range, hooks, plan.integral)
    : linearSweep(plan.range, hooks);
}

interface WorkerRun {
  given: RunConfig;
  ctx: ReportContext;
  deps: RunDeps;
  plan: LoadPlan;
  measurer: LevelMeasurer;
  model: ModelInfo;
  serverStats: boolean;
  /** Aborted by an output validation failure ("fail" mode): the run ends, no artifact. */
  failed: AbortSignal;
  mismatch(): RunError;
}

/**
 * A distributed worker's sweep: from the common start, every level of the range on its fixed
 * place of the shared grid, whatever this worker's own share looked like (merge judges the
 * merged windows); then the artifact. Each level's local numbers are printed as they come.
 */
async function runWorker(worker: DistributedWorker, w: WorkerRun): Promise<ExitCode> {
  const { deps, plan, measurer } = w;
  deps.stderr(`${worker.name}: waiting for --start-at\n`);
  // Under mpirun the ranks start together at a barrier, not at --start-at.
  await worker.start(deps.clock, deps.ranks?.gridStart);
  const levels = DistributedWorker.levels(plan.range);
  for (let i = 0; i < levels.length && !deps.signal.aborted && !w.failed.aborted; i++) {
    const level = await measurer.measure(
      worker.levelValue(levels[i]),
      plan.driver,
      worker.levelStartNs(i),
    );
    worker.levelDone(level, levels[i]);
    deps.stdout(formatLevel(level, w.ctx));
  }
  if (w.failed.aborted) throw w.mismatch();
  if (deps.signal.aborted) {
    deps.stderr(`${worker.name}: interrupted, no artifact written (exit 130)\n`);
    return ExitCode.Interrupted;
  }
  const artifact = await worker.artifact(w.given, deps.argv ?? [], w.model, w.serverStats);
  if (worker.path === STDOUT) {
    await deps.writeTextFile(STDOUT, framedArtifact(artifact));
  } else {
    const path = resolvePath(worker.path, deps.cwd);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await deps.writeTextFile(path, JSON.stringify(artifact) + "\n");
  }
  deps.stderr(`${worker.name}: wrote ${worker.path}\n`);
  return ExitCode.Success;
}
