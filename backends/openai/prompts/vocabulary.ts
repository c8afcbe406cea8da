/**
 * Words that are one token each, so a prompt of n of them joined by spaces is n tokens long.
 *
 * Why that holds for `--tokenizer builtin` (o200k_base) without counting each prompt: its
 * pre-tokenizer cuts the text into pieces before any merge, and a lowercase ASCII word with the
 * one space before it is always a piece of its own (the space cannot join the letters before it,
 * and the letters after it stop at the next space). Byte-pair merges never cross pieces, so a
 * text of n such words, each one token alone (with and without the space), is n tokens. That
 * argument is checked once when the vocabulary is built: every word is counted alone, and the
 * whole vocabulary joined by spaces must count exactly as many tokens as it has words.
 *
 * Other tokenizers (a tokenizer.json) give no such guarantee: prompts are then counted one by
 * one and trimmed or padded (synthetic.ts).
 */
import { RunError } from "../../../core/errors.ts";
import type { TokenCounter } from "../tokenizer.ts";

/** Common English words; those that are not one token in a given vocabulary are dropped. */
const CANDIDATES = (
  "the of and to in is that it for was on are as with be at by this have from or one had not " +
  "but what all were when we there can an your which their said if do will each about how up " +
  "out them then she many some so these would other into has more her two like him see time " +
  "could no make than first been its who now people my made over did down only way find use " +
  "may water long little very after words called just where most know get through back much " +
  "before go good new write our used me man too any day same right look think also around " +
  "another came come work three word must because does part even place well such here take why " +
  "things help put years different away again off went old number great tell men say small " +
  "every found still between name should home big give air line set own under read last never " +
  "us left end along while might next sound below something thought both few those always show " +
  "large often asked house world going want school important until form food keep children feet " +
  "land side without boy once animals life sometimes four head above kind almost live page got " +
  "earth need far hand high year mother light parts country father let night following picture " +
  "being study second eyes soon times story boys since white days ever paper hard near sentence " +
  "better best during today others however sure means try young sun ways thing whole hear " +
  "example heard change answer room sea against top turned learn point city play five using " +
  "usually river table music color stand field power moon ground horse state map rain open " +
  "street fish car drive step plan game order red blue green black class wind rock fire sky " +
  "door tree song money stone ship bird test glass fact true half base text data code model " +
  "value list file case event group area course level market order system power program"
).split(" ");

/** One-token words of one tokenizer, with the text-building tables prompts need. */
export class Vocabulary {
  /** The words, each as ASCII bytes with a leading space (" word"). */
  readonly spaced: Uint8Array[];
  /** Whether a text of n words is n tokens by construction (see the module comment). */
  readonly exact: boolean;

  constructor(readonly words: readonly string[], readonly counter: TokenCounter, exact: boolean) {
    const ascii = new TextEncoder();
    this.spaced = words.map((w) => ascii.encode(" " + w));
    this.exact = exact;
  }

  /** Bytes of the longest spaced word: a buffer of n × this holds any n-word text. */
  get maxWordBytes(): number {
    let max = 0;
    for (const w of this.spaced) max = Math.max(max, w.length);
    return max;
  }
}

const built = new WeakMap<TokenCounter, Vocabulary>();

/**
 * The vocabulary of `counter`, built and checked once per counter: the candidates that count one
 * token both bare and after a space. Throws a RunError when fewer than 64 remain (a tokenizer
 * that splits common English words, whose prompts could not be made of whole words).
 */
export function vocabularyOf(counter: TokenCounter, builtin: boolean): Vocabulary {
  const known = built.get(counter);
  if (known !== undefined) return known;
  const words = [...new Set(CANDIDATES)].filter((w) =>
    counter.count(w) === 1 && counter.count(" " + w) === 1
  );
  if (words.length < 64) {
    throw new RunError(
      `${counter.name}: only ${words.length} common English words are one token each; ` +
        "synthetic prompts need at least 64 (use --tokenizer builtin)",
    );
  }
  // The joined vocabulary must count one token per word for the construction argument to hold.
  const joined = counter.count(words.join(" "));
  const exact = builtin && joined === words.length;
  if (builtin && !exact) {
    throw new RunError(
      `${counter.name}: ${words.length} one-token words joined by spaces count ${joined} ` +
        "tokens; the builtin vocabulary no longer splits text at spaces as expected",
    );
  }
  const v = new Vocabulary(words, counter, exact);
  built.set(counter, v);
  return v;
}
