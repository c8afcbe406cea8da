/**
 * Control-plane RPCs (server metadata, model metadata/config, statistics) on a connection of
 * their own, so they never queue behind inference streams. Replies are fully decoded: these
 * calls are rare.
 */
import type { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { type GrpcCompression, newGrpcClient } from "./grpc_connection.ts";
import { PREFACE, settingsFrame } from "../../wire/h2/frames.ts";
import { concat } from "../../wire/h2/writer.ts";
import { probeTls, type TlsMaterial } from "../net/tls_connect.ts";
import { TransportError } from "../net/transport_error.ts";
import { type ProtoObject, SERVICE, type TritonMethodName, tritonMethods } from "./grpc_proto.ts";
import { statusText } from "../net/grpc_status.ts";

const UNAVAILABLE = 14;

/** A failed control call: the gRPC status and the text perf_analyzer would print. */
export class GrpcCallError extends Error {
  override name = "GrpcCallError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export class GrpcControl {
  readonly #client: grpc.Client;
  /** Pending until the TLS handshake was checked once (undefined without TLS). */
  #tlsChecked: Promise<void> | undefined;
  #tls: { address: string; tls: TlsMaterial } | undefined;

  constructor(
    address: string,
    private readonly metadata: grpc.Metadata,
    compression: GrpcCompression,
    tls?: TlsMaterial,
  ) {
    this.#client = newGrpcClient(address, compression, tls);
    if (tls !== undefined) this.#tls = { address, tls };
  }

  /**
   * grpc-js reports a failed handshake as "No connection established. Last error: unable to
   * verify the first certificate", without the URL or what to do. One handshake with the
   * hand-written client first gives the clear one-line reason (tls_connect.ts).
   */
  #checkTls(): Promise<void> {
    const t = this.#tls;
    if (t === undefined) return Promise.resolve();
    return this.#tlsChecked ??= (async () => {
      const at = t.address.lastIndexOf(":");
      const host = t.address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
      try {
        const hello = concat(PREFACE, settingsFrame([]));
        await probeTls(host, Number(t.address.slice(at + 1)), t.tls, ["h2"], hello);
      } catch (e) {
        if (e instanceof TransportError) throw new GrpcCallError(UNAVAILABLE, e.message);
        throw e;
      }
    })();
  }

  /** Rejects with GrpcCallError for any non-OK status. */
  async call(name: TritonMethodName, request: ProtoObject): Promise<ProtoObject> {
    const method = tritonMethods()[name];
    const reply = await this.callPath(
      `/${SERVICE}/${name}`,
      method.requestSerialize,
      method.responseDeserialize,
      request,
    );
    return reply ?? {};
  }

  /** Any unary RPC by path (TF Serving's reuse this connection handling and TLS check). */
  async callPath<Req, Res>(
    path: string,
    serialize: (value: Req) => Buffer,
    deserialize: (bytes: Buffer) => Res,
    request: Req,
  ): Promise<Res> {
    await this.#checkTls();
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        request,
        this.metadata.clone(),
        {},
        (err: grpc.ServiceError | null, value?: Res) => {
          if (err) reject(new GrpcCallError(err.code, statusText(err.code, err.details)));
          else resolve(value as Res);
        },
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}
