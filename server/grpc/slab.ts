/**
 * Copies of small byte ranges carved from a shared slab. The server must copy each request
 * message out of the connection's reused read buffer (decoded requests keep views of their
 * message), and one fresh ArrayBuffer per message cost about 6 µs of server CPU per unary call
 * (measured with scripts/bench_grpc_channel.ts, 64 channels): the backing-store allocation and
 * the garbage collector's work on it, not the copy. A view into a slab is an ordinary object.
 */

/** Bytes per slab; a slab lives as long as any copy carved from it. */
export const SLAB_BYTES = 256 * 1024;

/** Messages larger than this get their own buffer, so one cannot pin a slab for long. */
const LARGEST_CARVED = SLAB_BYTES >> 3;

export class Slab {
  #slab = new Uint8Array(SLAB_BYTES);
  #at = 0;

  /** A copy of `bytes` that later changes to `bytes` do not reach. */
  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length > LARGEST_CARVED) return bytes.slice();
    if (this.#at + bytes.length > SLAB_BYTES) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#at = 0;
    }
    const out = this.#slab.subarray(this.#at, this.#at + bytes.length);
    out.set(bytes);
    // 8-byte steps keep each copy aligned for any typed-array view of it.
    this.#at += (bytes.length + 7) & ~7;
    return out;
  }
}
