/**
 * The Triton / KServe v2 HTTP backend (--service-kind triton -i http). Control-plane calls
 * share one keep-alive connection; each channel from connect() is its own connection.
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
  RequestSpec,
  ServerStatsCapability,
  VersionedModelStats,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import type { JsonReply } from "../net/control_client.ts";
import {
  CONFIG_FAILED,
  METADATA_FAILED,
  type PortHints,
  STATS_FAILED,
} from "../net/control_errors.ts";
import { isSuccess } from "../net/http_channel.ts";
import { HttpLinks } from "../net/http_links.ts";
import { ProtocolError, TransportError } from "../../wire/http1/connection.ts";
import { resolveHttpTarget, type ServerTarget } from "../net/http_url.ts";
import { encodeInferRequest, inferPath } from "./infer_request.ts";
import { asArray, asObject, type JsonObject } from "../shared/json_fields.ts";
import { NO_STATS_NOTE, normalizeModelInfo, withComposing } from "../shared/model_info.ts";
import { indexEntries, unknownModelHint } from "../shared/model_index.ts";
import { parseAllModelStats, parseModelStats } from "../shared/model_stats.ts";
import { ShmChannel, shmRegionsFor } from "./shm_channel.ts";
import type { ShmRegions } from "./shm_regions.ts";
import { tritonCapabilities, type TritonOptions } from "./options.ts";
import { tritonReplies } from "./http_replies.ts";
import { TraceSettings, type TraceValues } from "./trace_settings.ts";

const SHM_PATH = "/v2/systemsharedmemory";

/** What to try when -u reaches no HTTP server. */
const HTTP_HINTS: PortHints = {
  usualPort: "Triton's default is 8000",
  switchProtocol: "add -i grpc",
};

export class TritonHttpBackend implements Backend, ServerStatsCapability, AllModelStatsCapability {
  readonly kind = "triton";
  readonly capabilities: BackendCapabilities;
  readonly #target: ServerTarget;
  readonly #links: HttpLinks;
  #extensions: Set<string> | undefined;
  readonly #shm: ShmRegions | undefined;
  /** Output names by model from describe(): shared memory needs them named. */
  readonly #outputs = new Map<string, string[]>();
  readonly #trace: TraceSettings;

  constructor(
    private readonly options: BackendOptions<TritonOptions>,
    private readonly clock: Clock,
  ) {
    this.#trace = new TraceSettings(options.own.trace, {
      read: async (model) => {
        const reply = await this.#get(tracePath(model), "");
        if (!isSuccess(reply.status)) throw new RunError(reply.errorText);
        return traceValues(asObject(reply.json) ?? {});
      },
      write: (model, values) => this.#post(tracePath(model), traceJson(values), ""),
    });
    this.capabilities = tritonCapabilities(options);
    this.#target = resolveHttpTarget(options.url, options.tls);
    this.#links = new HttpLinks(this.#target, options, clock, HTTP_HINTS);
    this.#shm = shmRegionsFor(options.own, {
      register: (name, key, byteSize) =>
        this.#post(
          `${SHM_PATH}/region/${encodeURIComponent(name)}/register`,
          JSON.stringify({ key, offset: 0, byte_size: byteSize }),
          `failed to register shared memory region '${name}': `,
        ),
      unregister: (name) =>
        this.#post(
          `${SHM_PATH}/region/${encodeURIComponent(name)}/unregister`,
          "",
          `failed to unregister shared memory region '${name}': `,
        ),
    });
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    await this.#loadExtensions(METADATA_FAILED);
    const base = inferPath(model, version);
    const md = await this.#get(base, METADATA_FAILED);
    if (!isSuccess(md.status)) {
      throw new RunError(METADATA_FAILED + md.errorText + await this.#indexHint(model));
    }
    const config = await this.#config(base);
    const info = await withComposing(
      normalizeModelInfo(md.json, config, version),
      config,
      (m, v) => this.#config(inferPath(m, v)),
    );
    if (!this.#extensions!.has("statistics")) info.notes.push(NO_STATS_NOTE);
    this.#outputs.set(model, info.outputs.map((o) => o.name));
    // The first model described is the run's: its trace settings are set before any load.
    await this.#trace.apply(model);
    return info;
  }

  prepare(spec: RequestSpec): PreparedRequest {
    const outputs = spec.outputs.length > 0 ? spec.outputs : this.#outputs.get(spec.model) ?? [];
    return encodeInferRequest(spec, {
      shm: this.#shm?.layout(spec.inputs, outputs, spec.batchSize),
      path: inferPath(spec.model, spec.version) + "/infer",
      hostHeader: this.#target.hostHeader,
      headers: this.options.headers,
      inputFormat: this.options.own.inputTensorFormat ?? "binary",
      outputFormat: this.options.own.outputTensorFormat ?? "binary",
      parameters: this.options.requestParameters,
    });
  }

  async connect(options: ConnectOptions = {}): Promise<Channel> {
    await this.#shm?.ensureRegistered();
    const ch = this.#links.channel(tritonReplies(options.captureOutputs === true));
    return this.#shm === undefined ? ch : new ShmChannel(ch, this.#shm, this.clock);
  }

  async close(): Promise<void> {
    // Regions are unregistered over the control connection, so it closes last.
    this.#links.closeChannels();
    try {
      // Each cleanup runs even when the other fails.
      await this.#trace.restore().finally(() => this.#shm?.release());
    } finally {
      this.#links.close();
    }
  }

  async serverStats(model: string, version: string): Promise<ModelStats | undefined> {
    await this.#loadExtensions(STATS_FAILED);
    if (!this.#extensions!.has("statistics")) return undefined;
    const reply = await this.#get(inferPath(model, version) + "/stats", STATS_FAILED);
    if (!isSuccess(reply.status)) throw new RunError(STATS_FAILED + reply.errorText);
    return parseModelStats(reply.json, model, version);
  }

  async allModelStats(): Promise<VersionedModelStats[]> {
    const reply = await this.#get("/v2/models/stats", STATS_FAILED);
    if (!isSuccess(reply.status)) throw new RunError(STATS_FAILED + reply.errorText);
    return parseAllModelStats(reply.json);
  }

  /** GET /v2 once. A server failing it is treated as listing no extensions. */
  async #loadExtensions(prefix: string): Promise<void> {
    if (this.#extensions) return;
    const reply = await this.#get("/v2", prefix);
    const list = isSuccess(reply.status) ? asArray(asObject(reply.json)?.extensions) : [];
    this.#extensions = new Set(list.filter((x): x is string => typeof x === "string"));
  }

  /**
   * The model configuration, or undefined for servers without the endpoint (MLServer, KServe
   * python servers answer 404/400/501). Triton answers 400 for real errors, so 400 means
   * "no endpoint" only when the server does not list the model_configuration extension.
   */
  async #config(base: string): Promise<JsonObject | undefined> {
    const listed = this.#extensions!.has("model_configuration");
    const reply = await this.#get(base + "/config", CONFIG_FAILED);
    const s = reply.status;
    if (isSuccess(s)) {
      // An all-default config is printed as an empty body.
      if (reply.json === undefined) return {};
      const cfg = asObject(reply.json);
      if (!cfg) throw new RunError(CONFIG_FAILED + "the server returned no JSON object");
      return cfg;
    }
    if (s === 404 || s === 405 || s === 501 || (s === 400 && !listed)) return undefined;
    throw new RunError(CONFIG_FAILED + reply.errorText);
  }

  /**
   * What the repository index says about a refused model (the models there are), or "" when
   * the server cannot tell: then the server's own message stands alone.
   */
  async #indexHint(model: string): Promise<string> {
    try {
      const reply = await this.#links.control.post("/v2/repository/index", "{}");
      if (!isSuccess(reply.status) || !Array.isArray(reply.json)) return "";
      return unknownModelHint(model, indexEntries(reply.json));
    } catch {
      return "";
    }
  }

  async #post(path: string, body: string, prefix: string): Promise<void> {
    const reply = await this.#guard(this.#links.control.post(path, body), prefix);
    if (!isSuccess(reply.status)) throw new RunError(prefix + reply.errorText);
  }

  #get(path: string, prefix: string): Promise<JsonReply> {
    return this.#guard(this.#links.control.get(path), prefix);
  }

  /** Transport and protocol failures of a control call as the run's error, with `prefix`. */
  async #guard(call: Promise<JsonReply>, prefix: string): Promise<JsonReply> {
    try {
      return await call;
    } catch (e) {
      if (e instanceof TransportError) {
        throw new RunError(`${prefix}HTTP client failed: ${e.message}`);
      }
      if (e instanceof ProtocolError) throw new RunError(`${prefix}${e.message}`);
      throw e;
    }
  }
}

/** A model's trace settings (no version: Triton's trace settings are per model). */
function tracePath(model: string): string {
  return `/v2/models/${encodeURIComponent(model)}/trace/setting`;
}

/** Triton's JSON settings (trace_level a list, the rest strings) as lists of strings. */
function traceValues(json: JsonObject): TraceValues {
  const out: TraceValues = {};
  for (const [key, v] of Object.entries(json)) {
    if (typeof v === "string") out[key] = [v];
    else if (Array.isArray(v)) out[key] = v.filter((x): x is string => typeof x === "string");
  }
  return out;
}

/** Lists of strings as Triton's JSON takes them: trace_level a list, the rest one string. */
function traceJson(values: TraceValues): string {
  const body = Object.fromEntries(
    Object.entries(values).map(([key, v]) => [key, key === "trace_level" ? v : v[0]]),
  );
  return JSON.stringify(body);
}

/** The triton kind's backend for `-i http`. */
export function createTritonHttp(options: BackendOptions<TritonOptions>): Backend {
  return new TritonHttpBackend(options, systemClock);
}
