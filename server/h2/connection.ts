/**
 * One cleartext HTTP/2 connection (prior knowledge, as gRPC clients open it) of the gRPC
 * listener: frame parsing, SETTINGS, PING, flow control, header blocks (RFC 9113).
 * Written here rather than on node:http2 because Deno 2.9's node:http2 aborts the process
 * when a session that carried more than ~110 streams receives GOAWAY
 * (denoland/deno#36788), which every gRPC client sends when it closes.
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
  FRAME_HEADER,
  type FrameHeader,
  FrameType,
  goaway,
  PREFACE,
  readFrameHeader,
  rstStream,
  Setting,
  settingsFrame,
  unpadded,
  windowUpdate,
} from "../../wire/h2/frames.ts";
import { ServerStream, type StreamOwner } from "./stream.ts";
import { concat, FrameWriter } from "../../wire/h2/writer.ts";

export type StreamHandler = (stream: ServerStream) => void;

/** Our receive windows: large, so clients rarely wait for a WINDOW_UPDATE. */
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 16 << 20;
/** The largest frame we accept (SETTINGS_MAX_FRAME_SIZE). */
const MAX_FRAME = 1 << 20;
const READ_SIZE = 64 * 1024;

export class H2Connection implements StreamOwner {
  readonly #streams = new Map<number, ServerStream>();
  readonly #flow = new SendFlow(this.#streams);
  readonly #headerBlocks = new HeaderBlocks();
  readonly #writer: FrameWriter;
  #closed = false;
  #lastStreamId = 0;
  #unacked = 0;
  /** A header block split over CONTINUATION frames. */
  maxFrame = DEFAULT_MAX_FRAME;

  constructor(private readonly conn: Deno.Conn, private readonly handler: StreamHandler) {
    this.#writer = new FrameWriter(conn, () => this.close());
  }

  /** Streams not yet finished in both directions. */
  get activeStreams(): number {
    return this.#streams.size;
  }

  /** Serves until the peer closes, a protocol error, or close(). */
  async run(): Promise<void> {
    this.send(settingsFrame([
      [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
      [Setting.MAX_FRAME_SIZE, MAX_FRAME],
    ]));
    this.send(windowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
    try {
      await this.#readLoop();
    } catch (e) {
      if (e instanceof ConnectionError) {
        this.send(goaway(this.#lastStreamId, e.code));
        await this.#writer.drain().catch(() => {});
      }
      // Anything else is the socket going away: nothing to tell the peer.
    } finally {
      this.close();
    }
  }

  /** Closes the socket; every open stream is reset. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    try {
      this.conn.close();
    } catch {
      // Already closed by the peer.
    }
    for (const stream of [...this.#streams.values()]) stream.reset();
  }

  async #readLoop(): Promise<void> {
    let buf: Uint8Array = new Uint8Array(0);
    let prefaceSeen = false;
    // Bounded by the connection: each pass consumes one read, and the peer closes eventually.
    while (!this.#closed) {
      const chunk = new Uint8Array(READ_SIZE);
      const n = await this.conn.read(chunk);
      if (n === null) return;
      buf = buf.length === 0 ? chunk.subarray(0, n) : concat(buf, chunk.subarray(0, n));
      if (!prefaceSeen) {
        if (buf.length < PREFACE.length) continue;
        if (!PREFACE.every((b, i) => buf[i] === b)) {
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "not an HTTP/2 preface");
        }
        prefaceSeen = true;
        buf = buf.subarray(PREFACE.length);
      }
      buf = this.#frames(buf);
    }
  }

  /** Handles every complete frame in `buf`; returns the incomplete rest. */
  #frames(buf: Uint8Array): Uint8Array {
    let at = 0;
    while (buf.length - at >= FRAME_HEADER) {
      const header = readFrameHeader(buf, at);
      if (header.length > MAX_FRAME) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "frame too large");
      }
      const end = at + FRAME_HEADER + header.length;
      if (end > buf.length) break;
      this.#frame(header, buf.subarray(at + FRAME_HEADER, end));
      at = end;
    }
    return buf.subarray(at);
  }

  #frame(h: FrameHeader, payload: Uint8Array): void {
    this.#headerBlocks.check(h);
    switch (h.type) {
      case FrameType.DATA:
        return this.#data(h, payload);
      case FrameType.HEADERS:
        return this.#headers(h, unpadded(h.type, h.flags, payload));
      case FrameType.CONTINUATION:
        return this.#headerBlock(this.#headerBlocks.continuation(h, payload));
      case FrameType.RST_STREAM:
        this.#streams.get(h.streamId)?.reset();
        return;
      case FrameType.SETTINGS:
        if ((h.flags & Flag.ACK) === 0) this.#settings(payload);
        return;
      case FrameType.PING:
        if ((h.flags & Flag.ACK) === 0) this.send(frame(FrameType.PING, Flag.ACK, 0, payload));
        return;
      case FrameType.WINDOW_UPDATE:
        return this.#flow.update(h.streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a client cannot push");
      default:
        // PRIORITY, GOAWAY (the peer closes the socket once its calls end) and unknown types.
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
    const stream = this.#streams.get(h.streamId);
    if (stream === undefined || stream.remoteClosed) {
      if (h.streamId > this.#lastStreamId || h.streamId === 0) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      }
      this.send(rstStream(h.streamId, ErrorCode.STREAM_CLOSED));
      return;
    }
    stream.unacked += h.length;
    const end = (h.flags & Flag.END_STREAM) !== 0;
    if (!end && stream.unacked >= STREAM_WINDOW / 2) {
      this.send(windowUpdate(stream.id, stream.unacked));
      stream.unacked = 0;
    }
    const body = unpadded(h.type, h.flags, payload);
    if (body.length > 0) stream.ondata?.(body);
    if (end) stream.endRemote();
  }

  #headers(h: FrameHeader, block: Uint8Array): void {
    if (h.streamId === 0 || h.streamId % 2 === 0) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "bad stream id for HEADERS");
    }
    this.#headerBlock(this.#headerBlocks.headers(h, block));
  }

  #headerBlock(block: HeaderBlock | undefined): void {
    if (block === undefined) return;
    const { streamId, flags, list } = block;
    const end = (flags & Flag.END_STREAM) !== 0;
    const existing = this.#streams.get(streamId);
    if (existing !== undefined) {
      // Request trailers: only the end of the stream matters to gRPC.
      if (end && !existing.remoteClosed) existing.endRemote();
      return;
    }
    if (streamId <= this.#lastStreamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "stream id went backwards");
    }
    this.#lastStreamId = streamId;
    const stream = new ServerStream(streamId, new Map(list), this, this.#flow.peerInitialWindow);
    this.#streams.set(streamId, stream);
    this.handler(stream);
    if (end) stream.endRemote();
  }

  #settings(payload: Uint8Array): void {
    this.#flow.settings(payload, (id, value) => {
      if (id === Setting.MAX_FRAME_SIZE) this.maxFrame = value;
    });
    this.send(frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0)));
    for (const s of this.#streams.values()) s.flush();
  }

  // StreamOwner

  takeWindow(wanted: number): number {
    return this.#flow.take(wanted);
  }

  blocked(stream: ServerStream): void {
    this.#flow.block(stream);
  }

  finished(stream: ServerStream): void {
    this.#streams.delete(stream.id);
    this.#flow.forget(stream);
  }

  /** Frames produced in one turn of the event loop go out in one write. */
  send(bytes: Uint8Array): void {
    if (!this.#closed) this.#writer.send(bytes);
  }
}
