/**
 * A streaming channel on the hand-written HTTP/2 client: one bidirectional ModelStreamInfer
 * stream carrying one request at a time. A send writes the pre-framed request and resolves at
 * the request's final response; for decoupled models every response in between is recorded.
 * With one request in flight the responses belong to it in order, so no request ids are
 * needed. A stream the server ends is reopened by the next send. With a per-request timeout
 * (--request-timeout) a request that has not ended in time is a timeout, and its stream is
 * cancelled: a late reply on it could not be told from the next request's. Unless outputs are
 * captured, a large reply is not gathered: its pieces are walked as they arrive, as on unary calls.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { ErrorCode } from "../../wire/h2/frames.ts";
import type { H2ClientConnection } from "../net/h2_client.ts";
import type { ClientStream, StreamListener } from "../net/h2_client_stream.ts";
import type { H2Endpoint } from "../net/h2_endpoint.ts";
import { type CallStatus, failureStatus } from "../net/h2_grpc_call.ts";
import { type GrpcCallSink, GrpcResponseReader, type ReplyCheck } from "../net/grpc_response.ts";
import { GrpcCode } from "../net/grpc_status.ts";
import { PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { captureStreamOutputs } from "./grpc_outputs.ts";
import type { RegionReader } from "./shm_regions.ts";
import { failWith, sendable } from "../net/h2_unary_channel.ts";
import { StreamResponseWalk } from "./grpc_stream_response.ts";

export const STREAM_ENDED = "the server ended the stream before the final response";

export class H2StreamChannel implements Channel, GrpcCallSink {
  #closed = false;
  #conn: H2ClientConnection | undefined;
  #stream: ClientStream | undefined;
  #opening: Promise<void> | undefined;
  #record: RequestRecord | undefined;
  #done: (() => void) | undefined;
  #decoupled = false;
  /** The request in flight, to send again if the server refuses its stream unprocessed. */
  #prepared: PreparedGrpcInfer | undefined;
  /** It was already sent again once. */
  #resent = false;
  /** The in-flight request's output windows when it uses shared memory. */
  #region: RegionReader | undefined;
  readonly #walk = new StreamResponseWalk();
  readonly #reader = new GrpcResponseReader(this);
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bound once, so arming the timer allocates no closure per request. */
  readonly #expire = () => {
    this.#timer = undefined;
    const record = this.#record;
    if (!record) return;
    this.#dropStream(ErrorCode.CANCEL);
    this.#timedOut(record);
    this.#complete(undefined);
  };

  constructor(
    private readonly endpoint: H2Endpoint,
    private readonly headerBlock: Uint8Array,
    private readonly clock: Clock,
    private readonly onClose: (ch: H2StreamChannel) => void = () => {},
    /** Decode each request's first outputs into record.outputs (output validation). */
    private readonly captureOutputs = false,
    /** Per-request timeout in ms (--request-timeout); 0 waits for ever. */
    private readonly timeoutMs = 0,
  ) {
    // Without a capture nothing keeps a reply's bytes: a large one is walked, not gathered.
    if (!captureOutputs) {
      this.onCounted = (length, problem) => this.#reply(length, problem, undefined);
      this.walk = this.#walk;
    }
  }

  /** Opens the stream ahead of the first send, so its setup is not in that request's latency. */
  open(): void {
    if (!this.#stream && !this.#closed) this.#opening ??= this.#openStream().catch(() => {});
  }

  send(request: PreparedRequest, record: RequestRecord): Promise<void> {
    const busy = this.#record !== undefined;
    const prepared = sendable(PreparedGrpcInfer, request, record, this.#closed, busy, this.clock);
    if (!prepared) return Promise.resolve();
    return new Promise((resolve) => {
      this.#record = record;
      this.#done = resolve;
      record.sendStartNs = this.clock.nowNs();
      if (this.timeoutMs > 0) this.#timer = setTimeout(this.#expire, this.timeoutMs);
      if (this.#stream && this.#conn!.usable) return this.#write(prepared, record);
      // After GOAWAY the idle stream is ended and the request goes on a new connection.
      this.#stream?.endLocal();
      this.#stream = undefined;
      this.#reopen(prepared, record);
    });
  }

  /** Writes the request on a stream opened for it. */
  #reopen(prepared: PreparedGrpcInfer, record: RequestRecord): void {
    this.#opening ??= this.#openStream();
    this.#opening.then(() => this.#write(prepared, record), (e: Error) => {
      if (this.#record === record) {
        this.#complete(failureStatus({ resetCode: -1, message: e.message }));
      }
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const stream = this.#stream;
    // An idle stream ends cleanly; one with a request in flight is cancelled.
    if (stream && this.#record) this.#conn!.reset(stream, ErrorCode.CANCEL);
    else stream?.endLocal();
    if (this.#record) this.#complete({ code: GrpcCode.CANCELLED, details: "channel closed" });
    this.onClose(this);
  }

  async #openStream(): Promise<void> {
    try {
      const conn = await this.endpoint.connection();
      if (this.#closed) return;
      this.#conn = conn;
      this.#reader.reset();
      // Events of a stream this channel has moved on from are ignored.
      const reader = this.#reader;
      const mine = { stream: undefined as ClientStream | undefined };
      const current = () => mine.stream !== undefined && this.#stream === mine.stream;
      const listener: StreamListener = {
        onHeaders: (headers, end) => current() && reader.onHeaders(headers, end),
        onData: (chunk, end) => current() && reader.onData(chunk, end),
        onError: (reason) => current() && reader.onError(reason),
      };
      mine.stream = conn.request(this.headerBlock, false, listener);
      this.#stream = mine.stream;
    } finally {
      this.#opening = undefined;
    }
  }

  #write(prepared: PreparedGrpcInfer, record: RequestRecord): void {
    if (this.#record !== record) return;
    const stream = this.#stream;
    if (!stream) return this.#complete({ code: GrpcCode.CANCELLED, details: "channel closed" });
    this.#prepared = prepared;
    this.#decoupled = prepared.decoupled;
    this.#region = prepared.shm?.readOutput;
    record.bytesSent += prepared.bytes.length;
    stream.sendData(prepared.message, false);
    record.sendEndNs = this.clock.nowNs();
  }

  // GrpcCallSink

  /** The server ended the stream: it is forgotten (the next send opens another). */
  onStatus(status: CallStatus): void {
    // Our half may still be open: a server done with the stream ends it, else it is cancelled.
    this.#dropStream(this.#stream?.remoteClosed ? ErrorCode.NO_ERROR : ErrorCode.CANCEL);
    const record = this.#record;
    if (!record) return;
    // A stream the server refused unprocessed (graceful GOAWAY, REFUSED_STREAM) never ran this
    // request: it goes once more on a new stream, as HTTP/2 allows.
    if (status.unprocessed && !this.#resent && !this.#closed && record.responseCount === 0) {
      this.#resent = true;
      return this.#reopen(this.#prepared!, record);
    }
    if (status.code === GrpcCode.OK) {
      record.status = status.code;
      record.fail("transport_error", STREAM_ENDED, this.clock.nowNs());
      return this.#complete(undefined);
    }
    this.#complete(status);
  }

  readonly onCounted: ((length: number, problem: string) => void) | undefined;
  readonly walk: ReplyCheck | undefined;

  onMessage(message: Uint8Array): void {
    if (this.#record) this.#reply(message.length, this.#walk.whole(message), message);
  }

  /**
   * A response of `length` bytes was walked with this verdict; `message` is its bytes when the
   * reader gathered them (always so when outputs are captured).
   */
  #reply(length: number, problem: string, message: Uint8Array | undefined): void {
    const ns = this.clock.nowNs();
    const record = this.#record;
    // Nothing in flight: a response to a request already failed; it has nobody to count for.
    if (!record) return;
    record.bytesReceived += length;
    if (problem !== "") {
      record.fail("protocol_error", problem, ns);
      return this.#complete(undefined);
    }
    const info = this.#walk.info;
    if (info.errorMessage !== "") {
      record.fail("server_error", info.errorMessage, ns);
      return this.#complete(undefined);
    }
    // A decoupled request ends only on the final flag; servers without the flag send one
    // response per request, so its absence also ends the request.
    const final = !this.#decoupled || info.finalFlag !== false;
    // Triton's empty final response only marks completion: it is not a response.
    const marker = this.#decoupled && final && info.outputCount === 0;
    if (!marker) {
      record.addResponse(ns);
      record.endNs = ns;
      if (message && this.captureOutputs) {
        captureStreamOutputs(message, info.outputCount, record, ns, this.#region);
      }
    } else if (record.responseCount === 0) record.endNs = ns;
    if (final) this.#complete(undefined);
  }

  /** Frees the stream for the next request (failing it first with `status`), then resolves. */
  #complete(status: CallStatus | undefined): void {
    const record = this.#record!;
    const done = this.#done!;
    this.#record = undefined;
    this.#done = undefined;
    this.#prepared = undefined;
    this.#resent = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (status) failWith(record, status, this.#closed, this.clock.nowNs());
    else if (
      // A busy event loop runs the timer late: a request that ended past the deadline is still a
      // timeout, never a success.
      record.outcome === "ok" && this.timeoutMs > 0 &&
      this.clock.nowNs() - record.sendStartNs > this.timeoutMs * 1e6
    ) this.#timedOut(record);
    done();
  }

  #timedOut(record: RequestRecord): void {
    record.status = GrpcCode.DEADLINE_EXCEEDED;
    record.fail("timeout", `no response within ${this.timeoutMs} ms`, this.clock.nowNs());
  }

  /** Forgets the stream (the next send opens another), resetting it with `code` if open. */
  #dropStream(code: number): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream && !stream.done) this.#conn?.reset(stream, code);
  }
}
