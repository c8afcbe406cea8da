/**
 * One cleartext HTTP/2 connection (prior knowledge, as gRPC clients open it) of the gRPC
 * listener: the server side of the connection core in wire/h2/connection.ts. It accepts the
 * streams the client opens (odd ids, increasing), hands each to the listener's handler, and
 * answers DATA on a closed stream as RFC 9113 §5.1 asks.
 * Written here rather than on node:http2 because Deno 2.9's node:http2 aborts the process
 * when a session that carried more than ~110 streams receives GOAWAY
 * (denoland/deno#36788), which every gRPC client sends when it closes.
 */
import { H2Connection, type H2Limits } from "../../wire/h2/connection.ts";
import type { HeaderBlock } from "../../wire/h2/header_blocks.ts";
import { ConnectionError, ErrorCode, Flag, rstStream } from "../../wire/h2/frames.ts";
import { ServerStream } from "./stream.ts";

export type StreamHandler = (stream: ServerStream) => void;

export class H2ServerConnection extends H2Connection<ServerStream> {
  constructor(conn: Deno.Conn, private readonly handler: StreamHandler, limits?: H2Limits) {
    super(conn, "server", limits);
  }

  /** Serves until the peer closes, a protocol error, or close(). */
  async run(): Promise<void> {
    await this.serve();
    this.close();
  }

  /** Closes the socket; every open stream is reset. */
  close(): void {
    if (!this.shutdown()) return;
    for (const stream of [...this.streams.values()]) stream.reset();
  }

  protected writeFailed(): void {
    this.close();
  }

  protected onHeaderBlock({ streamId, flags, list }: HeaderBlock): void {
    const end = (flags & Flag.END_STREAM) !== 0;
    const existing = this.streams.get(streamId);
    if (existing !== undefined) {
      // Request trailers: only the end of the stream matters to gRPC.
      if (end && !existing.remoteClosed) existing.endRemote();
      return;
    }
    if (streamId % 2 === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "bad stream id for HEADERS");
    }
    if (streamId <= this.lastPeerStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "stream id went backwards");
    }
    this.lastPeerStreamId = streamId;
    const stream = new ServerStream(streamId, new Map(list), this, this.flow.peerInitialWindow);
    this.streams.set(streamId, stream);
    this.handler(stream);
    if (end) stream.endRemote();
  }

  protected onData(stream: ServerStream, body: Uint8Array, end: boolean): void {
    if (body.length > 0) stream.ondata?.(body);
    if (end) stream.endRemote();
  }

  /** DATA on a stream never opened is a connection error; on a closed one, a stream error. */
  protected onDataWithoutStream(streamId: number): void {
    if (streamId > this.lastPeerStreamId || streamId === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
    }
    this.send(rstStream(streamId, ErrorCode.STREAM_CLOSED));
  }

  protected onReset(streamId: number): void {
    this.streams.get(streamId)?.reset();
  }

  /** The client closes the socket once its calls end; nothing to do before that. */
  protected onGoaway(): void {}
}
