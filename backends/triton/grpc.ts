/**
 * The Triton / KServe v2 gRPC backend (--service-kind triton -i grpc [--streaming]).
 * Control-plane RPCs use a grpc-js connection of their own; inference channels are unary
 * ModelInfer calls or, with --streaming, one ModelStreamInfer stream each, sharing HTTP/2
 * connections (see GRPC_CHANNELS_PER_CONNECTION) of the client GRPC_INFER_TRANSPORT picks.
 */
import type * as grpc from "@grpc/grpc-js";
import type {
  Backend,
  BackendOptions,
  Channel,
  ModelInfo,
  ModelStats,
  PreparedRequest,
  RequestSpec,
  ServerStatsCapability,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import {
  grpcAddress,
  type GrpcCompression,
  grpcTls,
  headersToMetadata,
  newGrpcClient,
  parseCompression,
} from "./grpc_connection.ts";
import { GrpcCallError, GrpcControl } from "./grpc_control.ts";
import { encodeGrpcInferRequest } from "./grpc_infer_request.ts";
import {
  MODEL_INFER_PATH,
  MODEL_STREAM_INFER_PATH,
  type ProtoObject,
  type TritonMethodName,
} from "./grpc_proto.ts";
import { GrpcCode } from "../net/grpc_status.ts";
import { CONFIG_FAILED, METADATA_FAILED, STATS_FAILED } from "../net/control_errors.ts";
import { GrpcStreamChannel } from "./grpc_stream_channel.ts";
import { GrpcUnaryChannel } from "./grpc_unary_channel.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import type { TlsMaterial } from "../net/tls_connect.ts";
import { requestHeaderBlock } from "../net/h2_grpc_call.ts";
import { H2StreamChannel } from "./h2_stream_channel.ts";
import { H2UnaryChannel } from "./h2_unary_channel.ts";
import { asArray, asObject, type JsonObject } from "./json_fields.ts";
import { NO_STATS_NOTE, normalizeModelInfo } from "./model_info.ts";
import { parseModelStats } from "./model_stats.ts";
import { ShmChannel, shmRegionsFor } from "./shm_channel.ts";
import type { ShmRegions } from "./shm_regions.ts";

/**
 * Inference channels per HTTP/2 connection. Measured against the reference server (1-64
 * channels, unary and streaming), one shared connection always cost the least CPU per request
 * on both ends and gave the most infer/s: grpc-js under Deno pays per HTTP/2 stream and per
 * socket read/write, and one busy connection packs more frames into each. A new connection
 * starts every 100 channels because many servers and proxies cap concurrent streams per
 * connection at 100, beyond which calls would queue inside grpc-js (the hand-written client
 * also follows the server's SETTINGS_MAX_CONCURRENT_STREAMS, see H2Endpoint).
 */
export const GRPC_CHANNELS_PER_CONNECTION = 100;

/**
 * Which client carries inference calls: "h2" is the hand-written HTTP/2 client
 * (backends/net/h2_client.ts), "grpc-js" is @grpc/grpc-js on Deno's node:http2. Control calls
 * (metadata, config, statistics) always use grpc-js. Compressed requests always use grpc-js:
 * the hand-written client sends identity-encoded messages only.
 */
export type GrpcInferTransport = "grpc-js" | "h2";

/**
 * The hand-written client, because grpc-js on Deno's node:http2 both crashes the process on
 * GOAWAY after ~100 streams (denoland/deno#36788) and costs far more per call. Measured in one
 * run (scripts/bench_grpc_channel.ts 3 s, reference server in its own process, one
 * connection), infer/s and client CPU us/request, grpc-js -> h2:
 *   unary   1 ch:  2.1k, 238 us ->  4.5k,  58 us    stream  1 ch:  8.2k, 66 us -> 12.3k,  26 us
 *   unary  16 ch:  5.1k, 101 us -> 25.2k, 8.2 us    stream 16 ch: 33.2k, 24 us -> 40.1k, 5.0 us
 *   unary  64 ch: 10.8k,  79 us -> 31.0k, 6.7 us    stream 64 ch: 38.5k, 21 us -> 50.2k, 3.3 us
 * With h2 the reference server's CPU, not the client's, is the limit at every level.
 */
export const GRPC_INFER_TRANSPORT: GrpcInferTransport = "h2";

export interface GrpcTuning {
  /** Channels sharing one connection; default {@link GRPC_CHANNELS_PER_CONNECTION}. */
  channelsPerConnection?: number;
  /** Default {@link GRPC_INFER_TRANSPORT}. */
  transport?: GrpcInferTransport;
}

type InferChannel = GrpcUnaryChannel | GrpcStreamChannel | H2UnaryChannel | H2StreamChannel;

/** "host:port" (IPv6 hosts in brackets) split for Deno.connect. */
function splitAddress(address: string): { hostname: string; port: number } {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at);
  return { hostname: host.replace(/^\[(.*)\]$/, "$1"), port: Number(address.slice(at + 1)) };
}

export class TritonGrpcBackend implements Backend, ServerStatsCapability {
  readonly kind = "triton";
  readonly #address: string;
  /** --ssl-grpc-use-ssl: the files read once, shared by every connection. */
  readonly #tls: TlsMaterial | undefined;
  readonly #metadata: grpc.Metadata;
  readonly #compression: GrpcCompression;
  readonly #streaming: boolean;
  readonly #perConnection: number;
  readonly #control: GrpcControl;
  readonly #transport: GrpcInferTransport;
  readonly #headers: [string, string][];
  readonly #clients: grpc.Client[] = [];
  readonly #endpoints: H2Endpoint[] = [];
  /** Open channels per client, so closed channels free their place on a connection. */
  readonly #load: number[] = [];
  readonly #channels = new Set<InferChannel>();
  /** describe() results by model name, so prepare() knows which requests are decoupled. */
  readonly #decoupled = new Map<string, boolean>();
  /** Output names by model from describe(): shared memory needs them named. */
  readonly #outputs = new Map<string, string[]>();
  #extensions: Set<string> | undefined;
  readonly #shm: ShmRegions | undefined;

  constructor(
    private readonly options: BackendOptions,
    private readonly clock: Clock,
    tuning: GrpcTuning = {},
  ) {
    this.#address = grpcAddress(options.url);
    this.#tls = grpcTls(options.url, options.tls);
    this.#metadata = headersToMetadata(options.headers);
    this.#compression = parseCompression(options.grpcCompression);
    this.#streaming = options.streaming === true;
    this.#perConnection = Math.max(1, tuning.channelsPerConnection ?? GRPC_CHANNELS_PER_CONNECTION);
    this.#control = new GrpcControl(
      this.#address,
      this.#metadata,
      this.#compression,
      this.#tls,
    );
    this.#headers = options.headers;
    const transport = tuning.transport ?? GRPC_INFER_TRANSPORT;
    this.#transport = this.#compression === "none" ? transport : "grpc-js";
    const region = (what: string, name: string) =>
      `failed to ${what} shared memory region '${name}': `;
    this.#shm = shmRegionsFor(options, {
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

  /** The client carrying inference calls (grpc-js whenever requests are compressed). */
  get transport(): GrpcInferTransport {
    return this.#transport;
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    await this.#loadExtensions(METADATA_FAILED);
    const request = { name: model, version };
    const md = await this.#rpc("ModelMetadata", request, METADATA_FAILED);
    const info = normalizeModelInfo(md, await this.#config(request), version);
    if (!this.#extensions!.has("statistics")) info.notes.push(NO_STATS_NOTE);
    this.#decoupled.set(model, info.decoupled);
    this.#outputs.set(model, info.outputs.map((o) => o.name));
    return info;
  }

  prepare(spec: RequestSpec): PreparedRequest {
    const decoupled = this.#decoupled.get(spec.model) ?? false;
    const outputs = spec.outputs.length > 0 ? spec.outputs : this.#outputs.get(spec.model) ?? [];
    const shm = this.#shm?.layout(spec.inputs, outputs, spec.batchSize);
    return encodeGrpcInferRequest(spec, { streaming: this.#streaming, decoupled, shm });
  }

  async connect(): Promise<Channel> {
    await this.#shm?.ensureRegistered();
    let index = this.#load.findIndex((n) => n < this.#perConnection);
    if (index < 0) {
      index = this.#load.length;
      if (this.#transport === "h2") {
        const { hostname, port } = splitAddress(this.#address);
        this.#endpoints.push(new H2Endpoint(hostname, port, this.#tls));
      } else this.#clients.push(newGrpcClient(this.#address, this.#compression, this.#tls));
      this.#load.push(0);
    }
    this.#load[index]++;
    const forget = (ch: InferChannel) => {
      this.#channels.delete(ch);
      this.#load[index]--;
    };
    const ch = this.#transport === "h2"
      ? this.#h2Channel(this.#endpoints[index], forget)
      : this.#grpcJsChannel(this.#clients[index], forget);
    this.#channels.add(ch);
    return this.#shm === undefined ? ch : new ShmChannel(ch, this.#shm, this.clock);
  }

  /**
   * Read per channel, not at construction: the run turns it on once it knows there is
   * validation data, after creating the backend.
   */
  get #capture(): boolean {
    return this.options.captureOutputs === true;
  }

  #h2Channel(endpoint: H2Endpoint, forget: (ch: InferChannel) => void): InferChannel {
    const path = this.#streaming ? MODEL_STREAM_INFER_PATH : MODEL_INFER_PATH;
    const block = requestHeaderBlock(path, this.#address, this.#headers);
    const capture = this.#capture;
    if (!this.#streaming) return new H2UnaryChannel(endpoint, block, this.clock, forget, capture);
    const stream = new H2StreamChannel(endpoint, block, this.clock, forget, capture);
    stream.open();
    return stream;
  }

  #grpcJsChannel(client: grpc.Client, forget: (ch: InferChannel) => void): InferChannel {
    const args = [client.getChannel(), this.#metadata, this.clock, forget, this.#capture] as const;
    if (!this.#streaming) return new GrpcUnaryChannel(...args);
    const stream = new GrpcStreamChannel(...args);
    stream.open();
    return stream;
  }

  async close(): Promise<void> {
    for (const ch of [...this.#channels]) ch.close();
    await this.#shm?.release();
    for (const client of this.#clients) client.close();
    const endpoints = this.#endpoints.splice(0);
    this.#clients.length = 0;
    this.#load.length = 0;
    this.#control.close();
    await Promise.all(endpoints.map((e) => e.close()));
  }

  async serverStats(model: string, version: string): Promise<ModelStats | undefined> {
    await this.#loadExtensions(STATS_FAILED);
    if (!this.#extensions!.has("statistics")) return undefined;
    const reply = await this.#rpc("ModelStatistics", { name: model, version }, STATS_FAILED);
    return parseModelStats(reply, model, version);
  }

  /** ServerMetadata once. A server failing it (but reachable) lists no extensions. */
  async #loadExtensions(prefix: string): Promise<void> {
    if (this.#extensions) return;
    let list: unknown[] = [];
    try {
      list = asArray((await this.#control.call("ServerMetadata", {})).extensions);
    } catch (e) {
      if (!(e instanceof GrpcCallError) || e.code === GrpcCode.UNAVAILABLE) {
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
      const reply = await this.#control.call("ModelConfig", request);
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

  async #rpc(name: TritonMethodName, request: ProtoObject, prefix: string): Promise<ProtoObject> {
    try {
      return await this.#control.call(name, request);
    } catch (e) {
      if (e instanceof GrpcCallError) throw new RunError(prefix + e.message);
      throw e;
    }
  }
}

/** The "triton" factory calls this for `-i grpc`. */
export function createTritonGrpc(options: BackendOptions): Backend {
  return new TritonGrpcBackend(options, systemClock);
}
