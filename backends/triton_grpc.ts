/**
 * The Triton / KServe v2 gRPC backend (--service-kind triton -i grpc [--streaming]).
 * Control-plane RPCs use a connection of their own; inference channels are unary ModelInfer
 * calls or, with --streaming, one ModelStreamInfer stream each, sharing HTTP/2 connections
 * (see GRPC_CHANNELS_PER_CONNECTION).
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
} from "../core/backend.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { RunError } from "../core/errors.ts";
import {
  grpcAddress,
  type GrpcCompression,
  headersToMetadata,
  newGrpcClient,
  parseCompression,
} from "./grpc_connection.ts";
import { GrpcCallError, GrpcControl } from "./grpc_control.ts";
import { encodeGrpcInferRequest } from "./grpc_infer_request.ts";
import type { ProtoObject, TritonMethodName } from "./grpc_proto.ts";
import { GrpcCode } from "./grpc_status.ts";
import { GrpcStreamChannel } from "./grpc_stream_channel.ts";
import { GrpcUnaryChannel } from "./grpc_unary_channel.ts";
import { asArray, asObject, type JsonObject } from "./json_fields.ts";
import { NO_STATS_NOTE, normalizeModelInfo } from "./model_info.ts";
import { parseModelStats } from "./model_stats.ts";

const METADATA_FAILED = "failed to get model metadata: ";
const CONFIG_FAILED = "failed to get model config: ";
const STATS_FAILED = "failed to get model statistics: ";

/**
 * Inference channels per HTTP/2 connection. Measured against the reference server (1-64
 * channels, unary and streaming), one shared connection always cost the least CPU per request
 * on both ends and gave the most infer/s: grpc-js under Deno pays per HTTP/2 stream and per
 * socket read/write, and one busy connection packs more frames into each. A new connection
 * starts every 100 channels because many servers and proxies cap concurrent streams per
 * connection at 100, beyond which calls would queue inside grpc-js.
 */
export const GRPC_CHANNELS_PER_CONNECTION = 100;

export interface GrpcTuning {
  /** Channels sharing one connection; default {@link GRPC_CHANNELS_PER_CONNECTION}. */
  channelsPerConnection?: number;
}

export class TritonGrpcBackend implements Backend, ServerStatsCapability {
  readonly kind = "triton";
  readonly #address: string;
  readonly #metadata: grpc.Metadata;
  readonly #compression: GrpcCompression;
  readonly #streaming: boolean;
  readonly #perConnection: number;
  readonly #control: GrpcControl;
  readonly #clients: grpc.Client[] = [];
  /** Open channels per client, so closed channels free their place on a connection. */
  readonly #load: number[] = [];
  readonly #channels = new Set<GrpcUnaryChannel | GrpcStreamChannel>();
  /** describe() results by model name, so prepare() knows which requests are decoupled. */
  readonly #decoupled = new Map<string, boolean>();
  #extensions: Set<string> | undefined;

  constructor(options: BackendOptions, private readonly clock: Clock, tuning: GrpcTuning = {}) {
    this.#address = grpcAddress(options.url);
    this.#metadata = headersToMetadata(options.headers);
    this.#compression = parseCompression(options.grpcCompression);
    this.#streaming = options.streaming === true;
    this.#perConnection = Math.max(1, tuning.channelsPerConnection ?? GRPC_CHANNELS_PER_CONNECTION);
    this.#control = new GrpcControl(this.#address, this.#metadata, this.#compression);
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    await this.#loadExtensions(METADATA_FAILED);
    const request = { name: model, version };
    const md = await this.#rpc("ModelMetadata", request, METADATA_FAILED);
    const info = normalizeModelInfo(md, await this.#config(request), version);
    if (!this.#extensions!.has("statistics")) info.notes.push(NO_STATS_NOTE);
    this.#decoupled.set(model, info.decoupled);
    return info;
  }

  prepare(spec: RequestSpec): PreparedRequest {
    const decoupled = this.#decoupled.get(spec.model) ?? false;
    return encodeGrpcInferRequest(spec, { streaming: this.#streaming, decoupled });
  }

  connect(): Promise<Channel> {
    let index = this.#load.findIndex((n) => n < this.#perConnection);
    if (index < 0) {
      index = this.#clients.length;
      this.#clients.push(newGrpcClient(this.#address, this.#compression));
      this.#load.push(0);
    }
    const client = this.#clients[index];
    this.#load[index]++;
    const forget = (ch: GrpcUnaryChannel | GrpcStreamChannel) => {
      this.#channels.delete(ch);
      this.#load[index]--;
    };
    let ch: GrpcUnaryChannel | GrpcStreamChannel;
    if (this.#streaming) {
      const stream = new GrpcStreamChannel(client.getChannel(), this.#metadata, this.clock, forget);
      stream.open();
      ch = stream;
    } else {
      ch = new GrpcUnaryChannel(client.getChannel(), this.#metadata, this.clock, forget);
    }
    this.#channels.add(ch);
    return Promise.resolve(ch);
  }

  close(): Promise<void> {
    for (const ch of [...this.#channels]) ch.close();
    for (const client of this.#clients) client.close();
    this.#clients.length = 0;
    this.#load.length = 0;
    this.#control.close();
    return Promise.resolve();
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
