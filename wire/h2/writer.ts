/**
 * The write side of an HTTP/2 connection: frames queued during one turn of the event loop
 * go to the socket in one write, and writes never overlap.
 */
import { setImmediate } from "node:timers";

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export class FrameWriter {
  #out: Uint8Array[] = [];
  /** Bytes queued or being written: what a peer that stopped reading makes us hold. */
  #held = 0;
  #scheduled = false;
  #writing = false;
  #closed = false;

  /**
   * `onError` runs once when a write fails (the peer went away), or when more than
   * `maxHeld` bytes wait for a peer that does not read (a flood of frames we must answer).
   */
  constructor(
    private readonly conn: Deno.Conn,
    private readonly onError: () => void,
    private readonly maxHeld = Infinity,
  ) {}

  /**
   * Queues bytes. Flushing waits for setImmediate, after pending I/O callbacks, so the
   * responses to everything one read delivered share a write.
   */
  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#held += bytes.length;
    if (this.#held > this.maxHeld) {
      this.close();
      this.onError();
      return;
    }
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

  /** Writes everything queued so far (and what is queued meanwhile). */
  async drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      // Bounded: each pass writes what was queued; the queue only grows while we await.
      while (this.#out.length > 0 && !this.#closed) {
        let data = joined(this.#out);
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
