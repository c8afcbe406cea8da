/**
 * What one completion reply writes and when, generated lazily: the SSE events of a stream
 * (docs/protocols.md §7.4) grouped into writes with their offsets from the moment the request
 * took a slot, framing chaos applied, or the body of a non-streaming reply. Pure: no clock, no
 * I/O, every draw from the request's seeded streams, so the same request index repeats exactly.
 * Events are framed as bytes from pieces encoded once; a reply sent whole in one write whose
 * shape was seen before is copied from that shape's template (template.ts) instead.
 */
import type { OpenAiFault, ResolvedOpenAi } from "./options.ts";
import { sampleComputeUs } from "../options.ts";
import { drawWord, WORD_BYTES, WORDS } from "./tokens.ts";
import type { OpenAiEventKind } from "./truth.ts";
import { ByteWriter, utf8 } from "./bytes.ts";
import { type KeptEvent, LEAD, MARK, Template } from "./template.ts";

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
  /** Where the event's tokens start in the reply's drawn words (see plannedEvents). */
  word: number;
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

/**
 * Every event of a reply, in order, each with its offset (ns) from the slot start. Each token
 * drawn goes onto `words` (indices of WORDS), so an event's tokens are `words[word, word + tokens)`.
 */
function* plannedEvents(
  r: Reply,
  o: ResolvedOpenAi,
  d: Draws,
  words: number[],
): Generator<PlannedEvent> {
  const chat = r.endpoint === "chat";
  const event = (offsetNs: number, kind: PlannedEvent["kind"], sent: number): PlannedEvent => ({
    offsetNs,
    kind,
    tokens: 0,
    word: 0,
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
    const word = words.length;
    for (let i = 0; i < n; i++) words.push(drawWord(d.tokens, o.unicodeTokens));
    sent += n;
    const last = sent === r.tokens;
    yield {
      offsetNs: offset,
      kind: inReasoning ? "reasoning" : "content",
      tokens: n,
      word,
      finish: last && o.finishOnLast ? r.finishReason : null,
      sent,
    };
  }
  // The trailing events share the last token's write, as servers flush them together.
  if (!o.finishOnLast) yield { ...event(offset, "finish", sent), finish: r.finishReason };
  if (r.usage !== "none") yield event(offset, "usage", sent);
  yield event(offset, "done", sent);
}

/** The text of `n` drawn tokens from `words[at]`. */
function wordsText(words: readonly number[], at: number, n: number): string {
  if (n === 1) return WORDS[words[at]];
  let text = "";
  for (let i = at; i < at + n; i++) text += WORDS[words[i]];
  return text;
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

/** One write of a stream, at `offsetNs` from the slot start. */
export interface PlannedWrite {
  offsetNs: number;
  /**
   * Empty when the body ends with nothing left to write. A view of the plan's ByteWriter, valid
   * until the next `next()` of a plan writing into the same one: copy it to keep it.
   */
  bytes: Uint8Array;
  /** Events whose last byte this write holds ([DONE] included). */
  events: number;
  /** Output tokens of those events (reasoning included). */
  tokens: number;
  /** The content text of those events (reasoning not included). */
  content: string;
  /** Those of them the ground truth keeps (see `keepsData`), each with its data field. */
  kept: KeptEvent[];
  /** What follows the write: more writes, a clean end of the body, or a dropped connection. */
  after: "more" | "close" | "abort";
}

/**
 * True when the ground truth keeps an event's data field: every event's with truthEvents
 * "every", else only the first event with output tokens (`sent` counts it).
 */
function keepsData(o: ResolvedOpenAi, tokens: number, sent: number): boolean {
  return o.truthEvents === "every" || (tokens > 0 && sent === tokens);
}

const decoder = new TextDecoder();
const DATA_PREFIX = "data: ";
const EMPTY = new Uint8Array(0);
const FINISHES = [null, "stop", "length"] as const;
/** The choice bodies of Pieces.bodies. */
const ROLE = 0;
const REASONING = 1;
const CONTENT = 2;
const FINISH = 3;

function bodyOf(kind: PlannedEvent["kind"]): number {
  return kind === "content"
    ? CONTENT
    : kind === "reasoning"
    ? REASONING
    : kind === "role"
    ? ROLE
    : FINISH;
}

/**
 * The bytes every reply of one shape (options, endpoint, usage) frames its events with, encoded
 * once: a reply's own bytes are only its chunk head and its tokens' words.
 */
class Pieces {
  readonly done: Uint8Array;
  readonly error: Uint8Array;
  /** `[{"index":0,` and the choice's body up to its text, by bodyOf(kind). */
  readonly bodies: Uint8Array[];
  /**
   * The rest of a choice chunk after the body: [token event ? 1 : 0][FINISHES index]; with
   * continuous usage it ends at `"usage":`, the usage and `end` following.
   */
  readonly tails: Uint8Array[][];
  readonly usageOpen: Uint8Array;
  /** `}` and the blank line that ends an event. */
  readonly end: Uint8Array;
  /** Bytes of the line end that closes every data line and of the blank line after it. */
  readonly eol2: number;

  constructor(o: ResolvedOpenAi, endpoint: Reply["endpoint"], usage: Reply["usage"]) {
    const eol = o.crlf ? "\r\n" : "\n";
    const chat = endpoint === "chat";
    this.eol2 = 2 * eol.length;
    this.done = utf8(`${DATA_PREFIX}[DONE]${eol}${eol}`);
    this.error = utf8(`${DATA_PREFIX}${MID_STREAM_ERROR}${eol}${eol}`);
    const choice = `[{"index":0,`;
    // Completions have no role or reasoning events.
    this.bodies = (chat
      ? [
        `"delta":{"role":"assistant","content":""}`,
        `"delta":{"reasoning_content":"`,
        `"delta":{"content":"`,
        `"delta":{}`,
      ]
      : ["", "", `"text":"`, `"text":""`]).map((b) => utf8(choice + b));
    // With usage on, OpenAI gives every other chunk "usage": null; vLLM's continuous stats count.
    const after = usage === "none"
      ? `}${eol}${eol}`
      : usage === "final"
      ? `,"usage":null}${eol}${eol}`
      : `,"usage":`;
    this.tails = [0, 1].map((token) =>
      FINISHES.map((f) => {
        const close = token === 0 ? "" : chat ? `"}` : `"`;
        return utf8(
          `${close},"logprobs":null,"finish_reason":${f === null ? "null" : `"${f}"`}}]${after}`,
        );
      })
    );
    this.usageOpen = utf8(`[],"usage":`);
    this.end = utf8(`}${eol}${eol}`);
  }
}

const PIECES = new WeakMap<ResolvedOpenAi, Map<string, Pieces>>();

function piecesOf(o: ResolvedOpenAi, endpoint: Reply["endpoint"], usage: Reply["usage"]): Pieces {
  let shapes = PIECES.get(o);
  if (shapes === undefined) PIECES.set(o, shapes = new Map());
  const key = `${endpoint} ${usage}`;
  let p = shapes.get(key);
  if (p === undefined) shapes.set(key, p = new Pieces(o, endpoint, usage));
  return p;
}

/** The model's name as JSON, for the last model named (one per mock). */
let modelJson = ["", '""'];

/** What every chunk of a reply starts with, up to its choices. */
function chunkHead(r: Reply): string {
  const object = r.endpoint === "chat" ? "chat.completion.chunk" : "text_completion";
  if (modelJson[0] !== r.model) modelJson = [r.model, JSON.stringify(r.model)];
  return `{"id":"${r.id}","object":"${object}","created":${r.created},` +
    `"model":${modelJson[1]},"choices":`;
}

/**
 * What decides a reply's bytes besides its id, created time and drawn words: a template
 * compiled from one such reply serves the next (see template.ts).
 */
function shapeKey(r: Reply): string {
  return `${r.endpoint} ${r.promptTokens} ${r.tokens} ${r.finishReason} ${r.usage} ${r.fault} ` +
    r.model;
}

/** True when `a` and `b` have one shape (see shapeKey), without building its key. */
function sameShape(a: Reply, b: Reply): boolean {
  return a.endpoint === b.endpoint && a.promptTokens === b.promptTokens &&
    a.tokens === b.tokens && a.finishReason === b.finishReason && a.usage === b.usage &&
    a.fault === b.fault && a.model === b.model;
}

/** Templates per options object, by shape; dropped all at once when this many pile up. */
const MAX_TEMPLATES = 256;

/** The templates of one options object, and the last one looked up. */
class Templates {
  readonly #byKey = new Map<string, Template | null>();
  #last: { reply: Reply; template: Template | null | undefined } | undefined;

  /** The template of `r`'s shape: null when its replies do not go whole, undefined if unknown. */
  get(r: Reply): Template | null | undefined {
    const last = this.#last;
    if (last !== undefined && last.template !== undefined && sameShape(last.reply, r)) {
      return last.template;
    }
    const template = this.#byKey.get(shapeKey(r));
    this.#last = { reply: r, template };
    return template;
  }

  set(r: Reply, template: Template | null): void {
    if (this.#byKey.size >= MAX_TEMPLATES) this.#byKey.clear();
    this.#byKey.set(shapeKey(r), template);
    this.#last = { reply: r, template };
  }
}

const TEMPLATES = new WeakMap<ResolvedOpenAi, Templates>();

/** One framed event not yet fully written, with the body offset of its end. */
interface Pending {
  kind: OpenAiEventKind;
  tokens: number;
  data: string | null;
  text: string;
  end: number;
}

/** The writes of a streamed reply, one `next()` per write until `after` is not "more". */
export class StreamPlan {
  #events: Generator<PlannedEvent> | undefined;
  /** Every token drawn so far, as indices of WORDS. */
  readonly #words: number[] = [];
  #peeked: PlannedEvent | undefined;
  /** Bytes of a cut write still to go out, at the head of the next write. */
  #tail: Uint8Array = EMPTY;
  /** Bytes framed so far and bytes handed out so far, across the whole body. */
  #framed = 0;
  #written = 0;
  readonly #pending: Pending[] = [];
  readonly #pieces: Pieces;
  /** `data: ` and the chunk head. */
  readonly #lead: string;
  /** Its bytes in UTF-8, known once it was first written. */
  #leadBytes = 0;
  /**
   * Where in the write the lead and each body start (by bodyOf) first went, or -1: later events
   * copy them from there, so a reply's own bytes are encoded once per write.
   */
  readonly #leadAt = [-1, -1, -1, -1];
  /** The plan's writer, and the one the write being built goes into. */
  readonly #own: ByteWriter;
  #out: ByteWriter;
  /**
   * The templates of this plan's options, and this reply's key in them, when its bytes may
   * come from one: its delays are fixed, so every reply of its shape writes at the same times.
   */
  readonly #templates: Templates | undefined;
  /** While the first write compiles a template: what went where (template.ts LEAD, MARK). */
  #record: number[] | undefined;

  /** Writes go into `out` (one of its own unless given: see PlannedWrite.bytes) or next's. */
  constructor(
    readonly reply: Reply,
    readonly options: ResolvedOpenAi,
    readonly draws: Draws,
    readonly chaos: () => number,
    out?: ByteWriter,
  ) {
    this.#pieces = piecesOf(options, reply.endpoint, reply.usage);
    this.#lead = DATA_PREFIX + chunkHead(reply);
    this.#own = this.#out = out ?? new ByteWriter(1024);
    if (typeof options.ttftUs === "number" && typeof options.itlUs === "number") {
      let templates = TEMPLATES.get(options);
      if (templates === undefined) TEMPLATES.set(options, templates = new Templates());
      this.#templates = templates;
    }
  }

  #take(): PlannedEvent {
    this.#events ??= plannedEvents(this.reply, this.options, this.draws, this.#words);
    const ev = this.#peeked ?? this.#events.next().value;
    this.#peeked = undefined;
    // The generator always ends with "done", "close" or "abort", after which next() is not called.
    return ev as PlannedEvent;
  }

  #peek(): PlannedEvent {
    this.#peeked ??= this.#events!.next().value as PlannedEvent;
    return this.#peeked;
  }

  /** Appends the lead and, unless `body` is -1, that body start. */
  #putLead(body: number): void {
    const out = this.#out;
    const start = body < 0 ? undefined : this.#pieces.bodies[body];
    const at = body < 0 ? this.#leadAt.find((at) => at >= 0) ?? -1 : this.#leadAt[body];
    const from = out.len;
    if (at >= 0) out.copy(at, this.#leadBytes + (start?.length ?? 0));
    else {
      out.text(this.#lead);
      this.#leadBytes = out.len - from;
      if (start !== undefined) {
        this.#leadAt[body] = from;
        out.put(start);
      }
    }
    this.#record?.push(from, from + this.#leadBytes, LEAD);
  }

  /** Appends the SSE frame of `ev` (not "close" or "abort") to the write. */
  #frame(ev: PlannedEvent): void {
    const out = this.#out;
    const p = this.#pieces;
    const r = this.reply;
    if (ev.kind === "done") return out.put(p.done);
    if (ev.kind === "error") return out.put(p.error);
    const reasoning = r.endpoint === "chat" ? Math.min(this.options.reasoningTokens, ev.sent) : 0;
    if (ev.kind === "usage") {
      this.#putLead(-1);
      out.put(p.usageOpen);
      out.text(usageJson(this.options, r.promptTokens, ev.sent, reasoning));
      return out.put(p.end);
    }
    const body = bodyOf(ev.kind);
    this.#putLead(body);
    const token = body === REASONING || body === CONTENT;
    if (token) {
      for (let i = ev.word; i < ev.word + ev.tokens; i++) {
        const from = out.len;
        out.put(WORD_BYTES[this.#words[i]]);
        this.#record?.push(from, out.len, i);
      }
    }
    out.put(p.tails[token ? 1 : 0][ev.finish === null ? 0 : ev.finish === "stop" ? 1 : 2]);
    if (r.usage === "continuous") {
      out.text(usageJson(this.options, r.promptTokens, ev.sent, reasoning));
      out.put(p.end);
    }
  }

  /** The next write, built in `out` if given (else the plan's writer). */
  next(out = this.#own): PlannedWrite {
    const first = this.#written === 0 && this.#framed === 0;
    const template = first ? this.#templates?.get(this.reply) : undefined;
    if (template) return this.#fromTemplate(template, out);
    // The first reply of a shape records its write; a template is kept if it went whole.
    if (first && template === undefined && this.#templates !== undefined) this.#record = [];
    this.#out = out;
    out.reset();
    this.#leadAt.fill(-1);
    // A split's leftover first, then this write's frames, counted from `start` in the body.
    out.put(this.#tail);
    this.#tail = EMPTY;
    const start = out.len;
    let ev = this.#take();
    let offsetNs = ev.offsetNs;
    let after: PlannedWrite["after"] = "more";
    let tokenEvents = 0;
    for (;;) {
      if (ev.kind === "close" || ev.kind === "abort") {
        after = ev.kind;
        break;
      }
      const from = out.len;
      const keep = keepsData(this.options, ev.tokens, ev.sent);
      if (keep) this.#record?.push(from, from, MARK);
      this.#frame(ev);
      if (keep) this.#record?.push(out.len, out.len, MARK);
      const data = keep
        ? decoder.decode(out.buf.subarray(from + DATA_PREFIX.length, out.len - this.#pieces.eol2))
        : null;
      this.#pending.push({
        kind: ev.kind,
        tokens: ev.tokens,
        data,
        text: ev.kind === "content" ? wordsText(this.#words, ev.word, ev.tokens) : "",
        end: this.#framed + out.len - start,
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
    this.#framed += out.len - start;
    let bytes = out.view();
    if (
      after === "more" && bytes.length > 1 && this.options.splitProbability > 0 &&
      this.chaos() < this.options.splitProbability
    ) {
      const cut = 1 + Math.floor(this.chaos() * (bytes.length - 1));
      this.#tail = bytes.slice(cut);
      bytes = bytes.subarray(0, cut);
    }
    this.#written += bytes.length;
    let done = 0;
    while (done < this.#pending.length && this.#pending[done].end <= this.#written) done++;
    const write = summed(offsetNs, bytes, this.#pending.splice(0, done), after);
    if (this.#record !== undefined) this.#compile(write, out.base);
    return write;
  }

  /**
   * Keeps this first write as its shape's template when it was the whole reply; its record
   * counts from the writer's start, its bytes from `base`.
   */
  #compile(write: PlannedWrite, base: number): void {
    const record = this.#record!.map((x, i) => i % 3 === 2 ? x : x - base);
    this.#record = undefined;
    const templates = this.#templates!;
    if (write.after !== "close") {
      templates.set(this.reply, null);
      return;
    }
    const reasoning = this.reply.endpoint === "chat"
      ? Math.min(this.options.reasoningTokens, this.reply.tokens)
      : 0;
    templates.set(
      this.reply,
      new Template(
        write.bytes.slice(),
        record,
        write.offsetNs,
        this.#words.length,
        Math.min(reasoning, this.#words.length),
        write.events,
        write.tokens,
        write.kept.map(({ kind, tokens }) => ({ kind, tokens })),
        this.#pieces.eol2,
      ),
    );
  }

  /** The whole reply from its shape's template: only its chunk head and words are its own. */
  #fromTemplate(t: Template, out: ByteWriter): PlannedWrite {
    for (let i = 0; i < t.words; i++) {
      this.#words.push(drawWord(this.draws.tokens, this.options.unicodeTokens));
    }
    const { kept, content } = t.apply(out, this.#lead, this.#words);
    const bytes = out.view();
    this.#written = this.#framed = bytes.length;
    return {
      offsetNs: t.offsetNs,
      bytes,
      events: t.events,
      tokens: t.tokens,
      content,
      kept,
      after: "close",
    };
  }
}

/** A write of `completed` events. */
function summed(
  offsetNs: number,
  bytes: Uint8Array,
  completed: Pending[],
  after: PlannedWrite["after"],
): PlannedWrite {
  let tokens = 0;
  let content = "";
  const kept: KeptEvent[] = [];
  for (const c of completed) {
    tokens += c.tokens;
    content += c.text;
    if (c.data !== null) kept.push({ kind: c.kind, tokens: c.tokens, data: c.data });
  }
  return { offsetNs, bytes, events: completed.length, tokens, content, kept, after };
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
  const words: number[] = [];
  // The same draws as the stream would make, so both forms of a request finish at one time.
  for (const ev of plannedEvents({ ...r, fault: "none" }, o, d, words)) {
    if (!isToken(ev.kind)) continue;
    offsetNs = ev.offsetNs;
    const text = wordsText(words, ev.word, ev.tokens);
    if (ev.kind === "reasoning") {
      reasoning += text;
      reasoningTokens += ev.tokens;
    } else content += text;
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
