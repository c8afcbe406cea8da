/**
 * In-place decoder for `Transfer-Encoding: chunked` bodies. Decoded bytes are moved down over
 * the chunk framing inside the connection's read buffer, so the body ends up contiguous at the
 * same offset a Content-Length body would have, with no extra allocation. The decoder keeps
 * its state between reads because a chunk can be split anywhere.
 */
import { ProtocolError } from "./parse.ts";

const CR = 13;
const LF = 10;
/** Longest chunk-size line (hex size plus extensions) accepted. */
const MAX_LINE = 4096;
/** 2^40 bytes: far above any real chunk, well inside exact float integers. */
const MAX_CHUNK = 2 ** 40;

// Decoder states (plain numbers keep the switch monomorphic).
const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILER = 3;
const DONE = 4;

export class ChunkedDecoder {
  /** End of the decoded body (it starts where reset() was told). */
  out = 0;
  /** Next raw byte to examine; after completion, the first byte past the message. */
  pos = 0;
  #state: number = SIZE;
  #remaining = 0;

  reset(bodyStart: number): void {
    this.out = bodyStart;
    this.pos = bodyStart;
    this.#state = SIZE;
    this.#remaining = 0;
  }

  /**
   * Continues from buf[at] after the caller took the decoded bytes and moved the undecoded
   * ones (from `pos`) down to `at`, keeping the state: a streamed body then never makes the
   * buffer grow. Decoded output is written from `at` again.
   */
  restartAt(at: number): void {
    this.out = at;
    this.pos = at;
  }

  /** Decodes what buf[pos, end) allows; true once the terminating chunk and trailers are in. */
  step(buf: Uint8Array, end: number): boolean {
    for (;;) {
      switch (this.#state) {
        case SIZE: {
          const lf = findLf(buf, this.pos, end);
          if (lf < 0) return this.#needMore(end);
          const size = parseSize(buf, this.pos, lf);
          this.pos = lf + 1;
          this.#remaining = size;
          this.#state = size === 0 ? TRAILER : DATA;
          break;
        }
        case DATA: {
          const avail = end - this.pos;
          const n = avail < this.#remaining ? avail : this.#remaining;
          if (this.out !== this.pos) buf.copyWithin(this.out, this.pos, this.pos + n);
          this.out += n;
          this.pos += n;
          this.#remaining -= n;
          if (this.#remaining > 0) return false;
          this.#state = DATA_END;
          break;
        }
        case DATA_END: {
          if (end - this.pos < 2) return false;
          if (buf[this.pos] !== CR || buf[this.pos + 1] !== LF) {
            throw new ProtocolError("chunk data not followed by CRLF");
          }
          this.pos += 2;
          this.#state = SIZE;
          break;
        }
        case TRAILER: {
          const lf = findLf(buf, this.pos, end);
          if (lf < 0) return this.#needMore(end);
          const blank = lf === this.pos || (lf === this.pos + 1 && buf[this.pos] === CR);
          this.pos = lf + 1;
          if (blank) this.#state = DONE;
          break;
        }
        case DONE:
          return true;
      }
    }
  }

  #needMore(end: number): boolean {
    if (end - this.pos > MAX_LINE) throw new ProtocolError("chunk size line too long");
    return false;
  }
}

function findLf(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === LF) return i;
  return -1;
}

/** Hex size at the start of the line; extensions after ';' and blanks are ignored. */
function parseSize(buf: Uint8Array, from: number, lf: number): number {
  let n = 0;
  let i = from;
  for (; i < lf; i++) {
    const b = buf[i];
    let d: number;
    if (b >= 48 && b <= 57) d = b - 48;
    else if (b >= 97 && b <= 102) d = b - 87;
    else if (b >= 65 && b <= 70) d = b - 55;
    else break;
    n = n * 16 + d;
    if (n > MAX_CHUNK) throw new ProtocolError("chunk size too large");
  }
  if (i === from) throw new ProtocolError("invalid chunk size line");
  const b = buf[i];
  if (i < lf && b !== 59 && b !== 32 && b !== 9 && b !== CR) {
    throw new ProtocolError("invalid chunk size line");
  }
  return n;
}
