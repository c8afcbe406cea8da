/**
 * The packed form of a BPE vocabulary that `--tokenizer builtin` carries inside the program:
 * the rank list (a token's index is its rank; a token is its text, or its bytes when they are
 * not whole UTF-8) as JSON, Brotli-compressed, in base64, held in one string literal.
 *
 * Why not import gpt-tokenizer's own rank list: it is a JavaScript array of 200,000 string
 * literals. In the one-file bundle, that array made the file 5.9 MB and every start of the
 * program paid for reading it, `--version` included, though only a run counting tokens uses it.
 * Packed, the o200k_base list is 1.0 MB of ASCII in one literal, and it is unpacked once, on
 * the first `--tokenizer builtin` use: base64, Brotli and JSON.parse take about 40 ms.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { Buffer } from "node:buffer";

/** A rank list as gpt-tokenizer takes it: index = rank; text, or bytes that are not UTF-8. */
export type Ranks = (string | number[])[];

/** The packed string of `ranks` (slow: Brotli at its best quality; a build step, not a run). */
export function packRanks(ranks: Ranks): string {
  const json = new TextEncoder().encode(JSON.stringify(ranks));
  const packed = brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  });
  return Buffer.from(packed).toString("base64");
}

/** The rank list `packed` holds. */
export function unpackRanks(packed: string): Ranks {
  const json = brotliDecompressSync(Buffer.from(packed, "base64"));
  return JSON.parse(new TextDecoder().decode(json));
}
