/**
 * Control-plane RPCs (server metadata, model metadata/config, statistics) on a connection of
 * their own, so they never queue behind inference streams. Replies are fully decoded: these
 * calls are rare.
 */
import * as grpc from "@grpc/grpc-js";
import { type GrpcCompression, newGrpcClient } from "./grpc_connection.ts";
import { type ProtoObject, SERVICE, type TritonMethodName, tritonMethods } from "./grpc_proto.ts";
import { statusText } from "./grpc_status.ts";

/** A failed control call: the gRPC status and the text perf_analyzer would print. */
export class GrpcCallError extends Error {
  override name = "GrpcCallError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export class GrpcControl {
  readonly #client: grpc.Client;

  constructor(
    address: string,
    private readonly metadata: grpc.Metadata,
    compression: GrpcCompression,
  ) {
    this.#client = newGrpcClient(address, compression);
  }

  /** Rejects with GrpcCallError for any non-OK status. */
  call(name: TritonMethodName, request: ProtoObject): Promise<ProtoObject> {
    const method = tritonMethods()[name];
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        `/${SERVICE}/${name}`,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        this.metadata.clone(),
        {},
        (err: grpc.ServiceError | null, value?: ProtoObject) => {
          if (err) reject(new GrpcCallError(err.code, statusText(err.code, err.details)));
          else resolve(value ?? {});
        },
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}
