/**
 * The run configuration: everything the command line decides, as plain data. `core/cli/`
 * builds it from argv; nothing else reads argv. Backend-specific flags are the backend's own
 * business: they arrive parsed in `own`.
 */
import type { BackendDescriptor, RequestParameter, TlsOptions } from "../backend.ts";
import type { SslFlags } from "./tls.ts";
import type { ModelRef } from "./bls.ts";
import { DEFAULT_REQUEST_PERIOD } from "./periodic.ts";
import type { Threshold } from "../report/thresholds.ts";
import type { DistributedConfig } from "./distributed.ts";

/**
 * --max-inflight's default. Every in-flight request over HTTP/1.1 holds a connection, and a
 * server asked more than it can serve keeps the client at the cap: at 1024, a one-instance
 * reference server asked twice its capacity got a thousand sockets within two seconds and served
 * 70-86 % of what it served alone. 127 keeps an overloaded server near its capacity, still covers
 * 127 ÷ latency requests/s (12.7k/s at 10 ms), and with the one control connection (metadata and
 * statistics) a run holds at most 128 connections to the server.
 */
export const DEFAULT_MAX_INFLIGHT = 127;
import type { GoodputTarget } from "../measure/goodput.ts";

/** `start:end:step`; end = 0 means "no limit" (grow until the latency threshold). */
export interface Range {
  start: number;
  end: number;
  step: number;
}

export type MeasurementMode = "time_windows" | "count_windows";

export interface RunConfig {
  /** -m */
  model: string;
  /** -x; "" = let the server choose (latest). */
  modelVersion: string;
  /** --service-kind: a built-in kind or "plugin:<path-or-URL>"; "" = the first built-in. */
  serviceKind: string;
  /** The selected backend's own flags, parsed by its descriptor (core never reads them). */
  own: unknown;
  /**
   * The plugin's descriptor when serviceKind is `plugin:...`: loaded before the parse (its
   * flags are parsed like a built-in's), handed to the run so it is not loaded twice.
   */
  plugin?: BackendDescriptor;
  /** -u; "" = the service kind's default for the protocol. */
  url: string;
  /** -i */
  protocol: "http" | "grpc";
  /** True when -u was given; otherwise the protocol's default port is used. */
  urlSet: boolean;
  /** --streaming: gRPC bidirectional stream per concurrency slot (implies async). */
  streaming: boolean;
  /** --grpc-compression-algorithm */
  grpcCompression: "none" | "gzip" | "deflate";
  /** -H "Name:Value", repeatable, in order. */
  headers: [string, string][];
  /** Number of -v given (0, 1 or 2). */
  verbose: number;
  /** --request-parameter, repeatable; a name given again keeps its last value. */
  requestParameters: RequestParameter[];
  /** --bls-composing-models: models whose statistics are reported under the profiled one. */
  blsComposingModels: ModelRef[];

  measurementMode: MeasurementMode;
  /** -p, ms. */
  measurementIntervalMs: number;
  /** --measurement-request-count */
  measurementRequestCount: number;
  /** -s divided by 100 (10 → 0.1). */
  stabilityThreshold: number;
  /** -r */
  maxTrials: number;
  /** --stop-rule: perf_analyzer's three windows, or a 99 % confidence interval within -s. */
  stopRule: "windows" | "confidence";
  /** --percentile; -1 = use the average latency. */
  percentile: number;
  /** -l, ms; 0 = no limit. */
  latencyThresholdMs: number;
  binarySearch: boolean;
  /** --request-count; 0 = off (use stability windows). */
  requestCount: number;
  /** --warmup-request-count */
  warmupRequestCount: number;
  /** --request-timeout, ms; 0 = wait for ever. A timed-out request counts as failed. */
  requestTimeoutMs: number;
  /** --max-error-rate as a fraction (5 % → 0.05); undefined = count errors, never stop. */
  maxErrorRate: number | undefined;

  /** --concurrency-range (or deprecated -t/-c). */
  concurrency: Range;
  /** --max-threads as given, or the default. In this tool it caps in-flight async slots. */
  maxThreads: number;
  /** -a/--async; false = one request per slot at a time (perf_analyzer's sync mode). */
  async: boolean;

  /**
   * Closed-loop concurrency, or open-loop load from a rate, an intervals file, or the
   * timestamps of the input data (--fixed-schedule), or the multi-turn sessions of the input
   * data (--session-concurrency).
   */
  loadMode:
    | "concurrency"
    | "request_rate"
    | "request_intervals"
    | "fixed_schedule"
    | "session_concurrency"
    | "periodic_concurrency";
  /** --session-concurrency: sessions played at once (0 = not this mode). */
  sessionConcurrency: number;
  /** --periodic-concurrency-range: first batch, last request, batch size after the first. */
  periodic: Range;
  /** --request-period: responses each request of a batch gets before the next batch starts. */
  requestPeriod: number;
  /** --request-rate-range, requests per second (decimals allowed). */
  requestRate: Range;
  /** --request-distribution; "gamma" is set by the `profile` subcommand only. */
  requestDistribution: "constant" | "poisson" | "gamma";
  /** The gamma distribution's shape (profile's --burstiness); 1 is poisson. */
  burstiness: number;
  /** --request-intervals: file of gaps in µs, one per line. */
  requestIntervalsFile: string | undefined;
  /** --latency-from: open-loop latency from the intended (default) or the actual send time. */
  latencyFrom: "intended" | "actual";
  /** --pacing: "spin" (precise, busy core) or "timer" (low CPU, 2 ms bursts). */
  pacing: "spin" | "timer";
  /** --schedule-seed: the poisson schedule's seed (same seed, same schedule). */
  scheduleSeed: number;
  /** --max-inflight: open-loop in-flight cap in async mode (sync mode uses --max-threads). */
  maxInflight: number;
  /** --overload: a due open-loop request finding the cap reached waits ("queue") or is dropped. */
  overload: "queue" | "drop";

  /** --input-data: generated values, or files (JSON files or one directory). */
  inputData: "random" | "zero" | "files";
  /** --input-data paths in the order given (several JSON files append their streams). */
  inputDataPaths: string[];
  /** --validation-mode: a mismatch ends the run (perf_analyzer, exit 99) or is counted. */
  validationMode: "fail" | "count";
  /** Sequence models: --num-of-sequences (open-loop live sequences). */
  numOfSequences: number;
  /** --sequence-length, and whether it was given (data streams keep their own length otherwise). */
  sequenceLength: number;
  sequenceLengthSet: boolean;
  /** --sequence-length-variation, percent. */
  sequenceLengthVariation: number;
  /** --sequence-id-range start[:end]; end exclusive. */
  sequenceIdStart: number;
  sequenceIdEnd: number;
  /** --serial-sequences */
  serialSequences: boolean;
  /** -b */
  batchSize: number;
  /** True when -b was given explicitly. */
  batchSizeSet: boolean;
  /** --shape NAME:d1,d2 (repeatable). */
  shapes: Map<string, number[]>;
  /** --string-length */
  stringLength: number;
  /** --string-data; undefined = random strings. */
  stringData: string | undefined;

  /** -f; undefined = no CSV. */
  csvFile: string | undefined;
  /** --verbose-csv */
  verboseCsv: boolean;
  /** --collect-metrics: scrape the server's Prometheus GPU metrics during windows. */
  collectMetrics: boolean;
  /** --metrics-url; "" = the -u host on the service kind's metrics port. */
  metricsUrl: string;
  /** --metrics-interval, ms between scrapes. */
  metricsIntervalMs: number;
  /** --profile-export-file; undefined = no export. */
  profileExportFile: string | undefined;
  /** The --ssl-* values as given (core/cli/tls.ts checks them against -i and -u). */
  ssl: SslFlags;
  /** What the backend uses for TLS; undefined = no TLS flags (an https:// URL still means TLS). */
  tls: TlsOptions | undefined;
  /** --report-json (our extension): the run summary that `compare` reads. */
  reportJsonFile: string | undefined;
  /** --report-html (our extension): the self-contained HTML report. */
  reportHtmlFile: string | undefined;
  /** The live progress line on a terminal; --no-progress turns it off. */
  progress: boolean;
  /** --quiet: no report on stdout and no progress line; warnings and errors still on stderr. */
  quiet: boolean;
  /** --threshold gates (repeatable), checked on every level at the end of the run. */
  thresholds: Threshold[];
  /** --enable-mpi: one rank of a multi-model mpirun job (core/distributed/mpi/ranks.ts). */
  enableMpi: boolean;
  /** A distributed run's flags (core/cli/distributed.ts); undefined = a single-machine run. */
  distributed: DistributedConfig | undefined;
  /**
   * Goodput targets, set by the `profile` subcommand's --goodput (token responses only);
   * [] = no goodput.
   */
  goodput: GoodputTarget[];
  /** With goodput: the good share a level needs to pass; undefined = any. */
  minAttainment: number | undefined;
  /** The over-saturation guard's TTFT growth per window (a fraction); undefined = off. */
  saturationGrowth: number | undefined;
  /** Each level after the first starts with nothing in flight (core/measure/level.ts). */
  isolateLevels: boolean;
}

/** Defaults exactly as perf_analyzer's (docs/perf_analyzer.md §1.2). */
export function defaultConfig(): RunConfig {
  return {
    model: "",
    modelVersion: "",
    serviceKind: "",
    own: undefined,
    url: "",
    protocol: "http",
    urlSet: false,
    streaming: false,
    grpcCompression: "none",
    headers: [],
    verbose: 0,
    requestParameters: [],
    blsComposingModels: [],
    measurementMode: "time_windows",
    measurementIntervalMs: 5000,
    measurementRequestCount: 50,
    stabilityThreshold: 0.1,
    maxTrials: 10,
    stopRule: "windows",
    percentile: -1,
    latencyThresholdMs: 0,
    binarySearch: false,
    requestCount: 0,
    warmupRequestCount: 0,
    requestTimeoutMs: 0,
    maxErrorRate: undefined,
    concurrency: { start: 1, end: 1, step: 1 },
    maxThreads: 16,
    async: false,
    loadMode: "concurrency",
    sessionConcurrency: 0,
    periodic: { start: 1, end: 1, step: 1 },
    requestPeriod: DEFAULT_REQUEST_PERIOD,
    requestRate: { start: 1, end: 1, step: 1 },
    requestDistribution: "constant",
    burstiness: 1,
    requestIntervalsFile: undefined,
    latencyFrom: "intended",
    pacing: "spin",
    scheduleSeed: 1,
    maxInflight: DEFAULT_MAX_INFLIGHT,
    overload: "queue",
    inputData: "random",
    inputDataPaths: [],
    validationMode: "fail",
    numOfSequences: 4,
    sequenceLength: 20,
    sequenceLengthSet: false,
    sequenceLengthVariation: 20,
    sequenceIdStart: 1,
    sequenceIdEnd: 0xffffffff,
    serialSequences: false,
    batchSize: 1,
    batchSizeSet: false,
    shapes: new Map(),
    stringLength: 128,
    stringData: undefined,
    csvFile: undefined,
    verboseCsv: false,
    collectMetrics: false,
    metricsUrl: "",
    metricsIntervalMs: 1000,
    profileExportFile: undefined,
    ssl: { grpcUseSsl: false },
    tls: undefined,
    reportJsonFile: undefined,
    reportHtmlFile: undefined,
    progress: true,
    quiet: false,
    thresholds: [],
    enableMpi: false,
    distributed: undefined,
    goodput: [],
    minAttainment: undefined,
    saturationGrowth: undefined,
    isolateLevels: false,
  };
}
