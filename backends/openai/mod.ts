/**
 * The openai kind's backend, loaded by its descriptor's create() (backends/openai/descriptor.ts):
 * POST /<endpoint> on an OpenAI-compatible server (docs/protocols.md §7) with the request body
 * from --input-data's "payload" (docs/perf_analyzer.md §4.2) or a default prompt, streamed over
 * SSE with --streaming. describe() checks GET /v1/models lists the model; there are no server
 * statistics. Units are output tokens, so core reports the token metrics (embeddings: one
 * response per request, no token metrics).
 */
import type {
  Backend,
  BackendCapabilities,
  BackendOptions,
  Channel,
  ConnectOptions,
  ModelInfo,
  PreparedRequest,
  RequestSpec,
  SessionCapability,
  SessionInputs,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError, UsageError } from "../../core/errors.ts";
import { ProtocolError, TransportError } from "../../wire/http1/connection.ts";
import { HttpLinks } from "../net/http_links.ts";
import { resolveHttpTarget, type ServerTarget } from "../net/http_url.ts";
import { OpenAiChannel } from "./channel.ts";
import { type OpenAiBackendOptions, type OpenAiEndpointPath, receiveConnector } from "./options.ts";
import { encodeOpenAiRequest, type OpenAiEncoding, PAYLOAD_INPUT } from "./request.ts";
import { OpenAiConversation } from "./session.ts";
import { loadTokenCounter, type TokenCounter } from "./tokenizer.ts";

const MODELS_FAILED = "listing the served models (GET /v1/models) failed: ";

/** The ids GET /v1/models lists (`{"object": "list", "data": [{"id": ...}]}`). */
export function servedModels(json: unknown): string[] | undefined {
  const data = (json as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return undefined;
  return data.map((m) => (m as { id?: unknown } | null)?.id).filter((id): id is string =>
    typeof id === "string"
  );
}

export class OpenAiBackend implements Backend, SessionCapability {
  readonly kind = "openai";
  readonly capabilities: BackendCapabilities;
  readonly #target: ServerTarget;
  readonly #links: HttpLinks;
  readonly #channels = new Set<OpenAiChannel>();
  readonly #endpoint: OpenAiEndpointPath;

  constructor(
    private readonly options: BackendOptions<OpenAiBackendOptions>,
    private readonly counter: TokenCounter | null,
    private readonly clock: Clock = systemClock,
  ) {
    const endpoint = options.own.endpoint;
    if (endpoint === "") throw new UsageError("--service-kind openai needs --endpoint");
    if (endpoint === "v1/embeddings" && options.streaming) {
      throw new UsageError("--streaming does not apply to --endpoint v1/embeddings");
    }
    this.#endpoint = endpoint;
    this.capabilities = {
      responses: options.streaming ? "many" : "one",
      units: endpoint === "v1/embeddings" ? "responses" : "tokens",
      endpoint,
    };
    const target = resolveHttpTarget(options.url, options.tls);
    const https = target.tls !== undefined;
    target.connect = receiveConnector(options.own.receiveTimestamps ?? "auto", https);
    this.#target = target;
    this.#links = new HttpLinks(this.#target, options, clock);
  }

  /** The model must be one GET /v1/models lists; the request body is the one input. */
  async describe(model: string, version: string): Promise<ModelInfo> {
    let reply;
    try {
      reply = await this.#links.control.get("/v1/models");
    } catch (e) {
      if (e instanceof TransportError || e instanceof ProtocolError) {
        throw new RunError(`${MODELS_FAILED}${e.message} (is ${this.options.url} serving?)`);
      }
      throw e;
    }
    const served = servedModels(reply.json);
    if (reply.status !== 200 || served === undefined) {
      throw new RunError(`${MODELS_FAILED}HTTP ${reply.status}, ${reply.errorText}`);
    }
    if (!served.includes(model)) {
      const list = served.length === 0 ? "none" : served.map((m) => `'${m}'`).join(", ");
      throw new RunError(
        `model '${model}' is not served by ${this.options.url}; it serves: ${list} (use -m)`,
      );
    }
    const source = this.options.own.payloadFromData
      ? `the "${PAYLOAD_INPUT}" bodies of --input-data`
      : "a default prompt (give --input-data for your own request bodies)";
    const counts = this.counter === null ? "the server's usage" : this.counter.name;
    return {
      name: model,
      version,
      platform: "openai",
      inputs: [{ name: PAYLOAD_INPUT, datatype: "BYTES", shape: [1] }],
      outputs: [],
      maxBatchSize: 0,
      sequence: false,
      responses: this.options.streaming ? "many" : "one",
      dynamicBatching: false,
      responseCache: false,
      notes: [
        `OpenAI-compatible server: POST /${this.#endpoint} with ${source}; token counts from ` +
        `${counts}; reply times stamped by ${
          this.#target.connect === undefined
            ? "the client when it reads (user)"
            : "the kernel as bytes reach the socket"
        }; only client-side statistics are reported.`,
      ],
    };
  }

  prepare(spec: RequestSpec): PreparedRequest {
    return encodeOpenAiRequest(spec, this.#encoding(), this.#countInput());
  }

  /** A multi-turn session (--session-concurrency): each turn carries the history (session.ts). */
  conversation(turns: readonly RequestSpec[], session: SessionInputs): OpenAiConversation {
    return new OpenAiConversation(turns, this.#encoding(), this.#countInput(), session);
  }

  #encoding(): OpenAiEncoding {
    return {
      hostHeader: this.#target.hostHeader,
      headers: this.options.headers,
      endpoint: this.#endpoint,
      streaming: this.options.streaming === true,
      payloadFromData: this.options.own.payloadFromData,
      parameters: this.options.requestParameters,
    };
  }

  #countInput(): ((text: string) => number) | undefined {
    const counter = this.counter;
    return counter === null ? undefined : (text) => counter.count(text);
  }

  connect(options: ConnectOptions = {}): Promise<Channel> {
    const forget = (c: OpenAiChannel) => this.#channels.delete(c);
    const ch = new OpenAiChannel(
      this.#target,
      this.clock,
      this.options.requestTimeoutMs ?? 0,
      this.counter,
      forget,
      options.exportTexts === true,
    );
    this.#channels.add(ch);
    return Promise.resolve(ch);
  }

  close(): Promise<void> {
    for (const ch of [...this.#channels]) ch.close();
    this.#links.close();
    return Promise.resolve();
  }
}

export async function createOpenAiBackend(
  options: BackendOptions<OpenAiBackendOptions>,
): Promise<Backend> {
  const spec = options.own.tokenizer;
  const counter = spec === "server" ? null : await loadTokenCounter(spec);
  return new OpenAiBackend(options, counter);
}
