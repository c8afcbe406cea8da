/**
 * The torchserve kind's backend, loaded by its descriptor's create()
 * (backends/torchserve/descriptor.ts): POST /predictions/{model}[/{version}] on TorchServe's
 * inference port with each request's body read from the file its TORCHSERVE_INPUT entry names
 * (docs/perf_analyzer.md §4.2, docs/protocols.md §5.1). Health is GET /ping.
 * The inference port has no metadata or statistics API, so describe() synthesizes the model and
 * the report is client-side only (no ServerStats capability).
 */
import type {
  Backend,
  BackendOptions,
  Channel,
  ModelInfo,
  PreparedRequest,
  RequestSpec,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import { ProtocolError, TransportError } from "../../wire/http1/connection.ts";
import { resolveHttpTarget, type ServerTarget } from "../net/http_url.ts";
import type { TorchServeOptions } from "./options.ts";
import { HttpLinks } from "../net/http_links.ts";
import { TORCHSERVE_REPLIES } from "./replies.ts";
import { encodePrediction, TORCHSERVE_INPUT } from "./request.ts";

/** Printed once at startup: why the model looks the way it does. */
export const TORCHSERVE_MODEL_NOTE = "TorchServe has no model metadata API on its inference " +
  `port: the model is taken to have one BYTES input ${TORCHSERVE_INPUT} (a file path from ` +
  "--input-data, whose content is sent as the multipart field 'data'), no declared outputs " +
  "and no batching; only client-side statistics are reported.";

const HEALTH_FAILED = "TorchServe health check (GET /ping) failed: ";

export class TorchServeBackend implements Backend {
  readonly kind = "torchserve";
  readonly #target: ServerTarget;
  readonly #links: HttpLinks;

  constructor(
    private readonly options: BackendOptions<TorchServeOptions>,
    clock: Clock = systemClock,
    private readonly readFile: (path: string) => Uint8Array = Deno.readFileSync,
  ) {
    this.#target = resolveHttpTarget(options.url, options.tls);
    this.#links = new HttpLinks(this.#target, options, clock);
  }

  /** Checks /ping, then describes the one input perf_analyzer's torchserve mode uses. */
  async describe(model: string, version: string): Promise<ModelInfo> {
    await this.health();
    return {
      name: model,
      version,
      platform: "torchserve",
      inputs: [{ name: TORCHSERVE_INPUT, datatype: "BYTES", shape: [1] }],
      outputs: [],
      maxBatchSize: 0,
      sequence: false,
      responses: "one",
      dynamicBatching: false,
      responseCache: false,
      notes: [TORCHSERVE_MODEL_NOTE],
    };
  }

  /** GET /ping must answer 200 {"status": "Healthy"}; anything else is a clear RunError. */
  async health(): Promise<void> {
    let reply;
    try {
      reply = await this.#links.control.get("/ping");
    } catch (e) {
      if (e instanceof TransportError || e instanceof ProtocolError) {
        throw new RunError(`${HEALTH_FAILED}${e.message} (is ${this.options.url} TorchServe?)`);
      }
      throw e;
    }
    const status = (reply.json as { status?: unknown } | undefined)?.status;
    if (reply.status !== 200 || status !== "Healthy") {
      const said = status === undefined ? reply.errorText : `status "${String(status)}"`;
      throw new RunError(`${HEALTH_FAILED}HTTP ${reply.status}, ${said}`);
    }
  }

  prepare(spec: RequestSpec): PreparedRequest {
    return encodePrediction(spec, {
      hostHeader: this.#target.hostHeader,
      headers: this.options.headers,
      body: this.options.own.body,
      readFile: this.readFile,
    });
  }

  connect(): Promise<Channel> {
    return Promise.resolve(this.#links.channel(TORCHSERVE_REPLIES));
  }

  close(): Promise<void> {
    this.#links.close();
    return Promise.resolve();
  }
}

export function createTorchServeBackend(options: BackendOptions<TorchServeOptions>): Backend {
  return new TorchServeBackend(options, systemClock);
}
