/**
 * The contract every backend implements. Small and required: describe, prepare, connect (a
 * channel that sends), close. Optional capabilities are separate interfaces detected with type
 * guards, never stubbed.
 *
 * `send` lives on a {@link Channel} obtained with `connect()`, not on the backend itself. A
 * channel is one connection (HTTP/1.1 keep-alive) or one stream (gRPC), so the dispatcher gives
 * each in-flight slot its own channel and the backend never has to pick a connection per request on
 * the hot path.
 */
import type { DataType } from "../wire/kserve/datatypes.ts";
import type { RequestRecord } from "./measure/record.ts";

/**
 * Bumped when the contract changes incompatibly; plugins declare the version they implement.
 * 2: a module default-exports a {@link BackendDescriptor} (flags, default URLs, declared
 * capabilities, lazy create); output capture is asked for in `connect()`, never set on the
 * options after `create()`; models say how many responses a request gets.
 */
export const BACKEND_CONTRACT_VERSION = 2;

/** The -i values. */
export type Protocol = "http" | "grpc";

/** One model input or output. `shape` excludes the batch dimension; -1 marks a variable dim. */
export interface TensorInfo {
  name: string;
  datatype: DataType;
  shape: number[];
  optional?: boolean;
  isShapeTensor?: boolean;
}

/** Model metadata and configuration normalized across protocols. */
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
  /** The sequence batcher's CORRID control is TYPE_STRING: correlation ids are strings. */
  sequenceStringIds?: boolean;
  /**
   * "many" when one request may get several responses (Triton's decoupled models). Core
   * refuses such a model unless the created backend says it carries many responses.
   */
  responses: "one" | "many";
  dynamicBatching: boolean;
  responseCache: boolean;
  /**
   * Set for an ensemble (platform "ensemble"): the models its steps run, each with its own
   * composing models, sorted by name then version and without repeats.
   */
  composing?: ComposingModel[];
  /** Lines printed once at startup explaining what was inferred (e.g. no /config endpoint). */
  notes: string[];
}

/**
 * A model whose statistics are reported under another's: a step of an ensemble, or a model a BLS
 * model calls (--bls-composing-models).
 */
export interface ComposingModel {
  name: string;
  /** "" = not pinned: each level reports the version whose queue count grew. */
  version: string;
  /** Its configuration turns the response cache on. */
  responseCache: boolean;
  /**
   * Its scheduler is the sequence batcher, or it is an ensemble holding such a model; the
   * profiled model is then run as a sequence model (perf_analyzer's ENSEMBLE_SEQUENCE).
   */
  sequence: boolean;
  /** Its own composing models, when it is an ensemble itself. */
  composing: ComposingModel[];
}

/** One input tensor of a request, already in wire form (BYTES elements length-prefixed). */
export interface TensorData {
  name: string;
  datatype: DataType;
  /** Full shape including the batch dimension when the model batches. */
  shape: number[];
  bytes: Uint8Array;
}

/**
 * Sequence control for stateful models (docs/protocols.md: parameters sequence_id, sequence_start,
 * sequence_end). The id is an unsigned integer or a non-empty string.
 */
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
  /** Set for requests to sequence models; sent as request parameters. */
  sequence?: SequenceControl;
}

/**
 * One --request-parameter: sent with every request, its JSON type (boolean, integer number,
 * string) being the type the user gave (bool, int, string). How it travels is the backend's.
 */
export interface RequestParameter {
  name: string;
  value: boolean | number | string;
}

/** Opaque to the core: whatever the backend needs to send the request again and again. */
export type PreparedRequest = unknown;

/**
 * Options every backend receives. `own` holds the backend's own flags, parsed by its
 * descriptor into the type it chose; core never reads it. Frozen once `create()` has them:
 * what is learnt later (output capture) is passed where it is used.
 */
export interface BackendOptions<O = unknown> {
  url: string;
  protocol: Protocol;
  /** Extra headers from -H, in the order given. */
  headers: [string, string][];
  verbose: boolean;
  /** Per-request timeout in ms (outcome "timeout"); 0 or absent waits for ever. */
  requestTimeoutMs?: number;
  /** --streaming: one stream per channel instead of one call per request. */
  streaming?: boolean;
  /** gRPC: request compression. */
  grpcCompression?: "none" | "gzip" | "deflate";
  /**
   * TLS settings, set only when the user gave TLS flags (--ssl-https-* with an https:// URL,
   * or --ssl-grpc-use-ssl). HTTP: an https:// URL means TLS even without this field (then with
   * full verification against Deno's root store); gRPC: this field is what turns TLS on.
   */
  tls?: TlsOptions;
  /**
   * --request-parameter values in the order given (a name given twice keeps its last value);
   * only reaches kinds that declare `capabilities.requestParameters` for the protocol.
   */
  requestParameters?: readonly RequestParameter[];
  /** The backend's own parsed flags (its descriptor's `defaults()` plus what was given). */
  own: O;
  /**
   * Where a backend prints lines perf_analyzer itself prints for that kind (the C API's
   * "server is alive!"), so they land in the run's stdout/stderr, not the process's.
   */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** How a backend secures its connections (perf_analyzer's --ssl-* flags, PEM files only). */
export interface TlsOptions {
  /** PEM CA bundle trusted for the server's certificate, in addition to Deno's root store. */
  caFile?: string;
  /** PEM client certificate chain for mutual TLS; needs keyFile too. */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
  /**
   * false = do not verify the server's chain (--ssl-https-verify-peer 0). Deno cannot relax
   * this per connection: it holds only when Deno runs with --unsafely-ignore-certificate-errors,
   * and a chain failure says so.
   */
  verifyPeer: boolean;
  /** false = do not check the certificate's name against the host (--ssl-https-verify-host 0). */
  verifyHost: boolean;
}

/**
 * One connection or stream; the dispatcher owns one per in-flight slot. `P` is what the
 * backend's prepare() returns: core only ever hands a channel its own backend's requests.
 */
export interface Channel<P = PreparedRequest> {
  /**
   * Sends one request and fills the record's timestamps as they happen. Never rejects for a
   * failed request: failures are data (record.outcome, record.error).
   */
  send(prepared: P, record: RequestRecord): Promise<void>;
  close(): void;
}

/** What a channel is asked to do beyond sending; fixed for the channel's life. */
export interface ConnectOptions {
  /**
   * Decode every successful response's outputs into `record.outputs` (output validation).
   * Off by default so the hot path does not decode what nobody reads. Only asked of backends
   * whose descriptor declares `capabilities.outputCapture`.
   */
  captureOutputs?: boolean;
  /**
   * The run writes --profile-export-file: a channel that can, fills `record.exportTexts` with
   * the request's inputs and each response's raw output. Off, it keeps nothing of them.
   */
  exportTexts?: boolean;
}

/** What a created backend can carry, known from its options (e.g. -i grpc --streaming). */
export interface BackendCapabilities {
  /** "many" when a channel records every response of a request that gets several. */
  responses: "one" | "many";
  /** With responses "one": how to measure a model that sends many ("measure it with ..."). */
  manyResponsesHint?: string;
  /**
   * Set when outputs of sequence models cannot be validated with these options: the reason,
   * worded to follow "is not supported ".
   */
  sequenceValidationRefusal?: string;
  /**
   * "tokens" when the units a channel passes to `record.addResponse(ns, units)` are output
   * tokens (an LLM stream): the run then also reports the token metrics (time to first token,
   * inter-token latency, ...). Absent = "responses": one unit per response, no token metrics.
   */
  units?: "responses" | "tokens";
  /** The API path requests go to (perf_analyzer's --endpoint), for the profile export. */
  endpoint?: string;
}

/** A backend whose prepare() returns `P`, which its channels send. */
export interface Backend<P = PreparedRequest> {
  readonly kind: string;
  /** Absent = one response per request, no restriction on validation. */
  readonly capabilities?: BackendCapabilities;
  describe(model: string, version: string): Promise<ModelInfo>;
  prepare(spec: RequestSpec): P;
  connect(options?: ConnectOptions): Promise<Channel<P>>;
  close(): Promise<void>;
}

/** Opens channels; the load drivers need nothing else of a backend. */
export interface Connector {
  connect(): Promise<Channel>;
}

/** Cumulative model statistics (Triton statistics extension), all counters and ns as numbers. */
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

/** Capability: the server reports cumulative per-model statistics. */
export interface ServerStatsCapability {
  /** Returns undefined when this server has no statistics (checked once at describe time). */
  serverStats(model: string, version: string): Promise<ModelStats | undefined>;
}

export function hasServerStats(b: Backend): b is Backend & ServerStatsCapability {
  return typeof (b as Partial<ServerStatsCapability>).serverStats === "function";
}

/** One version of one model in a listing of every model's statistics. */
export interface VersionedModelStats {
  name: string;
  version: string;
  stats: ModelStats;
}

/**
 * Capability: the statistics of every loaded model and version at once, which ensembles and BLS
 * models need (their composing models are counted apart, and a version may have to be picked).
 */
export interface AllModelStatsCapability {
  allModelStats(): Promise<VersionedModelStats[]>;
}

export function hasAllModelStats(b: Backend): b is Backend & AllModelStatsCapability {
  return typeof (b as Partial<AllModelStatsCapability>).allModelStats === "function";
}

/**
 * Capability: multi-turn sessions (--session-concurrency). Each turn of a session is sent only
 * after the previous one finished, carrying the history so far (the earlier turns and what the
 * server answered them), so its request is built per turn, not prepared once.
 */
export interface SessionCapability<P = PreparedRequest> {
  /**
   * One session of `turns`, in order. Checks every turn now (throws RunError naming the problem),
   * before any load is sent.
   */
  conversation(turns: readonly RequestSpec[], session: SessionInputs): Conversation<P>;
}

/**
 * What the input data says of a session beside its requests, for the profile export's
 * request_inputs: its "session_id" and each turn's "delay" (undefined where an entry has none).
 */
export interface SessionInputs {
  id: string;
  delaysMs: readonly (number | undefined)[];
}

/** One session being played: each turn's request, built once the turn before has finished. */
export interface Conversation<P = PreparedRequest> {
  /** The request of turn `k` (0-based; called in order), carrying the history before it. */
  turn(k: number): P;
}

export function hasSessions(b: Backend): b is Backend & SessionCapability {
  return typeof (b as Partial<SessionCapability>).conversation === "function";
}

/**
 * One flag a backend adds to the command line. It exists only while that backend's kind is
 * selected: given with another kind, it is a usage error naming the kind that owns it.
 */
export interface BackendFlag<O> {
  /** Long name without "--". */
  long: string;
  /** Single-letter name without "-". */
  short?: string;
  /** The value form shown in --help ("<name>"); absent for a flag that takes no value. */
  value?: string;
  /** Default shown in --help; "" when there is none worth showing. */
  def: string;
  /** The --help text. */
  help: string;
  /** Not a perf_analyzer option: an addition of this tool, marked "(ours)" in --help. */
  ours?: true;
  /** Stores the value (or `true` for a flag) in the backend's options; throws UsageError. */
  apply(options: O, value: string): void;
}

/** The rest of the command line, as a backend's cross-option rules may need it. */
export interface RunSettings {
  readonly protocol: Protocol;
  readonly inputData: "random" | "zero" | "files";
  readonly requestParameters: readonly RequestParameter[];
}

/** What a kind supports, declared so core can refuse a flag with a reason before running. */
export interface DeclaredCapabilities {
  /** -H: extra request headers (an in-process backend has none to send). */
  headers: boolean;
  /** Protocols on which --streaming works; empty = no streaming. */
  streaming: readonly Protocol[];
  /** --grpc-compression-algorithm gzip or deflate. */
  compression: boolean;
  /** --request-timeout. */
  requestTimeout: boolean;
  /** Outputs can be captured for validation_data (see {@link ConnectOptions}). */
  outputCapture: boolean;
  /** --collect-metrics: the server serves Prometheus metrics on this port of the -u host. */
  metricsPort?: number;
  /** --session-concurrency: the created backend has {@link SessionCapability}. */
  sessions?: boolean;
  /** Protocols on which --request-parameter values are sent; absent or empty = refused. */
  requestParameters?: readonly Protocol[];
}

/** The settings banner's "Service Kind:" name and whether "Batch size:" is always printed. */
export interface BannerStyle {
  /** perf_analyzer's name for the kind ("TENSORFLOW_SERVING"); default: the kind upper-cased. */
  name?: string;
  /** Print the batch size even without -b (perf_analyzer does so for its Triton kind only). */
  batchSize?: boolean;
}

/** The kind's row of --help's "Service kinds" section. */
export interface ServiceKindHelp {
  /** -i values it accepts, or why there are none. */
  protocols: string;
  /** Where the server-side part of the report comes from, or "no" (client-side only). */
  serverStats: string;
  /** Load modes, streaming, sequences, input-data requirements. */
  modes: string;
}

/**
 * What a backend module default-exports; built-ins and plugins load the same way. Light on
 * purpose: --help and the CLI read descriptors, so `create` imports the implementation
 * lazily (with a literal specifier, which `deno bundle` follows).
 */
export interface BackendDescriptor<O = unknown> {
  contractVersion: number;
  /** The --service-kind value this descriptor serves. */
  kind: string;
  /** The server's product name for messages ("TF Serving"). */
  title: string;
  /**
   * The -i values the backend serves. Empty for in-process backends: there is no network
   * protocol, so the run ignores -i and -u, as perf_analyzer does for its C API, with a warning.
   */
  protocols: readonly Protocol[];
  /** The -u default per protocol. */
  defaultUrl: Partial<Record<Protocol, string>>;
  capabilities: DeclaredCapabilities;
  help: ServiceKindHelp;
  /** How perf_analyzer's settings banner shows this kind; absent = the kind upper-cased. */
  banner?: BannerStyle;
  /** -m may be left out: the kind reads no model (perf_analyzer's rule for its dynamic gRPC). */
  modelOptional?: boolean;
  /** Flags only this kind takes; their values land in `defaults()`'s object. */
  flags?: readonly BackendFlag<O>[];
  /** The backend's own options before any flag; required with `flags`. */
  defaults?(): O;
  /** Cross-option rules of this kind, once the command line is known; throws UsageError. */
  validate?(own: O, run: RunSettings): void;
  create(options: BackendOptions<O>): Backend | Promise<Backend>;
}
