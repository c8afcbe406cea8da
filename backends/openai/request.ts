/**
 * Encodes an OpenAI-compatible request once (docs/protocols.md §7.2): POST /<endpoint> with the
 * JSON body perf_analyzer's openai kind reads from --input-data (`{"data": [{"payload":
 * [{...}]}]}`, docs/perf_analyzer.md §4.2), with every --request-parameter as a top-level field
 * (replacing the body's field of that name), then completed with what the run needs: the -m
 * model when the body names none, and with --streaming `"stream": true` plus
 * `"stream_options": {"include_usage": true}` unless the body sets them. Without input data the
 * body is {@link defaultBody}. The hot path only writes the prepared bytes.
 */
import type { RequestParameter, RequestSpec } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { decodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { headerBlock } from "../net/http_request.ts";
import type { OpenAiEndpointPath } from "./options.ts";

/** The input that carries a request body, one JSON text per request. */
export const PAYLOAD_INPUT = "payload";

/** The prompt of the default body: plain English, a few dozen tokens in any vocabulary. */
export const DEFAULT_PROMPT =
  "Write a short paragraph about the history of the printing press and why it mattered.";
/** Output tokens the default body asks for. */
export const DEFAULT_MAX_TOKENS = 128;

/** The complete request bytes; the class lets the channel refuse foreign prepared requests. */
export class PreparedOpenAi {
  constructor(
    readonly bytes: Uint8Array,
    /** The prompt's tokens as the client's tokenizer counts them; -1 without one. */
    readonly inputTokens = -1,
    /**
     * A session turn's: the channel appends the reply's content here as it arrives, for the
     * history of the next turn (session.ts). null outside sessions.
     */
    readonly reply: string[] | null = null,
    /** A session turn's "session_id" and "delay", exported beside the payload. */
    readonly sessionInputs: { session_id: string; delay?: number } | null = null,
    /**
     * Output tokens the reply must hold, from a body that pins them ({@link expectedOutputOf});
     * -1 when it does not. The run counts the replies of another length.
     */
    readonly expectedOutputTokens = -1,
  ) {}
}

/**
 * The output length a body pins, as GenAI-Perf's --output-tokens-mean-deterministic asks it:
 * `ignore_eos: true` with `min_tokens` equal to the token limit (`max_completion_tokens`, else
 * `max_tokens`). -1 for any other body, whose reply may end earlier by design.
 */
export function expectedOutputOf(body: Record<string, unknown>): number {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (body.ignore_eos !== true || typeof limit !== "number" || body.min_tokens !== limit) return -1;
  return Number.isSafeInteger(limit) && limit >= 0 ? limit : -1;
}

export interface OpenAiEncoding {
  hostHeader: string;
  headers: [string, string][];
  endpoint: OpenAiEndpointPath;
  streaming: boolean;
  /** The body comes from the request's payload input; false sends {@link defaultBody}. */
  payloadFromData: boolean;
  /** --request-parameter values: top-level body fields, over the payload's own. */
  parameters?: readonly RequestParameter[];
}

/** The body sent without --input-data: one user message (or prompt), 128 tokens asked. */
export function defaultBody(endpoint: OpenAiEndpointPath): Record<string, unknown> {
  switch (endpoint) {
    case "v1/chat/completions":
      return {
        messages: [{ role: "user", content: DEFAULT_PROMPT }],
        max_tokens: DEFAULT_MAX_TOKENS,
      };
    case "v1/completions":
      return { prompt: DEFAULT_PROMPT, max_tokens: DEFAULT_MAX_TOKENS };
    case "v1/embeddings":
      return { input: DEFAULT_PROMPT };
  }
}

/** The one payload element of the request, parsed. */
function payloadOf(spec: RequestSpec): Record<string, unknown> {
  const input = spec.inputs.find((t) => t.name === PAYLOAD_INPUT);
  const hint = 'give --input-data <file.json> with {"data": [{"payload": [{...request...}]}]}';
  if (input === undefined || input.datatype !== "BYTES") {
    throw new RunError(`the openai service kind needs a BYTES input "${PAYLOAD_INPUT}"; ${hint}`);
  }
  const texts = decodeStringElements(input.bytes);
  if (texts.length !== 1) {
    throw new RunError(
      `"${PAYLOAD_INPUT}" must hold exactly one request body per data entry, got ` +
        `${texts.length}; use -b 1 and one object per "payload" list`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(texts[0]);
  } catch (e) {
    throw new RunError(`"${PAYLOAD_INPUT}" is not a JSON object: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RunError(`"${PAYLOAD_INPUT}" must be a JSON object (a request body); ${hint}`);
  }
  return body as Record<string, unknown>;
}

/**
 * The body as sent: the payload with the request parameters set, completed with the model and
 * the streaming fields.
 */
export function requestBody(spec: RequestSpec, enc: OpenAiEncoding): Record<string, unknown> {
  const body = enc.payloadFromData ? payloadOf(spec) : defaultBody(enc.endpoint);
  for (const p of enc.parameters ?? []) body[p.name] = p.value;
  if (!("model" in body)) body.model = spec.model;
  if (enc.streaming) {
    if (!("stream" in body)) body.stream = true;
    if (body.stream === true) {
      const so = body.stream_options;
      if (so === undefined || so === null) body.stream_options = { include_usage: true };
      else if (typeof so === "object" && !("include_usage" in so)) {
        (so as Record<string, unknown>).include_usage = true;
      }
    }
  }
  return body;
}

/**
 * The text a tokenizer counts as the input: the messages' text contents joined with " " (no chat
 * template, as GenAI-Perf counts), the prompt(s), or the embeddings input(s).
 */
export function promptText(body: Record<string, unknown>): string {
  const texts: string[] = [];
  const strings = (x: unknown) => {
    if (typeof x === "string") texts.push(x);
    else if (Array.isArray(x)) { for (const y of x) if (typeof y === "string") texts.push(y); }
  };
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) {
      const content = (m as { content?: unknown } | null)?.content;
      if (typeof content === "string") texts.push(content);
      else if (Array.isArray(content)) {
        for (const part of content) strings((part as { text?: unknown } | null)?.text);
      }
    }
  }
  strings(body.prompt);
  strings(body.input);
  return texts.join(" ");
}

const utf8 = new TextEncoder();

/** The request; with `countInput` its prompt's tokens are counted once, here. */
export function encodeOpenAiRequest(
  spec: RequestSpec,
  enc: OpenAiEncoding,
  countInput?: (text: string) => number,
): PreparedOpenAi {
  return encodeOpenAiBody(requestBody(spec, enc), enc, countInput);
}

/** The request with body `json` (see {@link requestBody}); `reply` as in PreparedOpenAi. */
export function encodeOpenAiBody(
  json: Record<string, unknown>,
  enc: OpenAiEncoding,
  countInput?: (text: string) => number,
  reply: string[] | null = null,
  sessionInputs: PreparedOpenAi["sessionInputs"] = null,
): PreparedOpenAi {
  const body = utf8.encode(JSON.stringify(json));
  const head = utf8.encode(
    `POST /${enc.endpoint} HTTP/1.1\r\n` +
      headerBlock(enc, [
        ["Host", enc.hostHeader],
        ["Accept", enc.streaming ? "text/event-stream" : "application/json"],
        ["Content-Type", "application/json"],
        ["Content-Length", String(body.length)],
        ["Connection", "keep-alive"],
      ]) + "\r\n",
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  const inputTokens = countInput ? countInput(promptText(json)) : -1;
  return new PreparedOpenAi(out, inputTokens, reply, sessionInputs, expectedOutputOf(json));
}
