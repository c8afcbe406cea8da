/**
 * TF Serving over its REST API (--service-kind tfserving -i http, an extension perf_analyzer
 * lacks): metadata from GET /v1/models/{m}[/versions/{v} | /labels/{l}]/metadata, inference as
 * POST ...:predict with a columnar {"signature_name", "inputs"} body built once at prepare time
 * and sent on the hand-written HTTP/1.1 client. No server statistics (TF Serving has none).
 */
import type {
  Backend,
  BackendOptions,
  Channel,
  ConnectOptions,
  ModelInfo,
  RequestSpec,
  TensorInfo,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import { METADATA_FAILED } from "../net/control_errors.ts";
import { HttpLinks } from "../net/http_links.ts";
import { ProtocolError, TransportError } from "../../wire/http1/connection.ts";
import { resolveHttpTarget, type ServerTarget } from "../net/http_url.ts";
import { headerBlock } from "../net/http_request.ts";
import { DEFAULT_SIGNATURE } from "../../wire/tfserving/proto.ts";
import { restPredictBody } from "./request.ts";
import { PreparedRestPredict, restReplies } from "./rest_replies.ts";
import { modelInfoFromSignature, signatureDefs } from "./signature.ts";
import type { TfServingOptions } from "./options.ts";

const utf8 = new TextEncoder();

/** /v1/models/{m}, then /versions/{v} for a number or /labels/{l} for a label. */
export function restModelPath(model: string, version: string): string {
  const m = `/v1/models/${encodeURIComponent(model)}`;
  if (version === "") return m;
  const kind = /^\d+$/.test(version) ? "versions" : "labels";
  return `${m}/${kind}/${encodeURIComponent(version)}`;
}

export class TfServingRestBackend implements Backend {
  readonly kind = "tfserving";
  readonly #target: ServerTarget;
  readonly #links: HttpLinks;
  readonly #signature: string;
  #outputs: TensorInfo[] = [];

  constructor(
    private readonly options: BackendOptions<TfServingOptions>,
    clock: Clock,
  ) {
    this.#target = resolveHttpTarget(options.url, options.tls);
    this.#links = new HttpLinks(this.#target, options, clock);
    this.#signature = options.own.signatureName ?? DEFAULT_SIGNATURE;
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    let reply;
    try {
      reply = await this.#links.control.get(`${restModelPath(model, version)}/metadata`);
    } catch (e) {
      if (e instanceof TransportError || e instanceof ProtocolError) {
        throw new RunError(
          `${METADATA_FAILED}${e.message} (is ${this.options.url} TF Serving REST?)`,
        );
      }
      throw e;
    }
    if (reply.status !== 200 || typeof reply.json !== "object" || reply.json === null) {
      throw new RunError(`${METADATA_FAILED}HTTP ${reply.status}, ${reply.errorText}`);
    }
    const defs = signatureDefs(reply.json as Record<string, unknown>);
    const info = modelInfoFromSignature(model, version, this.#signature, defs);
    this.#outputs = info.outputs;
    return info;
  }

  prepare(spec: RequestSpec): PreparedRestPredict {
    const body = utf8.encode(restPredictBody(spec, this.#signature));
    const head = utf8.encode(
      `POST ${restModelPath(spec.model, spec.version)}:predict HTTP/1.1\r\n` +
        headerBlock({ headers: this.options.headers }, [
          ["Host", this.#target.hostHeader],
          ["Content-Type", "application/json"],
          ["Content-Length", String(body.length)],
          ["Connection", "keep-alive"],
        ]) + "\r\n",
    );
    const bytes = new Uint8Array(head.length + body.length);
    bytes.set(head);
    bytes.set(body, head.length);
    return new PreparedRestPredict(bytes);
  }

  connect(options: ConnectOptions = {}): Promise<Channel> {
    const capture = options.captureOutputs === true;
    return Promise.resolve(this.#links.channel(restReplies(capture ? this.#outputs : undefined)));
  }

  close(): Promise<void> {
    this.#links.close();
    return Promise.resolve();
  }
}

export function createTfServingRest(options: BackendOptions<TfServingOptions>): Backend {
  return new TfServingRestBackend(options, systemClock);
}
