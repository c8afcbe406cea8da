/**
 * What one completion reply writes and when, generated lazily: the SSE events of a stream
 * (docs/protocols.md §7.4) grouped into writes with their offsets from the moment the request
 * took a slot, framing chaos applied, or the body of a non-streaming reply. Pure: no clock, no
 * I/O, every draw from the request's seeded streams, so the same request index repeats exactly.
 */
import type { OpenAiFault, ResolvedOpenAi } from "./options.ts";
import { sampleComputeUs } from "../options.ts";
import { tokenText } from "./tokens.ts";
import type { OpenAiEventKind } from "./truth.ts";
import { concat } from "../../wire/bytes.ts";

/** One completion request as the mock will answer it. */
export interface Reply {
  endpoint: "chat" | "completions";
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  promptTokens: number;
  /** Output tokens planned (reasoning included). */
  tokens: number;
  finishReason: "stop" | "length";
  usage: "none" | "final" | "continuous";
  fault: OpenAiFault | "none";
}

/** One event of the reply before framing; "close" and "abort" end the body without one. */
interface PlannedEvent {
  offsetNs: number;
  kind: OpenAiEventKind | "close" | "abort";
  tokens: number;
  /** The tokens' text (reasoning or content). */
  text: string;
  /** Set on the chunk that carries finish_reason. */
  finish: "stop" | "length" | null;
  /** Output tokens sent so far, this event's included (continuous usage). */
  sent: number;
}

/** The reply's random draws: token words and delays. */
export interface Draws {
  tokens: () => number;
  timing: () => number;
}

function durationNs(c: ResolvedOpenAi["ttftUs"], random: () => number): number {
  return Math.round(sampleComputeUs(c, random) * 1000);
}

const isToken = (kind: PlannedEvent["kind"]) => kind === "content" || kind === "reasoning";

/** Every event of a reply, in order, each with its offset (ns) from the slot start. */
function* plannedEvents(r: Reply, o: ResolvedOpenAi, d: Draws): Generator<PlannedEvent> {
  const chat = r.endpoint === "chat";
  const event = (offsetNs: number, kind: PlannedEvent["kind"], sent: number): PlannedEvent => ({
    offsetNs,
    kind,
    tokens: 0,
    text: "",
    finish: null,
    sent,
  });
  if (chat && o.roleChunk === "immediate") yield event(0, "role", 0);
  let offset = durationNs(o.ttftUs, d.timing);
  if (chat && o.roleChunk === "first") yield event(offset, "role", 0);
  const k = o.tokensPerEvent;
  const reasoning = chat ? Math.min(o.reasoningTokens, r.tokens) : 0;
  const content = r.tokens - reasoning;
  const tokenEvents = Math.ceil(reasoning / k) + Math.ceil(content / k);
  const midStream = r.fault === "error" || r.fault === "truncate" || r.fault === "abort";
  const faultAt = midStream ? Math.min(o.faultAfterEvents, tokenEvents) : -1;
  let sent = 0;
  for (let e = 0; e <= tokenEvents; e++) {
    // One gap per token event after the first, and one more for a fault after the last.
    if (e > 0 && (e < tokenEvents || e === faultAt)) offset += durationNs(o.itlUs, d.timing);
    if (e === faultAt) {
      if (r.fault === "error") {
        yield event(offset, "error", sent);
        yield event(offset, "done", sent);
      } else yield event(offset, r.fault === "truncate" ? "close" : "abort", sent);
      return;
    }
    if (e === tokenEvents) break;
    const inReasoning = sent < reasoning;
    const n = Math.min(k, inReasoning ? reasoning - sent : r.tokens - sent);
    sent += n;
    const last = sent === r.tokens;
    yield {
      offsetNs: offset,
      kind: inReasoning ? "reasoning" : "content",
      tokens: n,
      text: tokenText(n, d.tokens, o.unicodeTokens),
      finish: last && o.finishOnLast ? r.finishReason : null,
      sent,
    };
  }
  // The trailing events share the last token's write, as servers flush them together.
  if (!o.finishOnLast) yield { ...event(offset, "finish", sent), finish: r.finishReason };
  if (r.usage !== "none") yield event(offset, "usage", sent);
  yield event(offset, "done", sent);
}

function usageJson(
  o: ResolvedOpenAi,
  prompt: number,
  written: number,
  reasoning: number,
): string {
  const completion = Math.max(0, written + o.usageOffset);
  const details = reasoning > 0
    ? `,"completion_tokens_details":{"reasoning_tokens":${reasoning}}`
    : "";
  return `{"prompt_tokens":${prompt},"completion_tokens":${completion},` +
    `"total_tokens":${prompt + completion}${details}}`;
}

/** vLLM's error body, as an HTTP error reply or as a mid-stream event. */
export function errorJson(message: string, type: string, code: number | string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

const MID_STREAM_ERROR = errorJson(
  "simulated engine failure after the stream started",
  "InternalServerError",
  500,
);

/** What every chunk of a reply starts with, up to its choices. */
function chunkHead(r: Reply): string {
  const object = r.endpoint === "chat" ? "chat.completion.chunk" : "text_completion";
  return `{"id":"${r.id}","object":"${object}","created":${r.created},` +
    `"model":${JSON.stringify(r.model)},"choices":`;
}

/** The SSE text of one event; `head` is chunkHead(r). */
function frame(r: Reply, o: ResolvedOpenAi, ev: PlannedEvent, eol: string, head: string): string {
  if (ev.kind === "done") return `data: [DONE]${eol}${eol}`;
  if (ev.kind === "error") return `data: ${MID_STREAM_ERROR}${eol}${eol}`;
  const chat = r.endpoint === "chat";
  const reasoning = Math.min(o.reasoningTokens, ev.sent);
  if (ev.kind === "usage") {
    return `data: ${head}[],"usage":${
      usageJson(o, r.promptTokens, ev.sent, chat ? reasoning : 0)
    }}${eol}${eol}`;
  }
  let body: string;
  if (!chat) body = `"text":${JSON.stringify(ev.text)}`;
  else if (ev.kind === "role") body = `"delta":{"role":"assistant","content":""}`;
  else if (ev.kind === "reasoning") {
    body = `"delta":{"reasoning_content":${JSON.stringify(ev.text)}}`;
  } else if (ev.kind === "content") body = `"delta":{"content":${JSON.stringify(ev.text)}}`;
  else body = `"delta":{}`;
  const finish = ev.finish === null ? "null" : `"${ev.finish}"`;
  // With usage on, OpenAI gives every other chunk "usage": null; vLLM's continuous stats count.
  const usage = r.usage === "none"
    ? ""
    : r.usage === "final"
    ? `,"usage":null`
    : `,"usage":${usageJson(o, r.promptTokens, ev.sent, chat ? reasoning : 0)}`;
  return `data: ${head}[{"index":0,${body},"logprobs":null,"finish_reason":${finish}}]${usage}}` +
    eol + eol;
}

/** One write of a stream, at `offsetNs` from the slot start. */
export interface PlannedWrite {
  offsetNs: number;
  /** Empty when the body ends with nothing left to write. */
  bytes: Uint8Array;
  /** Events whose last byte this write holds: data field and the tokens' text. */
  completed: { kind: OpenAiEventKind; tokens: number; data: string; text: string }[];
  /** What follows the write: more writes, a clean end of the body, or a dropped connection. */
  after: "more" | "close" | "abort";
}

const encoder = new TextEncoder();
const DATA_PREFIX = "data: ";
const EMPTY = new Uint8Array(0);

/** Bytes of `s` in UTF-8 (a lone surrogate, as TextEncoder writes it, takes 3). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** The writes of a streamed reply, one `next()` per write until `after` is not "more". */
export class StreamPlan {
  readonly #events: Generator<PlannedEvent>;
  #peeked: PlannedEvent | undefined;
  /** Bytes of a cut write still to go out, at the head of the next write. */
  #tail: Uint8Array = EMPTY;
  /** Bytes framed so far and bytes handed out so far, across the whole body. */
  #framed = 0;
  #written = 0;
  /** Framed events not yet fully written, with the body offset of their end. */
  readonly #pending: {
    kind: OpenAiEventKind;
    tokens: number;
    data: string;
    text: string;
    end: number;
  }[] = [];
  readonly #eol: string;
  readonly #head: string;

  constructor(
    readonly reply: Reply,
    readonly options: ResolvedOpenAi,
    draws: Draws,
    readonly chaos: () => number,
  ) {
    this.#events = plannedEvents(reply, options, draws);
    this.#eol = options.crlf ? "\r\n" : "\n";
    this.#head = chunkHead(reply);
  }

  #take(): PlannedEvent {
    const ev = this.#peeked ?? this.#events.next().value;
    this.#peeked = undefined;
    // The generator always ends with "done", "close" or "abort", after which next() is not called.
    return ev as PlannedEvent;
  }

  #peek(): PlannedEvent {
    this.#peeked ??= this.#events.next().value as PlannedEvent;
    return this.#peeked;
  }

  next(): PlannedWrite {
    // The write's frames as one string, encoded once (not once per event), after the bytes a
    // split left, if any.
    let joined = "";
    const first = this.#pending.length;
    let ev = this.#take();
    let offsetNs = ev.offsetNs;
    let after: PlannedWrite["after"] = "more";
    let tokenEvents = 0;
    for (;;) {
      if (ev.kind === "close" || ev.kind === "abort") {
        after = ev.kind;
        break;
      }
      const text = frame(this.reply, this.options, ev, this.#eol, this.#head);
      joined += text;
      // Every frame is one "data: " line and a blank line (no data holds a line break).
      const data = text.slice(DATA_PREFIX.length, text.length - 2 * this.#eol.length);
      // `end` is the frame's end in `joined`'s UTF-16 units until the write is encoded.
      this.#pending.push({
        kind: ev.kind,
        tokens: ev.tokens,
        data,
        text: ev.text,
        end: joined.length,
      });
      if (isToken(ev.kind)) tokenEvents++;
      if (ev.kind === "done") {
        after = "close";
        break;
      }
      const next = this.#peek();
      // Trailing events (and a role chunk sent "first") share the write of the token before
      // (after) them; token events share one only when eventsPerWrite asks for it, so a zero gap
      // still gives one write per token event.
      const sameTime = next.offsetNs === offsetNs &&
        (!isToken(next.kind) || (ev.kind === "role" && this.options.roleChunk === "first"));
      const coalesce = tokenEvents > 0 && tokenEvents < this.options.eventsPerWrite &&
        isToken(next.kind);
      if (!sameTime && !coalesce) break;
      ev = this.#take();
      offsetNs = ev.offsetNs;
    }
    const encoded = encoder.encode(joined);
    const written = encoded.length;
    // Each frame's end as a byte offset of the body: the same offsets when it is all ASCII.
    const ascii = written === joined.length;
    let end = this.#framed;
    for (let i = first; i < this.#pending.length; i++) {
      const p = this.#pending[i];
      if (ascii) p.end += this.#framed;
      else p.end = end += DATA_PREFIX.length + utf8Length(p.data) + 2 * this.#eol.length;
    }
    this.#framed += written;
    let bytes = this.#tail.length === 0 ? encoded : concat(this.#tail, encoded);
    this.#tail = EMPTY;
    if (
      after === "more" && bytes.length > 1 && this.options.splitProbability > 0 &&
      this.chaos() < this.options.splitProbability
    ) {
      const cut = 1 + Math.floor(this.chaos() * (bytes.length - 1));
      this.#tail = bytes.subarray(cut);
      bytes = bytes.subarray(0, cut);
    }
    this.#written += bytes.length;
    let done = 0;
    while (done < this.#pending.length && this.#pending[done].end <= this.#written) done++;
    // The pending entries themselves (their `end` is not read past here): no copy per event.
    const completed = this.#pending.splice(0, done);
    return { offsetNs, bytes, completed, after };
  }
}

/** A non-streaming completion: its JSON body, its content, when it is due from the slot start. */
export function wholeReply(
  r: Reply,
  o: ResolvedOpenAi,
  d: Draws,
): { offsetNs: number; body: string; content: string } {
  let offsetNs = 0;
  let content = "";
  let reasoning = "";
  let reasoningTokens = 0;
  // The same draws as the stream would make, so both forms of a request finish at one time.
  for (const ev of plannedEvents({ ...r, fault: "none" }, o, d)) {
    if (!isToken(ev.kind)) continue;
    offsetNs = ev.offsetNs;
    if (ev.kind === "reasoning") {
      reasoning += ev.text;
      reasoningTokens += ev.tokens;
    } else content += ev.text;
  }
  const chat = r.endpoint === "chat";
  const choice = chat
    ? {
      index: 0,
      message: {
        role: "assistant",
        content,
        ...(reasoningTokens > 0 ? { reasoning_content: reasoning } : {}),
      },
      logprobs: null,
      finish_reason: r.finishReason,
    }
    : { index: 0, text: content, logprobs: null, finish_reason: r.finishReason };
  const body = `{"id":"${r.id}","object":"${chat ? "chat.completion" : "text_completion"}",` +
    `"created":${r.created},"model":${JSON.stringify(r.model)},"choices":[${
      JSON.stringify(choice)
    }],"usage":${usageJson(o, r.promptTokens, r.tokens, reasoningTokens)}}`;
  return { offsetNs, body, content };
}
