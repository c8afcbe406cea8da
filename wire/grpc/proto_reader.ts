/**
 * A cursor over protobuf wire-format bytes, for readers that skim a message instead of decoding
 * it whole (the Triton backend's stream-response reader and output decoder). It reads in place
 * and throws {@link WireError} on bytes that are not a valid message, so callers can turn any
 * malformation into one protocol-error text.
 */

export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

export class WireError extends Error {}

export class ProtoReader {
  constructor(readonly buf: Uint8Array, public pos: number, readonly end: number) {}

  more(): boolean {
    return this.pos < this.end;
  }

  /** Varints beyond 2^53 lose precision, which no length, tag or tensor dim reaches. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError("truncated varint");
      const b = this.buf[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new WireError("varint longer than 10 bytes");
  }

  /**
   * The low 32 bits of a varint as a signed int32: int32 fields are written sign-extended to
   * 10 bytes, which {@link varint} would round, so the high bits are dropped exactly here.
   */
  varint32(): number {
    let value = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.#byte();
      // Shifts past 31 contribute nothing: only the low 32 bits are kept.
      if (i < 5) value |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return value;
    }
    throw new WireError("varint longer than 10 bytes");
  }

  /** A full 64-bit varint, exact (int64/uint64 tensor contents). */
  varint64(): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.#byte();
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, value);
    }
    throw new WireError("varint longer than 10 bytes");
  }

  /** The sub-range of a length-delimited field, after which the reader continues. */
  sub(): ProtoReader {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new WireError("field length exceeds the message");
    this.pos = start + length;
    return new ProtoReader(this.buf, start, start + length);
  }

  /** The bytes of a length-delimited field, as a view into the buffer. */
  bytes(): Uint8Array {
    const s = this.sub();
    return this.buf.subarray(s.pos, s.end);
  }

  /** The next `n` bytes (a fixed32/fixed64 value), as a view into the buffer. */
  fixed(n: number): Uint8Array {
    const at = this.pos;
    this.advance(n);
    return this.buf.subarray(at, at + n);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LEN) this.sub();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === FIXED32) this.advance(4);
    else throw new WireError(`unsupported wire type ${wireType}`);
  }

  advance(n: number): void {
    if (n > this.end - this.pos) throw new WireError("truncated fixed-width field");
    this.pos += n;
  }

  equals(bytes: Uint8Array): boolean {
    if (this.end - this.pos !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.buf[this.pos + i] !== bytes[i]) return false;
    return true;
  }

  #byte(): number {
    if (this.pos >= this.end) throw new WireError("truncated varint");
    return this.buf[this.pos++];
  }
}
