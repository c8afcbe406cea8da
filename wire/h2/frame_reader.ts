/**
 * The read side of an HTTP/2 connection: one reused buffer that socket reads land in and
 * frames are cut from, grown only for a frame larger than itself. Payloads handed out are
 * views into the buffer, valid until the next read.
 */
import {
  ConnectionError,
  ErrorCode,
  FRAME_HEADER,
  type FrameHeader,
  readFrameHeader,
} from "./frames.ts";

const READ_SIZE = 256 * 1024;

export class FrameReader {
  #buf: Uint8Array;
  #start = 0;
  #end = 0;

  /** `maxFrame` is our SETTINGS_MAX_FRAME_SIZE: a larger frame is a connection error. */
  constructor(private readonly maxFrame: number, size = READ_SIZE) {
    this.#buf = new Uint8Array(size);
  }

  /** Reads once from `conn`; false at EOF. */
  async fill(conn: Deno.Conn): Promise<boolean> {
    if (this.#end === this.#buf.length) this.#makeRoom();
    const n = await conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /**
   * Consumes `prefix` (the client preface, which a server reads before any frame): true once
   * it has arrived, false as soon as the bytes differ, undefined while too few have arrived.
   */
  skip(prefix: Uint8Array): boolean | undefined {
    const have = this.#end - this.#start;
    for (let i = 0; i < Math.min(have, prefix.length); i++) {
      if (this.#buf[this.#start + i] !== prefix[i]) return false;
    }
    if (have < prefix.length) return undefined;
    this.#start += prefix.length;
    return true;
  }

  /** Hands every complete frame to `handle`, in order; keeps an incomplete one. */
  frames(handle: (h: FrameHeader, payload: Uint8Array) => void): void {
    const buf = this.#buf;
    // Bounded by the bytes read: each pass consumes one whole frame.
    while (this.#end - this.#start >= FRAME_HEADER) {
      const h = readFrameHeader(buf, this.#start);
      if (h.length > this.maxFrame) {
        throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "frame too large");
      }
      const end = this.#start + FRAME_HEADER + h.length;
      if (end > this.#end) break;
      const payload = buf.subarray(this.#start + FRAME_HEADER, end);
      this.#start = end;
      handle(h, payload);
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** Moves the unread rest to the front, growing the buffer for a frame that cannot fit. */
  #makeRoom(): void {
    const rest = this.#buf.subarray(this.#start, this.#end);
    let size = this.#buf.length;
    if (rest.length >= FRAME_HEADER) {
      size = Math.max(size, FRAME_HEADER + readFrameHeader(rest, 0).length);
    }
    if (size > this.#buf.length || rest.length === this.#buf.length) {
      const next = new Uint8Array(Math.max(size, rest.length * 2));
      next.set(rest);
      this.#buf = next;
    } else {
      this.#buf.copyWithin(0, this.#start, this.#end);
    }
    this.#end -= this.#start;
    this.#start = 0;
  }
}
