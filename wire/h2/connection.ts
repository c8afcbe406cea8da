/**
 * The HTTP/2 connection core both ends share (RFC 9113, cleartext with prior knowledge as gRPC
 * uses it): our SETTINGS and receive windows, the read loop over one reused FrameReader, the
 * frame switch, WINDOW_UPDATEs as DATA is consumed, SETTINGS, PING, WINDOW_UPDATE, GOAWAY and
 * RST_STREAM parsing, header-block assembly, and sending through SendFlow and one FrameWriter.
 * The client (backends/net/h2_client.ts) opens streams and the reference server
 * (server/h2/connection.ts) accepts them; they differ only in what a header block, DATA for a
 * stream they no longer know, a reset or a GOAWAY means to them.
 */
import { type HeaderBlock, HeaderBlocks } from "./header_blocks.ts";
import { type FlowStream, SendFlow } from "./send_flow.ts";
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
  unpadded,
  windowUpdate,
} from "./frames.ts";
import { FrameReader } from "./frame_reader.ts";
import { FrameWriter } from "./writer.ts";
import { concat } from "../bytes.ts";

/** Our receive windows: large, so the peer rarely waits for a WINDOW_UPDATE. */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 16 << 20;
/** The largest frame we accept (our SETTINGS_MAX_FRAME_SIZE). */
const MAX_FRAME = 1 << 20;

/**
 * Bounds a server puts on what one peer may make it hold (the client sets none). Exceeding one
 * is a connection error, since such a peer is flooding rather than slow.
 */
export interface H2Limits {
  /** Advertised as SETTINGS_MAX_HEADER_LIST_SIZE; a larger header block is a PROTOCOL_ERROR. */
  maxHeaderListSize: number;
  /**
   * Bytes we may hold for a peer that does not read (answers to its PINGs and SETTINGS
   * included); beyond it what is queued is dropped for a GOAWAY with ENHANCE_YOUR_CALM, and
   * the socket closes once that is written or after `closeGraceMs`.
   */
  maxWriteQueue: number;
  /** Frames we may queue for such a peer (PING and SETTINGS answers are a few bytes each). */
  maxQueuedFrames: number;
  /**
   * How long a connection that ends with an error waits for a peer to read our GOAWAY and
   * close its side.
   */
  closeGraceMs: number;
}

/** What the core needs of a stream, besides its send window. */
export interface CoreStream extends FlowStream {
  readonly id: number;
  /** Bytes received since our last WINDOW_UPDATE for this stream. */
  unacked: number;
  /** The peer ended its side (END_STREAM). */
  remoteClosed: boolean;
}

/** A client's peer answered with an HTTP/1.x status line: it does not speak HTTP/2. */
export class Http1Reply extends Error {
  override name = "Http1Reply";
}

const HTTP1 = new TextEncoder().encode("HTTP/1.");

/** What a stream needs from its connection. */
export interface StreamOwner<S> {
  /**
   * Queues a frame for the socket (written in order, batched per turn of the event loop):
   * whole, or its header and then a payload written as it lies, uncopied (see FrameWriter).
   */
  send(bytes: Uint8Array, payload?: Uint8Array): void;
  /** The peer's SETTINGS_MAX_FRAME_SIZE. */
  readonly maxFrame: number;
  /** Takes up to `wanted` bytes of the connection's send window; may return 0. */
  takeWindow(wanted: number): number;
  /** The stream waits for a connection-level WINDOW_UPDATE. */
  blocked(stream: S): void;
  /** Both directions are closed (or reset): forget the stream. */
  finished(stream: S): void;
}

export abstract class H2Connection<S extends CoreStream> implements StreamOwner<S> {
  protected readonly streams = new Map<number, S>();
  protected readonly flow = new SendFlow(this.streams);
  readonly #headerBlocks: HeaderBlocks;
  readonly #reader = new FrameReader(MAX_FRAME);
  readonly #writer: FrameWriter;
  #closed = false;
  /** We stopped answering a peer that does not read (see H2Limits.maxWriteQueue). */
  #calm = false;
  readonly #closeGraceMs: number;
  /** DATA bytes received since our last connection-level WINDOW_UPDATE. */
  #unacked = 0;
  /** A server reads the client's preface before any frame. */
  #awaitingPreface: boolean;
  /** A client checks the server's first bytes for an HTTP/1.x status line. */
  #awaitingReply: boolean;
  /** GOAWAY received: reading ends once the last stream has. */
  protected draining = false;
  /** The highest stream id the peer opened: the last one our GOAWAY says we processed. */
  protected lastPeerStreamId = 0;
  maxFrame = DEFAULT_MAX_FRAME;

  /**
   * Queues our side's opening: a client's preface (with push disabled) or a server's
   * SETTINGS, then the connection window widened to ours.
   */
  constructor(protected readonly conn: Deno.Conn, role: "client" | "server", limits?: H2Limits) {
    const last = () => {
      this.#calm = true;
      return goaway(this.lastPeerStreamId, ErrorCode.ENHANCE_YOUR_CALM);
    };
    const limit = limits &&
      { maxHeld: limits.maxWriteQueue, maxFrames: limits.maxQueuedFrames, last };
    this.#writer = new FrameWriter(conn, () => this.writeFailed(), limit);
    this.#closeGraceMs = limits?.closeGraceMs ?? Infinity;
    this.#headerBlocks = new HeaderBlocks(limits?.maxHeaderListSize);
    this.#awaitingPreface = role === "server";
    this.#awaitingReply = role === "client";
    const settings: [Setting, number][] = [
      [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
      [Setting.MAX_FRAME_SIZE, MAX_FRAME],
    ];
    if (limits !== undefined) {
      settings.push([Setting.MAX_HEADER_LIST_SIZE, limits.maxHeaderListSize]);
    }
    if (role === "client") {
      this.send(concat(PREFACE, settingsFrame([[Setting.ENABLE_PUSH, 0], ...settings])));
    } else this.send(settingsFrame(settings));
    this.send(windowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
  }

  /** Streams not yet finished in both directions. */
  get activeStreams(): number {
    return this.streams.size;
  }

  protected get isClosed(): boolean {
    return this.#closed;
  }

  /** A client: the server has sent bytes that are not HTTP/1.x (so far, HTTP/2). */
  protected get answered(): boolean {
    return !this.#awaitingReply;
  }

  /**
   * Reads and handles frames until the peer closes, close(), the last stream after GOAWAY, or
   * an error. Returns what ended it (undefined at a clean end; Http1Reply for a client whose
   * server answered in HTTP/1.x); a protocol violation is answered with GOAWAY before this
   * returns.
   */
  protected async serve(): Promise<unknown> {
    try {
      await this.#readLoop();
      return undefined;
    } catch (e) {
      if (e instanceof ConnectionError) {
        this.send(goaway(this.lastPeerStreamId, e.code));
        if (this.#closeGraceMs === Infinity) await this.flushWrites();
        else await this.#lingerWithin(this.#closeGraceMs);
      }
      return e;
    }
  }

  /** Writes everything queued, ignoring a peer that went away. */
  protected flushWrites(): Promise<void> {
    return this.#writer.drain().catch(() => {});
  }

  /**
   * After our GOAWAY: writes what is queued, half-closes, and discards what the peer still
   * sends until it closes too, all within `ms`. Closing with unread bytes would send a reset
   * that makes the peer's kernel drop the GOAWAY before the peer reads it.
   */
  async #lingerWithin(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
    const linger = async () => {
      // A flood's GOAWAY waits behind the write in flight: flushWrites() would not wait for it.
      await this.#writer.idle();
      await this.conn.closeWrite();
      const scratch = new Uint8Array(64 << 10);
      // Bounded by `late` and by the peer: each read consumes bytes or ends.
      while (!this.#closed && await this.conn.read(scratch) !== null);
    };
    try {
      await Promise.race([linger().catch(() => {}), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the writer and the socket; false when they already were. */
  protected shutdown(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#writer.close();
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer.
    }
    return true;
  }

  /** A write failed: the peer is gone. */
  protected abstract writeFailed(): void;
  /** A complete header block: a new stream, or headers/trailers of an open one. */
  protected abstract onHeaderBlock(block: HeaderBlock): void;
  /** DATA for an open stream (flow control already counted); `body` is valid during the call. */
  protected abstract onData(stream: S, body: Uint8Array, end: boolean): void;
  /** DATA for a stream that is not open (flow control already counted). */
  protected abstract onDataWithoutStream(streamId: number): void;
  /** RST_STREAM from the peer. */
  protected abstract onReset(streamId: number, code: number): void;
  /** GOAWAY from the peer: streams above `lastStreamId` were not processed. */
  protected abstract onGoaway(lastStreamId: number, code: number): void;

  /** A peer setting the core does not apply itself (it applies the window and frame size). */
  protected onSetting(_id: number, _value: number): void {}

  async #readLoop(): Promise<void> {
    const onFrame = (h: FrameHeader, payload: Uint8Array) => this.#frame(h, payload);
    // Bounded by the connection: each pass consumes one read; the peer or close() ends it.
    while (!this.#closed) {
      if (!await this.#reader.fill(this.conn)) return;
      if (this.#awaitingPreface) {
        const seen = this.#reader.skip(PREFACE);
        if (seen === undefined) continue;
        if (!seen) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "not an HTTP/2 preface");
        this.#awaitingPreface = false;
      }
      if (this.#awaitingReply) {
        const http1 = this.#reader.skip(HTTP1);
        if (http1 === undefined) continue;
        if (http1) throw new Http1Reply("HTTP/1.x status line instead of HTTP/2 frames");
        this.#awaitingReply = false;
      }
      this.#reader.frames(onFrame);
      if (this.#calm) {
        throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "the peer does not read");
      }
      if (this.draining && this.streams.size === 0) return;
    }
  }

  #frame(h: FrameHeader, payload: Uint8Array): void {
    // After our GOAWAY for a peer that does not read, the rest of the read is ignored.
    if (this.#calm) return;
    this.#headerBlocks.check(h);
    switch (h.type) {
      case FrameType.DATA:
        return this.#data(h, payload);
      case FrameType.HEADERS:
        return this.#block(this.#headerBlocks.headers(h, unpadded(h.type, h.flags, payload)));
      case FrameType.CONTINUATION:
        return this.#block(this.#headerBlocks.continuation(h, payload));
      case FrameType.RST_STREAM:
        return this.onReset(
          h.streamId,
          payload.length >= 4 ? u32(payload, 0) : ErrorCode.PROTOCOL_ERROR,
        );
      case FrameType.SETTINGS:
        if ((h.flags & Flag.ACK) === 0) this.#settings(payload);
        return;
      case FrameType.PING:
        if ((h.flags & Flag.ACK) === 0) this.send(frame(FrameType.PING, Flag.ACK, 0, payload));
        return;
      case FrameType.WINDOW_UPDATE:
        return this.flow.update(h.streamId, payload);
      case FrameType.GOAWAY:
        if (payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY");
        return this.onGoaway(u32(payload, 0) & MAX_WINDOW, u32(payload, 4));
      case FrameType.PUSH_PROMISE:
        // The client disables push in its SETTINGS, and a client cannot push at all.
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected PUSH_PROMISE");
      default:
        // PRIORITY and unknown types are ignored, as the RFC requires.
        return;
    }
  }

  #data(h: FrameHeader, payload: Uint8Array): void {
    // Flow control counts the whole payload, padding included, even for a stream we forgot.
    this.#unacked += h.length;
    if (this.#unacked >= CONNECTION_WINDOW / 2) {
      this.send(windowUpdate(0, this.#unacked));
      this.#unacked = 0;
    }
    const stream = this.streams.get(h.streamId);
    if (stream === undefined || stream.remoteClosed) return this.onDataWithoutStream(h.streamId);
    const end = (h.flags & Flag.END_STREAM) !== 0;
    stream.unacked += h.length;
    if (!end && stream.unacked >= STREAM_WINDOW / 2) {
      this.send(windowUpdate(stream.id, stream.unacked));
      stream.unacked = 0;
    }
    this.onData(stream, unpadded(h.type, h.flags, payload), end);
  }

  #block(block: HeaderBlock | undefined): void {
    if (block !== undefined) this.onHeaderBlock(block);
  }

  #settings(payload: Uint8Array): void {
    this.flow.settings(payload, (id, value) => {
      if (id === Setting.MAX_FRAME_SIZE) this.maxFrame = value;
      else this.onSetting(id, value);
    });
    this.send(frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0)));
    for (const s of [...this.streams.values()]) s.flush();
  }

  // StreamOwner

  send(bytes: Uint8Array, payload?: Uint8Array): void {
    if (!this.#closed) this.#writer.send(bytes, payload);
  }

  takeWindow(wanted: number): number {
    return this.flow.take(wanted);
  }

  blocked(stream: S): void {
    this.flow.block(stream);
  }

  finished(stream: S): void {
    this.streams.delete(stream.id);
    this.flow.forget(stream);
  }
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
