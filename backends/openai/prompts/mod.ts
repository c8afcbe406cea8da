/**
 * GenAI-Perf's inputs without Python: request bodies for the openai kind, as perf_analyzer's
 * input-data document (`{"data": [{"payload": [body]}, ...]}`, docs/perf_analyzer.md §4.2) that
 * `--input-data` reads, built from synthetic prompts of exact token lengths or from a file.
 *
 * - Synthetic: lengths drawn from a seeded normal (`syntheticInputTokensMean/Stddev`, at least
 *   1), texts of one-token words (vocabulary.ts) so the length is exact by the same tokenizer,
 *   optionally behind one of `numPrefixPrompts` shared prefixes of `prefixPromptLength` tokens
 *   (the prefix counts toward the drawn length; an entry is never shorter than its prefix).
 * - Output lengths: `outputTokensMean/Stddev` set each body's `max_tokens`; with
 *   `outputTokensMeanDeterministic` also `min_tokens` (the same) and `ignore_eos: true`, and the
 *   lengths are returned as `expectedOutputLengths` so a run can count the replies that missed.
 * - `extraInputs` are top-level body fields set last (they may override the fields above).
 */
import { UsageError } from "../../../core/errors.ts";
import { SeededRandom } from "../../../core/load/random.ts";
import { loadTokenCounter, type TokenCounter } from "../tokenizer.ts";
import { fitText, LengthDraws, PromptText, streamSeed } from "./synthetic.ts";
import { type Vocabulary, vocabularyOf } from "./vocabulary.ts";

export interface PromptOptions {
  endpointType: "chat" | "completions" | "embeddings";
  model: string;
  syntheticInputTokensMean: number;
  syntheticInputTokensStddev: number;
  outputTokensMean?: number;
  outputTokensStddev: number;
  outputTokensMeanDeterministic: boolean;
  numDatasetEntries: number;
  numPrefixPrompts: number;
  prefixPromptLength: number;
  /** JSONL single-turn, ShareGPT json, multi-turn sessions, Mooncake trace. */
  inputFile?: string;
  inputFileFormat?: "auto" | "jsonl" | "sharegpt" | "sessions" | "mooncake";
  randomSeed: number;
  /** "builtin" or a tokenizer.json path, as loadTokenCounter takes. */
  tokenizer: string;
  /** Mooncake replay speed-up factor: timestamps are divided by it. */
  fixedScheduleSpeedup?: number;
  extraInputs?: Record<string, unknown>;
}

/** One data entry of the input-data document. */
export interface InputEntry {
  payload: [Record<string, unknown>];
  session_id?: [string];
  delay?: [number];
  timestamp?: [number];
}

export interface PromptSet {
  /** perf_analyzer input-data JSON: {"data":[{"payload":[{body}], "session_id"?, "delay"?, "timestamp"?}]}. */
  document: { data: InputEntry[] };
  /** Input tokens of each entry's own prompt, by the options' tokenizer. */
  inputLengths: number[];
  /** Each entry's `max_tokens` when the run must get exactly that many output tokens. */
  expectedOutputLengths?: number[];
  /** The counter that measured inputLengths ("builtin:o200k_base", ...). */
  tokenizer: string;
}

/** Seed streams: each kind of draw has its own, so changing one option never shifts another. */
export const STREAMS = { inputLength: 1, words: 2, outputLength: 3, prefix: 4, prefixWords: 5 };

/** What a parsed entry carries before it becomes a body. */
export interface Entry {
  text: string;
  inputLength: number;
  /** Output tokens the source asks for (a trace's output_length), else undefined. */
  outputLength?: number;
  sessionId?: string;
  delayMs?: number;
  timestampMs?: number;
}

export async function buildInputs(
  options: PromptOptions,
  _io: { readTextFile(path: string): Promise<string> },
): Promise<PromptSet> {
  checkOptions(options);
  const counter = await loadTokenCounter(options.tokenizer);
  if (options.inputFile !== undefined) {
    throw new UsageError(`--input-file ${options.inputFile}: file datasets are not built yet`);
  }
  const entries = syntheticEntries(options, vocabularyOf(counter, isBuiltin(options)));
  return documentOf(entries, options, counter);
}

function isBuiltin(options: PromptOptions): boolean {
  return options.tokenizer === "builtin";
}

function checkOptions(o: PromptOptions): void {
  const integer = (flag: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) {
      throw new UsageError(`--${flag} must be an integer >= ${min}, got ${v}`);
    }
  };
  const nonNegative = (flag: string, v: number) => {
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new UsageError(`--${flag} must be a number >= 0, got ${v}`);
    }
  };
  integer("synthetic-input-tokens-mean", o.syntheticInputTokensMean, 1);
  nonNegative("synthetic-input-tokens-stddev", o.syntheticInputTokensStddev);
  if (o.outputTokensMean !== undefined) integer("output-tokens-mean", o.outputTokensMean, 1);
  nonNegative("output-tokens-stddev", o.outputTokensStddev);
  integer("num-dataset-entries", o.numDatasetEntries, 1);
  integer("num-prefix-prompts", o.numPrefixPrompts, 0);
  integer("prefix-prompt-length", o.prefixPromptLength, 0);
  integer("random-seed", o.randomSeed, 0);
  if (o.numPrefixPrompts > 0 && o.prefixPromptLength === 0) {
    throw new UsageError("--num-prefix-prompts needs --prefix-prompt-length >= 1");
  }
  if (o.outputTokensMeanDeterministic && o.outputTokensMean === undefined) {
    throw new UsageError("--output-tokens-mean-deterministic needs --output-tokens-mean");
  }
  if (o.fixedScheduleSpeedup !== undefined && !(o.fixedScheduleSpeedup > 0)) {
    throw new UsageError(`--fixed-schedule-speedup must be > 0, got ${o.fixedScheduleSpeedup}`);
  }
}

/** The shared prefixes, each `length` words as " w1 w2 ..." bytes. */
function prefixPool(vocab: Vocabulary, count: number, length: number, seed: number): Uint8Array[] {
  const random = new SeededRandom(streamSeed(seed, STREAMS.prefixWords));
  const out = new PromptText(vocab);
  const pool: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    out.reset();
    out.appendRandom(length, random);
    pool.push(out.spacedBytes());
  }
  return pool;
}

/** `numDatasetEntries` prompts of drawn lengths, behind a shared prefix when asked. */
export function syntheticEntries(o: PromptOptions, vocab: Vocabulary): Entry[] {
  const seed = o.randomSeed;
  const lengths = new LengthDraws(
    streamSeed(seed, STREAMS.inputLength),
    o.syntheticInputTokensMean,
    o.syntheticInputTokensStddev,
  );
  const words = new SeededRandom(streamSeed(seed, STREAMS.words));
  const pick = new SeededRandom(streamSeed(seed, STREAMS.prefix));
  const pool = prefixPool(vocab, o.numPrefixPrompts, o.prefixPromptLength, seed);
  const out = new PromptText(vocab);
  const entries: Entry[] = [];
  for (let i = 0; i < o.numDatasetEntries; i++) {
    out.reset();
    let length = lengths.next();
    if (pool.length > 0) {
      out.appendSpaced(pool[pick.nextUint32() % pool.length], o.prefixPromptLength);
      length = Math.max(length, o.prefixPromptLength);
    }
    out.appendRandom(length - out.words, words);
    entries.push({ text: fitText(out, length, words), inputLength: length });
  }
  return entries;
}

/** The body of one prompt for the endpoint. */
function bodyOf(o: PromptOptions, text: string): Record<string, unknown> {
  switch (o.endpointType) {
    case "chat":
      return { model: o.model, messages: [{ role: "user", content: text }] };
    case "completions":
      return { model: o.model, prompt: text };
    case "embeddings":
      return { model: o.model, input: [text] };
  }
}

/** The entries as the input-data document, with output lengths and extra inputs. */
export function documentOf(entries: Entry[], o: PromptOptions, counter: TokenCounter): PromptSet {
  const outputs = o.outputTokensMean === undefined ? undefined : new LengthDraws(
    streamSeed(o.randomSeed, STREAMS.outputLength),
    o.outputTokensMean,
    o.outputTokensStddev,
  );
  const llm = o.endpointType !== "embeddings";
  const expected: number[] = [];
  const data: InputEntry[] = entries.map((e) => {
    const body = bodyOf(o, e.text);
    const drawn = outputs?.next();
    const maxTokens = llm ? e.outputLength ?? drawn : undefined;
    if (maxTokens !== undefined) {
      body.max_tokens = maxTokens;
      if (o.outputTokensMeanDeterministic) {
        body.min_tokens = maxTokens;
        body.ignore_eos = true;
        expected.push(maxTokens);
      }
    }
    if (o.extraInputs !== undefined) Object.assign(body, o.extraInputs);
    const entry: InputEntry = { payload: [body] };
    if (e.sessionId !== undefined) entry.session_id = [e.sessionId];
    if (e.delayMs !== undefined) entry.delay = [e.delayMs];
    if (e.timestampMs !== undefined) entry.timestamp = [e.timestampMs];
    return entry;
  });
  return {
    document: { data },
    inputLengths: entries.map((e) => e.inputLength),
    tokenizer: counter.name,
    ...(o.outputTokensMeanDeterministic && llm ? { expectedOutputLengths: expected } : {}),
  };
}
