/**
 * Control-plane RPCs (Triton's metadata, config, statistics and shared-memory registration,
 * TF Serving's GetModelMetadata) as unary calls on an HTTP/2 connection of their own, so they
 * never queue behind inference streams. The caller encodes and decodes the messages: these
 * calls are rare. Each call is bounded (control_timeout.ts): one that gets no answer in time
 * is cancelled and fails with DEADLINE_EXCEEDED; its grpc-timeout header tells the server too.
 */
import { ErrorCode } from "../../wire/h2/frames.ts";
import type { H2ClientConnection } from "./h2_client.ts";
import type { ClientStream } from "./h2_client_stream.ts";
import { H2Endpoint } from "./h2_endpoint.ts";
import { requestHeaderBlock, withGrpcTimeout } from "./h2_grpc_call.ts";
import { frameMessage } from "../../wire/grpc/framing.ts";
import { GrpcResponseReader } from "./grpc_response.ts";
import { GrpcCode, statusText } from "./grpc_status.ts";
import { probeTls, type TlsMaterial } from "../../wire/net/tls_connect.ts";
import { PREFACE, settingsFrame } from "../../wire/h2/frames.ts";
import { concat } from "../../wire/bytes.ts";
import { COULD_NOT_CONNECT, TransportError } from "../../wire/net/transport_error.ts";
import type { GrpcTarget } from "./grpc_target.ts";
import type { CallStatus } from "./h2_grpc_call.ts";
import { connectFailureText, type PortHints, wrongPortText } from "./control_errors.ts";
import { CONTROL_TIMEOUT_MS, noAnswerText, withDeadline } from "./control_timeout.ts";

/** What a probe sends: the connection preface and an empty SETTINGS. */
const HELLO = concat(PREFACE, settingsFrame([]));
const NO_REPLY = "the server ended the call without a response";

/** A failed control call: the gRPC status and the text perf_analyzer would print. */
export class GrpcCallError extends Error {
  override name = "GrpcCallError";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** A call as its deadline sees it: whether it passed, and how to cancel the open stream. */
interface CallState {
  expired: boolean;
  cancel?: () => void;
}

export class GrpcControl {
  readonly #endpoint: H2Endpoint;
  /** Pending until the TLS handshake was checked once (undefined without TLS). */
  #tlsChecked: Promise<void> | undefined;

  constructor(
    private readonly target: GrpcTarget,
    /** -H headers, sent as call metadata. */
    private readonly headers: [string, string][],
    private readonly tls?: TlsMaterial,
    /** The service kind's advice for a -u that reaches nothing or an HTTP port. */
    private readonly hints: PortHints = {},
    /** The bound on each call, connect included. */
    private readonly timeoutMs: number = CONTROL_TIMEOUT_MS,
  ) {
    this.#endpoint = new H2Endpoint(target.hostname, target.port, tls);
  }

  /**
   * A server refusing our client certificate (TLS 1.3) says so in an alert after the
   * handshake, which the HTTP/2 connection would only see as a lost connection. One probe
   * exchange first turns that alert into the clear one-line reason (wire/net/tls_connect.ts).
   */
  #checkTls(): Promise<void> {
    const tls = this.tls;
    if (tls === undefined) return Promise.resolve();
    const { hostname, port } = this.target;
    return this.#tlsChecked ??= probeTls(hostname, port, tls, ["h2"], HELLO);
  }

  /**
   * One unary RPC by path: the request message's bytes in, the reply's out. Rejects with
   * GrpcCallError for a non-OK status, UNAVAILABLE when the server cannot be reached,
   * DEADLINE_EXCEEDED when it did not answer within the bound.
   */
  call(path: string, request: Uint8Array): Promise<Uint8Array> {
    const started: CallState = { expired: false };
    return withDeadline(this.#call(path, request, started), this.timeoutMs, () => {
      started.expired = true;
      started.cancel?.();
      const text = noAnswerText(this.target.authority, this.timeoutMs);
      return new GrpcCallError(GrpcCode.DEADLINE_EXCEEDED, text);
    });
  }

  /**
   * One call; `started.cancel` is set once its stream is open. A call the server refused
   * unprocessed (graceful GOAWAY, REFUSED_STREAM) goes once more, on a new connection.
   */
  async #call(
    path: string,
    request: Uint8Array,
    started: CallState,
    resent = false,
  ): Promise<Uint8Array> {
    let conn: H2ClientConnection;
    try {
      await this.#checkTls();
      conn = await this.#endpoint.connection();
    } catch (e) {
      throw new GrpcCallError(GrpcCode.UNAVAILABLE, this.#connectFailureText(e));
    }
    // The deadline passed while connecting: the caller has its error, nothing goes out.
    if (started.expired) throw new GrpcCallError(GrpcCode.DEADLINE_EXCEEDED, "");
    const metadata = withGrpcTimeout(this.headers, this.timeoutMs);
    const block = requestHeaderBlock(path, this.target.authority, metadata);
    return new Promise((resolve, reject) => {
      let reply: Uint8Array | undefined;
      let stream: ClientStream | undefined;
      const reader = new GrpcResponseReader({
        // The message is a view of a reused chunk: keep a copy.
        onMessage: (m) => reply ??= m.slice(),
        onStatus: (status) => {
          // A call that failed before the server ended it is cancelled.
          if (stream && !stream.done) conn.reset(stream, ErrorCode.CANCEL);
          if (status.unprocessed && !resent && !started.expired) {
            resolve(this.#call(path, request, started, true));
          } else if (status.code !== GrpcCode.OK) {
            reject(new GrpcCallError(status.code, this.#failureText(status)));
          } else if (reply === undefined) {
            reject(new GrpcCallError(GrpcCode.INTERNAL, NO_REPLY));
          } else resolve(reply);
        },
      });
      try {
        stream = conn.request(block, false, reader);
      } catch (e) {
        // The connection went away (GOAWAY) between connection() and here.
        return reject(new GrpcCallError(GrpcCode.UNAVAILABLE, (e as Error).message));
      }
      const open = stream;
      started.cancel = () => conn.reset(open, ErrorCode.CANCEL);
      stream.sendData(frameMessage(request), true);
    });
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }

  /** A connection that could not be opened, with the address dialled and what to check. */
  #connectFailureText(e: unknown): string {
    const { authority, defaulted } = this.target;
    if (!(e instanceof TransportError)) return (e as Error).message;
    if (!e.message.startsWith(COULD_NOT_CONNECT)) {
      return e.message.includes(authority) ? e.message : `${e.message} (${authority})`;
    }
    return connectFailureText(COULD_NOT_CONNECT, authority, defaulted === true, "gRPC", this.hints);
  }

  /** A failed call's text; a reply that is not gRPC says where -u should point instead. */
  #failureText(status: CallStatus): string {
    const text = statusText(status.code, status.details);
    if (status.notGrpc === undefined) return text;
    const certain = status.notGrpc === "certain";
    return wrongPortText(text, this.target.authority, "gRPC", certain, this.hints);
  }
}
