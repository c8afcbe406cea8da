/**
 * Reading an OpenAI request (docs/protocols.md §7.2): body validation with OpenAI's 400 error
 * bodies, and the prompt token count by the mock's one-word-one-token rule (tokens.ts).
 */
import { countWords } from "./tokens.ts";

/** A request the mock refuses, answered with OpenAI's error body. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** A 400 naming the offending request field. */
export function invalid(message: string, param: string | null = null): RequestError {
  return new RequestError(400, message, "invalid_request_error", null, param);
}

function errorResponse(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}

export function refuse(e: RequestError): Response {
  return errorResponse(
    e.status,
    JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } }),
  );
}

/** What a completion request asks for, validated. */
export interface Parsed {
  stream: boolean;
  promptTokens: number;
  maxTokens: number | undefined;
  minTokens: number;
  ignoreEos: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
}

export type Json = Record<string, unknown>;

export function optionalInt(body: Json, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw invalid(`'${key}' must be an integer >= ${min}`, key);
  }
  return v;
}

function optionalBool(body: Json, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") {
    throw invalid(`'${key}' must be a boolean`, key);
  }
  return v;
}

function isTokenIds(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((t) => Number.isSafeInteger(t) && (t as number) >= 0);
}

/** Prompt tokens of a completions `prompt` or an embeddings `input`, one item at a time. */
export function textItems(v: unknown, key: string): number[] {
  if (typeof v === "string") return [countWords(v)];
  if (isTokenIds(v) && v.length > 0) return [v.length];
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((x) => typeof x === "string")) return v.map(countWords);
    if (v.every((x) => isTokenIds(x) && x.length > 0)) return v.map((x) => x.length);
  }
  throw invalid(
    `'${key}' must be a string, a list of strings, a list of token ids or a list of such lists`,
    key,
  );
}

/** Prompt tokens of chat `messages`: words of every text content. */
function messageTokens(v: unknown): number {
  const bad = () => invalid("'messages' must be a non-empty list of messages", "messages");
  if (!Array.isArray(v) || v.length === 0) throw bad();
  let n = 0;
  for (const m of v) {
    if (typeof m !== "object" || m === null || typeof (m as Json).role !== "string") throw bad();
    const content = (m as Json).content;
    if (typeof content === "string") n += countWords(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as Json | null)?.text;
        if (typeof text === "string") n += countWords(text);
      }
    } else if (content !== null && content !== undefined) throw bad();
  }
  return n;
}

export function parseCompletion(body: Json, endpoint: "chat" | "completions"): Parsed {
  const chat = endpoint === "chat";
  let promptTokens: number;
  if (chat) promptTokens = messageTokens(body.messages);
  else {
    const items = textItems(body.prompt, "prompt");
    if (items.length !== 1) {
      throw invalid("the mock serves one prompt per request", "prompt");
    }
    promptTokens = items[0];
  }
  const n = optionalInt(body, "n", 1);
  if (n !== undefined && n !== 1) {
    throw invalid("the mock serves n = 1 only", "n");
  }
  const maxTokens = (chat ? optionalInt(body, "max_completion_tokens", 1) : undefined) ??
    optionalInt(body, "max_tokens", 1);
  const minTokens = optionalInt(body, "min_tokens", 0) ?? 0;
  if (maxTokens !== undefined && minTokens > maxTokens) {
    throw invalid("'min_tokens' must not exceed the token limit", "min_tokens");
  }
  const stream = optionalBool(body, "stream");
  const so = body.stream_options;
  if (so !== undefined && so !== null && (typeof so !== "object" || Array.isArray(so))) {
    throw invalid("'stream_options' must be an object", "stream_options");
  }
  const options = (so ?? {}) as Json;
  return {
    stream,
    promptTokens,
    maxTokens,
    minTokens,
    ignoreEos: optionalBool(body, "ignore_eos"),
    includeUsage: optionalBool(options, "include_usage"),
    continuousUsage: optionalBool(options, "continuous_usage_stats"),
  };
}
