/**
 * The write side of an HTTP/2 connection: frames queued during one turn of the event loop
 * go to the socket together, and writes never overlap. Small frames are copied into one write;
 * a large payload is written from where it lies, since copying a megabyte costs more than the
 * extra write.
 */
import { setImmediate } from "node:timers";
import { copyJoined } from "../bytes.ts";

/** Chunks from this size are written on their own instead of being copied into a batch. */
const DIRECT_WRITE = 16 << 10;

/** A bound on what a peer that does not read may make us hold, and what we say then. */
export interface WriteLimit {
  maxHeld: number;
  /** Frames queued behind the write in flight: a tiny frame costs far more than its bytes. */
  maxFrames: number;
  /** The frame that replaces everything still queued (a GOAWAY); nothing is sent after it. */
  last(): Uint8Array;
}

export class FrameWriter {
  /** Queued chunks: whole frames, or a frame's header followed by its payload. */
  #out: Uint8Array[] = [];
  /** Frames in #out (a header and its payload count once). */
  #frames = 0;
  /** Bytes queued or being written: what a peer that stopped reading makes us hold. */
  #held = 0;
  #scheduled = false;
  #writing = false;
  #closed = false;
  /** The limit's last frame is queued: later sends are dropped. */
  #final = false;
  /** The running (or last) drain. */
  #current: Promise<void> | undefined;

  /** `onError` runs once when a write fails (the peer went away). */
  constructor(
    private readonly conn: Deno.Conn,
    private readonly onError: () => void,
    private readonly limit?: WriteLimit,
  ) {}

  /**
   * Queues a frame: `bytes` whole, or `bytes` as its header and `payload` (not copied, so it
   * must not change until written). Flushing waits for setImmediate, after pending I/O
   * callbacks, so the responses to everything one read delivered share a write.
   */
  send(bytes: Uint8Array, payload?: Uint8Array): void {
    if (this.#closed || this.#final) return;
    const limit = this.limit;
    const size = bytes.length + (payload?.length ?? 0);
    if (
      limit !== undefined &&
      (this.#held + size > limit.maxHeld || this.#frames >= limit.maxFrames)
    ) {
      // Whole frames are dropped; the one being written finishes, so the last frame is intact.
      for (const b of this.#out) this.#held -= b.length;
      this.#out = [];
      this.#frames = 0;
      this.#final = true;
      bytes = limit.last();
      payload = undefined;
    }
    this.#held += bytes.length + (payload?.length ?? 0);
    this.#out.push(bytes);
    if (payload !== undefined) this.#out.push(payload);
    this.#frames++;
    if (this.#scheduled || this.#writing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.drain().catch(() => {
        this.#closed = true;
        this.onError();
      });
    });
  }

  /**
   * Writes everything queued so far (and what is queued meanwhile); returns at once when a
   * drain is already running (see idle()).
   */
  drain(): Promise<void> {
    if (this.#writing) return Promise.resolve();
    this.#current = this.#write();
    return this.#current;
  }

  /** Resolves once nothing is queued or being written, or the writer failed or closed. */
  async idle(): Promise<void> {
    // Bounded: each pass waits for one running drain, which ends with the queue empty.
    while (this.#writing && !this.#closed) await this.#current!.catch(() => {});
    if (this.#out.length > 0 && !this.#closed) await this.drain().catch(() => {});
  }

  async #write(): Promise<void> {
    this.#writing = true;
    try {
      // Bounded: each pass writes what was queued; the queue only grows while we await.
      while (this.#out.length > 0 && !this.#closed) {
        const out = this.#out;
        this.#out = [];
        this.#frames = 0;
        // Bounded by the batch: each pass writes one run of small chunks or one large chunk.
        for (let i = 0; i < out.length && !this.#closed;) {
          let j = i + 1;
          if (out[i].length < DIRECT_WRITE) {
            while (j < out.length && out[j].length < DIRECT_WRITE) j++;
          }
          let data = j === i + 1 ? out[i] : copyJoined(out.slice(i, j));
          i = j;
          while (data.length > 0) {
            const n = await this.conn.write(data);
            this.#held -= n;
            data = data.subarray(n);
          }
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /** Drops anything not yet written. */
  close(): void {
    this.#closed = true;
    this.#out = [];
    this.#frames = 0;
    this.#held = 0;
  }
}
