/**
 * The contract every backend implements. Small and required: describe, prepare, connect (a
 * channel that sends), close. Optional capabilities are separate interfaces detected with type
 * guards, never stubbed.
 *
 * Deviation from DESIGN.md: `send` lives on a {@link Channel} obtained with `connect()`, not on
 * the backend itself. A channel is one connection (HTTP/1.1 keep-alive) or one stream (gRPC),
 * so the dispatcher gives each in-flight slot its own channel and the backend never has to pick
 * a connection per request on the hot path.
 */
import type { DataType } from "../wire/kserve/datatypes.ts";
import type { RequestRecord } from "./measure/record.ts";

/** Bumped when the contract changes incompatibly; plugins declare the version they implement. */
export const BACKEND_CONTRACT_VERSION = 1;

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
  decoupled: boolean;
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
  bytes: Uint8Array;
}

/**
 * Sequence control for stateful models (protocols.md: parameters sequence_id, sequence_start,
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

/** Opaque to the core: whatever the backend needs to send the request again and again. */
export type PreparedRequest = unknown;

/** Options every backend receives; protocol-specific ones are read by the backends that use them. */
export interface BackendOptions {
  url: string;
  protocol: "http" | "grpc";
  /** Extra headers from -H, in the order given. */
  headers: [string, string][];
  inputTensorFormat: "binary" | "json";
  outputTensorFormat: "binary" | "json";
  verbose: boolean;
  /** Per-request timeout in ms (outcome "timeout"); 0 or absent waits for ever. */
  requestTimeoutMs?: number;
  /** gRPC: one bidirectional stream per channel instead of unary calls. */
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
   * Decode every successful response's outputs into `record.outputs` (output validation).
   * Off by default so the hot path does not decode what nobody reads.
   */
  captureOutputs?: boolean;
  /** tfserving: --model-signature-name (default "serving_default"). */
  modelSignatureName?: string;
  /**
   * triton (HTTP and gRPC): --shared-memory. "system" passes tensors through /dev/shm regions
   * registered with the server; "cuda" is refused by the CLI (no GPU support in this build).
   */
  sharedMemory?: "none" | "system" | "cuda";
  /** --output-shared-memory-size: bytes of each output's window. */
  outputSharedMemorySize?: number;
  /** triton_c_api: --triton-server-directory, the Triton install holding lib/libtritonserver.so. */
  tritonServerDirectory?: string;
  /** triton_c_api: --model-repository the in-process server loads. */
  modelRepository?: string;
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

/** One connection or stream; the dispatcher owns one per in-flight slot. */
export interface Channel {
  /**
   * Sends one request and fills the record's timestamps as they happen. Never rejects for a
   * failed request: failures are data (record.outcome, record.error).
   */
  send(prepared: PreparedRequest, record: RequestRecord): Promise<void>;
  close(): void;
}

export interface Backend {
  readonly kind: string;
  describe(model: string, version: string): Promise<ModelInfo>;
  prepare(spec: RequestSpec): PreparedRequest;
  connect(): Promise<Channel>;
  close(): Promise<void>;
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

/** What a backend module default-exports; built-ins and plugins load the same way. */
export interface BackendFactory {
  contractVersion: number;
  /** The --service-kind value this factory serves, e.g. "triton". */
  kind: string;
  /**
   * The -i values the backend serves. Empty for in-process backends (triton_c_api): there is
   * no network protocol, so the run ignores -i and -u, as perf_analyzer does, with a warning.
   */
  protocols: ("http" | "grpc")[];
  create(options: BackendOptions): Backend;
}
