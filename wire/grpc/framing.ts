/**
 * gRPC's length-prefixed messages (docs/protocols.md §2.1, gRPC PROTOCOL-HTTP2
 * "Length-Prefixed-Message"): one flag byte (1 = compressed with the call's grpc-encoding),
 * a 4-byte big-endian length, then the message. Shared by the client and the reference server;
 * what a compressed message inflates to is each side's business.
 */

import { copyJoined } from "../bytes.ts";

/** Bytes before every message: the compressed flag and the length. */
export const MESSAGE_PREFIX = 5;

/** One length-prefixed message; `compressed` marks bytes already compressed by the sender. */
export function frameMessage(bytes: Uint8Array, compressed = false): Uint8Array {
  const out = new Uint8Array(MESSAGE_PREFIX + bytes.length);
  out[0] = compressed ? 1 : 0;
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, MESSAGE_PREFIX);
  return out;
}

/** Pieces from this size are passed on as they are; smaller neighbours are joined. */
const LARGE_PIECE = 16 << 10;

/**
 * One uncompressed message given as pieces in order, framed without copying its large pieces
 * (tensor contents): the prefix and each run of small pieces are joined into one chunk, the
 * large ones are returned as they are, so they must not change until sent.
 */
export function framePieces(pieces: readonly Uint8Array[]): Uint8Array[] {
  let length = 0;
  for (const p of pieces) length += p.length;
  const prefix = new Uint8Array(MESSAGE_PREFIX);
  new DataView(prefix.buffer).setUint32(1, length);
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [prefix];
  for (const p of pieces) {
    if (p.length < LARGE_PIECE) {
      run.push(p);
      continue;
    }
    out.push(copyJoined(run), p);
    run = [];
  }
  if (run.length > 0) out.push(copyJoined(run));
  return out;
}

/** A message longer than the reader accepts, refused before its bytes are gathered. */
export class MessageTooLarge extends RangeError {
  override name = "MessageTooLarge";
  constructor(readonly length: number, readonly limit: number) {
    super(`message of ${length} bytes is larger than the ${limit} bytes accepted`);
  }
}

/**
 * Splits DATA into gRPC messages. A message inside one chunk is handed over as a view of the
 * chunk (valid during the callback); one spread over chunks is copied together, into an array
 * the reader then lets go of (`owned`, so a caller that keeps the message need not copy it
 * again). The callback also hears each message's compressed flag.
 */
export class MessageReader {
  /** A prefix cut across chunks; made on first need, as most messages arrive whole. */
  #head: Uint8Array | undefined;
  #headLen = 0;
  #body: Uint8Array | undefined;
  #bodyLen = 0;
  /** The length of the message being skimmed (see `skim`), or -1. */
  #skimmed = -1;
  /**
   * Set while nobody reads the messages' bytes (a client measuring without capturing): an
   * uncompressed message spread over chunks is then counted instead of gathered, and only its
   * length goes to `onSkimmed` (its bytes pass `onSkimPiece` on the way, for a reader that walks
   * them without keeping them). A message inside one chunk still goes to `onMessage`, as a view.
   */
  skim = false;
  /** Whether any message since the last reset() had the compressed flag set. */
  compressed = false;

  /** `maxMessage` bounds a message's declared length (MessageTooLarge beyond it). */
  constructor(
    private readonly onMessage: (message: Uint8Array, compressed: boolean, owned: boolean) => void,
    private readonly maxMessage = Infinity,
    private readonly onSkimmed: (length: number) => void = () => {},
    /** Each piece [from, to) of `chunk` of a skimmed message of `length` bytes, in order. */
    private readonly onSkimPiece: (
      chunk: Uint8Array,
      from: number,
      to: number,
      length: number,
    ) => void = () => {},
  ) {}

  reset(): void {
    this.#headLen = 0;
    this.#body = undefined;
    this.#bodyLen = 0;
    this.#skimmed = -1;
    this.compressed = false;
  }

  /** True when a message was left incomplete. */
  get partial(): boolean {
    return this.#headLen > 0;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    // Bounded: each pass consumes prefix or body bytes of the chunk.
    while (at < chunk.length) {
      if (this.#headLen < MESSAGE_PREFIX) {
        if (this.#headLen === 0 && chunk.length - at >= MESSAGE_PREFIX) {
          const length = this.#checked(readLength(chunk, at));
          if (chunk.length - at - MESSAGE_PREFIX >= length) {
            const compressed = chunk[at] !== 0;
            this.compressed ||= compressed;
            const start = at + MESSAGE_PREFIX;
            at = start + length;
            this.onMessage(chunk.subarray(start, at), compressed, false);
            continue;
          }
        }
        const take = Math.min(MESSAGE_PREFIX - this.#headLen, chunk.length - at);
        const head = this.#head ??= new Uint8Array(MESSAGE_PREFIX);
        head.set(chunk.subarray(at, at + take), this.#headLen);
        this.#headLen += take;
        at += take;
        if (this.#headLen < MESSAGE_PREFIX) return;
        this.compressed ||= head[0] !== 0;
        const length = this.#checked(readLength(head, 0));
        this.#bodyLen = 0;
        if (this.skim && head[0] === 0) this.#skimmed = length;
        else this.#body = new Uint8Array(length);
      }
      if (this.#skimmed >= 0) {
        const take = Math.min(this.#skimmed - this.#bodyLen, chunk.length - at);
        // Called for an empty message too, so a walker hears every message begin.
        this.onSkimPiece(chunk, at, at + take, this.#skimmed);
        this.#bodyLen += take;
        at += take;
        if (this.#bodyLen === this.#skimmed) {
          const length = this.#skimmed;
          this.#headLen = 0;
          this.#skimmed = -1;
          this.onSkimmed(length);
        }
        continue;
      }
      const body = this.#body!;
      const take = Math.min(body.length - this.#bodyLen, chunk.length - at);
      body.set(chunk.subarray(at, at + take), this.#bodyLen);
      this.#bodyLen += take;
      at += take;
      if (this.#bodyLen === body.length) {
        this.#headLen = 0;
        this.#body = undefined;
        this.onMessage(body, this.#head![0] !== 0, true);
      }
    }
  }

  #checked(length: number): number {
    if (length > this.maxMessage) throw new MessageTooLarge(length, this.maxMessage);
    return length;
  }
}

function readLength(b: Uint8Array, at: number): number {
  return ((b[at + 1] << 24) | (b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4]) >>> 0;
}
