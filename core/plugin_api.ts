/**
 * The backend plugin contract, version 2, in one file that imports nothing: what a plugin for
 * `--service-kind plugin:<path-or-URL>` needs to type itself. Copy this file beside your plugin
 * (or import it by URL) and import from it with `import type` only: everything a plugin calls at
 * run time (RunError, UsageError, the value parsers, the datatypes) is handed to it by the tool,
 * so the plugin holds no path into the tool's tree and its errors are the tool's own classes,
 * also next to the bundle (dist/perf_analyzer.js) or the packaged executable.
 *
 * ```ts
 * import type { BackendDescriptor, PluginApi } from "./plugin_api.ts";
 *
 * export default function plugin(api: PluginApi): BackendDescriptor {
 *   return { contractVersion: 2, kind: "my-kind", ..., create(options) { ... } };
 * }
 * ```
 *
 * plugins/example/backend.ts is a complete plugin, plugins/example/README.md the author's guide.
 * The tool checks (at compile time, core/plugin_api_test.ts) that it accepts what this file
 * declares; an incompatible change bumps the contract version, and the loader then refuses a
 * plugin of another version by name.
 */

/** The -i values. */
export type Protocol = "http" | "grpc";

/** KServe v2 tensor datatypes (the runtime list is `api.DATATYPES`). */
export type DataType =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP16"
  | "FP32"
  | "FP64"
  | "BYTES"
  | "BF16";

/** One model input or output. `shape` excludes the batch dimension; -1 marks a variable dim. */
export interface TensorInfo {
  name: string;
  datatype: DataType;
  shape: number[];
  optional?: boolean;
  isShapeTensor?: boolean;
}

/** What describe() reports of a model. */
export interface ModelInfo {
  name: string;
  /** Version the server reported (or was asked for); "" when unknown. */
  version: string;
  platform: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** 0 = the model takes no batch dimension. */
  maxBatchSize: number;
  sequence: boolean;
  /** The sequence batcher's correlation ids are strings. */
  sequenceStringIds?: boolean;
  /**
   * "many" when one request may get several responses; the run refuses such a model unless
   * the created backend has `capabilities: { responses: "many" }`.
   */
  responses: "one" | "many";
  dynamicBatching: boolean;
  responseCache: boolean;
  /** Lines printed once at startup explaining what was inferred (e.g. no /config endpoint). */
  notes: string[];
}

/** One input tensor of a request, already in wire form (BYTES elements length-prefixed). */
export interface TensorData {
  name: string;
  datatype: DataType;
  /** Full shape including the batch dimension when the model batches. */
  shape: number[];
  /** Little-endian, row-major; a BYTES element is a 4-byte little-endian length then its bytes. */
  bytes: Uint8Array;
}

/** Sequence control for stateful models; the id is an unsigned integer or a non-empty string. */
export interface SequenceControl {
  id: number | string;
  start: boolean;
  end: boolean;
}

/** What a request carries; the backend encodes it once in {@link Backend.prepare}. */
export interface RequestSpec {
  model: string;
  /** "" = the server's choice (latest). */
  version: string;
  inputs: TensorData[];
  /** Names of the outputs to request; empty lets the server return all of them. */
  outputs: string[];
  batchSize: number;
  /** Set for requests to sequence models. */
  sequence?: SequenceControl;
}

/** One --request-parameter, its JSON type the one the user gave. */
export interface RequestParameter {
  name: string;
  value: boolean | number | string;
}

/** TLS settings from perf_analyzer's --ssl-* flags (PEM files). */
export interface TlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  verifyPeer: boolean;
  verifyHost: boolean;
}

/**
 * What create() gets, frozen from then on. `own` is your flags' options: `defaults()` plus the
 * flags given (a harness that creates the backend without a command line may pass none).
 */
export interface BackendOptions<O = unknown> {
  /** -u as given (host:port, or a URL). */
  url: string;
  protocol: Protocol;
  /** Extra headers from -H, in the order given. */
  headers: [string, string][];
  verbose: boolean;
  /** Per-request timeout in ms (outcome "timeout"); 0 or absent waits for ever. */
  requestTimeoutMs?: number;
  /** --streaming: one stream per channel instead of one call per request. */
  streaming?: boolean;
  grpcCompression?: "none" | "gzip" | "deflate";
  /** Set only when the user gave TLS flags. */
  tls?: TlsOptions;
  /** Only for kinds that declare `capabilities.requestParameters` for the protocol. */
  requestParameters?: readonly RequestParameter[];
  own: O;
  /** Where to print lines that belong to the run's output. */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** How a request ended. */
export type Outcome =
  | "ok"
  | "server_error"
  | "transport_error"
  | "protocol_error"
  | "timeout"
  | "cancelled"
  | "mismatch";

/** One decoded output tensor of a response, in wire form (see {@link TensorData.bytes}). */
export interface OutputTensor {
  name: string;
  datatype: string;
  /** Full shape as the server reported it (batch dimension included). */
  shape: number[];
  bytes: Uint8Array;
}

/**
 * The per-request record a channel fills; the tool reuses it for the next request, so keep no
 * reference to it after send() resolves. Timestamps are `performance.now() * 1e6` (ns).
 */
export interface RequestRecord {
  /** Just before the first byte is handed to the transport. */
  sendStartNs: number;
  /** When the transport accepted the last byte of the request. */
  sendEndNs: number;
  /** First byte of the (first) response; set by addResponse when left at 0. */
  firstByteNs: number;
  /** Last byte of the final response. */
  endNs: number;
  /** HTTP status or gRPC code when known, else 0. */
  status: number;
  bytesSent: number;
  bytesReceived: number;
  /** Filled only on channels connected with `captureOutputs`. */
  readonly outputs: OutputTensor[];
  readonly outcome: Outcome;
  readonly error: string;
  readonly responseCount: number;
  /** One response arrived at `ns`, carrying `units` (output tokens, for a token stream). */
  addResponse(ns: number, units?: number): void;
  /** The request failed: a failure is data, never a rejection of send(). */
  fail(outcome: Exclude<Outcome, "ok">, error: string, ns: number): void;
}

/** One connection or stream; `P` is what the backend's prepare() returns. */
export interface Channel<P = unknown> {
  /** Sends one request, filling the record as it happens. Never rejects. */
  send(prepared: P, record: RequestRecord): Promise<void>;
  close(): void;
}

/** What a channel is asked to do beyond sending; fixed for the channel's life. */
export interface ConnectOptions {
  /** Decode every successful response's outputs into `record.outputs`. */
  captureOutputs?: boolean;
}

/** What a created backend can carry. */
export interface BackendCapabilities {
  /** "many" when a channel records every response of a request that gets several. */
  responses: "one" | "many";
  /** With responses "one": how to measure a model that sends many. */
  manyResponsesHint?: string;
  /** "tokens" when addResponse's units are output tokens (the run adds token metrics). */
  units?: "responses" | "tokens";
}

/** A backend whose prepare() returns `P`, which its channels send. */
export interface Backend<P = unknown> {
  readonly kind: string;
  /** Absent = one response per request. */
  readonly capabilities?: BackendCapabilities;
  /** Throws RunError (api.RunError) for a fatal problem, e.g. the server is unreachable. */
  describe(model: string, version: string): Promise<ModelInfo>;
  /** Encodes one request, once; the value is sent many times. */
  prepare(spec: RequestSpec): P;
  connect(options?: ConnectOptions): Promise<Channel<P>>;
  close(): Promise<void>;
  /**
   * Optional: the server's cumulative statistics of a model (the report's server-side part);
   * undefined when the server has none.
   */
  serverStats?(model: string, version: string): Promise<ModelStats | undefined>;
}

/** Cumulative model statistics, counters and nanoseconds. */
export interface ModelStats {
  inferenceCount: number;
  executionCount: number;
  successCount: number;
  successNs: number;
  queueCount: number;
  queueNs: number;
  computeInputCount: number;
  computeInputNs: number;
  computeInferCount: number;
  computeInferNs: number;
  computeOutputCount: number;
  computeOutputNs: number;
  cacheHitCount: number;
  cacheHitNs: number;
  cacheMissCount: number;
  cacheMissNs: number;
}

/** One flag of your kind, parsed like the tool's own and listed under your kind in --help. */
export interface BackendFlag<O> {
  /** Long name without "--". */
  long: string;
  /** Single-letter name without "-". */
  short?: string;
  /** The value form shown in --help ("<name>"); absent for a flag that takes no value. */
  value?: string;
  /** Default shown in --help; "" when there is none worth showing. */
  def: string;
  help: string;
  /** Stores the value ("" for a flag without one) in your options; throws UsageError. */
  apply(options: O, value: string): void;
}

/** The rest of the command line, for your cross-option rules. */
export interface RunSettings {
  readonly protocol: Protocol;
  readonly inputData: "random" | "zero" | "files";
  readonly requestParameters: readonly RequestParameter[];
}

/** What your kind supports: anything not declared is refused before the run, with a reason. */
export interface DeclaredCapabilities {
  /** -H */
  headers: boolean;
  /** Protocols on which --streaming works; empty = no streaming. */
  streaming: readonly Protocol[];
  /** --grpc-compression-algorithm gzip or deflate. */
  compression: boolean;
  /** --request-timeout */
  requestTimeout: boolean;
  /** validation_data in --input-data (channels asked to `captureOutputs`). */
  outputCapture: boolean;
  /** --collect-metrics: Prometheus metrics on this port of the -u host. */
  metricsPort?: number;
  /** Protocols on which --request-parameter values are sent; absent or empty = refused. */
  requestParameters?: readonly Protocol[];
}

/** Your kind's row of --help's "Service kinds" section. */
export interface ServiceKindHelp {
  /** -i values it accepts, or why there are none. */
  protocols: string;
  /** Where the server-side part of the report comes from, or "no" (client-side only). */
  serverStats: string;
  /** Load modes, streaming, sequences, input-data requirements. */
  modes: string;
}

/** What your plugin function returns. */
export interface BackendDescriptor<O = unknown> {
  /** The contract version this file describes; the loader refuses any other. */
  contractVersion: 2;
  /** The --service-kind name in messages ("Service Kind: MY-KIND"). */
  kind: string;
  /** The server's product name for messages. */
  title: string;
  /** The -i values you accept. */
  protocols: readonly Protocol[];
  /** The -u default per protocol. */
  defaultUrl: Partial<Record<Protocol, string>>;
  capabilities: DeclaredCapabilities;
  help: ServiceKindHelp;
  /** -m may be left out: the kind reads no model. */
  modelOptional?: boolean;
  /** Flags only your kind takes; their values land in `defaults()`'s object. */
  flags?: readonly BackendFlag<O>[];
  /** Your options before any flag; required with `flags`. */
  defaults?(): O;
  /** Cross-option rules, once the command line is known; throws UsageError. */
  validate?(own: O, run: RunSettings): void;
  /** May return a promise: import a heavy transport here, lazily, so --help stays fast. */
  create(options: BackendOptions<O>): Backend | Promise<Backend>;
}

/** A fatal problem while running: the tool prints `error: <message>` and exits 99. */
export type RunError = Error;

/** A command-line problem: the tool prints `Error: <message>` and exits 99. */
export type UsageError = Error;

/** What the tool hands your plugin function: the run-time half of the contract. */
export interface PluginApi {
  /** The contract version of the tool (the loader checks yours against it). */
  readonly contractVersion: 2;
  /** `throw new api.RunError(message)`: the run stops with `error: <message>`, exit 99. */
  readonly RunError: new (message: string) => RunError;
  readonly UsageError: new (message: string) => UsageError;
  isRunError(e: unknown): e is RunError;
  isUsageError(e: unknown): e is UsageError;
  /** `Failed to parse <label>. <rule> Got "<value>".<hint>` as a UsageError, for flag values. */
  valueError(label: string, rule: string, value: string, hint?: string): UsageError;
  /** A number ("10", "2.5", "1e1"), else a UsageError naming `label`. */
  parseDecimal(label: string, value: string): number;
  /** An integer that satisfies `ok` (`rule` says what is expected), else a UsageError. */
  parseIntegerWhere(label: string, value: string, ok: (n: number) => boolean, rule: string): number;
  /** One of `choices` exactly, else a UsageError with a "did you mean". */
  parseChoice<T extends string>(label: string, value: string, choices: readonly T[]): T;
  /** Every datatype, in KServe's order. */
  readonly DATATYPES: readonly DataType[];
  isDataType(s: string): s is DataType;
  /** Bytes per element; 0 for BYTES. */
  elementSize(dt: DataType): number;
  /** Elements of a shape (the product of its dimensions). */
  elementCount(shape: readonly number[]): number;
}

/** The default export of a plugin module. */
export type BackendPlugin<O = unknown> = (api: PluginApi) => BackendDescriptor<O>;
