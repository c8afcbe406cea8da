/**
 * A unary gRPC channel on the hand-written HTTP/2 client (Triton's ModelInfer, TF Serving's
 * Predict): each send opens one stream with the pre-encoded header block and the pre-framed
 * (possibly compressed) request message, and one response reader serves every call (one call
 * at a time), so a call allocates almost nothing. The kind supplies its prepared-request class
 * and, when outputs are captured, how its reply's outputs decode. With a per-request timeout
 * (--request-timeout) a call that has not ended in time is cancelled (RST_STREAM CANCEL) and
 * counted as a timeout; a reply that ended past the deadline is a timeout too, as over HTTP.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { ErrorCode } from "../../wire/h2/frames.ts";
import type { H2ClientConnection } from "./h2_client.ts";
import type { ClientStream } from "./h2_client_stream.ts";
import type { H2Endpoint } from "./h2_endpoint.ts";
import { type CallStatus, failureStatus, type PreparedGrpcCall } from "./h2_grpc_call.ts";
import { type GrpcCallSink, GrpcResponseReader, type ReplyCheck } from "./grpc_response.ts";
import { GrpcCode, outcomeOfStatus, statusText } from "./grpc_status.ts";

/** A kind's prepared-request class: a channel refuses requests of any other. */
export type PreparedClass<P extends PreparedGrpcCall> = abstract new (...args: never[]) => P;

/** Decodes a reply's outputs into the record; `prepared` is the request it answers. */
export type OutputCapture<P extends PreparedGrpcCall> = (
  message: Uint8Array,
  record: RequestRecord,
  ns: number,
  prepared: P,
) => void;

export const NOT_PREPARED = "request was not prepared by this gRPC backend";
export const IN_FLIGHT = "a request is already in flight on this channel";

/**
 * The checks every gRPC channel makes before sending: the request must come from its kind's
 * prepare(), the channel must be open, and (one call at a time) idle. Returns the typed
 * request, or undefined after failing the record.
 */
export function sendable<P extends PreparedGrpcCall>(
  kind: PreparedClass<P>,
  prepared: PreparedRequest,
  record: RequestRecord,
  closed: boolean,
  busy: boolean,
  clock: Clock,
): P | undefined {
  if (!(prepared instanceof kind)) record.fail("protocol_error", NOT_PREPARED, 0);
  else if (closed) record.fail("cancelled", "channel closed", clock.nowNs());
  else if (busy) record.fail("protocol_error", IN_FLIGHT, 0);
  else return prepared;
  return undefined;
}

/** The record's status and outcome for a call that failed with `status`. */
export function failWith(record: RequestRecord, status: CallStatus, closed: boolean, ns: number) {
  record.status = status.code;
  const outcome = status.malformed ? "protocol_error" : outcomeOfStatus(status.code, closed);
  record.fail(outcome, statusText(status.code, status.details), ns);
}

export const SECOND_REPLY = "a second response message on a unary call";

export class H2UnaryChannel<P extends PreparedGrpcCall> implements Channel, GrpcCallSink {
  #closed = false;
  #record: RequestRecord | undefined;
  #done: (() => void) | undefined;
  #conn: H2ClientConnection | undefined;
  #stream: ClientStream | undefined;
  /** The in-flight request, for the output capture. */
  #prepared: P | undefined;
  readonly #reader = new GrpcResponseReader(this);
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the timer fired: the call ends as a timeout whatever status closes it. */
  #timedOut = false;
  /** The in-flight call was already sent again after the server refused it unprocessed. */
  #resent = false;
  /** Bound once, so arming the timer allocates no closure per request. */
  readonly #expire = () => {
    this.#timer = undefined;
    this.#timedOut = true;
    this.onStatus({ code: GrpcCode.DEADLINE_EXCEEDED, details: "" });
  };

  constructor(
    private readonly endpoint: H2Endpoint,
    private readonly headerBlock: Uint8Array,
    private readonly clock: Clock,
    private readonly kind: PreparedClass<P>,
    private readonly onClose: (ch: H2UnaryChannel<P>) => void = () => {},
    /** Set for output validation: decodes the response's outputs into record.outputs. */
    private readonly capture?: OutputCapture<P>,
    /** Per-request timeout in ms (--request-timeout); 0 waits for ever. */
    private readonly timeoutMs = 0,
    /** Set by kinds that know their reply's message: a reply failing it is a protocol error. */
    private readonly check?: ReplyCheck,
  ) {
    // Without a capture nothing keeps the reply's bytes: a large one is counted, not gathered,
    // and the check walks its pieces as they pass.
    if (!capture) {
      this.onCounted = (length, problem) => this.#counted(length, problem);
      this.walk = check;
    }
  }

  send(request: PreparedRequest, record: RequestRecord): Promise<void> {
    const busy = this.#record !== undefined;
    const prepared = sendable(this.kind, request, record, this.#closed, busy, this.clock);
    if (!prepared) return Promise.resolve();
    return new Promise((resolve) => {
      this.#record = record;
      this.#done = resolve;
      record.sendStartNs = this.clock.nowNs();
      if (this.timeoutMs > 0) this.#timer = setTimeout(this.#expire, this.timeoutMs);
      this.#dispatch(prepared, record);
    });
  }

  /** Starts the call on the endpoint's connection, waiting for one while it (re)connects. */
  #dispatch(prepared: P, record: RequestRecord): void {
    const conn = this.endpoint.connection();
    if (conn instanceof Promise) {
      conn.then((c) => this.#start(c, prepared, record), (e) => {
        if (this.#record === record) {
          this.onStatus(failureStatus({ resetCode: -1, message: e.message }));
        }
      });
    } else this.#start(conn, prepared, record);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#record) this.onStatus({ code: GrpcCode.CANCELLED, details: "channel closed" });
    this.onClose(this);
  }

  #start(conn: H2ClientConnection, prepared: P, record: RequestRecord): void {
    // Closed while connecting: close() already failed the record.
    if (this.#record !== record) return;
    if (!conn.usable) {
      this.onStatus(failureStatus({ resetCode: -1, message: "connection closed" }));
      return;
    }
    this.#reader.reset();
    this.#conn = conn;
    const stream = conn.request(this.headerBlock, false, this.#reader);
    this.#stream = stream;
    this.#prepared = prepared;
    record.bytesSent += prepared.bytes.length;
    stream.sendData(prepared.message, true);
    // Queued for the socket: the write goes out at the end of this event-loop turn.
    record.sendEndNs = this.clock.nowNs();
  }

  // GrpcCallSink

  readonly onCounted: ((length: number, problem: string) => void) | undefined;
  readonly walk: ReplyCheck | undefined;

  onMessage(message: Uint8Array): void {
    const problem = this.#record && this.check ? this.check.whole(message) : "";
    if (problem !== "") return this.#malformed(message.length, problem);
    const ns = this.#arrived(message.length);
    if (this.capture && ns !== undefined) this.capture(message, this.#record!, ns, this.#prepared!);
  }

  /** A reply of `length` bytes passed uncaptured, with its check's verdict. */
  #counted(length: number, problem: string): void {
    if (problem !== "" && this.#record) return this.#malformed(length, problem);
    this.#arrived(length);
  }

  /** The reply of `length` bytes is not the method's response: the call fails. */
  #malformed(length: number, problem: string): void {
    this.#record!.bytesReceived += length;
    this.onStatus({ code: GrpcCode.INTERNAL, details: problem, malformed: true });
  }

  /** A reply message of `length` bytes arrived: when, or undefined with no request out. */
  #arrived(length: number): number | undefined {
    const record = this.#record;
    if (!record) return undefined;
    record.bytesReceived += length;
    if (record.responseCount > 0) {
      this.onStatus({ code: GrpcCode.INTERNAL, details: SECOND_REPLY, malformed: true });
      return undefined;
    }
    const ns = this.clock.nowNs();
    record.addResponse(ns);
    return ns;
  }

  /** The call is over: a stream still open (a bad response, close()) is cancelled. */
  onStatus(status: CallStatus): void {
    const record = this.#record;
    if (!record) return;
    // A call the server refused unprocessed (graceful GOAWAY, REFUSED_STREAM) goes once more,
    // on a connection that takes it, as HTTP/2 allows: it never ran, so it is no failure.
    if (status.unprocessed && !this.#resent && !this.#timedOut && !this.#closed) {
      this.#resent = true;
      this.#stream = undefined;
      return this.#dispatch(this.#prepared!, record);
    }
    this.#resent = false;
    const ns = this.clock.nowNs();
    const done = this.#done!;
    const stream = this.#stream;
    this.#record = undefined;
    this.#done = undefined;
    this.#stream = undefined;
    this.#prepared = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const timedOut = this.#timedOut;
    this.#timedOut = false;
    if (stream && !stream.done) this.#conn?.reset(stream, ErrorCode.CANCEL);
    const timeoutMs = this.timeoutMs;
    // A busy event loop runs the timer late: a call that ended past the deadline is still a
    // timeout, never a success.
    if (timedOut || (timeoutMs > 0 && ns - record.sendStartNs > timeoutMs * 1e6)) {
      record.status = GrpcCode.DEADLINE_EXCEEDED;
      record.fail("timeout", `no response within ${timeoutMs} ms`, ns);
    } else if (status.code !== GrpcCode.OK) failWith(record, status, this.#closed, ns);
    else if (record.responseCount === 0) {
      record.status = status.code;
      record.fail("protocol_error", "the server ended the call without a response", ns);
    } else {
      record.status = status.code;
      record.endNs = ns;
    }
    done();
  }
}
