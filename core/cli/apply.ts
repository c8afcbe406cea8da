/**
 * Applies one scanned option to the RunConfig being built. Each handler checks its own value
 * only; rules that involve several options run after the scan (core/cli/validate.ts), once the
 * whole command line is known.
 */
import type { RunConfig } from "./config.ts";
import { OPEN_LOOP_HANDLERS } from "./open_loop.ts";
import { SEQUENCE_HANDLERS } from "./sequences.ts";
import { SESSION_HANDLERS } from "./sessions.ts";
import { DISTRIBUTED_HANDLERS } from "./distributed.ts";
import { OUTPUT_HANDLERS } from "./output.ts";
import { TLS_HANDLERS } from "./tls.ts";
import { REQUEST_PARAMETER_HANDLERS } from "./request_parameters.ts";
import { BLS_HANDLERS } from "./bls.ts";
import { PERIODIC_HANDLERS } from "./periodic.ts";
import { MPI_HANDLERS } from "./mpi.ts";
import { REPORT_HANDLERS } from "../report/files.ts";
import { UsageError } from "../errors.ts";
import type { BackendDescriptor } from "../backend.ts";
import { type LoadedPlugin, PLUGIN_PREFIX } from "../registry.ts";
import type { FlagOwner, LoadMode, SupportedId } from "./spec.ts";
import {
  parseChoice,
  parseConcurrencyRange,
  parseDecimal,
  parseHeader,
  parseIntegerWhere,
  parseShape,
  valueError,
} from "./values.ts";
import { didYouMean } from "./suggest.ts";
import { parseThreshold } from "../report/thresholds.ts";

/** What the scan learned beyond RunConfig itself: which options were given, and how. */
export interface ParseState {
  loadMode: LoadMode | undefined;
  /** Parts given to --concurrency-range (0 = not given). */
  rangeParts: number;
  /** Deprecated -t / -c values and -d. */
  oldStart: number | undefined;
  oldEnd: number | undefined;
  oldDynamic: boolean;
  maxThreadsSet: boolean;
  /** --request-period given (it needs --periodic-concurrency-range). */
  requestPeriodSet: boolean;
  zeroFlag: boolean;
  inputDataGiven: "random" | "zero" | "files" | undefined;
  stringLengthSet: boolean;
  asyncSet: boolean;
  syncSet: boolean;
  grpcCompressionSet: boolean;
  /** -i given; otherwise a kind that serves one protocol uses that one. */
  protocolSet: boolean;
  /** --metrics-url / --metrics-interval given (they require --collect-metrics). */
  metricsUrlSet: boolean;
  metricsIntervalSet: boolean;
  /** Open-loop-only options given (checked against the load mode at the end). */
  openLoopOnly: string[];
  warnings: string[];
  /** The built-in backends: --service-kind values and the flags they add. */
  backends: readonly BackendDescriptor[];
  /** The plugin argv selects, loaded before the parse so its flags are known; absent if none. */
  plugin: LoadedPlugin | undefined;
  /** Each kind's own options, created on its first flag; the selected kind's reaches the run. */
  own: Map<string, unknown>;
  /** Backend flags given, as typed, with the kind that owns each (checked at the end). */
  backendFlags: { kind: string; typed: string }[];
}

export function newParseState(
  backends: readonly BackendDescriptor[],
  plugin?: LoadedPlugin,
): ParseState {
  return {
    backends,
    plugin,
    own: new Map(),
    backendFlags: [],
    loadMode: undefined,
    rangeParts: 0,
    oldStart: undefined,
    oldEnd: undefined,
    oldDynamic: false,
    maxThreadsSet: false,
    requestPeriodSet: false,
    zeroFlag: false,
    inputDataGiven: undefined,
    stringLengthSet: false,
    asyncSet: false,
    syncSet: false,
    grpcCompressionSet: false,
    protocolSet: false,
    metricsUrlSet: false,
    metricsIntervalSet: false,
    openLoopOnly: [],
    warnings: [],
  };
}

/** The options that change the configuration (help and version end the parse instead). */
export type ConfigId = Exclude<SupportedId, "help" | "version">;

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

const positive = (n: number) => n > 0;
const nonNegative = (n: number) => n >= 0;
const GT0 = "The value must be > 0.";

function nonEmpty(label: string, value: string): string {
  if (value === "") throw valueError(label, "The value must not be empty.", value);
  return value;
}

function warnOnce(state: ParseState, message: string): void {
  if (!state.warnings.includes(message)) state.warnings.push(message);
}

function applyServiceKind(config: RunConfig, state: ParseState, value: string): void {
  const label = "--service-kind";
  // Every kind the composition root registered is accepted, so a new backend needs no edit here.
  const kinds = state.backends.map((d) => d.kind);
  const choices = [...kinds.map((k) => `"${k}"`), `"${PLUGIN_PREFIX}<module path or URL>"`];
  if (kinds.includes(value)) {
    config.serviceKind = value;
  } else if (value.startsWith(PLUGIN_PREFIX)) {
    if (value.length === PLUGIN_PREFIX.length) {
      throw valueError(label, "The plugin module path or URL is empty.", value);
    }
    config.serviceKind = value;
  } else {
    throw valueError(
      label,
      `The value must be ${orList(choices)}.`,
      value,
      didYouMean(value, kinds),
    );
  }
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** Parses a backend flag's value into its kind's own options (created on first use). */
export function applyBackendFlag(
  state: ParseState,
  owner: FlagOwner,
  typed: string,
  value: string,
): void {
  let own = state.own.get(owner.kind);
  if (own === undefined) {
    own = owner.descriptor.defaults?.();
    state.own.set(owner.kind, own);
  }
  owner.flag.apply(own, value);
  state.backendFlags.push({ kind: owner.kind, typed });
}

function applyProtocol(config: RunConfig, state: ParseState, value: string): void {
  // perf_analyzer accepts the protocol name in any case ("HTTP", "gRPC").
  const lower = value.toLowerCase();
  if (lower !== "http" && lower !== "grpc") {
    throw valueError("-i (protocol)", "The value should be either HTTP or gRPC.", value);
  }
  config.protocol = lower;
  state.protocolSet = true;
}

function applyInputData(config: RunConfig, state: ParseState, value: string): void {
  if (value === "") {
    throw valueError("--input-data", "Give random, zero, a directory or a JSON file.", value);
  }
  const mode = value === "random" || value === "zero" ? value : "files";
  if (
    state.inputDataGiven !== undefined && (mode !== "files" || state.inputDataGiven !== "files")
  ) {
    // Only JSON files combine (their streams are appended); anything else is ambiguous.
    throw new UsageError(
      `--input-data "${value}" cannot be combined with an earlier --input-data; only JSON ` +
        "files may be given more than once.",
    );
  }
  config.inputData = mode;
  if (mode === "files") config.inputDataPaths.push(value);
  state.inputDataGiven = mode;
}

function applyConcurrencyRange(config: RunConfig, state: ParseState, value: string): void {
  const { start, end, step, parts } = parseConcurrencyRange(value);
  config.concurrency = { start, end, step };
  state.rangeParts = parts;
}

const MEASUREMENT_HANDLERS = {
  "measurement-mode": (c, _s, v) => {
    c.measurementMode = parseChoice("--measurement-mode", v, ["time_windows", "count_windows"]);
  },
  "measurement-interval": (c, _s, v) => {
    const label = "--measurement-interval (-p)";
    c.measurementIntervalMs = parseIntegerWhere(label, v, positive, "The value must be > 0 msec.");
  },
  "measurement-request-count": (c, _s, v) => {
    c.measurementRequestCount = parseIntegerWhere("--measurement-request-count", v, positive, GT0);
  },
  "stability-percentage": (c, _s, v) => {
    const label = "--stability-percentage (-s)";
    const pct = parseDecimal(label, v);
    if (pct < 0) throw valueError(label, "The value must be >= 0.0.", v);
    c.stabilityThreshold = pct / 100;
  },
  "max-trials": (c, _s, v) => {
    c.maxTrials = parseIntegerWhere("--max-trials (-r)", v, positive, GT0);
  },
  "stop-rule": (c, _s, v) => {
    c.stopRule = parseChoice("--stop-rule", v, ["windows", "confidence"]);
  },
  "percentile": (c, _s, v) => {
    const rule = "The value must be -1 for not reporting or in range (0, 100).";
    const ok = (n: number) => n === -1 || (n >= 1 && n <= 99);
    c.percentile = parseIntegerWhere("--percentile", v, ok, rule);
  },
  "latency-threshold": (c, _s, v) => {
    const rule = "The value must be >= 0 msecs.";
    c.latencyThresholdMs = parseIntegerWhere("--latency-threshold (-l)", v, nonNegative, rule);
  },
  "binary-search": (c) => {
    c.binarySearch = true;
  },
  "request-count": (c, _s, v) => {
    const rule = "The value must be >= 0 (0 = off).";
    c.requestCount = parseIntegerWhere("--request-count", v, nonNegative, rule);
  },
  "warmup-request-count": (c, _s, v) => {
    const rule = "The value must be >= 0.";
    c.warmupRequestCount = parseIntegerWhere("--warmup-request-count", v, nonNegative, rule);
  },
  "request-timeout": (c, _s, v) => {
    const rule = "The value must be >= 0 msec (0 = no timeout).";
    c.requestTimeoutMs = parseIntegerWhere("--request-timeout", v, nonNegative, rule);
  },
  "max-error-rate": (c, _s, v) => {
    const pct = parseDecimal("--max-error-rate", v);
    if (!(pct >= 0 && pct <= 100)) {
      throw valueError("--max-error-rate", "The value must be a percentage in [0, 100].", v);
    }
    c.maxErrorRate = pct / 100;
  },
} satisfies Partial<Record<ConfigId, Handler>>;

const LOAD_HANDLERS = {
  "concurrency-range": applyConcurrencyRange,
  "max-threads": (c, s, v) => {
    c.maxThreads = parseIntegerWhere("--max-threads", v, positive, GT0);
    s.maxThreadsSet = true;
  },
  "async": (c, s) => {
    c.async = true;
    s.asyncSet = true;
  },
  "sync": (c, s) => {
    c.async = false;
    s.syncSet = true;
  },
  "streaming": (c) => {
    c.streaming = true;
  },
  "grpc-compression-algorithm": (c, s, v) => {
    const choices = ["none", "gzip", "deflate"] as const;
    c.grpcCompression = parseChoice("--grpc-compression-algorithm", v, choices);
    s.grpcCompressionSet = true;
  },
  "deprecated-start": (_c, s, v) => {
    s.oldStart = parseIntegerWhere("-t (concurrent request count)", v, positive, GT0);
    warnOnce(s, "-t is deprecated; use --concurrency-range <start> instead.");
  },
  "deprecated-end": (_c, s, v) => {
    const rule = "The value must be >= 0 (0 = no limit).";
    s.oldEnd = parseIntegerWhere("-c (maximum concurrency)", v, nonNegative, rule);
    warnOnce(s, "-c is deprecated; use --concurrency-range <start>:<end> instead.");
  },
  "deprecated-dynamic": (_c, s) => {
    s.oldDynamic = true;
    warnOnce(s, "-d is deprecated; use --concurrency-range <start>:<end> instead.");
  },
} satisfies Partial<Record<ConfigId, Handler>>;

const DATA_HANDLERS = {
  "input-data": applyInputData,
  "data-directory": (c, s, v) => {
    warnOnce(s, "--data-directory is deprecated; use --input-data <dir> instead.");
    applyInputData(c, s, v);
  },
  "zero": (_c, s) => {
    s.zeroFlag = true;
    warnOnce(s, "-z is deprecated; use --input-data zero instead.");
  },
  "batch-size": (c, _s, v) => {
    c.batchSize = parseIntegerWhere("-b (batch size)", v, positive, GT0);
    c.batchSizeSet = true;
  },
  "shape": (c, _s, v) => {
    const [name, dims] = parseShape(v);
    c.shapes.set(name, dims);
  },
  "string-length": (c, s, v) => {
    c.stringLength = parseIntegerWhere("--string-length", v, positive, GT0);
    s.stringLengthSet = true;
  },
  "string-data": (c, _s, v) => {
    c.stringData = v;
  },
} satisfies Partial<Record<ConfigId, Handler>>;

const GENERAL_HANDLERS = {
  "model": (c, _s, v) => {
    c.model = v;
  },
  "model-version": (c, _s, v) => {
    c.modelVersion = v;
  },
  "service-kind": applyServiceKind,
  "url": (c, _s, v) => {
    c.url = nonEmpty("-u (URL)", v);
    c.urlSet = true;
  },
  "protocol": applyProtocol,
  "header": (c, _s, v) => {
    c.headers.push(parseHeader(v));
  },
  "verbose": (c) => {
    // perf_analyzer distinguishes verbose and extra verbose only; more -v change nothing.
    c.verbose = Math.min(c.verbose + 1, 2);
  },
  "csv-file": (c, _s, v) => {
    c.csvFile = nonEmpty("-f (CSV file)", v);
  },
  "no-progress": (c) => {
    c.progress = false;
  },
  "quiet": (c) => {
    c.quiet = true;
    c.progress = false;
  },
  "threshold": (c, _s, v) => {
    c.thresholds.push(parseThreshold(v));
  },
  "verbose-csv": (c) => {
    c.verboseCsv = true;
  },
} satisfies Partial<Record<ConfigId, Handler>>;

/** One handler per ConfigId; the compiler rejects a missing one. */
const HANDLERS: Readonly<Record<ConfigId, Handler>> = {
  ...OPEN_LOOP_HANDLERS,
  ...SEQUENCE_HANDLERS,
  ...SESSION_HANDLERS,
  ...DISTRIBUTED_HANDLERS,
  ...OUTPUT_HANDLERS,
  ...TLS_HANDLERS,
  ...REQUEST_PARAMETER_HANDLERS,
  ...BLS_HANDLERS,
  ...PERIODIC_HANDLERS,
  ...MPI_HANDLERS,
  ...REPORT_HANDLERS,
  ...GENERAL_HANDLERS,
  ...MEASUREMENT_HANDLERS,
  ...LOAD_HANDLERS,
  ...DATA_HANDLERS,
};

export function applyOption(
  config: RunConfig,
  state: ParseState,
  id: ConfigId,
  value: string,
): void {
  HANDLERS[id](config, state, value);
}
