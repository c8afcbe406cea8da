/**
 * The sending half of HTTP/2 flow control (RFC 9113 §6.9), the same for the client and the
 * server connection: the connection-level window, the peer's initial stream window from its
 * SETTINGS, WINDOW_UPDATE accounting, and the streams parked until the window reopens.
 */
import { ConnectionError, DEFAULT_WINDOW, ErrorCode, MAX_WINDOW, Setting } from "./frames.ts";

/** What flow control needs of a stream: its own window, and a way to send what it holds. */
export interface FlowStream {
  sendWindow: number;
  flush(): void;
}

export class SendFlow<S extends FlowStream> {
  #window = DEFAULT_WINDOW;
  /** The peer's SETTINGS_INITIAL_WINDOW_SIZE: the window each new stream starts with. */
  peerInitialWindow = DEFAULT_WINDOW;
  readonly #blocked = new Set<S>();

  constructor(private readonly streams: Map<number, S>) {}

  /** Up to `wanted` bytes of connection window, taken now. */
  take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.#window));
    this.#window -= granted;
    return granted;
  }

  /** A stream waits for the connection window. */
  block(stream: S): void {
    this.#blocked.add(stream);
  }

  forget(stream: S): void {
    this.#blocked.delete(stream);
  }

  /** A WINDOW_UPDATE frame: widen one stream's window or the connection's, and resume. */
  update(streamId: number, payload: Uint8Array): void {
    if (payload.length < 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE");
    const view = new DataView(payload.buffer, payload.byteOffset, 4);
    const increment = view.getUint32(0) & MAX_WINDOW;
    if (streamId !== 0) {
      const stream = this.streams.get(streamId);
      if (stream === undefined) return;
      stream.sendWindow += increment;
      stream.flush();
      return;
    }
    this.#window += increment;
    const waiting = [...this.#blocked];
    this.#blocked.clear();
    for (const s of waiting) s.flush();
  }

  /**
   * A SETTINGS frame: applies the initial window (adjusting every open stream) and hands each
   * other setting to `other`.
   */
  settings(payload: Uint8Array, other: (id: number, value: number) => void): void {
    if (payload.length % 6 !== 0) {
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "bad SETTINGS length");
    }
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
    for (let i = 0; i < payload.length; i += 6) {
      const id = view.getUint16(i);
      const value = view.getUint32(i + 2);
      if (id !== Setting.INITIAL_WINDOW_SIZE) {
        other(id, value);
        continue;
      }
      if (value > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "window");
      const delta = value - this.peerInitialWindow;
      this.peerInitialWindow = value;
      for (const s of this.streams.values()) s.sendWindow += delta;
    }
  }
}
