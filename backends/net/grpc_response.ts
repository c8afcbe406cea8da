/**
 * The response side of one gRPC call on a stream of the hand-written HTTP/2 client, shared by
 * every channel kind (unary, bidirectional stream, control calls): checks the response
 * headers, splits DATA into messages (inflating compressed ones), and reports how the call
 * ended exactly once, whether by trailers, a bad response, a stream that ended without a
 * status, or a dead stream. A reader serves one stream at a time; reset() readies it for the
 * next, so a channel reuses one reader for all its calls.
 */
import type { HeaderList } from "../../wire/h2/hpack.ts";
import type { StreamFailure, StreamListener } from "./h2_client_stream.ts";
import { MessageReader } from "../../wire/grpc/framing.ts";
import { type CallStatus, failureStatus, responseProblem, statusOf } from "./h2_grpc_call.ts";
import { inflateMessage } from "./grpc_compression.ts";
import { GrpcCode } from "./grpc_status.ts";

export const NO_TRAILERS = "the server ended the call without a status";

/**
 * Why a reply message is not the message its call returns ("" when it is), told of a whole
 * message or walked as a large one's pieces arrive (begin, piece..., end), so checking a reply
 * never needs it gathered. One check serves one channel's calls, one message at a time.
 */
export interface ReplyCheck {
  whole(message: Uint8Array): string;
  begin(length: number): void;
  piece(chunk: Uint8Array, from: number, to: number): void;
  end(): string;
}

/** What the channel hears of its call. */
export interface GrpcCallSink {
  /** One whole response message, valid during the call. */
  onMessage(message: Uint8Array): void;
  /**
   * Present when the messages are only counted (nothing keeps their bytes): an uncompressed
   * message spread over DATA chunks is then not gathered into one array, and only its length
   * comes here, with the verdict of `walk` on its pieces ("" without a walk). A message inside
   * one chunk still comes to onMessage, as a view.
   */
  readonly onCounted?: (length: number, problem: string) => void;
  /** With onCounted, walks each counted message's bytes as they pass; nothing keeps them. */
  readonly walk?: ReplyCheck;
  /** The call is over with this status; nothing more is heard of this stream. */
  onStatus(status: CallStatus): void;
}

export class GrpcResponseReader implements StreamListener {
  #headersSeen = false;
  #ended = false;
  /** A counted message is being walked by the sink's check, piece by piece. */
  #walking = false;
  /** The response's grpc-encoding, for messages with the compressed flag. */
  #encoding = "";
  readonly #reader = new MessageReader(
    (m, compressed) => this.#message(m, compressed),
    Infinity,
    (length) => this.#counted(length),
    (chunk, from, to, length) => this.#piece(chunk, from, to, length),
  );

  constructor(private readonly sink: GrpcCallSink) {}

  /** Ready for the next stream. */
  reset(): void {
    this.#headersSeen = false;
    this.#ended = false;
    this.#encoding = "";
    this.#walking = false;
    this.#reader.reset();
    this.#reader.skim = this.sink.onCounted !== undefined;
  }

  onHeaders(headers: HeaderList, endStream: boolean): void {
    if (this.#ended) return;
    const first = !this.#headersSeen;
    this.#headersSeen = true;
    const problem = first ? responseProblem(headers) : undefined;
    if (first) this.#encoding = encodingOf(headers);
    if (endStream) {
      this.#end(statusOf(headers) ?? problem ?? { code: GrpcCode.INTERNAL, details: NO_TRAILERS });
    } else if (problem) this.#end(problem);
  }

  onData(chunk: Uint8Array, endStream: boolean): void {
    if (this.#ended) return;
    this.#reader.push(chunk);
    if (endStream && !this.#ended) this.#end({ code: GrpcCode.INTERNAL, details: NO_TRAILERS });
  }

  onError(reason: StreamFailure): void {
    if (!this.#ended) this.#end(failureStatus(reason));
  }

  #message(message: Uint8Array, compressed: boolean): void {
    if (this.#ended) return;
    if (!compressed) return this.sink.onMessage(message);
    let inflated: Uint8Array;
    try {
      inflated = inflateMessage(message, this.#encoding);
    } catch (e) {
      const details = `cannot decompress a response: ${(e as Error).message}`;
      return this.#end({ code: GrpcCode.INTERNAL, details, malformed: true });
    }
    this.sink.onMessage(inflated);
  }

  #piece(chunk: Uint8Array, from: number, to: number, length: number): void {
    const walk = this.sink.walk;
    if (this.#ended || !walk) return;
    if (!this.#walking) {
      this.#walking = true;
      walk.begin(length);
    }
    walk.piece(chunk, from, to);
  }

  #counted(length: number): void {
    if (this.#ended) return;
    const walked = this.#walking;
    this.#walking = false;
    this.sink.onCounted!(length, walked ? this.sink.walk!.end() : "");
  }

  #end(status: CallStatus): void {
    this.#ended = true;
    this.sink.onStatus(status);
  }
}

/** The response's grpc-encoding, "" when it names none. */
function encodingOf(headers: HeaderList): string {
  for (const [name, value] of headers) if (name === "grpc-encoding") return value;
  return "";
}
