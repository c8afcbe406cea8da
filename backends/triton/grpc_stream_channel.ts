/**
 * A streaming channel: one bidirectional ModelStreamInfer stream carrying one request at a
 * time. A send writes the pre-encoded request and resolves at the request's final response;
 * for decoupled models every response in between is recorded. With one request in flight the
 * responses belong to it in order, so no request ids are needed. A stream the server ends is
 * reopened by the next send.
 */
import type { Buffer } from "node:buffer";
import type * as grpc from "@grpc/grpc-js";
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import type { PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { MODEL_STREAM_INFER_PATH } from "./grpc_proto.ts";
import { captureStreamOutputs } from "./grpc_outputs.ts";
import type { RegionReader } from "./shm_regions.ts";
import { GrpcCode, outcomeOfStatus, statusText } from "../net/grpc_status.ts";
import { sendable } from "./grpc_unary_channel.ts";
import { newStreamResponseInfo, readStreamResponse } from "./grpc_stream_response.ts";

type Call = ReturnType<grpc.ChannelInterface["createCall"]>;

export const STREAM_ENDED = "the server ended the stream before the final response";

export class GrpcStreamChannel implements Channel {
  #call: Call | undefined;
  #closed = false;
  /** The request in flight (one at a time), and what completes its send(). */
  #record: RequestRecord | undefined;
  #done: (() => void) | undefined;
  #decoupled = false;
  /** The in-flight request's output windows when it uses shared memory. */
  #region: RegionReader | undefined;
  #seq = 0;
  readonly #info = newStreamResponseInfo();

  constructor(
    private readonly channel: grpc.ChannelInterface,
    private readonly metadata: grpc.Metadata,
    private readonly clock: Clock,
    private readonly onClose: (ch: GrpcStreamChannel) => void = () => {},
    /** Decode each request's first outputs into record.outputs (output validation). */
    private readonly captureOutputs = false,
  ) {}

  /** Opens the stream ahead of the first send, so its setup is not in that request's latency. */
  open(): void {
    if (!this.#call && !this.#closed) this.#call = this.#openStream();
  }

  send(request: PreparedRequest, record: RequestRecord): Promise<void> {
    const prepared = sendable(request, record, this.#closed, this.clock);
    if (!prepared) return Promise.resolve();
    if (this.#record) {
      record.fail("protocol_error", "a request is already in flight on this stream", 0);
      return Promise.resolve();
    }
    try {
      this.#call ??= this.#openStream();
    } catch (e) {
      // grpc-js throws synchronously only when its channel is already shut down.
      record.fail(
        "transport_error",
        e instanceof Error ? e.message : String(e),
        this.clock.nowNs(),
      );
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#write(prepared, record, resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const call = this.#call;
    // An idle stream ends cleanly; one with a request in flight is cancelled.
    if (call && this.#record) call.cancelWithStatus(GrpcCode.CANCELLED, "channel closed");
    else call?.halfClose();
    this.onClose(this);
  }

  #write(prepared: PreparedGrpcInfer, record: RequestRecord, done: () => void): void {
    const bytes: Buffer = prepared.bytes;
    const seq = ++this.#seq;
    this.#record = record;
    this.#done = done;
    this.#decoupled = prepared.decoupled;
    this.#region = prepared.shm?.readOutput;
    record.sendStartNs = this.clock.nowNs();
    record.bytesSent += bytes.length;
    this.#call!.sendMessageWithContext({
      callback: () => {
        if (this.#seq === seq && this.#record === record) record.sendEndNs = this.clock.nowNs();
      },
    }, bytes);
  }

  #openStream(): Call {
    const call = this.channel.createCall(MODEL_STREAM_INFER_PATH, Infinity, null, null, null);
    call.start(this.metadata.clone(), {
      onReceiveMetadata() {},
      onReceiveMessage: (message: Buffer) => {
        call.startRead();
        this.#response(message);
      },
      onReceiveStatus: (status: grpc.StatusObject) => {
        if (this.#call === call) this.#call = undefined;
        this.#streamEnded(status);
      },
    });
    call.startRead();
    return call;
  }

  #response(message: Buffer): void {
    const ns = this.clock.nowNs();
    const record = this.#record;
    // Nothing in flight: a response to a request already failed; it has nobody to count for.
    if (!record) return;
    record.bytesReceived += message.length;
    const info = this.#info;
    const problem = readStreamResponse(message, info);
    if (problem !== "") return this.#complete(() => record.fail("protocol_error", problem, ns));
    if (info.errorMessage !== "") {
      return this.#complete(() => record.fail("server_error", info.errorMessage, ns));
    }
    // A decoupled request ends only on the final flag; servers without the flag send one
    // response per request, so its absence also ends the request.
    const final = !this.#decoupled || info.finalFlag !== false;
    // Triton's empty final response only marks completion: it is not a response.
    const marker = this.#decoupled && final && info.outputCount === 0;
    if (!marker) {
      record.addResponse(ns);
      record.endNs = ns;
      if (this.captureOutputs) {
        captureStreamOutputs(message, info.outputCount, record, ns, this.#region);
      }
    } else if (record.responseCount === 0) record.endNs = ns;
    if (final) this.#complete(undefined);
  }

  #streamEnded(status: grpc.StatusObject): void {
    const record = this.#record;
    if (!record) return;
    const ns = this.clock.nowNs();
    record.status = status.code;
    this.#complete(() => {
      if (status.code === GrpcCode.OK) record.fail("transport_error", STREAM_ENDED, ns);
      else {
        const outcome = outcomeOfStatus(status.code, this.#closed);
        record.fail(outcome, statusText(status.code, status.details), ns);
      }
    });
  }

  /** Frees the stream for the next request, then resolves the finished send. */
  #complete(fail: (() => void) | undefined): void {
    fail?.();
    const done = this.#done;
    this.#record = undefined;
    this.#done = undefined;
    done?.();
  }
}
