/**
 * The serialized form of a BYTES tensor (docs/protocols.md §1.8): per element a 4-byte
 * little-endian length, then that many bytes, no padding. HTTP binary data, gRPC raw contents, the
 * C API and shared memory all use it, so the client, the server and the data generator share this
 * code.
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Where framing breaks: inside a length prefix, or an element running past the end. */
export class BytesFramingError extends RangeError {
  override name = "BytesFramingError";
  constructor(
    readonly kind: "prefix" | "overrun",
    /** Byte offset of the broken prefix or element. */
    readonly offset: number,
    /** Bytes left from `offset` to the end of the buffer. */
    readonly available: number,
  ) {
    super(
      kind === "prefix"
        ? `BYTES tensor data ends inside a length prefix at byte ${offset}`
        : `BYTES tensor element at byte ${offset} runs past the end of the data`,
    );
  }
}

export function encodeBytesElements(elements: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const e of elements) size += 4 + e.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of elements) {
    view.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

export function encodeStringElements(strings: readonly string[]): Uint8Array {
  return encodeBytesElements(strings.map((s) => utf8.encode(s)));
}

/** The elements as views into `blob`; throws BytesFramingError on broken framing. */
export function splitBytesElements(blob: Uint8Array): Uint8Array[] {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new BytesFramingError("prefix", at, blob.length - at);
    const len = view.getUint32(at, true);
    if (at + 4 + len > blob.length) throw new BytesFramingError("overrun", at, blob.length - at);
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

export function decodeStringElements(blob: Uint8Array): string[] {
  return splitBytesElements(blob).map((e) => utf8Decoder.decode(e));
}
