/**
 * A hand-written HTTP/2 client connection (prior knowledge, as gRPC opens it; TLS with ALPN
 * "h2" when asked): the client side of the connection core in wire/h2/connection.ts. It opens
 * streams up to the server's SETTINGS_MAX_CONCURRENT_STREAMS, fails the streams a GOAWAY
 * leaves unprocessed, and turns a lost connection into a transport error for every stream.
 *
 * Why not grpc-js on node:http2: Deno 2.9.6's node:http2 aborts the whole process when a
 * session that carried ~100+ streams receives GOAWAY (denoland/deno#36788), so a server
 * shutting down or a proxy's max connection age would kill the tool; and grpc-js tops out at
 * 3-6k unary calls/s here where raw frames reach 35-42k/s.
 */
import { H2Connection, Http1Reply } from "../../wire/h2/connection.ts";
import type { HeaderBlock } from "../../wire/h2/header_blocks.ts";
import {
  ConnectionError,
  ErrorCode,
  Flag,
  frame,
  FrameType,
  goaway,
  Setting,
  uint32,
} from "../../wire/h2/frames.ts";
import { ClientStream, type StreamFailure, type StreamListener } from "./h2_client_stream.ts";
import { openTls, tlsAlertFailure, type TlsMaterial } from "../../wire/net/tls_connect.ts";
import { connectFailure, ioFailure, TransportError } from "../../wire/net/transport_error.ts";

/** Why calls fail when the server answered our preface in HTTP/1.x. */
export const HTTP1_REPLY = "the server answered in HTTP/1.1";

/** Stream ids are 31-bit; a connection that used them all is replaced. */
const LAST_STREAM_ID = 2 ** 31 - 1;

export class H2ClientConnection extends H2Connection<ClientStream> {
  #nextId = 1;
  /** Unlimited until the server's SETTINGS say otherwise. */
  #peerMaxStreams = Infinity;
  /** Set for TLS connections, so TLS alerts on reads are explained with the URL. */
  #tls: TlsMaterial | undefined;
  /** Resolves when the read loop has ended (the connection is closed). */
  readonly closed: Promise<void>;

  private constructor(conn: Deno.Conn) {
    super(conn, "client");
    this.closed = this.#run();
  }

  /**
   * Connects (over TLS with ALPN "h2" when `tls` is given); rejects with a TransportError when
   * the server cannot be reached or the handshake fails.
   */
  static async open(
    hostname: string,
    port: number,
    tls?: TlsMaterial,
  ): Promise<H2ClientConnection> {
    let conn: Deno.Conn;
    try {
      if (tls === undefined) {
        const tcp = await Deno.connect({ hostname, port });
        tcp.setNoDelay(true);
        conn = tcp;
      } else conn = await openTls(hostname, port, tls, ["h2"]);
    } catch (e) {
      throw e instanceof TransportError ? e : connectFailure(e);
    }
    if (tls !== undefined && (await (conn as Deno.TlsConn).handshake()).alpnProtocol !== "h2") {
      conn.close();
      throw new TransportError(
        `TLS connection to ${tls.url} did not negotiate HTTP/2 (ALPN "h2"): not a gRPC server?`,
        "connect",
      );
    }
    const connection = new H2ClientConnection(conn);
    connection.#tls = tls;
    return connection;
  }

  /** False once closed, draining after GOAWAY, or out of stream ids. */
  get usable(): boolean {
    return !this.isClosed && !this.draining && this.#nextId < LAST_STREAM_ID;
  }

  /** At the server's SETTINGS_MAX_CONCURRENT_STREAMS: a new stream would be refused. */
  get full(): boolean {
    return this.streams.size >= this.#peerMaxStreams;
  }

  /** Opens a stream with a pre-encoded header block (no dynamic table: re-sendable). */
  request(headerBlock: Uint8Array, endStream: boolean, listener: StreamListener): ClientStream {
    if (!this.usable) throw new Error("connection not usable");
    const id = this.#nextId;
    this.#nextId += 2;
    const stream = new ClientStream(id, listener, this, this.flow.peerInitialWindow);
    this.streams.set(id, stream);
    const flags = Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0);
    if (endStream) stream.localClosed = true;
    this.send(frame(FrameType.HEADERS, flags, id, headerBlock));
    return stream;
  }

  /** Resets one stream (e.g. CANCEL when a channel closes mid-request). */
  reset(stream: ClientStream, code: number): void {
    if (stream.done) return;
    stream.drop();
    this.send(frame(FrameType.RST_STREAM, 0, stream.id, uint32(code)));
  }

  /** Ends the connection: GOAWAY, then the socket; every open stream fails. */
  close(): void {
    if (this.isClosed) return;
    this.send(goaway(0, ErrorCode.NO_ERROR));
    this.flushWrites().finally(() => this.#fail("connection closed"));
  }

  /** Fails what is open with why the connection ended. */
  async #run(): Promise<void> {
    const e = await this.serve();
    if (e instanceof Http1Reply) {
      return this.#fail({ resetCode: -1, message: HTTP1_REPLY, notGrpc: "certain" });
    }
    let reason = "Server closed the connection";
    if (e instanceof ConnectionError) reason = `HTTP/2 protocol error: ${e.message}`;
    else if (e !== undefined && !this.isClosed) {
      const tls = this.#tls;
      reason = ((tls && tlsAlertFailure(e, tls, false, false)) || ioFailure(e, true)).message;
    }
    this.#lost(reason);
  }

  /**
   * The connection was lost. Before any HTTP/2 byte came (and without TLS, whose ALPN already
   * agreed on h2), that is what a Triton HTTP port does with our preface: maybe not gRPC.
   */
  #lost(reason: string): void {
    if (this.answered || this.isClosed || this.#tls !== undefined) return this.#fail(reason);
    this.#fail({
      resetCode: -1,
      message: `${reason} without answering in HTTP/2`,
      notGrpc: "likely",
    });
  }

  /** Closes the socket; every stream still open fails with `reason` (a transport error). */
  #fail(reason: StreamFailure | string): void {
    this.shutdown();
    const failure = typeof reason === "string" ? { resetCode: -1, message: reason } : reason;
    for (const s of [...this.streams.values()]) s.fail(failure);
  }

  protected writeFailed(): void {
    this.#lost("Broken pipe");
  }

  protected onHeaderBlock({ streamId, flags, list }: HeaderBlock): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined || stream.remoteClosed) return;
    const end = (flags & Flag.END_STREAM) !== 0;
    if (end) stream.endRemote();
    stream.listener.onHeaders(list, end);
  }

  protected onData(stream: ClientStream, body: Uint8Array, end: boolean): void {
    if (end) stream.endRemote();
    stream.listener.onData(body, end);
  }

  /** A stream we reset or finished: its late DATA is dropped. */
  protected onDataWithoutStream(): void {}

  protected onReset(streamId: number, code: number): void {
    const message = `stream reset by the server (HTTP/2 error ${code})`;
    const unprocessed = code === ErrorCode.REFUSED_STREAM;
    this.streams.get(streamId)?.fail({ resetCode: code, message, unprocessed });
  }

  /**
   * Streams above the last id the server will process fail now, marked unprocessed (the server
   * never saw them, so a channel may send them again); the rest may finish.
   */
  protected onGoaway(last: number, code: number): void {
    this.draining = true;
    const message = `the server closed the connection (GOAWAY, HTTP/2 error ${code})`;
    for (const s of [...this.streams.values()]) {
      if (s.id > last) s.fail({ resetCode: ErrorCode.REFUSED_STREAM, message, unprocessed: true });
    }
  }

  protected override onSetting(id: number, value: number): void {
    if (id === Setting.MAX_CONCURRENT_STREAMS) this.#peerMaxStreams = value;
  }

  override finished(stream: ClientStream): void {
    super.finished(stream);
    // A draining connection ends with its last stream; the read loop may be parked in read().
    if (this.draining && this.streams.size === 0 && !this.isClosed) this.close();
  }
}
