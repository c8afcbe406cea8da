/**
 * Deterministic token text. Every output token is one common English word with a leading space,
 * which byte-pair tokenizers of the GPT family also count as one token, so the mock's usage, a
 * builtin tokenizer and the token count agree. Prompts are counted by the same rule: one token
 * per whitespace-separated word.
 */
import { utf8 } from "./bytes.ts";

const VOCABULARY = (
  "the of and to in is that it for was on are as with be at by this have from or one had not " +
  "but what all were when we there can an your which their said if do will each about how up " +
  "out them then she many some so these would other into has more her two like him see time " +
  "could no make than first been its who now people my made over did down only way find use"
).split(" ").map((w) => " " + w);

/**
 * Words of 2-, 3- and 4-byte UTF-8, mixed in on request so framing chaos can cut a code point
 * across writes (a tokenizer may count them as several tokens; the mock counts one each).
 */
const UNICODE = [" café", " naïve", " über", " façade", "東京", " 日本", " 😀", " 🚀"];

/** Every word a token can be: the vocabulary, then the multi-byte words. */
export const WORDS: readonly string[] = [...VOCABULARY, ...UNICODE];

/** Each word of WORDS as the inside of a JSON string, in UTF-8. */
export const WORD_BYTES: readonly Uint8Array[] = WORDS.map((w) =>
  utf8(JSON.stringify(w).slice(1, -1))
);

/** The next seeded token, as an index of WORDS; with `unicode` every other draw is multi-byte. */
export function drawWord(random: () => number, unicode: boolean): number {
  if (unicode && random() < 0.5) return VOCABULARY.length + Math.floor(random() * UNICODE.length);
  return Math.floor(random() * VOCABULARY.length);
}

/** Prompt tokens of a text: its whitespace-separated words. */
export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13);
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}
