/**
 * The HPACK Huffman code (RFC 7541 Appendix B), decoding only: neither our client nor
 * our server Huffman-encodes. The code is canonical (codes of one length are consecutive, in symbol order, and
 * each length continues where the previous left off), so the 257 code lengths define it.
 */

/** Code length in bits of symbols 0..255 and of EOS (256), from RFC 7541 Appendix B. */
// deno-fmt-ignore
const LENGTHS: readonly number[] = [
  // 0-31: control characters
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  // 32-63: ' ' ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  // 64-95: @ A-Z [ \ ] ^ _
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  // 96-127: ` a-z { | } ~ DEL
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  // 128-255
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  // EOS
  30,
];

const EOS = 256;
const MAX_BITS = 30;

export class HuffmanError extends Error {
  override name = "HuffmanError";
}

/** Per length: the first code of that length, how many there are, where they start. */
interface Canonical {
  first: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  /** Symbols sorted by (length, symbol). */
  symbols: Int32Array;
}

function buildCanonical(): Canonical {
  const count = new Int32Array(MAX_BITS + 1);
  for (const len of LENGTHS) count[len]++;
  const first = new Int32Array(MAX_BITS + 1);
  const offset = new Int32Array(MAX_BITS + 1);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_BITS; len++) {
    first[len] = code;
    offset[len] = index;
    index += count[len];
    code = (code + count[len]) << 1;
  }
  const symbols = new Int32Array(LENGTHS.length);
  const next = offset.slice();
  for (let len = 1; len <= MAX_BITS; len++) {
    for (let sym = 0; sym < LENGTHS.length; sym++) {
      if (LENGTHS[sym] === len) symbols[next[len]++] = sym;
    }
  }
  return { first, count, offset, symbols };
}

const CANON = buildCanonical();

/** The code of a symbol, for tests that check the table against the RFC. */
export function huffmanCode(symbol: number): { code: number; bits: number } {
  const bits = LENGTHS[symbol];
  const rank = CANON.symbols.subarray(CANON.offset[bits]).indexOf(symbol);
  return { code: CANON.first[bits] + rank, bits };
}

/**
 * Decodes a Huffman-coded string literal to bytes. Padding must be the most significant
 * bits of EOS (all ones) and shorter than a byte; EOS itself must not appear (RFC 7541 §5.2).
 */
export function huffmanDecode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((input.length * 8) / 5));
  let n = 0;
  let code = 0;
  let len = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const rank = code - CANON.first[len];
      if (rank >= 0 && rank < CANON.count[len]) {
        const symbol = CANON.symbols[CANON.offset[len] + rank];
        if (symbol === EOS) throw new HuffmanError("Huffman string contains EOS");
        out[n++] = symbol;
        code = 0;
        len = 0;
      } else if (len >= MAX_BITS) {
        throw new HuffmanError("invalid Huffman code");
      }
    }
  }
  if (len > 7 || code !== (1 << len) - 1) throw new HuffmanError("invalid Huffman padding");
  return out.subarray(0, n);
}
