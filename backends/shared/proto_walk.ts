/**
 * Steps for checking a protobuf reply's structure without decoding it (the gRPC reply checks
 * of the triton and tfserving kinds, unary and streamed): tags and lengths are walked, nested
 * messages included, and nothing is allocated per field.
 */
import {
  FIXED32,
  FIXED64,
  LEN,
  ProtoReader,
  VARINT,
  WireError,
} from "../../wire/grpc/proto_reader.ts";

/** A tag's field number; 0 is not a valid one. */
export function fieldOf(tag: number): number {
  const field = Math.floor(tag / 8);
  if (field === 0) throw new WireError("field number 0");
  return field;
}

/** Where the length-delimited field at r.pos ends, checked against the message's end. */
export function lengthEnd(r: ProtoReader): number {
  const length = r.varint();
  if (length > r.end - r.pos) throw new WireError("field length exceeds the message");
  return r.pos + length;
}

const TAG = 0;
const LENGTH = 1;
const VALUE = 2;
const BODY = 3;

/**
 * A reply check that walks a message's top-level fields as its bytes arrive in pieces, so a
 * large reply (a 1 MiB raw_output_contents) is checked for structure and lengths without being
 * joined into one array: a small state machine reads each tag and length varint across piece
 * boundaries and counts a field's bytes past. The fields numbered 1 to `known` must be
 * length-delimited; those the kind `nests` are checked inside too, in place when they lie in
 * one piece, else gathered into a scratch array (they are small: an output's name and shape),
 * and a field the kind hands to an `inner` walk (a large nested message: a stream response's
 * infer_response) is walked by it piece by piece as well. A whole message is one piece. The walk allocates nothing per message once its scratch array
 * has grown to the largest nested field.
 */
export abstract class ReplyWalk {
  #state = TAG;
  /** Bytes of the message not yet walked. */
  #left = 0;
  #value = 0;
  #scale = 1;
  #varintBytes = 0;
  /** The top-level field being walked, 0 for one skipped by wire type. */
  #field = 0;
  /** Bytes of the current field still to come. */
  #need = 0;
  /** The nested field's length while it is gathered, else -1. */
  #gathering = -1;
  #scratch = new Uint8Array(256);
  /** The walk hearing the current field's bytes (see inner()), if any. */
  #inner: ReplyWalk | undefined;
  #problem = "";

  /** `message` names the message in problem texts; fields 1 to `known` are length-delimited. */
  constructor(private readonly message: string, private readonly known: number) {}

  /** Resets the kind's counts for a new message. */
  protected abstract start(): void;
  /** Whether field `field`'s bytes are checked inside (the kind's nested() hears them). */
  protected abstract nests(field: number): boolean;
  /**
   * A known field was walked; for a nested one `r` reads from its first byte and `end` is where
   * it ends (r.end may lie beyond, up to the bytes at hand).
   */
  protected abstract field(field: number, r: ProtoReader | undefined, end: number): void;
  /** The whole-message problem once every field passed, "" when there is none. */
  protected abstract finish(): string;
  /**
   * The walk that checks known field `field` as a message of its own, hearing its bytes as
   * they pass (a large nested message, never gathered); its verdict becomes this message's.
   */
  protected inner(_field: number): ReplyWalk | undefined {
    return undefined;
  }

  /** Why bytes [start, end) of `buf` are not the message, "" when its structure holds. */
  whole(buf: Uint8Array, start = 0, end = buf.length): string {
    this.begin(end - start);
    this.piece(buf, start, end);
    return this.end();
  }

  /** A message of `length` bytes begins. */
  begin(length: number): void {
    this.#state = TAG;
    this.#left = length;
    this.#value = 0;
    this.#scale = 1;
    this.#varintBytes = 0;
    this.#gathering = -1;
    this.#inner = undefined;
    this.#problem = "";
    this.start();
  }

  /** The message's next bytes, [from, to) of `buf` (bytes past the message are not read). */
  piece(buf: Uint8Array, from: number, to: number): void {
    if (this.#problem !== "") return;
    try {
      this.#walk(buf, from, Math.min(to, from + this.#left));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.#problem = `malformed ${this.message}: ${e.message}`;
    }
  }

  /** The message ended: why it is not the message, "" when its structure holds. */
  end(): string {
    if (this.#problem !== "") return this.#problem;
    // Every length was checked against the message's, so only a varint can be cut short.
    const cut = this.#state === LENGTH || this.#state === VALUE || this.#varintBytes > 0;
    if (cut) {
      return `malformed ${this.message}: truncated varint`;
    }
    return this.finish();
  }

  #walk(buf: Uint8Array, at: number, to: number): void {
    // An inner walk's problem stops the walk.
    while (at < to && this.#problem === "") {
      if (this.#state === BODY) {
        const take = Math.min(this.#need, to - at);
        if (this.#gathering >= 0) {
          this.#scratch.set(buf.subarray(at, at + take), this.#gathering - this.#need);
        } else this.#inner?.piece(buf, at, at + take);
        at += take;
        this.#need -= take;
        this.#left -= take;
        if (this.#need > 0) return;
        this.#state = TAG;
        if (this.#inner) this.#innerEnd();
        const length = this.#gathering;
        if (length >= 0) {
          this.#gathering = -1;
          this.field(this.#field, new ProtoReader(this.#scratch, 0, length), length);
        }
        continue;
      }
      const b = buf[at++];
      this.#left--;
      this.#value += (b & 0x7f) * this.#scale;
      if (b >= 0x80) {
        if (++this.#varintBytes === 10) throw new WireError("varint longer than 10 bytes");
        this.#scale *= 128;
        continue;
      }
      const value = this.#value;
      this.#value = 0;
      this.#scale = 1;
      this.#varintBytes = 0;
      if (this.#state === VALUE) this.#state = TAG;
      else if (this.#state === TAG) this.#tag(value);
      else at = this.#length(value, buf, at, to);
    }
  }

  #tag(tag: number): void {
    const field = fieldOf(tag);
    const wireType = tag & 7;
    this.#field = field <= this.known ? field : 0;
    if (field <= this.known && wireType !== LEN) {
      throw new WireError(`field ${field} has wire type ${wireType}`);
    }
    if (wireType === LEN) this.#state = LENGTH;
    else if (wireType === VARINT) this.#state = VALUE;
    else if (wireType === FIXED64 || wireType === FIXED32) {
      const n = wireType === FIXED64 ? 8 : 4;
      if (n > this.#left) throw new WireError("truncated fixed-width field");
      this.#state = BODY;
      this.#need = n;
    } else throw new WireError(`unsupported wire type ${wireType}`);
  }

  /** The inner walk's field ended: its verdict, when a problem, is the message's. */
  #innerEnd(): void {
    const problem = this.#inner!.end();
    this.#inner = undefined;
    if (problem !== "") this.#problem = problem;
  }

  /** A length-delimited field of `length` bytes starts at `at`; where the walk goes on. */
  #length(length: number, buf: Uint8Array, at: number, to: number): number {
    if (length > this.#left) throw new WireError("field length exceeds the message");
    const field = this.#field;
    this.#state = BODY;
    this.#need = length;
    if (field === 0) return at;
    const inner = this.inner(field);
    if (inner) {
      inner.begin(length);
      this.#inner = inner;
      // An empty one ends here: no byte of it will pass.
      if (length === 0) {
        this.#state = TAG;
        this.#innerEnd();
      }
      return at;
    }
    if (!this.nests(field)) {
      this.field(field, undefined, 0);
      return at;
    }
    if (length <= to - at) {
      this.field(field, new ProtoReader(buf, at, to), at + length);
      this.#state = TAG;
      this.#left -= length;
      return at + length;
    }
    if (this.#scratch.length < length) this.#scratch = new Uint8Array(length);
    this.#gathering = length;
    return at;
  }
}
