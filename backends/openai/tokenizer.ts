/**
 * Token counts for the `openai` backend, with no download ever: `--tokenizer` is one of
 *
 * - `server` (the default): the server's own `usage.completion_tokens` / `usage.prompt_tokens`
 *   (the backend asks for them with `stream_options.include_usage`). That is a mode of the
 *   backend, not a counter: this module has nothing to count, and {@link loadTokenCounter}
 *   refuses the word so a caller cannot mistake it for a file name.
 * - `builtin`: OpenAI's o200k_base BPE (the encoding AIPerf's offline `builtin` uses), encoded by
 *   the npm package gpt-tokenizer with its vocabulary carried packed in ./vocabulary/ (see
 *   ./vocabulary/packed.ts for why not the package's own copy).
 * - a path to a local Hugging Face `tokenizer.json` (or to a model folder holding one), read
 *   through @huggingface/tokenizers, a pure-JS implementation that takes the parsed JSON and has
 *   no fetch in it. A `tokenizer_config.json` beside it is read too when present, since it
 *   carries settings the JSON lacks (lower-casing, space removal, a Unigram model's EOS).
 *
 * Counts are of the text alone: no BOS/EOS or other special tokens a model adds around it (they
 * are not text the server produced; GenAI-Perf once counted a BOS per chunk and reported two to
 * three times the real output length), and text that looks like a special token
 * (`<|endoftext|>`) is counted as the ordinary text it is, never refused.
 *
 * Why builtin is gpt-tokenizer and not js-tiktoken: one run on this project's 2-core machine
 * (Deno 2.9.6, o200k_base, 364 KB of the repository's Markdown and TypeScript in 2 KB pieces,
 * four passes) counted 0.83-1.07 M tokens/s with gpt-tokenizer 4.0.0's countTokens (0.54-0.97 M
 * with encode) against 0.03 M tokens/s with js-tiktoken 1.0.21, which also spent 2.4 s building
 * its encoder where gpt-tokenizer loads in 0.26 s; both gave the same 126,761 tokens. A repeat
 * with 500-character pieces on the busy machine kept a gap of 20 times or more. Both are
 * maintained, MIT, and ship o200k_base and cl100k_base.
 *
 * @huggingface/transformers was not used for tokenizer.json: it pulls onnxruntime and sharp (native
 * binaries) and its tokenizer classes come from @huggingface/tokenizers anyway (0.65 MB, no
 * dependencies).
 */
import { UsageError } from "../../core/errors.ts";

/** Counts the tokens of a text with one fixed vocabulary. */
export interface TokenCounter {
  /** Where counts come from, for the report: `builtin:o200k_base` or `tokenizer.json:<path>`. */
  readonly name: string;
  /** Tokens in `text`, special tokens excluded; 0 for "". */
  count(text: string): number;
  /**
   * The tokens of `parts[0..length)` joined, each counted in the part that brought the last
   * character it completes (a token whose bytes end inside a character counts with the token
   * that completes it): per-part counts into `out`, which add up to the returned total, the
   * count of the joined text. Absent when the counter cannot tell where its tokens end.
   */
  countParts?(parts: readonly string[], length: number, out: Uint32Array): number;
}

/** The encoding behind `--tokenizer builtin`. */
export const BUILTIN_ENCODING = "o200k_base";

/** What to say after every problem with `--tokenizer`: the choices that always work. */
const CHOICES = '"builtin" for the offline o200k_base BPE, or "server" for the server\'s usage';

/**
 * The counter `--tokenizer <spec>` names: "builtin", or a path to a tokenizer.json or to a folder
 * holding one. Throws a UsageError naming the path and what to do when it cannot be used.
 */
export async function loadTokenCounter(spec: "builtin" | string): Promise<TokenCounter> {
  if (spec === "builtin") return await (builtin ??= loadBuiltin());
  if (spec === "server") {
    throw new UsageError(
      '--tokenizer server: the server\'s usage is read by the backend, it is not a counter; load "builtin" or a tokenizer.json path',
    );
  }
  if (spec === "") {
    throw new UsageError(`--tokenizer needs a value: a tokenizer.json path, ${CHOICES}`);
  }
  return await loadTokenizerJson(spec);
}

/**
 * Text that special-token markers inside it must not change: with no disallowed special token,
 * gpt-tokenizer neither throws on `<|endoftext|>` nor scans for it, and counts it as text.
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The builtin counter, built once per process: unpacking the vocabulary takes about 40 ms and
 * 30 MB, and a run loads its counter for the prompts and again for each load level.
 */
let builtin: Promise<TokenCounter> | undefined;

async function loadBuiltin(): Promise<TokenCounter> {
  // Imported on demand: `server` and runs that count nothing need no vocabulary.
  const [{ GptEncoding }, { unpackRanks }, { default: packed }] = await Promise.all([
    import("gpt-tokenizer/GptEncoding"),
    import("./vocabulary/packed.ts"),
    import("./vocabulary/o200k_base.ts"),
  ]);
  const ranks = unpackRanks(packed);
  const { countTokens, encode, decodeGenerator } = GptEncoding.getEncodingApi(
    BUILTIN_ENCODING,
    () => ranks,
  );
  return {
    name: `builtin:${BUILTIN_ENCODING}`,
    count: (text) => countTokens(text, AS_TEXT),
    countParts(parts, length, out) {
      const ids = encode(joined(parts, length), AS_TEXT);
      out.fill(0, 0, length);
      if (length === 0) return ids.length;
      // The decoder pulls one token at a time and yields text once it holds whole characters:
      // at each yield, the tokens pulled since the last one end in its last character.
      let pulled = 0;
      const feed = function* () {
        for (const id of ids) {
          pulled++;
          yield id;
        }
      };
      let counted = 0;
      let chars = 0;
      let part = 0;
      let partEnd = parts[0].length;
      for (const text of decodeGenerator(feed())) {
        chars += text.length;
        while (partEnd < chars && part < length - 1) partEnd += parts[++part].length;
        out[part] += pulled - counted;
        counted = pulled;
      }
      return ids.length;
    },
  };
}

/** Model types @huggingface/tokenizers implements (it has no WordLevel). */
const MODEL_TYPES = ["BPE", "WordPiece", "Unigram"];

/** Keys every tokenizer.json written by Hugging Face's tokenizers has (null when unused). */
const TOKENIZER_KEYS = ["model", "added_tokens", "normalizer", "pre_tokenizer", "post_processor"];

async function loadTokenizerJson(spec: string): Promise<TokenCounter> {
  const path = await isDirectory(spec) ? `${spec.replace(/\/+$/, "")}/tokenizer.json` : spec;
  const json = await readJson(path);
  if (json === undefined) {
    throw new UsageError(
      `--tokenizer ${path}: no such file; give a local Hugging Face tokenizer.json (a model folder holds one), ${CHOICES}`,
    );
  }
  const tokenizer = asTokenizerJson(path, json);
  const configPath = `${path.slice(0, path.lastIndexOf("/") + 1)}tokenizer_config.json`;
  const config = await readJson(configPath) ?? {};
  if (!isObject(config)) throw new UsageError(`--tokenizer: ${configPath} is not a JSON object`);
  const { Tokenizer } = await import("@huggingface/tokenizers");
  let built: InstanceType<typeof Tokenizer>;
  try {
    built = new Tokenizer(tokenizer, config);
  } catch (e) {
    throw new UsageError(
      `--tokenizer ${path}: @huggingface/tokenizers cannot build it (${
        messageOf(e)
      }); use ${CHOICES}`,
    );
  }
  // tokenize() leaves out the special tokens the post-processor would add around the text.
  return { name: `tokenizer.json:${path}`, count: (text) => built.tokenize(text).length };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new UsageError(`--tokenizer ${path}: cannot read it (${messageOf(e)})`);
  }
}

/** The parsed file, or undefined when there is no such file. */
async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`--tokenizer ${path}: cannot read it (${messageOf(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `--tokenizer ${path}: not JSON (${
        messageOf(e)
      }); give a Hugging Face tokenizer.json, ${CHOICES}`,
    );
  }
}

function asTokenizerJson(path: string, json: unknown): Record<string, unknown> {
  const missing = isObject(json) ? TOKENIZER_KEYS.filter((k) => !(k in json)) : TOKENIZER_KEYS;
  if (!isObject(json) || missing.length > 0 || !isObject(json.model)) {
    throw new UsageError(
      `--tokenizer ${path}: not a Hugging Face tokenizer.json (missing ${
        missing.length > 0 ? missing.join(", ") : "a model object"
      }); give the tokenizer.json of the served model, ${CHOICES}`,
    );
  }
  const type = json.model.type;
  if (typeof type !== "string" || !MODEL_TYPES.includes(type)) {
    throw new UsageError(
      `--tokenizer ${path}: model type ${JSON.stringify(type)} is not supported (only ${
        MODEL_TYPES.join(", ")
      } are); use ${CHOICES}`,
    );
  }
  return json;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Tokens in a text that arrived in pieces (stream events), counted once on the joined text.
 *
 * Summing per-piece counts is wrong for every tokenizer: a piece boundary need not be a token
 * boundary (a server may split "hello" into "hel" and "lo", two pieces that are one token), and
 * SentencePiece-style tokenizers prefix each separately encoded piece with a space marker.
 * GenAI-Perf's `"!" + piece` trick removes the BOS and leading-space inflation but not the merges
 * across boundaries, so its per-chunk counts still do not add up to the whole. Per-event counts
 * come from one count of the whole text too: {@link TokenCounter.countParts} places each of its
 * tokens in the event that completed it, where the counter can tell.
 *
 * `length` lets a caller reuse one array across requests: only `parts[0..length)` are joined, so
 * recording an event costs a slot write, and the join happens once per response.
 */
export function countJoined(
  counter: TokenCounter,
  parts: readonly string[],
  length = parts.length,
): number {
  if (length > parts.length) {
    throw new RangeError(`countJoined: ${length} parts asked of ${parts.length}`);
  }
  return counter.count(joined(parts, length));
}

function joined(parts: readonly string[], length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += parts[i];
  return text;
}
