/**
 * A unary ModelInfer channel on the hand-written HTTP/2 client: each send opens one stream
 * with the pre-encoded header block and the pre-framed request message, and the channel is
 * its own stream listener (one call at a time), so a call allocates almost nothing.
 * Timestamps and outcomes follow GrpcUnaryChannel (the grpc-js one) exactly.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { ErrorCode } from "../../wire/h2/frames.ts";
import type { HeaderList } from "../../wire/h2/hpack.ts";
import type { H2ClientConnection } from "../net/h2_client.ts";
import type { ClientStream, StreamFailure, StreamListener } from "../net/h2_client_stream.ts";
import type { H2Endpoint } from "../net/h2_endpoint.ts";
import {
  type CallStatus,
  failureStatus,
  MessageReader,
  responseProblem,
  statusOf,
} from "../net/h2_grpc_call.ts";
import type { PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { captureUnaryOutputs } from "./grpc_outputs.ts";
import type { RegionReader } from "./shm_regions.ts";
import { GrpcCode, outcomeOfStatus, statusText } from "../net/grpc_status.ts";
import { sendable } from "./grpc_unary_channel.ts";

/** Decodes a reply's outputs into the record; `region` when they were put in shared memory. */
export type OutputCapture = (
  message: Uint8Array,
  record: RequestRecord,
  ns: number,
  region?: RegionReader,
) => void;

export const NO_TRAILERS = "the server ended the call without a status";

export class H2UnaryChannel implements Channel, StreamListener {
  #closed = false;
  #record: RequestRecord | undefined;
  #done: (() => void) | undefined;
  #conn: H2ClientConnection | undefined;
  #stream: ClientStream | undefined;
  #headersSeen = false;
  /** The in-flight request's output windows when it uses shared memory. */
  #region: RegionReader | undefined;
  readonly #reader = new MessageReader((m) => this.#message(m));

  constructor(
    private readonly endpoint: H2Endpoint,
    private readonly headerBlock: Uint8Array,
    private readonly clock: Clock,
    private readonly onClose: (ch: H2UnaryChannel) => void = () => {},
    /** Decode the response's outputs into record.outputs (output validation). */
    private readonly captureOutputs = false,
    /** How a response's outputs are decoded: ModelInferResponse unless the protocol differs. */
    private readonly capture: OutputCapture = captureUnaryOutputs,
  ) {}

  send(request: PreparedRequest, record: RequestRecord): Promise<void> {
    const prepared = sendable(request, record, this.#closed, this.clock);
    if (!prepared) return Promise.resolve();
    if (this.#record) {
      record.fail("protocol_error", "a request is already in flight on this channel", 0);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#record = record;
      this.#done = resolve;
      record.sendStartNs = this.clock.nowNs();
      const conn = this.endpoint.connection();
      if (conn instanceof Promise) {
        conn.then((c) => this.#start(c, prepared, record), (e) => {
          if (this.#record === record) {
            this.#finish(failureStatus({ resetCode: -1, message: e.message }));
          }
        });
      } else this.#start(conn, prepared, record);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#stream && this.#conn) this.#conn.reset(this.#stream, ErrorCode.CANCEL);
    if (this.#record) this.#finish({ code: GrpcCode.CANCELLED, details: "channel closed" });
    this.onClose(this);
  }

  #start(conn: H2ClientConnection, prepared: PreparedGrpcInfer, record: RequestRecord): void {
    // Closed while connecting: close() already failed the record.
    if (this.#record !== record) return;
    if (!conn.usable) {
      this.#finish(failureStatus({ resetCode: -1, message: "connection closed" }));
      return;
    }
    this.#headersSeen = false;
    this.#reader.reset();
    this.#conn = conn;
    const stream = conn.request(this.headerBlock, false, this);
    this.#stream = stream;
    const message = prepared.message;
    this.#region = prepared.shm?.readOutput;
    record.bytesSent += prepared.bytes.length;
    stream.sendData(message, true);
    // Queued for the socket: the write goes out at the end of this event-loop turn.
    record.sendEndNs = this.clock.nowNs();
  }

  // StreamListener

  onHeaders(headers: HeaderList, endStream: boolean): void {
    if (!this.#record) return;
    const first = !this.#headersSeen;
    this.#headersSeen = true;
    if (endStream) {
      const problem = first ? responseProblem(headers) : undefined;
      const status = statusOf(headers) ?? problem ??
        { code: GrpcCode.INTERNAL, details: NO_TRAILERS };
      return this.#finish(status);
    }
    const problem = first ? responseProblem(headers) : undefined;
    if (problem) {
      this.#conn?.reset(this.#stream!, ErrorCode.CANCEL);
      this.#finish(problem);
    }
  }

  onData(chunk: Uint8Array, endStream: boolean): void {
    if (!this.#record) return;
    this.#reader.push(chunk);
    if (endStream && this.#record) {
      this.#finish({ code: GrpcCode.INTERNAL, details: NO_TRAILERS });
    }
  }

  onError(reason: StreamFailure): void {
    if (this.#record) this.#finish(failureStatus(reason));
  }

  #message(message: Uint8Array): void {
    const record = this.#record!;
    record.bytesReceived += message.length;
    const ns = this.clock.nowNs();
    record.addResponse(ns);
    if (this.captureOutputs) this.capture(message, record, ns, this.#region);
  }

  #finish(status: CallStatus): void {
    const ns = this.clock.nowNs();
    const record = this.#record!;
    const done = this.#done!;
    this.#record = undefined;
    this.#done = undefined;
    this.#stream = undefined;
    record.status = status.code;
    if (status.code !== GrpcCode.OK) {
      record.fail(
        outcomeOfStatus(status.code, this.#closed),
        statusText(status.code, status.details),
        ns,
      );
    } else if (record.responseCount === 0) {
      record.fail("protocol_error", "the server ended the call without a response", ns);
    } else {
      record.endNs = ns;
    }
    done();
  }
}
