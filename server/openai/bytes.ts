/**
 * A growable byte buffer reused from one write to the next: the mock builds each reply in one,
 * so a reply costs copies of encoded pieces and no allocation of its own (a fresh array of a
 * reply's 14 kB cost about 5 µs, more than all of its framing).
 */
const encoder = new TextEncoder();

export class ByteWriter {
  buf: Uint8Array;
  /** Bytes written: `buf[base, len)`. */
  len: number;

  /** `base` bytes stay free at the front, for a header put before the bytes once written. */
  constructor(size = 16 << 10, readonly base = 0) {
    this.buf = new Uint8Array(base + size);
    this.len = base;
  }

  /** Forgets the written bytes. */
  reset(): void {
    this.len = this.base;
  }

  /** Makes room for `n` more bytes, keeping the written ones. */
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  put(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Appends a copy of the `n` bytes written at `from`. */
  copy(from: number, n: number): void {
    this.room(n);
    this.buf.copyWithin(this.len, from, from + n);
    this.len += n;
  }

  /** Appends `s` in UTF-8. */
  text(s: string): void {
    this.room(s.length * 3);
    this.len += encoder.encodeInto(s, this.buf.subarray(this.len)).written;
  }

  /** The written bytes: a view, valid until the writer is written again. */
  view(): Uint8Array {
    return this.buf.subarray(this.base, this.len);
  }
}

/** `s` in UTF-8. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
