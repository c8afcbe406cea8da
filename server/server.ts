/**
 * Starts the reference server's HTTP listener, and its gRPC, TF Serving gRPC and metrics
 * listeners when asked, in this thread.
 */
import type { ModelStats } from "./models/stats.ts";
import { type GrpcListener, startGrpc } from "./grpc/server.ts";
import { GpuSimulator, type MetricsListener, startMetrics } from "./metrics.ts";
import { tfServingMethods } from "./tfserving/grpc.ts";
import { type ResolvedOptions, resolveOptions, type ServerOptions } from "./options.ts";
import { createContext, handle, type ServerContext } from "./kserve/routes.ts";
import { startBehindTls } from "./tls_server.ts";
import { serveHttp } from "./listen.ts";
import type { SequenceStats } from "./models/sequences.ts";
import type { ShmTraffic } from "./models/shm_registry.ts";
import type { OpenAiRequestTruth } from "./openai/truth.ts";
import type { ParameterSetTruth } from "./models/parameter_log.ts";
import { type TraceJson, traceJson, type TraceUpdate } from "./kserve/trace_settings.ts";

export interface ReferenceServer {
  readonly host: string;
  readonly httpPort: number;
  /** "HOST:PORT" without a scheme, as perf_analyzer's -u takes it ("https://HOST:PORT" with tls). */
  readonly url: string;
  /** The gRPC port, undefined when the server was started without `grpcPort`. */
  readonly grpcPort: number | undefined;
  /** "HOST:PORT" of the gRPC listener (perf_analyzer -i grpc -u ...), or undefined. */
  readonly grpcUrl: string | undefined;
  /** The TF Serving gRPC port, undefined when the server was started without `tfservingPort`. */
  readonly tfservingPort: number | undefined;
  /** "HOST:PORT" of the TF Serving gRPC listener (-i grpc --service-kind tfserving), or undefined. */
  readonly tfservingUrl: string | undefined;
  /** "HOST:PORT/metrics" (perf_analyzer --metrics-url), or undefined without `metricsPort`. */
  readonly metricsUrl: string | undefined;
  /** The simulated GPUs the metrics endpoint reports; tests set their readings. */
  readonly gpus: GpuSimulator;
  /** The exact cumulative counters the server keeps (the numbers /stats serves). */
  groundTruth(model: string): ModelStats;
  /**
   * The sequence ground truth of a sequence model (simple_sequence, simple_sequence_string);
   * RangeError for an unknown model or one without sequence batching.
   */
  sequences(model: string): SequenceStats;
  /** The system shared-memory regions registered now and the tensors moved through them. */
  shmTraffic(): ShmTraffic;
  /**
   * The OpenAI mock's ground truth: every finished request (body ended, refused by a fault, or
   * abandoned by the client), in arrival order; `clear` forgets them after reading. Times are
   * nowNs() readings of this thread. Empty when the mock runs with `truth: false`.
   */
  openaiTruth(clear?: boolean): OpenAiRequestTruth[];
  /**
   * The custom request parameters (keys Triton does not parse itself) HTTP and gRPC requests
   * to `model` carried: each distinct set with its request count, a set of none included.
   */
  requestParameters(model: string): ParameterSetTruth[];
  /**
   * The trace settings that apply to `model` now ("" or absent = the global ones), in
   * Triton's JSON shape; an unknown model throws (the 404 the endpoints answer).
   */
  traceSettings(model?: string): TraceJson;
  /** Every accepted trace-setting update (HTTP or gRPC), oldest first. */
  traceUpdates(): TraceUpdate[];
  close(): Promise<void>;
}

/** "HOST:PORT", with brackets around an IPv6 host. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What `sequences(model)` answers, for this server and the Worker variant alike. */
export function sequenceTruth(ctx: ServerContext, model: string): SequenceStats {
  const tracker = ctx.models.get(model)?.executor.sequences;
  if (tracker !== undefined) return tracker.snapshot();
  const why = ctx.models.has(model) ? "not a sequence model" : "unknown model";
  throw new RangeError(`Cannot report sequences: ${why} "${model}"`);
}

/**
 * Starts serving with already-resolved options. `busySpin` lets simulated compute spin
 * through its last 2 ms, which is only acceptable when nothing else shares the thread.
 * Both listeners share one context, so both front ends feed the same statistics.
 */
export async function startResolved(
  options: ResolvedOptions,
  busySpin: boolean,
): Promise<ReferenceServer> {
  if (options.tls !== undefined) {
    return await startBehindTls(options, (inner) => startResolved(inner, busySpin));
  }
  const ctx = createContext(options, busySpin);
  const server = serveHttp(options.host, options.httpPort, (req) => handle(ctx, req));
  let grpc: GrpcListener | undefined;
  let tfserving: GrpcListener | undefined;
  const gpus = new GpuSimulator();
  let metrics: MetricsListener | undefined;
  try {
    if (options.grpcPort !== undefined) {
      grpc = await startGrpc(ctx, options.host, options.grpcPort);
    }
    if (options.tfservingPort !== undefined) {
      tfserving = await startGrpc(ctx, options.host, options.tfservingPort, tfServingMethods(ctx));
    }
    if (options.metricsPort !== undefined) {
      metrics = startMetrics(ctx, gpus, options.host, options.metricsPort);
    }
  } catch (e) {
    await Promise.all([server.shutdown(), grpc?.close(), tfserving?.close()]);
    throw e;
  }
  const port = server.port;
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    httpPort: port,
    url: hostPort(options.host, port),
    grpcPort: grpc?.port,
    grpcUrl: grpc === undefined ? undefined : hostPort(options.host, grpc.port),
    tfservingPort: tfserving?.port,
    tfservingUrl: tfserving === undefined ? undefined : hostPort(options.host, tfserving.port),
    metricsUrl: metrics === undefined
      ? undefined
      : `${hostPort(options.host, metrics.port)}/metrics`,
    gpus,
    groundTruth(model: string): ModelStats {
      const entry = ctx.models.get(model);
      if (entry === undefined) {
        throw new RangeError(`Cannot report ground truth: unknown model "${model}"`);
      }
      return entry.executor.stats.snapshot();
    },
    sequences: (model: string) => sequenceTruth(ctx, model),
    shmTraffic: () => ctx.shm.traffic(),
    openaiTruth: (clear = false) => ctx.openai.truth.read(clear),
    requestParameters: (model: string) => ctx.parameters.read(model),
    traceSettings: (model = "") => traceJson(ctx.trace.read(model)),
    traceUpdates: () => ctx.trace.updates(),
    close(): Promise<void> {
      // Open streams end first: shutdown() waits for every response body to finish.
      ctx.openai.close();
      // shutdown() lets in-flight requests finish and closes idle keep-alive connections.
      closing ??= Promise.all([
        server.shutdown(),
        grpc?.close(),
        tfserving?.close(),
        metrics?.close(),
      ]).then(() => {});
      return closing;
    },
  };
}

/** Starts the server in this thread; rejects (RangeError) on invalid options. */
export async function startServer(options: ServerOptions = {}): Promise<ReferenceServer> {
  return await startResolved(resolveOptions(options), false);
}
