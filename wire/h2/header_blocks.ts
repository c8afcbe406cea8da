/**
 * Header blocks as both ends of a connection receive them (RFC 9113 §4.3, §6.10): a HEADERS
 * frame, perhaps followed by CONTINUATION frames, then one HPACK decode. Decoding happens even
 * for streams the receiver has forgotten, because the dynamic table must stay in step.
 */
import { ConnectionError, ErrorCode, Flag, type FrameHeader, FrameType } from "./frames.ts";
import { type HeaderList, HeaderListTooLarge, HpackDecoder } from "./hpack.ts";

export interface HeaderBlock {
  streamId: number;
  /** The HEADERS frame's flags (END_STREAM matters to the caller). */
  flags: number;
  list: HeaderList;
}

export class HeaderBlocks {
  readonly #decoder: HpackDecoder;
  /** A block's fragments so far, joined once at END_HEADERS (not once per CONTINUATION). */
  #partial: { streamId: number; flags: number; fragments: Uint8Array[]; size: number } | undefined;

  /**
   * `maxListSize` bounds both a block's encoded bytes and its decoded list: beyond it the
   * peer gets a connection error instead of our memory.
   */
  constructor(private readonly maxListSize = Infinity) {
    this.#decoder = new HpackDecoder(4096, maxListSize);
  }

  /** Between HEADERS and its last CONTINUATION, no other frame may arrive. */
  check(h: FrameHeader): void {
    if (this.#partial !== undefined && h.type !== FrameType.CONTINUATION) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "expected CONTINUATION");
    }
  }

  /** A HEADERS frame's (unpadded) block: the decoded list, or undefined until it is complete. */
  headers(h: FrameHeader, block: Uint8Array): HeaderBlock | undefined {
    if ((h.flags & Flag.END_HEADERS) === 0) {
      // Copied: the read buffer behind `block` is not kept.
      const fragments = [block.slice()];
      this.#partial = { streamId: h.streamId, flags: h.flags, fragments, size: block.length };
      this.#checkSize(block.length);
      return undefined;
    }
    return this.#decode(h.streamId, h.flags, block);
  }

  continuation(h: FrameHeader, payload: Uint8Array): HeaderBlock | undefined {
    const partial = this.#partial;
    if (partial === undefined || partial.streamId !== h.streamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected CONTINUATION");
    }
    partial.fragments.push(payload.slice());
    partial.size += payload.length;
    this.#checkSize(partial.size);
    if ((h.flags & Flag.END_HEADERS) === 0) return undefined;
    this.#partial = undefined;
    const block = new Uint8Array(partial.size);
    let at = 0;
    for (const f of partial.fragments) {
      block.set(f, at);
      at += f.length;
    }
    return this.#decode(partial.streamId, partial.flags, block);
  }

  #checkSize(size: number): void {
    if (size > this.maxListSize) this.#tooLarge(new HeaderListTooLarge(this.maxListSize));
  }

  /** Our state cannot follow the peer's HPACK table any more, so the connection ends. */
  #tooLarge(e: HeaderListTooLarge): never {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, e.message);
  }

  #decode(streamId: number, flags: number, block: Uint8Array): HeaderBlock {
    try {
      return { streamId, flags, list: this.#decoder.decode(block) };
    } catch (e) {
      if (e instanceof HeaderListTooLarge) this.#tooLarge(e);
      throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, (e as Error).message);
    }
  }
}
