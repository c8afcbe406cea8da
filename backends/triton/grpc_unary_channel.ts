/**
 * A unary ModelInfer channel. Calls go straight to grpc-js's channel-level call API
 * (`createCall`) with the pre-encoded request: no client interceptor stack, no per-request
 * serialization, and a write callback that tells when the message left for the transport.
 * Several channels may share one grpc-js client (one HTTP/2 connection, many streams).
 */
import type { Buffer } from "node:buffer";
import type * as grpc from "@grpc/grpc-js";
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { captureUnaryOutputs } from "./grpc_outputs.ts";
import { MODEL_INFER_PATH } from "./grpc_proto.ts";
import { GrpcCode, outcomeOfStatus, statusText } from "../net/grpc_status.ts";

export const NOT_PREPARED = "request was not prepared by this gRPC backend";

/**
 * The checks both gRPC channels make before sending: the request must come from this backend's
 * prepare(), and the channel must be open. Returns the typed request, or undefined after
 * failing the record.
 */
export function sendable(
  prepared: PreparedRequest,
  record: RequestRecord,
  closed: boolean,
  clock: Clock,
): PreparedGrpcInfer | undefined {
  if (!(prepared instanceof PreparedGrpcInfer)) record.fail("protocol_error", NOT_PREPARED, 0);
  else if (closed) record.fail("cancelled", "channel closed", clock.nowNs());
  else return prepared;
  return undefined;
}

export class GrpcUnaryChannel implements Channel {
  #closed = false;
  /** The call in flight, cancelled by close(). */
  #call: ReturnType<grpc.ChannelInterface["createCall"]> | undefined;

  constructor(
    private readonly channel: grpc.ChannelInterface,
    private readonly metadata: grpc.Metadata,
    private readonly clock: Clock,
    private readonly onClose: (ch: GrpcUnaryChannel) => void = () => {},
    /** Decode the response's outputs into record.outputs (output validation). */
    private readonly captureOutputs = false,
  ) {}

  send(request: PreparedRequest, record: RequestRecord): Promise<void> {
    const prepared = sendable(request, record, this.#closed, this.clock);
    if (!prepared) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        this.#start(prepared, record, resolve);
      } catch (e) {
        // grpc-js throws synchronously only when its channel is already shut down.
        record.fail(
          "transport_error",
          e instanceof Error ? e.message : String(e),
          this.clock.nowNs(),
        );
        resolve();
      }
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#call?.cancelWithStatus(GrpcCode.CANCELLED, "channel closed");
    this.onClose(this);
  }

  #start(prepared: PreparedGrpcInfer, record: RequestRecord, done: () => void): void {
    const bytes = prepared.bytes;
    const clock = this.clock;
    const capture = this.captureOutputs;
    const region = prepared.shm?.readOutput;
    record.sendStartNs = clock.nowNs();
    const call = this.channel.createCall(MODEL_INFER_PATH, Infinity, null, null, null);
    this.#call = call;
    call.start(this.metadata.clone(), {
      onReceiveMetadata() {},
      onReceiveMessage(message: Buffer) {
        record.bytesReceived += message.length;
        const ns = clock.nowNs();
        record.addResponse(ns);
        if (capture) captureUnaryOutputs(message, record, ns, region);
      },
      onReceiveStatus: (status: grpc.StatusObject) => {
        const ns = clock.nowNs();
        if (this.#call === call) this.#call = undefined;
        this.#finish(record, status, ns);
        done();
      },
    });
    record.bytesSent += bytes.length;
    call.sendMessageWithContext({
      callback() {
        record.sendEndNs = clock.nowNs();
      },
    }, bytes);
    call.halfClose();
    call.startRead();
  }

  #finish(record: RequestRecord, status: grpc.StatusObject, ns: number): void {
    record.status = status.code;
    if (status.code !== GrpcCode.OK) {
      const outcome = outcomeOfStatus(status.code, this.#closed);
      record.fail(outcome, statusText(status.code, status.details), ns);
      return;
    }
    if (record.responseCount === 0) {
      record.fail("protocol_error", "the server ended the call without a response", ns);
      return;
    }
    // The trailers end the call; the response message usually arrives in the same read.
    record.endNs = ns;
  }
}
