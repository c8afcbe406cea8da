/**
 * Header blocks as both ends of a connection receive them (RFC 9113 §4.3, §6.10): a HEADERS
 * frame, perhaps followed by CONTINUATION frames, then one HPACK decode. Decoding happens even
 * for streams the receiver has forgotten, because the dynamic table must stay in step.
 */
import { ConnectionError, ErrorCode, Flag, type FrameHeader, FrameType } from "./frames.ts";
import { type HeaderList, HpackDecoder } from "./hpack.ts";
import { concat } from "./writer.ts";

export interface HeaderBlock {
  streamId: number;
  /** The HEADERS frame's flags (END_STREAM matters to the caller). */
  flags: number;
  list: HeaderList;
}

export class HeaderBlocks {
  readonly #decoder = new HpackDecoder();
  #partial: { streamId: number; flags: number; block: Uint8Array } | undefined;

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
      this.#partial = { streamId: h.streamId, flags: h.flags, block: block.slice() };
      return undefined;
    }
    return this.#decode(h.streamId, h.flags, block);
  }

  continuation(h: FrameHeader, payload: Uint8Array): HeaderBlock | undefined {
    const partial = this.#partial;
    if (partial === undefined || partial.streamId !== h.streamId) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "unexpected CONTINUATION");
    }
    partial.block = concat(partial.block, payload);
    if ((h.flags & Flag.END_HEADERS) === 0) return undefined;
    this.#partial = undefined;
    return this.#decode(partial.streamId, partial.flags, partial.block);
  }

  #decode(streamId: number, flags: number, block: Uint8Array): HeaderBlock {
    try {
      return { streamId, flags, list: this.#decoder.decode(block) };
    } catch (e) {
      throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, (e as Error).message);
    }
  }
}
