/**
 * TF Serving over gRPC (--service-kind tfserving -i grpc): Predict calls and GetModelMetadata
 * on the hand-written HTTP/2 client (the latter on a connection of its own), with the
 * PredictRequest encoded (and, with --grpc-compression-algorithm, compressed) once. TF Serving
 * is a standard gRPC server, which inflates gzip and deflate requests. Unary only, as in
 * perf_analyzer; no server statistics (TF Serving has none).
 */
import { PredictResponseWalk } from "./predict_reply.ts";
import type {
  Backend,
  BackendOptions,
  Channel,
  ConnectOptions,
  ModelInfo,
  RequestSpec,
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
import type { GrpcCompression } from "../net/grpc_compression.ts";
import { METADATA_FAILED } from "../net/control_errors.ts";
import { requestHeaderBlock, withGrpcTimeout } from "../net/h2_grpc_call.ts";
import { controlTimeoutMs } from "../net/control_timeout.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import { H2UnaryChannel } from "../net/h2_unary_channel.ts";
import { capturePredictOutputs } from "./outputs.ts";
import {
  DEFAULT_SIGNATURE,
  METADATA_PATH,
  PREDICT_PATH,
  SIGNATURE_DEF_FIELD,
  tfMessages,
  type TfObject,
} from "../../wire/tfserving/proto.ts";
import { encodePredictRequest, modelSpec, PreparedPredict } from "./request.ts";
import { modelInfoFromSignature, signatureDefs } from "./signature.ts";
import type { TfServingOptions } from "./options.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";

/** TF Serving's gRPC port, used when -u names a host without one. */
export const TF_GRPC_PORT = 8500;

export class TfServingGrpcBackend implements Backend {
  readonly kind = "tfserving";
  readonly #target: GrpcTarget;
  readonly #metadata: [string, string][];
  readonly #tls: TlsMaterial | undefined;
  readonly #control: GrpcControl;
  readonly #signature: string;
  readonly #compression: GrpcCompression;
  readonly #channels = new Set<H2UnaryChannel<PreparedPredict>>();
  #endpoint: H2Endpoint | undefined;

  constructor(
    private readonly options: BackendOptions<TfServingOptions>,
    private readonly clock: Clock,
  ) {
    this.#target = grpcTarget(options.url, TF_GRPC_PORT);
    this.#tls = grpcTls(options.url, options.tls);
    this.#metadata = grpcMetadata(options.headers);
    this.#signature = options.own.signatureName ?? DEFAULT_SIGNATURE;
    this.#compression = parseCompression(options.grpcCompression);
    const timeoutMs = options.requestTimeoutMs ?? 0;
    this.#control = new GrpcControl(
      this.#target,
      this.#metadata,
      this.#tls,
      undefined,
      controlTimeoutMs(timeoutMs),
    );
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    const m = tfMessages();
    let reply: TfObject;
    try {
      const request = m.GetModelMetadataRequest.encode({
        model_spec: modelSpec(model, version, this.#signature),
        metadata_field: [SIGNATURE_DEF_FIELD],
      });
      reply = m.GetModelMetadataResponse.decode(
        await this.#control.call(METADATA_PATH, request),
      );
    } catch (e) {
      if (e instanceof GrpcCallError) throw new RunError(METADATA_FAILED + e.message);
      throw e;
    }
    return modelInfoFromSignature(model, version, this.#signature, signatureDefs(reply));
  }

  prepare(spec: RequestSpec): PreparedPredict {
    return encodePredictRequest(spec, this.#signature, this.#compression);
  }

  connect(options: ConnectOptions = {}): Promise<Channel> {
    const { hostname, port, authority } = this.#target;
    this.#endpoint ??= new H2Endpoint(hostname, port, this.#tls);
    const timeoutMs = this.options.requestTimeoutMs ?? 0;
    const metadata = withGrpcTimeout(this.#metadata, timeoutMs);
    const block = requestHeaderBlock(PREDICT_PATH, authority, metadata, this.#compression);
    const ch = new H2UnaryChannel(
      this.#endpoint,
      block,
      this.clock,
      PreparedPredict,
      (c) => this.#channels.delete(c),
      options.captureOutputs === true ? capturePredictOutputs : undefined,
      timeoutMs,
      new PredictResponseWalk(),
    );
    this.#channels.add(ch);
    return Promise.resolve(ch);
  }

  async close(): Promise<void> {
    for (const ch of [...this.#channels]) ch.close();
    const endpoint = this.#endpoint;
    this.#endpoint = undefined;
    await Promise.all([this.#control.close(), endpoint?.close()]);
  }
}

export function createTfServingGrpc(options: BackendOptions<TfServingOptions>): Backend {
  return new TfServingGrpcBackend(options, systemClock);
}
