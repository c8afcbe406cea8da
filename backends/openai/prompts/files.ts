/**
 * `--input-file` datasets, read without any download, in the formats GenAI-Perf, AIPerf and
 * vLLM users already have (examples of each in README.md beside this file):
 *
 * - `jsonl`: one single-turn prompt per line, `{"text": "..."}` (GenAI-Perf; `"prompt"` and the
 *   older `"text_input"` are read too). Every line is one entry; a line's optional `"timestamp"`
 *   (ms, AIPerf's single_turn) is its send time for --fixed-schedule, over the speed-up factor.
 * - `sharegpt`: a JSON list of `{"conversations": [{"from": "human", "value": ...}, {"from":
 *   "gpt", "value": ...}, ...]}`. The first human turn is the prompt and the reply after it gives
 *   the output length (its tokens, by the same tokenizer). Conversations with no human turn
 *   followed by a reply are skipped, as vLLM's loader does; the first `numDatasetEntries` usable
 *   ones are taken, in file order.
 * - `sessions`: one multi-turn session per line, `{"session_id": "s1", "turns": [{"text": ...,
 *   "delay": <ms>}, ...]}` (AIPerf's multi_turn): a turn's `delay` is the wait before it is sent,
 *   after the previous reply. Each turn becomes one entry with the session's id and, as
 *   perf_analyzer's `delay`, the wait after it (the next turn's delay); the backend adds the
 *   history to each turn when it sends it.
 * - `mooncake`: one request per line, `{"timestamp": <ms>, "input_length": n, "output_length": m,
 *   "hash_ids": [...]}` (the Mooncake trace format). The prompt is synthetic, of exactly n tokens,
 *   made of 512-token blocks, one per hash id: equal ids give equal text, so requests that share a
 *   prefix of ids share that prefix of text (the last block is cut to what n leaves; tokens past
 *   the last block are fresh words). The entry's `timestamp` is the trace's divided by the
 *   speed-up factor, for --fixed-schedule; `output_length` becomes `max_tokens`.
 *
 * `auto` picks by content: a file starting with `[` is ShareGPT; otherwise the first line's keys
 * decide (`turns`: sessions; `input_length` or `hash_ids`: mooncake; else jsonl). Every problem is
 * a UsageError naming the file, the line (or conversation) and the field.
 */
import { UsageError } from "../../../core/errors.ts";
import { parseJsonText } from "../../../core/data/json_text.ts";
import { SeededRandom } from "../../../core/load/random.ts";
import type { Entry, PromptOptions } from "./mod.ts";
import { fitText, PromptText, STREAMS, streamSeed } from "./synthetic.ts";
import type { Vocabulary } from "./vocabulary.ts";

export type FileFormat = "jsonl" | "sharegpt" | "sessions" | "mooncake";

/** Mooncake's block size: tokens per hash id. */
export const MOONCAKE_BLOCK_TOKENS = 512;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One JSONL line (`raw`, trimmed and not empty), which must hold a JSON object. */
function jsonLine(raw: string, line: number, path: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new UsageError(`${path}: line ${line}: not JSON (${(e as Error).message})`);
  }
  if (!isObject(value)) {
    throw new UsageError(`${path}: line ${line}: expected a JSON object, got ${raw.slice(0, 40)}`);
  }
  return value;
}

/** The non-empty lines of a JSONL text, each parsed, with its 1-based line number. */
function jsonLines(text: string, path: string): { line: number; value: Json }[] {
  const out: { line: number; value: Json }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw !== "") out.push({ line: i + 1, value: jsonLine(raw, i + 1, path) });
  }
  if (out.length === 0) throw new UsageError(`${path}: no entries (the file has no JSON lines)`);
  return out;
}

/** The format `auto` stands for, from the file's first character or its first JSON line. */
export function detectFormat(text: string, path: string): FileFormat {
  if (text.trimStart().startsWith("[")) return "sharegpt";
  let first: Json | undefined;
  for (let at = 0, line = 1; first === undefined && at < text.length; line++) {
    const end = text.indexOf("\n", at) >>> 0; // no newline: past the end
    const raw = text.slice(at, end).trim();
    if (raw !== "") first = jsonLine(raw, line, path);
    at = end + 1;
  }
  if (first === undefined) throw new UsageError(`${path}: no entries (the file has no JSON lines)`);
  if ("turns" in first) return "sessions";
  if ("input_length" in first || "hash_ids" in first) return "mooncake";
  return "jsonl";
}

/** A field that must be a non-empty string. */
function textField(value: Json, keys: readonly string[], where: string): string {
  const key = keys.find((k) => k in value);
  if (key === undefined) {
    throw new UsageError(`${where}: no ${keys.map((k) => `"${k}"`).join(" or ")} field`);
  }
  const v = value[key];
  if (typeof v !== "string" || v === "") {
    throw new UsageError(`${where}: "${key}" must be a non-empty string, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** An optional number field, checked to be an integer (or any number) >= min. */
function numberField(
  value: Json,
  key: string,
  where: string,
  min: number,
  integer: boolean,
): number | undefined {
  if (!(key in value)) return undefined;
  const v = value[key];
  if (
    typeof v !== "number" || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))
  ) {
    throw new UsageError(
      `${where}: "${key}" must be ${integer ? "an integer" : "a number"} >= ${min}, got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}

const TEXT_KEYS = ["text", "prompt", "text_input"] as const;

export function jsonlEntries(
  text: string,
  path: string,
  count: (t: string) => number,
  speedup: number,
): Entry[] {
  return jsonLines(text, path).map(({ line, value }) => {
    const where = `${path}: line ${line}`;
    const prompt = textField(value, TEXT_KEYS, where);
    const timestampMs = numberField(value, "timestamp", where, 0, false);
    return {
      text: prompt,
      inputLength: count(prompt),
      ...(timestampMs === undefined ? {} : { timestampMs: timestampMs / speedup }),
    };
  });
}

const HUMAN = new Set(["human", "user"]);
const REPLY = new Set(["gpt", "assistant", "chatgpt", "bard", "bing", "model"]);

export function shareGptEntries(
  text: string,
  path: string,
  count: (t: string) => number,
  limit: number,
): Entry[] {
  const doc = parseJsonText(text, path);
  if (!Array.isArray(doc)) {
    throw new UsageError(`${path}: a ShareGPT file is a JSON list of conversations`);
  }
  const out: Entry[] = [];
  for (let i = 0; i < doc.length && out.length < limit; i++) {
    const where = `${path}: conversation ${i}`;
    const c = doc[i];
    if (!isObject(c) || !Array.isArray(c.conversations)) {
      throw new UsageError(`${where}: expected {"conversations": [{"from", "value"}, ...]}`);
    }
    const turns = c.conversations.map((t: unknown, k: number) => {
      const at = `${where} turn ${k}`;
      if (!isObject(t)) throw new UsageError(`${at}: expected {"from": ..., "value": ...}`);
      if (typeof t.from !== "string") {
        throw new UsageError(`${at}: "from" must be a string, got ${JSON.stringify(t.from)}`);
      }
      if (typeof t.value !== "string") {
        throw new UsageError(`${at}: "value" must be a string, got ${JSON.stringify(t.value)}`);
      }
      return { from: t.from, value: t.value };
    });
    const h = turns.findIndex((t) => HUMAN.has(t.from) && t.value !== "");
    if (h < 0 || h + 1 >= turns.length || !REPLY.has(turns[h + 1].from)) continue;
    const prompt = turns[h].value;
    out.push({
      text: prompt,
      inputLength: count(prompt),
      outputLength: Math.max(1, count(turns[h + 1].value)),
    });
  }
  if (out.length === 0) {
    throw new UsageError(`${path}: no conversation has a human turn followed by a reply`);
  }
  return out;
}

export function sessionEntries(text: string, path: string, count: (t: string) => number): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<string>();
  for (const { line, value } of jsonLines(text, path)) {
    const where = `${path}: line ${line}`;
    const id = value.session_id;
    if (typeof id !== "string" || id === "") {
      throw new UsageError(
        `${where}: "session_id" must be a non-empty string, got ${JSON.stringify(id)}`,
      );
    }
    if (seen.has(id)) {
      throw new UsageError(`${where}: "session_id" ${id} is used by an earlier line`);
    }
    seen.add(id);
    const turns = value.turns;
    if (!Array.isArray(turns) || turns.length === 0) {
      throw new UsageError(`${where}: "turns" must be a non-empty list of {"text", "delay"?}`);
    }
    const parsed = turns.map((t: unknown, k: number) => {
      const at = `${where}: turn ${k}`;
      if (!isObject(t)) throw new UsageError(`${at}: expected {"text": ..., "delay"?: <ms>}`);
      return { text: textField(t, TEXT_KEYS, at), delay: numberField(t, "delay", at, 0, false) };
    });
    parsed.forEach((t, k) => {
      const next = parsed[k + 1]?.delay;
      out.push({
        text: t.text,
        inputLength: count(t.text),
        sessionId: id,
        ...(next === undefined ? {} : { delayMs: next }),
      });
    });
  }
  return out;
}

/** One Mooncake line, checked. */
interface TraceLine {
  timestampMs: number;
  inputLength: number;
  outputLength?: number;
  hashIds: number[];
}

function traceLine(value: Json, where: string): TraceLine {
  const timestampMs = numberField(value, "timestamp", where, 0, false);
  if (timestampMs === undefined) {
    throw new UsageError(`${where}: no "timestamp" (ms from the start of the trace)`);
  }
  const inputLength = numberField(value, "input_length", where, 1, true);
  if (inputLength === undefined) throw new UsageError(`${where}: no "input_length"`);
  const outputLength = numberField(value, "output_length", where, 1, true);
  const ids = value.hash_ids ?? [];
  if (!Array.isArray(ids) || !ids.every((h) => Number.isSafeInteger(h) && h >= 0)) {
    throw new UsageError(
      `${where}: "hash_ids" must be a list of integers >= 0, got ${JSON.stringify(ids)}`,
    );
  }
  return { timestampMs, inputLength, outputLength, hashIds: ids as number[] };
}

export function mooncakeEntries(
  text: string,
  path: string,
  vocab: Vocabulary,
  o: PromptOptions,
): Entry[] {
  const speedup = o.fixedScheduleSpeedup ?? 1;
  const blocks = new Map<number, Uint8Array>();
  const block = new PromptText(vocab);
  const blockOf = (id: number): Uint8Array => {
    let bytes = blocks.get(id);
    if (bytes === undefined) {
      block.reset();
      block.appendRandom(MOONCAKE_BLOCK_TOKENS, blockRandom(o.randomSeed, id));
      bytes = block.spacedBytes();
      blocks.set(id, bytes);
    }
    return bytes;
  };
  const tail = new SeededRandom(streamSeed(o.randomSeed, STREAMS.traceTail));
  const out = new PromptText(vocab);
  return jsonLines(text, path).map(({ line, value }) => {
    const t = traceLine(value, `${path}: line ${line}`);
    out.reset();
    for (const id of t.hashIds) {
      const left = t.inputLength - out.words;
      if (left === 0) break;
      if (left >= MOONCAKE_BLOCK_TOKENS) out.appendSpaced(blockOf(id), MOONCAKE_BLOCK_TOKENS);
      // A cut block: its first words, drawn again from the block's own stream.
      else out.appendRandom(left, blockRandom(o.randomSeed, id));
    }
    out.appendRandom(t.inputLength - out.words, tail);
    return {
      text: fitText(out, t.inputLength, tail),
      inputLength: t.inputLength,
      timestampMs: t.timestampMs / speedup,
      ...(t.outputLength === undefined ? {} : { outputLength: t.outputLength }),
    };
  });
}

function blockRandom(seed: number, id: number): SeededRandom {
  return new SeededRandom(streamSeed(streamSeed(seed, STREAMS.blocks), id));
}
