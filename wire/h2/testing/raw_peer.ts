/**
 * A hand-driven HTTP/2 peer for tests of either end of the connection core: it writes frames
 * the test builds byte by byte and reads the other side's frames one at a time, so a test can
 * say exactly what went over the wire and in which order.
 */
import { type FrameHeader, FrameType, PREFACE } from "../frames.ts";
import { FrameReader } from "../frame_reader.ts";

export type Frame = FrameHeader & { payload: Uint8Array };

export class RawPeer {
  readonly #reader = new FrameReader(1 << 20);
  readonly #queue: Frame[] = [];

  constructor(readonly conn: Deno.Conn) {}

  /** Writes the frames in one write. */
  async write(...frames: Uint8Array[]): Promise<void> {
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.length;
    }
    // Bounded by the bytes: every write takes at least one.
    for (let sent = 0; sent < all.length;) sent += await this.conn.write(all.subarray(sent));
  }

  /** As a server: reads the client's connection preface, which precedes its frames. */
  async preface(): Promise<void> {
    // Bounded by the preface's 24 bytes: every read brings at least one.
    for (;;) {
      const seen = this.#reader.skip(PREFACE);
      if (seen === false) throw new Error("not an HTTP/2 preface");
      if (seen) return;
      if (!await this.#reader.fill(this.conn)) throw new Error("closed before the preface");
    }
  }

  /** Frames up to and including the first that `last` accepts; throws at EOF. */
  async until(last: (f: Frame) => boolean): Promise<Frame[]> {
    const out: Frame[] = [];
    // Bounded by the other side: every read delivers frames or ends the connection.
    for (;;) {
      while (this.#queue.length > 0) {
        const f = this.#queue.shift()!;
        out.push(f);
        if (last(f)) return out;
      }
      if (!await this.#reader.fill(this.conn)) throw new Error("the other side closed the socket");
      this.#reader.frames((h, p) => this.#queue.push({ ...h, payload: p.slice() }));
    }
  }
}

/** A frame's 32-bit big-endian word at `at` (window increments, error codes, stream ids). */
export function word(payload: Uint8Array, at: number): number {
  return new DataView(payload.buffer, payload.byteOffset).getUint32(at);
}

/** Total DATA payload bytes among `frames`. */
export function dataBytes(frames: Frame[]): number {
  return frames.filter((f) => f.type === FrameType.DATA).reduce((n, f) => n + f.length, 0);
}
