/**
 * The Triton / KServe v2 gRPC backend (--service-kind triton -i grpc [--streaming]) on the
 * hand-written HTTP/2 client. Control-plane RPCs use a connection of their own; inference
 * channels are unary ModelInfer calls or, with --streaming, one ModelStreamInfer stream each,
 * sharing HTTP/2 connections (see GRPC_CHANNELS_PER_CONNECTION). Requests are compressed once
 * at prepare time with --grpc-compression-algorithm.
 */
import type {
  AllModelStatsCapability,
  Backend,
  BackendCapabilities,
  BackendOptions,
  Channel,
  ConnectOptions,
  ModelInfo,
  ModelStats,
  PreparedRequest,
  RequestParameter,
  RequestSpec,
  ServerStatsCapability,
  VersionedModelStats,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import {
  grpcMetadata,
  type GrpcTarget,
  grpcTarget,
  grpcTls,
  parseCompression,
} from "../net/grpc_target.ts";
import { GrpcCallError, GrpcControl } from "../net/grpc_control.ts";
import { encodeGrpcInferRequest, PreparedGrpcInfer } from "./grpc_infer_request.ts";
import {
  MODEL_INFER_PATH,
  MODEL_STREAM_INFER_PATH,
  type ProtoObject,
  type TritonMethodName,
  tritonRpc,
} from "./grpc_proto.ts";
import { GrpcCode } from "../net/grpc_status.ts";
import type { GrpcCompression } from "../net/grpc_compression.ts";
import {
  CONFIG_FAILED,
  METADATA_FAILED,
  type PortHints,
  STATS_FAILED,
} from "../net/control_errors.ts";
import { controlTimeoutMs } from "../net/control_timeout.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";
import { requestHeaderBlock, withGrpcTimeout } from "../net/h2_grpc_call.ts";
import { H2StreamChannel } from "./h2_stream_channel.ts";
import { H2UnaryChannel, type OutputCapture } from "../net/h2_unary_channel.ts";
import { captureUnaryOutputs } from "./grpc_outputs.ts";
import { InferResponseWalk } from "./grpc_infer_response.ts";
import { asArray, asObject, type JsonObject } from "../shared/json_fields.ts";
import { NO_STATS_NOTE, normalizeModelInfo, withComposing } from "../shared/model_info.ts";
import { indexEntries, unknownModelHint } from "../shared/model_index.ts";
import { parseAllModelStats, parseModelStats } from "../shared/model_stats.ts";
import { ShmChannel, shmRegionsFor } from "./shm_channel.ts";
import type { ShmRegions } from "./shm_regions.ts";
import { tritonCapabilities, type TritonOptions } from "./options.ts";
import { TraceSettings, type TraceValues } from "./trace_settings.ts";

/** Triton's gRPC port, used when -u names a host without one. */
export const DEFAULT_GRPC_PORT = 8001;

/** What to try when -u reaches no gRPC server. */
const GRPC_HINTS: PortHints = {
  usualPort: `Triton's default is ${DEFAULT_GRPC_PORT}`,
  switchProtocol: "drop -i grpc",
};

/**
 * Inference channels per HTTP/2 connection. Measured against the reference server (1-64
 * channels, unary and streaming), one shared connection cost the least CPU per request on
 * both ends and gave the most infer/s: one busy connection packs more frames into each socket
 * read and write. A new connection starts every 100 channels because many servers and proxies
 * cap concurrent streams per connection at 100 (the client also follows the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS, see H2Endpoint).
 */
export const GRPC_CHANNELS_PER_CONNECTION = 100;

export interface GrpcTuning {
  /** Channels sharing one connection; default {@link GRPC_CHANNELS_PER_CONNECTION}. */
  channelsPerConnection?: number;
  /** The control calls' bound; default max(30 s, --request-timeout) (control_timeout.ts). */
  controlTimeoutMs?: number;
}

type InferChannel = H2UnaryChannel<PreparedGrpcInfer> | H2StreamChannel;

/** A unary reply's outputs, read from shared memory when the request put them there. */
const captureUnary: OutputCapture<PreparedGrpcInfer> = (message, record, ns, prepared) =>
  captureUnaryOutputs(message, record, ns, prepared.shm?.readOutput);

export class TritonGrpcBackend implements Backend, ServerStatsCapability, AllModelStatsCapability {
  readonly kind = "triton";
  readonly capabilities: BackendCapabilities;
  readonly #target: GrpcTarget;
  /** --ssl-grpc-use-ssl: the files read once, shared by every connection. */
  readonly #tls: TlsMaterial | undefined;
  readonly #compression: GrpcCompression;
  readonly #streaming: boolean;
  readonly #parameters: readonly RequestParameter[];
  readonly #perConnection: number;
  /** --request-timeout in ms; 0: none. */
  readonly #timeoutMs: number;
  readonly #control: GrpcControl;
  /** -H headers as gRPC metadata. */
  readonly #metadata: [string, string][];
  readonly #endpoints: H2Endpoint[] = [];
  /** Open channels per endpoint, so closed channels free their place on a connection. */
  readonly #load: number[] = [];
  readonly #channels = new Set<InferChannel>();
  /** describe() results by model name, so prepare() knows which requests are decoupled. */
  readonly #decoupled = new Map<string, boolean>();
  /** Output names by model from describe(): shared memory needs them named. */
  readonly #outputs = new Map<string, string[]>();
  #extensions: Set<string> | undefined;
  readonly #shm: ShmRegions | undefined;
  readonly #trace: TraceSettings;

  constructor(
    options: BackendOptions<TritonOptions>,
    private readonly clock: Clock,
    tuning: GrpcTuning = {},
  ) {
    this.capabilities = tritonCapabilities(options);
    this.#target = grpcTarget(options.url, DEFAULT_GRPC_PORT);
    this.#tls = grpcTls(options.url, options.tls);
    this.#metadata = grpcMetadata(options.headers);
    this.#compression = parseCompression(options.grpcCompression);
    this.#streaming = options.streaming === true;
    this.#parameters = options.requestParameters ?? [];
    this.#timeoutMs = options.requestTimeoutMs ?? 0;
    this.#perConnection = Math.max(1, tuning.channelsPerConnection ?? GRPC_CHANNELS_PER_CONNECTION);
    const controlMs = tuning.controlTimeoutMs ?? controlTimeoutMs(this.#timeoutMs);
    this.#control = new GrpcControl(this.#target, this.#metadata, this.#tls, GRPC_HINTS, controlMs);
    // An empty settings map reads the model's settings; a named one updates only those.
    this.#trace = new TraceSettings(options.own.trace, {
      read: async (model_name) =>
        grpcTraceValues(
          (await this.#rpc("TraceSetting", { model_name, settings: {} }, "")).settings,
        ),
      write: async (model_name, values) => {
        const settings = Object.fromEntries(
          Object.entries(values).map(([key, value]) => [key, { value }]),
        );
        await this.#rpc("TraceSetting", { model_name, settings }, "");
      },
    });
    const region = (what: string, name: string) =>
      `failed to ${what} shared memory region '${name}': `;
    this.#shm = shmRegionsFor(options.own, {
      register: (name, key, byte_size) =>
        this.#rpc(
          "SystemSharedMemoryRegister",
          { name, key, offset: 0, byte_size },
          region("register", name),
        ).then(() => {}),
      unregister: (name) =>
        this.#rpc("SystemSharedMemoryUnregister", { name }, region("unregister", name)).then(
          () => {},
        ),
    });
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    await this.#loadExtensions(METADATA_FAILED);
    const request = { name: model, version };
    let md: ProtoObject;
    try {
      md = await this.#call("ModelMetadata", request);
    } catch (e) {
      if (!(e instanceof GrpcCallError)) throw e;
      throw new RunError(METADATA_FAILED + e.message + await this.#indexHint(model, e.code));
    }
    const config = await this.#config(request);
    const info = await withComposing(
      normalizeModelInfo(md, config, version),
      config,
      (name, v) => this.#config({ name, version: v }),
    );
    if (!this.#extensions!.has("statistics")) info.notes.push(NO_STATS_NOTE);
    this.#decoupled.set(model, info.responses === "many");
    this.#outputs.set(model, info.outputs.map((o) => o.name));
    // The first model described is the run's: its trace settings are set before any load.
    await this.#trace.apply(model);
    return info;
  }

  prepare(spec: RequestSpec): PreparedRequest {
    const decoupled = this.#decoupled.get(spec.model) ?? false;
    const outputs = spec.outputs.length > 0 ? spec.outputs : this.#outputs.get(spec.model) ?? [];
    const shm = this.#shm?.layout(spec.inputs, outputs, spec.batchSize);
    return encodeGrpcInferRequest(spec, {
      streaming: this.#streaming,
      decoupled,
      shm,
      compression: this.#compression,
      parameters: this.#parameters,
    });
  }

  async connect(options: ConnectOptions = {}): Promise<Channel> {
    await this.#shm?.ensureRegistered();
    const capture = options.captureOutputs === true;
    let index = this.#load.findIndex((n) => n < this.#perConnection);
    if (index < 0) {
      index = this.#load.length;
      const { hostname, port } = this.#target;
      this.#endpoints.push(new H2Endpoint(hostname, port, this.#tls));
      this.#load.push(0);
    }
    this.#load[index]++;
    const forget = (ch: InferChannel) => {
      this.#channels.delete(ch);
      this.#load[index]--;
    };
    const ch = this.#channel(this.#endpoints[index], forget, capture);
    this.#channels.add(ch);
    return this.#shm === undefined ? ch : new ShmChannel(ch, this.#shm, this.clock);
  }

  #channel(
    endpoint: H2Endpoint,
    forget: (ch: InferChannel) => void,
    capture: boolean,
  ): InferChannel {
    const path = this.#streaming ? MODEL_STREAM_INFER_PATH : MODEL_INFER_PATH;
    // grpc-timeout bounds a whole call: a stream carries many requests, each timed here.
    const callTimeoutMs = this.#streaming ? 0 : this.#timeoutMs;
    const block = requestHeaderBlock(
      path,
      this.#target.authority,
      withGrpcTimeout(this.#metadata, callTimeoutMs),
      this.#compression,
    );
    if (!this.#streaming) {
      const outputs = capture ? captureUnary : undefined;
      const kind = PreparedGrpcInfer;
      return new H2UnaryChannel(
        endpoint,
        block,
        this.clock,
        kind,
        forget,
        outputs,
        callTimeoutMs,
        new InferResponseWalk(),
      );
    }
    const stream = new H2StreamChannel(
      endpoint,
      block,
      this.clock,
      forget,
      capture,
      this.#timeoutMs,
    );
    stream.open();
    return stream;
  }

  async close(): Promise<void> {
    for (const ch of [...this.#channels]) ch.close();
    try {
      // Each cleanup runs even when the other fails.
      await this.#trace.restore().finally(() => this.#shm?.release());
    } finally {
      const endpoints = this.#endpoints.splice(0);
      this.#load.length = 0;
      await Promise.all([this.#control.close(), ...endpoints.map((e) => e.close())]);
    }
  }

  async serverStats(model: string, version: string): Promise<ModelStats | undefined> {
    await this.#loadExtensions(STATS_FAILED);
    if (!this.#extensions!.has("statistics")) return undefined;
    const reply = await this.#rpc("ModelStatistics", { name: model, version }, STATS_FAILED);
    return parseModelStats(reply, model, version);
  }

  async allModelStats(): Promise<VersionedModelStats[]> {
    return parseAllModelStats(
      await this.#rpc("ModelStatistics", { name: "", version: "" }, STATS_FAILED),
    );
  }

  /** ServerMetadata once. A server failing it (but reachable) lists no extensions. */
  async #loadExtensions(prefix: string): Promise<void> {
    if (this.#extensions) return;
    let list: unknown[] = [];
    try {
      list = asArray((await this.#call("ServerMetadata", {})).extensions);
    } catch (e) {
      if (!(e instanceof GrpcCallError) || unanswered(e.code)) {
        throw new RunError(prefix + (e as Error).message);
      }
    }
    this.#extensions = new Set(list.filter((x): x is string => typeof x === "string"));
  }

  /**
   * The model configuration, or undefined for servers without the RPC (MLServer and KServe
   * python servers answer UNIMPLEMENTED). Like the HTTP backend, other refusals mean "no
   * config" only when the server does not list the model_configuration extension.
   */
  async #config(request: ProtoObject): Promise<JsonObject | undefined> {
    try {
      const reply = await this.#call("ModelConfig", request);
      // An all-default config may come back as an empty message.
      return asObject(reply.config) ?? {};
    } catch (e) {
      if (!(e instanceof GrpcCallError)) throw e;
      const listed = this.#extensions!.has("model_configuration");
      if (e.code === GrpcCode.UNIMPLEMENTED) return undefined;
      const refused = e.code === GrpcCode.NOT_FOUND || e.code === GrpcCode.INVALID_ARGUMENT ||
        e.code === GrpcCode.UNKNOWN;
      if (refused && !listed) return undefined;
      throw new RunError(CONFIG_FAILED + e.message);
    }
  }

  /**
   * What the repository index says about a model the server refused with `code` (the models
   * there are), or "" when the server cannot tell: then its own message stands alone. A
   * server that could not be reached or does not speak gRPC is not asked.
   */
  async #indexHint(model: string, code: number): Promise<string> {
    if (unanswered(code) || code === GrpcCode.UNIMPLEMENTED) return "";
    try {
      const reply = await this.#call("RepositoryIndex", {});
      return unknownModelHint(model, indexEntries(asArray(reply.models)));
    } catch {
      return "";
    }
  }

  /** One control RPC, its messages encoded and decoded here; rejects with GrpcCallError. */
  async #call(name: TritonMethodName, request: ProtoObject): Promise<ProtoObject> {
    const rpc = tritonRpc(name);
    return rpc.response.decode(await this.#control.call(rpc.path, rpc.request.encode(request)));
  }

  async #rpc(name: TritonMethodName, request: ProtoObject, prefix: string): Promise<ProtoObject> {
    try {
      return await this.#call(name, request);
    } catch (e) {
      if (e instanceof GrpcCallError) throw new RunError(prefix + e.message);
      throw e;
    }
  }
}

/** The server could not be reached or did not answer in time: asking it more would not help. */
function unanswered(code: number): boolean {
  return code === GrpcCode.UNAVAILABLE || code === GrpcCode.DEADLINE_EXCEEDED;
}

/** TraceSettingResponse.settings (name to SettingValue { value: string[] }) as lists. */
function grpcTraceValues(settings: unknown): TraceValues {
  const out: TraceValues = {};
  for (const [key, v] of Object.entries(asObject(settings) ?? {})) {
    out[key] = asArray(asObject(v)?.value).filter((x): x is string => typeof x === "string");
  }
  return out;
}

/** The triton kind's backend for `-i grpc`. */
export function createTritonGrpc(options: BackendOptions<TritonOptions>): Backend {
  return new TritonGrpcBackend(options, systemClock);
}
