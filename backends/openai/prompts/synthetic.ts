/**
 * Synthetic prompt text of an exact token count: whole one-token words (vocabulary.ts) written
 * as ASCII into one reused buffer and decoded once per prompt, so a prompt costs one random draw
 * per token and one flat string, with no per-word string. With a vocabulary that is exact by
 * construction the word count is the token count; otherwise every prompt is counted and trimmed
 * or padded until its count matches.
 */
import { RunError } from "../../../core/errors.ts";
import { SeededRandom } from "../../../core/load/random.ts";
import type { Vocabulary } from "./vocabulary.ts";

/** Mixes a seed with a stream number (the murmur3 finaliser), so streams never overlap. */
export function streamSeed(seed: number, stream: number): number {
  let h = (seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seeded normal draws, rounded to integers and clamped at `min`. */
export class LengthDraws {
  readonly #random: SeededRandom;
  #spare = Number.NaN;

  constructor(seed: number, readonly mean: number, readonly stddev: number, readonly min = 1) {
    this.#random = new SeededRandom(seed);
  }

  next(): number {
    if (this.stddev === 0) return Math.max(this.min, Math.round(this.mean));
    return Math.max(this.min, Math.round(this.mean + this.stddev * this.#standard()));
  }

  /** Box-Muller: two uniform draws give two standard normals; the second is kept. */
  #standard(): number {
    if (!Number.isNaN(this.#spare)) {
      const z = this.#spare;
      this.#spare = Number.NaN;
      return z;
    }
    const u = 1 - this.#random.nextFloat(); // in (0, 1]: log(u) is finite
    const v = this.#random.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

const latin1 = new TextDecoder("latin1");

/** Builds prompt texts word by word; every piece is " word" so pieces join without a seam. */
export class PromptText {
  #buf = new Uint8Array(4096);
  #len = 0;
  /** Words written since reset. */
  #words = 0;

  constructor(readonly vocab: Vocabulary) {}

  reset(): void {
    this.#len = 0;
    this.#words = 0;
  }

  get words(): number {
    return this.#words;
  }

  /** Appends `n` words drawn from `random`. */
  appendRandom(n: number, random: SeededRandom): void {
    const spaced = this.vocab.spaced;
    this.#reserve(n * this.vocab.maxWordBytes);
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < n; i++) {
      const w = spaced[random.nextUint32() % spaced.length];
      for (let j = 0; j < w.length; j++) buf[at + j] = w[j];
      at += w.length;
    }
    this.#len = at;
    this.#words += n;
  }

  /** Appends pre-built text (a shared prefix or block) of `words` words, each " word". */
  appendSpaced(bytes: Uint8Array, words: number): void {
    this.#reserve(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    this.#words += words;
  }

  /** Drops the last `n` words (n <= words). */
  dropWords(n: number): void {
    const buf = this.#buf;
    let at = this.#len;
    for (let k = 0; k < n; k++) {
      at--;
      while (at > 0 && buf[at] !== 32) at--;
    }
    this.#len = at;
    this.#words -= n;
  }

  /** The text so far as " w1 w2 ...", leading space kept (for pieces that are joined later). */
  spacedBytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  /** The text so far without its leading space. */
  text(): string {
    return this.#len === 0 ? "" : latin1.decode(this.#buf.subarray(1, this.#len));
  }

  #reserve(extra: number): void {
    if (this.#len + extra <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(2 * this.#buf.length, this.#len + extra));
    grown.set(this.#buf.subarray(0, this.#len));
    this.#buf = grown;
  }
}

/** Rounds of count-and-adjust before a tokenizer that will not settle is reported. */
const MAX_ROUNDS = 32;

/**
 * The text built so far, made exactly `target` tokens long. An exact vocabulary needs no count
 * (the caller wrote `target` words); otherwise the text is counted and words appended (from
 * `random`) or dropped from the end until the count matches.
 */
export function fitText(out: PromptText, target: number, random: SeededRandom): string {
  let text = out.text();
  if (out.vocab.exact) return text;
  const counter = out.vocab.counter;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const count = counter.count(text);
    if (count === target) return text;
    if (count < target) out.appendRandom(target - count, random);
    else out.dropWords(Math.min(out.words, Math.max(1, count - target)));
    text = out.text();
  }
  throw new RunError(
    `${counter.name}: could not make a prompt of exactly ${target} tokens from whole words ` +
      `in ${MAX_ROUNDS} rounds (its count moves by more than one token per word); ` +
      "use --tokenizer builtin",
  );
}
