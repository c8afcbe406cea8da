/**
 * Minimal protobuf reading of ModelStreamInferResponse: just what measurement needs (the error
 * text, the triton_final_response flag, whether outputs exist), walking the wire format and
 * skipping everything else by length. A full decode per response would cost more than the
 * rest of the receive path.
 */

const utf8 = new TextDecoder();
const FINAL_KEY = new TextEncoder().encode("triton_final_response");

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** Filled by {@link readStreamResponse}; reuse one per channel. */
export interface StreamResponseInfo {
  /** "" when the response reports no error. */
  errorMessage: string;
  /** parameters["triton_final_response"].bool_param, undefined when the server sent none. */
  finalFlag: boolean | undefined;
  /** Output tensors described (0 in Triton's empty final response). */
  outputCount: number;
}

export function newStreamResponseInfo(): StreamResponseInfo {
  return { errorMessage: "", finalFlag: undefined, outputCount: 0 };
}

class WireError extends Error {}

class Reader {
  constructor(readonly buf: Uint8Array, public pos: number, readonly end: number) {}

  more(): boolean {
    return this.pos < this.end;
  }

  /** Varints beyond 2^53 lose precision, which no length or tag here reaches. */
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

  /** The sub-range of a length-delimited field, after which the reader continues. */
  sub(): Reader {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new WireError("field length exceeds the message");
    this.pos = start + length;
    return new Reader(this.buf, start, start + length);
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
}

/**
 * Reads a ModelStreamInferResponse into `out`. Returns "" on success, else why the bytes are
 * not a valid message (the caller records a protocol error).
 */
export function readStreamResponse(buf: Uint8Array, out: StreamResponseInfo): string {
  out.errorMessage = "";
  out.finalFlag = undefined;
  out.outputCount = 0;
  try {
    const r = new Reader(buf, 0, buf.length);
    while (r.more()) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 1 && wireType === LEN) {
        const s = r.sub();
        out.errorMessage = utf8.decode(buf.subarray(s.pos, s.end));
      } else if (field === 2 && wireType === LEN) {
        readInferResponse(r.sub(), out);
      } else r.skip(wireType);
    }
    return "";
  } catch (e) {
    if (e instanceof WireError) return `malformed ModelStreamInferResponse: ${e.message}`;
    throw e;
  }
}

/** ModelInferResponse: parameters = 4 (map entries), outputs = 5. */
function readInferResponse(r: Reader, out: StreamResponseInfo): void {
  while (r.more()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 4 && wireType === LEN) readParameterEntry(r.sub(), out);
    else if (field === 5 && wireType === LEN) {
      r.sub();
      out.outputCount++;
    } else r.skip(wireType);
  }
}

/** map<string, InferParameter> entry: key = 1, value = 2; InferParameter.bool_param = 1. */
function readParameterEntry(r: Reader, out: StreamResponseInfo): void {
  let isFinalKey = false;
  let value: Reader | undefined;
  while (r.more()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === LEN) {
      const key = r.sub();
      isFinalKey = key.equals(FINAL_KEY);
    } else if (field === 2 && wireType === LEN) value = r.sub();
    else r.skip(wireType);
  }
  if (!isFinalKey) return;
  // An absent value or bool_param is proto3's default: false.
  let flag = false;
  while (value?.more()) {
    const tag = value.varint();
    if (tag === (1 << 3 | VARINT)) flag = value.varint() !== 0;
    else value.skip(tag & 7);
  }
  out.finalFlag = flag;
}
