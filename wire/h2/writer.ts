/**
 * The write side of an HTTP/2 connection: frames queued during one turn of the event loop
 * go to the socket in one write, and writes never overlap.
 */
import { setImmediate } from "node:timers";
import { joinBytes } from "../bytes.ts";

/** A bound on what a peer that does not read may make us hold, and what we say then. */
export interface WriteLimit {
  maxHeld: number;
  /** Frames queued behind the write in flight: a tiny frame costs far more than its bytes. */
  maxFrames: number;
  /** The frame that replaces everything still queued (a GOAWAY); nothing is sent after it. */
  last(): Uint8Array;
}

export class FrameWriter {
  #out: Uint8Array[] = [];
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
   * Queues bytes. Flushing waits for setImmediate, after pending I/O callbacks, so the
   * responses to everything one read delivered share a write.
   */
  send(bytes: Uint8Array): void {
    if (this.#closed || this.#final) return;
    const limit = this.limit;
    if (
      limit !== undefined &&
      (this.#held + bytes.length > limit.maxHeld || this.#out.length >= limit.maxFrames)
    ) {
      // Whole frames are dropped; the one being written finishes, so the last frame is intact.
      for (const b of this.#out) this.#held -= b.length;
      this.#out = [];
      this.#final = true;
      bytes = limit.last();
    }
    this.#held += bytes.length;
    this.#out.push(bytes);
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
        let data = joinBytes(this.#out);
        this.#out = [];
        while (data.length > 0) {
          const n = await this.conn.write(data);
          this.#held -= n;
          data = data.subarray(n);
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
    this.#held = 0;
  }
}
