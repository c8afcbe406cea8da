/**
 * A hand-written cleartext HTTP/2 client connection (prior knowledge, as gRPC opens it) on
 * Deno.connect: preface and SETTINGS, PING, flow control both ways, many concurrent streams,
 * GOAWAY and RST_STREAM (RFC 9113).
 *
 * Why not grpc-js on node:http2: Deno 2.9.6's node:http2 aborts the whole process when a
 * session that carried ~100+ streams receives GOAWAY (denoland/deno#36788), so a server
 * shutting down or a proxy's max connection age would kill the tool; and grpc-js tops out at
 * 3-6k unary calls/s here where raw frames reach 35-42k/s.
 */
import { type HeaderBlock, HeaderBlocks } from "../../wire/h2/header_blocks.ts";
import { SendFlow } from "../../wire/h2/send_flow.ts";
import {
  ConnectionError,
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  frame,
  type FrameHeader,
  FrameType,
  goaway,
  MAX_WINDOW,
  PREFACE,
  Setting,
  settingsFrame,
  uint32,
  unpadded,
  windowUpdate,
} from "../../wire/h2/frames.ts";
import { FrameReader } from "../../wire/h2/frame_reader.ts";
import { concat, FrameWriter } from "../../wire/h2/writer.ts";
import { ClientStream, type ClientStreamOwner, type StreamListener } from "./h2_client_stream.ts";
import { openTls, tlsAlertFailure, type TlsMaterial } from "../../wire/net/tls_connect.ts";
import { connectFailure, ioFailure, TransportError } from "../../wire/net/transport_error.ts";

/** Our receive windows: large, so the server rarely waits for a WINDOW_UPDATE. */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 16 << 20;
const MAX_FRAME = 1 << 20;
/** Stream ids are 31-bit; a connection that used them all is replaced. */
const LAST_STREAM_ID = 2 ** 31 - 1;

export class H2ClientConnection implements ClientStreamOwner {
  readonly #streams = new Map<number, ClientStream>();
  readonly #flow = new SendFlow(this.#streams);
  readonly #headerBlocks = new HeaderBlocks();
  readonly #writer: FrameWriter;
  #nextId = 1;
  #closed = false;
  /** GOAWAY received: no new streams, the socket closes when the last one ends. */
  #draining = false;
  /** Unlimited until the server's SETTINGS say otherwise. */
  #peerMaxStreams = Infinity;
  #unacked = 0;
  readonly #reader = new FrameReader(MAX_FRAME);
  /** Set for TLS connections, so TLS alerts on reads are explained with the URL. */
  #tls: TlsMaterial | undefined;
  maxFrame = DEFAULT_MAX_FRAME;
  /** Resolves when the read loop has ended (the connection is closed). */
  readonly closed: Promise<void>;

  private constructor(private readonly conn: Deno.Conn) {
    this.#writer = new FrameWriter(conn, () => this.#fail("Broken pipe"));
    this.send(concat(
      PREFACE,
      settingsFrame([
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        [Setting.MAX_FRAME_SIZE, MAX_FRAME],
      ]),
    ));
    this.send(windowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
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
    return !this.#closed && !this.#draining && this.#nextId < LAST_STREAM_ID;
  }

  /** At the server's SETTINGS_MAX_CONCURRENT_STREAMS: a new stream would be refused. */
  get full(): boolean {
    return this.#streams.size >= this.#peerMaxStreams;
  }

  get activeStreams(): number {
    return this.#streams.size;
  }

  /** Opens a stream with a pre-encoded header block (no dynamic table: re-sendable). */
  request(headerBlock: Uint8Array, endStream: boolean, listener: StreamListener): ClientStream {
    if (!this.usable) throw new Error("connection not usable");
    const id = this.#nextId;
    this.#nextId += 2;
    const stream = new ClientStream(id, listener, this, this.#flow.peerInitialWindow);
    this.#streams.set(id, stream);
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
    if (this.#closed) return;
    this.send(goaway(0, ErrorCode.NO_ERROR));
    this.#writer.drain().catch(() => {}).finally(() => this.#fail("connection closed"));
  }

  async #run(): Promise<void> {
    let reason = "Server closed the connection";
    try {
      await this.#readLoop();
    } catch (e) {
      if (e instanceof ConnectionError) {
        this.send(goaway(0, e.code));
        await this.#writer.drain().catch(() => {});
        reason = `HTTP/2 protocol error: ${e.message}`;
      } else if (!this.#closed) {
        const tls = this.#tls;
        reason = ((tls && tlsAlertFailure(e, tls, false, false)) || ioFailure(e, true)).message;
      }
    }
    this.#fail(reason);
  }

  /** Closes the socket; every stream still open fails with `reason` (a transport error). */
  #fail(reason: string): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#writer.close();
      try {
        this.conn.close();
      } catch {
        // Already closed.
      }
    }
    for (const s of [...this.#streams.values()]) s.fail({ resetCode: -1, message: reason });
  }

  async #readLoop(): Promise<void> {
    const onFrame = (h: FrameHeader, payload: Uint8Array) => this.#frame(h, payload);
    // Bounded by the connection: each pass consumes one read; the peer or close() ends it.
    while (!this.#closed) {
      if (!await this.#reader.fill(this.conn)) return;
      this.#reader.frames(onFrame);
      if (this.#draining && this.#streams.size === 0) return;
    }
  }

  #frame(h: FrameHeader, payload: Uint8Array): void {
    this.#headerBlocks.check(h);
    switch (h.type) {
      case FrameType.DATA:
        return this.#data(h, payload);
      case FrameType.HEADERS:
        return this.#headerBlock(this.#headerBlocks.headers(h, unpadded(h.type, h.flags, payload)));
      case FrameType.CONTINUATION:
        return this.#headerBlock(this.#headerBlocks.continuation(h, payload));
      case FrameType.RST_STREAM: {
        const code = payload.length >= 4 ? readU32(payload) : ErrorCode.PROTOCOL_ERROR;
        const message = `stream reset by the server (HTTP/2 error ${code})`;
        this.#streams.get(h.streamId)?.fail({ resetCode: code, message });
        return;
      }
      case FrameType.SETTINGS:
        if ((h.flags & Flag.ACK) === 0) this.#settings(payload);
        return;
      case FrameType.PING:
        if ((h.flags & Flag.ACK) === 0) this.send(frame(FrameType.PING, Flag.ACK, 0, payload));
        return;
      case FrameType.WINDOW_UPDATE:
        return this.#flow.update(h.streamId, payload);
      case FrameType.GOAWAY:
        return this.#goaway(payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "push was disabled");
      default:
        return;
    }
  }

  /** Streams above the last id the server will process fail now; the rest may finish. */
  #goaway(payload: Uint8Array): void {
    if (payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY");
    const last = readU32(payload) & MAX_WINDOW;
    const code = readU32(payload.subarray(4));
    this.#draining = true;
    const message = `the server closed the connection (GOAWAY, HTTP/2 error ${code})`;
    for (const s of [...this.#streams.values()]) {
      if (s.id > last) s.fail({ resetCode: ErrorCode.REFUSED_STREAM, message });
    }
  }

  #data(h: FrameHeader, payload: Uint8Array): void {
    this.#unacked += h.length;
    if (this.#unacked >= CONNECTION_WINDOW / 2) {
      this.send(windowUpdate(0, this.#unacked));
      this.#unacked = 0;
    }
    const stream = this.#streams.get(h.streamId);
    if (stream === undefined || stream.remoteClosed) return;
    const end = (h.flags & Flag.END_STREAM) !== 0;
    stream.unacked += h.length;
    if (!end && stream.unacked >= STREAM_WINDOW / 2) {
      this.send(windowUpdate(stream.id, stream.unacked));
      stream.unacked = 0;
    }
    const body = unpadded(h.type, h.flags, payload);
    if (end) stream.endRemote();
    stream.listener.onData(body, end);
  }

  #headerBlock(block: HeaderBlock | undefined): void {
    if (block === undefined) return;
    const { streamId, flags, list } = block;
    const stream = this.#streams.get(streamId);
    if (stream === undefined || stream.remoteClosed) return;
    const end = (flags & Flag.END_STREAM) !== 0;
    if (end) stream.endRemote();
    stream.listener.onHeaders(list, end);
  }

  #settings(payload: Uint8Array): void {
    this.#flow.settings(payload, (id, value) => {
      if (id === Setting.MAX_FRAME_SIZE) this.maxFrame = value;
      else if (id === Setting.MAX_CONCURRENT_STREAMS) this.#peerMaxStreams = value;
    });
    this.send(frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0)));
    for (const s of [...this.#streams.values()]) s.flush();
  }

  // ClientStreamOwner

  takeWindow(wanted: number): number {
    return this.#flow.take(wanted);
  }

  blocked(stream: ClientStream): void {
    this.#flow.block(stream);
  }

  finished(stream: ClientStream): void {
    this.#streams.delete(stream.id);
    this.#flow.forget(stream);
    // A draining connection ends with its last stream; the read loop may be parked in read().
    if (this.#draining && this.#streams.size === 0 && !this.#closed) this.close();
  }

  send(bytes: Uint8Array): void {
    if (!this.#closed) this.#writer.send(bytes);
  }
}

function readU32(b: Uint8Array): number {
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
