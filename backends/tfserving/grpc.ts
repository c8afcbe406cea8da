/**
 * TF Serving over gRPC (--service-kind tfserving -i grpc): Predict calls on the hand-written
 * HTTP/2 client with the PredictRequest encoded once, GetModelMetadata on a grpc-js control
 * connection. Unary only, as in perf_analyzer; no server statistics (TF Serving has none).
 */
import type { Buffer } from "node:buffer";
import type {
  Backend,
  BackendOptions,
  Channel,
  ModelInfo,
  RequestSpec,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import { grpcAddress, grpcTls, headersToMetadata } from "../triton/grpc_connection.ts";
import { GrpcCallError, GrpcControl } from "../triton/grpc_control.ts";
import type { PreparedGrpcInfer } from "../triton/grpc_infer_request.ts";
import { requestHeaderBlock } from "../net/h2_grpc_call.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import { H2UnaryChannel } from "../triton/h2_unary_channel.ts";
import { capturePredictOutputs } from "./outputs.ts";
import {
  DEFAULT_SIGNATURE,
  METADATA_PATH,
  PREDICT_PATH,
  SIGNATURE_DEF_FIELD,
  tfMessages,
  type TfObject,
} from "../../wire/tfserving/proto.ts";
import { encodePredictRequest, modelSpec } from "./request.ts";
import { modelInfoFromSignature, signatureDefs } from "./signature.ts";
import type { TlsMaterial } from "../net/tls_connect.ts";

/** TF Serving's gRPC port, used when -u names a host without one. */
export const TF_GRPC_PORT = 8500;

const METADATA_FAILED = "failed to get model metadata: ";

export class TfServingGrpcBackend implements Backend {
  readonly kind = "tfserving";
  readonly #address: string;
  readonly #tls: TlsMaterial | undefined;
  readonly #control: GrpcControl;
  readonly #signature: string;
  readonly #channels = new Set<H2UnaryChannel>();
  #endpoint: H2Endpoint | undefined;

  constructor(private readonly options: BackendOptions, private readonly clock: Clock) {
    if ((options.grpcCompression ?? "none") !== "none") {
      throw new RunError(
        `--grpc-compression-algorithm ${options.grpcCompression} is not supported with ` +
          "--service-kind tfserving; leave it at none",
      );
    }
    this.#address = grpcAddress(options.url, TF_GRPC_PORT);
    this.#tls = grpcTls(options.url, options.tls);
    this.#signature = options.modelSignatureName ?? DEFAULT_SIGNATURE;
    this.#control = new GrpcControl(
      this.#address,
      headersToMetadata(options.headers),
      "none",
      this.#tls,
    );
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    const m = tfMessages();
    let reply: TfObject;
    try {
      reply = await this.#control.callPath(
        METADATA_PATH,
        (v: TfObject) => m.GetModelMetadataRequest.encode(v) as Buffer,
        (b: Buffer) => m.GetModelMetadataResponse.decode(b),
        {
          model_spec: modelSpec(model, version, this.#signature),
          metadata_field: [SIGNATURE_DEF_FIELD],
        },
      );
    } catch (e) {
      if (e instanceof GrpcCallError) throw new RunError(METADATA_FAILED + e.message);
      throw e;
    }
    return modelInfoFromSignature(model, version, this.#signature, signatureDefs(reply));
  }

  prepare(spec: RequestSpec): PreparedGrpcInfer {
    return encodePredictRequest(spec, this.#signature);
  }

  connect(): Promise<Channel> {
    if (this.#endpoint === undefined) {
      const at = this.#address.lastIndexOf(":");
      const host = this.#address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
      this.#endpoint = new H2Endpoint(host, Number(this.#address.slice(at + 1)), this.#tls);
    }
    const block = requestHeaderBlock(PREDICT_PATH, this.#address, this.options.headers);
    const ch = new H2UnaryChannel(
      this.#endpoint,
      block,
      this.clock,
      (c) => this.#channels.delete(c),
      this.options.captureOutputs === true,
      capturePredictOutputs,
    );
    this.#channels.add(ch);
    return Promise.resolve(ch);
  }

  async close(): Promise<void> {
    for (const ch of [...this.#channels]) ch.close();
    this.#control.close();
    const endpoint = this.#endpoint;
    this.#endpoint = undefined;
    await endpoint?.close();
  }
}

export function createTfServingGrpc(options: BackendOptions): Backend {
  return new TfServingGrpcBackend(options, systemClock);
}
