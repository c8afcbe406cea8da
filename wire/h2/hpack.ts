/**
 * HPACK (RFC 7541) header compression for the HTTP/2 client and server: a full decoder (static and
 * dynamic tables, Huffman literals) and a stateless encoder that only emits literals
 * without indexing, so the peer's decoding table never depends on ours.
 */
import { huffmanDecode } from "./huffman.ts";

export class HpackError extends Error {
  override name = "HpackError";
}

/** A header list above the decoder's bound: the peer ignored our SETTINGS_MAX_HEADER_LIST_SIZE. */
export class HeaderListTooLarge extends HpackError {
  override name = "HeaderListTooLarge";
  constructor(readonly limit: number) {
    super(`header list larger than ${limit} bytes`);
  }
}

export type HeaderList = [string, string][];

/** RFC 7541 Appendix A; index i + 1 in the protocol. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Header octets as a string, one char per byte (gRPC metadata is ASCII). */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export class HpackDecoder {
  /** Newest entry first, as the dynamic index counts. */
  #table: [string, string][] = [];
  #size = 0;
  #pos = 0;
  #block: Uint8Array = new Uint8Array(0);

  /**
   * `maxSize` is our SETTINGS_HEADER_TABLE_SIZE, the bound size updates must respect;
   * `maxListSize` bounds a decoded list (each field counted as RFC 7541 §4.1 does), since a
   * few bytes of references to a large table entry can expand into megabytes.
   */
  constructor(private readonly maxSize = 4096, private readonly maxListSize = Infinity) {}

  decode(block: Uint8Array): HeaderList {
    this.#block = block;
    this.#pos = 0;
    const headers: HeaderList = [];
    let listSize = 0;
    while (this.#pos < block.length) {
      const b = block[this.#pos];
      let field: [string, string] | undefined;
      if (b & 0x80) {
        field = this.#entry(this.#integer(7));
      } else if (b & 0x40) {
        field = this.#literal(6);
        this.#insert(field);
      } else if (b & 0x20) {
        const size = this.#integer(5);
        if (size > this.maxSize) throw new HpackError(`table size update ${size} too large`);
        this.#evict(size);
      } else {
        field = this.#literal(4);
      }
      if (field === undefined) continue;
      listSize += field[0].length + field[1].length + 32;
      if (listSize > this.maxListSize) throw new HeaderListTooLarge(this.maxListSize);
      headers.push(field);
    }
    return headers;
  }

  /** An integer with an N-bit prefix (RFC 7541 §5.1). */
  #integer(prefix: number): number {
    const block = this.#block;
    const max = (1 << prefix) - 1;
    let value = block[this.#pos++] & max;
    if (value < max) return value;
    // Bounded: at most 4 continuation bytes are accepted (values up to 2^28).
    for (let shift = 0; shift <= 21; shift += 7) {
      if (this.#pos >= block.length) throw new HpackError("truncated integer");
      const b = block[this.#pos++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new HpackError("integer too large");
  }

  #string(): string {
    if (this.#pos >= this.#block.length) throw new HpackError("truncated string");
    const huffman = (this.#block[this.#pos] & 0x80) !== 0;
    const length = this.#integer(7);
    const end = this.#pos + length;
    if (end > this.#block.length) throw new HpackError("truncated string");
    const raw = this.#block.subarray(this.#pos, end);
    this.#pos = end;
    try {
      return latin1(huffman ? huffmanDecode(raw) : raw);
    } catch (e) {
      throw new HpackError((e as Error).message);
    }
  }

  #literal(prefix: number): [string, string] {
    const index = this.#integer(prefix);
    const name = index === 0 ? this.#string() : this.#entry(index)[0];
    return [name, this.#string()];
  }

  #entry(index: number): [string, string] {
    if (index >= 1 && index <= STATIC_TABLE.length) {
      const [name, value] = STATIC_TABLE[index - 1];
      return [name, value];
    }
    const entry = this.#table[index - STATIC_TABLE.length - 1];
    if (entry === undefined) throw new HpackError(`invalid table index ${index}`);
    return [entry[0], entry[1]];
  }

  #insert(field: [string, string]): void {
    const size = field[0].length + field[1].length + 32;
    this.#table.unshift(field);
    this.#size += size;
    this.#evict(this.maxSize);
  }

  #evict(limit: number): void {
    // Bounded by the table length.
    while (this.#size > limit && this.#table.length > 0) {
      const [name, value] = this.#table.pop()!;
      this.#size -= name.length + value.length + 32;
    }
  }
}

function pushInteger(out: number[], value: number, prefix: number, first: number): void {
  const max = (1 << prefix) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

function pushString(out: number[], s: string): void {
  pushInteger(out, s.length, 7, 0);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}

/** Static-table entries sent as one byte (RFC 7541 §6.1) instead of a literal. */
const INDEXED: Record<string, number> = {
  ":status\n200": 0x88,
  ":method\nPOST": 0x83,
  ":scheme\nhttp": 0x86,
};

/**
 * Encodes headers as literals without indexing (a few static entries as one byte), so the
 * block never touches the dynamic table and can be re-sent verbatim.
 */
export function encodeHeaders(headers: HeaderList): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of headers) {
    const indexed = INDEXED[name + "\n" + value];
    if (indexed !== undefined) {
      out.push(indexed);
      continue;
    }
    out.push(0);
    pushString(out, name);
    pushString(out, value);
  }
  return Uint8Array.from(out);
}
