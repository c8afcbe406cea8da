/**
 * What an OpenAI-compatible reply says, read from its parsed JSON (docs/protocols.md §7.3,
 * §7.4): one stream chunk or one whole non-streaming body. Chat chunks carry `delta.content`,
 * `delta.reasoning_content` (vLLM; newer servers `delta.reasoning`) or `delta.tool_calls`;
 * completions chunks `text`; either may carry `usage` (the final chunk, or every chunk with
 * continuous usage) or, mid-stream, vLLM's `{"error": {...}}`.
 */

import { WordReader } from "../../wire/sse/words.ts";

/** The kind of one stream event, as the metrics need it. */
export type ChunkKind =
  | "role"
  | "content"
  | "reasoning"
  | "tool_call"
  | "usage"
  | "error"
  | "other";

/** One parsed chunk, read into reusable fields (one object per channel). */
export class ChunkReading {
  kind: ChunkKind = "other";
  /** The text the chunk carried (content, reasoning, tool-call arguments), "" when none. */
  text = "";
  /** The content part of `text` alone (what a chat history keeps as the assistant's reply). */
  content = "";
  /** usage.completion_tokens / prompt_tokens when the chunk had usage, else -1. */
  completionTokens = -1;
  promptTokens = -1;
  /** The error's message for kind "error". */
  error = "";
  /** The last skimmed chunk that carried a text, to read the next one by comparison. */
  readonly #shape = new ChunkShape();
  /** Where the text of a chunk read from its bytes lies: buf[#textStart, #textEnd). */
  #textStart = 0;
  #textEnd = 0;
  #textEsc = false;

  /** Reads a stream chunk (`delta`) or a whole reply (`message`). */
  read(json: unknown): void {
    this.kind = "other";
    this.text = "";
    this.content = "";
    this.completionTokens = -1;
    this.promptTokens = -1;
    this.error = "";
    if (!isRecord(json)) return;
    if (json.error !== undefined && json.error !== null) {
      this.kind = "error";
      this.error = errorMessage(json.error);
      return;
    }
    const usage = json.usage;
    if (isRecord(usage)) {
      if (typeof usage.completion_tokens === "number") {
        this.completionTokens = usage.completion_tokens;
      }
      if (typeof usage.prompt_tokens === "number") this.promptTokens = usage.prompt_tokens;
    }
    const choices = json.choices;
    let role = false;
    if (Array.isArray(choices)) {
      for (const c of choices) {
        if (!isRecord(c)) continue;
        const m = isRecord(c.delta) ? c.delta : isRecord(c.message) ? c.message : undefined;
        if (typeof c.text === "string") this.#add("content", c.text);
        if (m === undefined) continue;
        if (typeof m.role === "string") role = true;
        if (typeof m.reasoning_content === "string") this.#add("reasoning", m.reasoning_content);
        if (typeof m.reasoning === "string") this.#add("reasoning", m.reasoning);
        if (typeof m.content === "string") this.#add("content", m.content);
        if (Array.isArray(m.tool_calls)) {
          for (const t of m.tool_calls) {
            const f = isRecord(t) && isRecord(t.function) ? t.function : undefined;
            const args = typeof f?.arguments === "string" ? f.arguments : "";
            const name = typeof f?.name === "string" ? f.name : "";
            // A tool-call delta is output even when its text is empty (the call's opening).
            this.#add("tool_call", name + args, true);
          }
        }
      }
    }
    if (this.kind !== "other") return;
    if (role) this.kind = "role";
    else if (this.completionTokens >= 0) this.kind = "usage";
  }

  /**
   * Reads a stream chunk straight from its UTF-8 bytes buf[start, end) without building it as
   * objects: what read() would take from JSON.parse of the same bytes, for the chunks servers
   * send (at most one output text, no tool calls, no error, integer usage). Returns false when
   * it cannot be sure (anything else, or bytes JSON.parse would refuse): the caller then parses
   * in full, which gives the exact result or the error. The output text is decoded only with
   * `wantText` (a tokenizer or a chat history needs it); without it `text` and `content` stay "".
   * A chunk that differs from the last one with a text only in that text (the one-token chunks
   * of a stream) is read by comparing bytes instead of walking it (ChunkSkim.again).
   */
  skim(buf: Uint8Array, start: number, end: number, wantText: boolean): boolean {
    const s = SKIM;
    const shape = this.#shape;
    if (shape.misses >= MAX_MISSES || s.again(shape, buf, start, end) !== end - start) {
      if (!s.chunk(buf, start, end)) return false;
      if (shape.misses < MAX_MISSES && s.pieceKind !== "other") {
        shape.misses++;
        s.keep(shape, buf, start, end);
      }
    } else shape.misses = 0;
    this.#take(s);
    if (wantText) this.#decodeText(buf);
    return true;
  }

  /**
   * The SSE parser's knownValue hook (wire/sse/parser.ts): the length of the chunk that starts
   * at buf[start] when it is the last text-bearing chunk with another text (the bytes up to `end`
   * may run on past it), else -1. Such a chunk holds no CR or LF: a kept shape holds none
   * (ChunkShape.keep) and a JSON string admits no control byte. Its reading is taken at once;
   * when the parser then dispatches exactly this value (SseEvent.known), readKnown finishes it,
   * with no second look at the bytes.
   */
  recognize(buf: Uint8Array, start: number, end: number): number {
    const shape = this.#shape;
    if (shape.misses >= MAX_MISSES) return -1;
    const n = SKIM.again(shape, buf, start, end);
    if (n >= 0) {
      shape.misses = 0;
      this.#take(SKIM);
    }
    return n;
  }

  /**
   * A new stream begins: its chunks are tried against the kept shape again, even if those of
   * the last stream differed one from the next (see MAX_MISSES).
   */
  newStream(): void {
    this.#shape.misses = 0;
  }

  /** After recognize() accepted the event's bytes buf[...]: the text, when wanted. */
  readKnown(buf: Uint8Array, wantText: boolean): void {
    if (wantText) this.#decodeText(buf);
  }

  /** What the skim read, but the text: kind, counts, and where the text lies. */
  #take(s: ChunkSkim): void {
    if (s.pieceKind !== "other") this.kind = s.pieceKind;
    else if (s.role) this.kind = "role";
    else this.kind = s.completionTokens >= 0 ? "usage" : "other";
    this.text = "";
    this.content = "";
    this.completionTokens = s.completionTokens;
    this.promptTokens = s.promptTokens;
    this.error = "";
    this.#textStart = s.pieceStart;
    this.#textEnd = s.pieceEnd;
    this.#textEsc = s.pieceEsc;
  }

  /**
   * The text of a chunk read from its bytes, from `buf` where it lies: decoded, or for an
   * escaped one parsed as the JSON string it is (BOM kept, invalid UTF-8 replaced, as decoding
   * the whole event does).
   */
  #decodeText(buf: Uint8Array): void {
    if (!this.bearsTokens) return;
    const text = this.#textEsc
      ? JSON.parse(pieceUtf8.decode(buf.subarray(this.#textStart - 1, this.#textEnd + 1)))
      : pieceUtf8.decode(buf.subarray(this.#textStart, this.#textEnd));
    this.text = text;
    if (this.kind === "content") this.content = text;
  }

  /** True when the chunk carried output (content, reasoning or a tool call). */
  get bearsTokens(): boolean {
    return this.kind === "content" || this.kind === "reasoning" || this.kind === "tool_call";
  }

  #add(kind: ChunkKind, text: string, evenEmpty = false): void {
    if (text === "" && !evenEmpty) return;
    // The first output kind names the chunk (reasoning before content in one chunk is rare).
    if (this.kind === "other") this.kind = kind;
    this.text += text;
    if (kind === "content") this.content += text;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** OpenAI's `{"error": {"message"}}`, a bare string, or the JSON of whatever else it is. */
export function errorMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}

/**
 * The text of an error reply: the server's message (OpenAI `{"error": {...}}`, vLLM's
 * `{"object": "error", "message"}`, FastAPI's `{"detail"}`), else an excerpt of the body.
 */
export function errorReplyText(status: number, body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch { /* an excerpt is shown instead */ }
  let message = "";
  if (isRecord(json)) {
    if (json.error !== undefined && json.error !== null) message = errorMessage(json.error);
    else if (typeof json.message === "string") message = json.message;
    else if (json.detail !== undefined) message = errorMessage(json.detail);
  }
  if (message === "") message = body.trim().slice(0, 200);
  return message === "" ? `HTTP ${status}` : `HTTP ${status}: ${message}`;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

const ascii = (s: string) => new TextEncoder().encode(s);
const K_ERROR = ascii("error");
const K_USAGE = ascii("usage");
const K_CHOICES = ascii("choices");
const K_COMPLETION = ascii("completion_tokens");
const K_PROMPT = ascii("prompt_tokens");
const K_TEXT = ascii("text");
const K_DELTA = ascii("delta");
const K_MESSAGE = ascii("message");
const K_ROLE = ascii("role");
const K_CONTENT = ascii("content");
const K_REASONING_CONTENT = ascii("reasoning_content");
const K_REASONING = ascii("reasoning");
const K_TOOL_CALLS = ascii("tool_calls");
const L_NULL = ascii("null");
const L_TRUE = ascii("true");
const L_FALSE = ascii("false");

/** Nesting the skim follows before it leaves a chunk to the full parser. */
const MAX_DEPTH = 64;
/** Digits of an integer the skim converts itself (exact in a double, as JSON.parse's). */
const MAX_DIGITS = 15;

/** A string piece's text: BOM kept, invalid UTF-8 replaced, as decoding the whole event does. */
const pieceUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A validating walk over one chunk's JSON bytes that keeps only what ChunkReading needs: usage
 * numbers, the role flag and where the one output text lies. Every method returns false (or -1)
 * when unsure; nothing is allocated. One instance serves every channel (the walk is synchronous).
 */
class ChunkSkim {
  #b: Uint8Array = new Uint8Array(0);
  #p = 0;
  #e = 0;
  /** The last string read: its contents are b[strStart, strEnd); strEsc when it had escapes. */
  #strStart = 0;
  #strEnd = 0;
  #strEsc = false;
  /** The last number read, when it was an integer of at most MAX_DIGITS digits. */
  #int = 0;
  #isInt = false;

  completionTokens = -1;
  promptTokens = -1;
  role = false;
  /** The one non-empty output text: its kind ("other" when none), bytes and escapes. */
  pieceKind: ChunkKind = "other";
  pieceStart = 0;
  pieceEnd = 0;
  pieceEsc = false;

  /** Walks the chunk b[start, end); false when the full parser must decide. */
  chunk(b: Uint8Array, start: number, end: number): boolean {
    this.#b = b;
    this.#p = start;
    this.#e = end;
    this.completionTokens = -1;
    this.promptTokens = -1;
    this.role = false;
    this.pieceKind = "other";
    this.#ws();
    if (this.#p >= end || b[this.#p] !== OPEN_OBJECT) return false;
    this.#p++;
    let seen = 0;
    if (!this.#firstMember()) return this.#afterValue();
    for (;;) {
      if (!this.#key()) return false;
      if (this.#keyIs(K_ERROR)) {
        // Only a null error is no error; any other is left to the full parse (rare, exact).
        if (!this.#literal(L_NULL)) return false;
      } else if (this.#keyIs(K_USAGE)) {
        if (seen & 1) return false;
        seen |= 1;
        if (!(this.#peek() === OPEN_OBJECT ? this.#usage() : this.#skip(0))) return false;
      } else if (this.#keyIs(K_CHOICES)) {
        if (seen & 2) return false;
        seen |= 2;
        if (!(this.#peek() === OPEN_ARRAY ? this.#choices() : this.#skip(0))) return false;
      } else if (!this.#skip(0)) return false;
      const more = this.#next(CLOSE_OBJECT);
      if (more < 0) return false;
      if (more === 0) break;
    }
    return this.#afterValue();
  }

  /**
   * The length of the shape's chunk with another text at b[start], reading no further than
   * `end`, or -1: the same bytes before the text, a non-empty JSON string, then the same bytes
   * after it. The walk would take the same path over the same keys and values and read the same
   * kind and counts, so they are the shape's, and the text is this one.
   */
  again(shape: ChunkShape, b: Uint8Array, start: number, end: number): number {
    const before = shape.before;
    const after = shape.after;
    if (shape.kind === "other" || end - start <= before || !shape.same(b, start, 0, before)) {
      return -1;
    }
    this.#b = b;
    this.#p = start + before - 1; // the text's opening quote, the last byte before it
    this.#e = end;
    if (!this.#string()) return -1;
    const textEnd = this.#strEnd;
    if (textEnd === this.#strStart || textEnd + after > end) return -1;
    if (!shape.same(b, textEnd, shape.afterAt, after)) return -1;
    this.completionTokens = shape.completionTokens;
    this.promptTokens = shape.promptTokens;
    this.role = false;
    this.pieceKind = shape.kind;
    this.pieceStart = this.#strStart;
    this.pieceEnd = textEnd;
    this.pieceEsc = this.#strEsc;
    return textEnd + after - start;
  }

  /** After a walk that found a text: its chunk becomes the shape the next chunk is tried on. */
  keep(shape: ChunkShape, b: Uint8Array, start: number, end: number): void {
    if (this.pieceKind === "other") return;
    if (!shape.keep(b, start, this.pieceStart, this.pieceEnd, end)) return;
    shape.kind = this.pieceKind;
    shape.completionTokens = this.completionTokens;
    shape.promptTokens = this.promptTokens;
  }

  /** Nothing but whitespace may follow the top-level value. */
  #afterValue(): boolean {
    this.#ws();
    return this.#p === this.#e;
  }

  #ws(): void {
    const b = this.#b;
    let p = this.#p;
    while (p < this.#e) {
      const c = b[p];
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      p++;
    }
    this.#p = p;
  }

  /** The next byte after whitespace, -1 at the end. */
  #peek(): number {
    this.#ws();
    return this.#p < this.#e ? this.#b[this.#p] : -1;
  }

  /** After `{`: false (position past the `}`) when the object is empty, true when a member follows. */
  #firstMember(): boolean {
    if (this.#peek() !== CLOSE_OBJECT) return true;
    this.#p++;
    return false;
  }

  /** After a member or element: 1 when a comma (another follows), 0 at `close`, -1 otherwise. */
  #next(close: number): number {
    const c = this.#peek();
    this.#p++;
    if (c === COMMA) return 1;
    return c === close ? 0 : -1;
  }

  /** A member's key and its colon; false when it is not a plain string key. */
  #key(): boolean {
    if (this.#peek() !== QUOTE || !this.#string() || this.#strEsc) return false;
    if (this.#peek() !== COLON) return false;
    this.#p++;
    this.#ws();
    return true;
  }

  #keyIs(name: Uint8Array): boolean {
    const n = name.length;
    if (this.#strEnd - this.#strStart !== n) return false;
    const b = this.#b;
    const at = this.#strStart;
    for (let i = 0; i < n; i++) if (b[at + i] !== name[i]) return false;
    return true;
  }

  /** A string at the position (its opening quote): its bounds and whether it had escapes. */
  #string(): boolean {
    const b = this.#b;
    const e = this.#e;
    let p = this.#p + 1;
    let esc = false;
    this.#strStart = p;
    for (;;) {
      if (p >= e) return false;
      const c = b[p];
      if (c === QUOTE) break;
      if (c < 32) return false;
      if (c === BACKSLASH) {
        esc = true;
        const x = this.#at(p + 1);
        if (x === 117) { // u and four hex digits
          for (let i = 2; i < 6; i++) if (!isHex(this.#at(p + i))) return false;
          p += 6;
        } else if (
          x === QUOTE || x === BACKSLASH || x === 47 || x === 98 || x === 102 || x === 110 ||
          x === 114 || x === 116
        ) p += 2;
        else return false;
      } else p++;
    }
    this.#strEnd = p;
    this.#strEsc = esc;
    this.#p = p + 1;
    return true;
  }

  /** A string value, if the position holds one: its text becomes the piece when not empty. */
  #piece(kind: ChunkKind): boolean {
    if (this.#peek() !== QUOTE) return this.#skip(0);
    if (!this.#string()) return false;
    if (this.#strEnd === this.#strStart) return true; // "" carries nothing
    if (this.pieceKind !== "other") return false; // two texts: the full parse orders them
    this.pieceKind = kind;
    this.pieceStart = this.#strStart;
    this.pieceEnd = this.#strEnd;
    this.pieceEsc = this.#strEsc;
    return true;
  }

  #literal(word: Uint8Array): boolean {
    const b = this.#b;
    const p = this.#p;
    if (p + word.length > this.#e) return false;
    for (let i = 0; i < word.length; i++) if (b[p + i] !== word[i]) return false;
    this.#p = p + word.length;
    return true;
  }

  /** The byte at `i`, -1 past the chunk (the buffer may hold other bytes there). */
  #at(i: number): number {
    return i < this.#e ? this.#b[i] : -1;
  }

  /** A JSON number (strict grammar); #isInt and #int when it is a short integer. */
  #number(): boolean {
    let p = this.#p;
    const negative = this.#at(p) === MINUS;
    if (negative) p++;
    const digits = p;
    let n = 0;
    let c = this.#at(p);
    if (c === ZERO) c = this.#at(++p);
    else if (c > ZERO && c <= NINE) {
      do {
        n = n * 10 + c - ZERO;
        c = this.#at(++p);
      } while (c >= ZERO && c <= NINE);
    } else return false;
    this.#isInt = p - digits <= MAX_DIGITS;
    if (c === DOT) {
      this.#isInt = false;
      c = this.#at(++p);
      if (!(c >= ZERO && c <= NINE)) return false;
      while (c >= ZERO && c <= NINE) c = this.#at(++p);
    }
    if (c === 101 || c === 69) { // e, E
      this.#isInt = false;
      c = this.#at(++p);
      if (c === PLUS || c === MINUS) c = this.#at(++p);
      if (!(c >= ZERO && c <= NINE)) return false;
      while (c >= ZERO && c <= NINE) c = this.#at(++p);
    }
    this.#int = negative ? -n : n;
    this.#p = p;
    return true;
  }

  /** Any value at the position, walked past and validated. */
  #skip(depth: number): boolean {
    const c = this.#peek();
    if (c === QUOTE) return this.#string();
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth >= MAX_DEPTH) return false;
      this.#p++;
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (this.#peek() === close) {
        this.#p++;
        return true;
      }
      for (;;) {
        if (c === OPEN_OBJECT && !this.#key()) return false;
        if (!this.#skip(depth + 1)) return false;
        const more = this.#next(close);
        if (more < 0) return false;
        if (more === 0) return true;
      }
    }
    if (c === 110) return this.#literal(L_NULL);
    if (c === 116) return this.#literal(L_TRUE);
    if (c === 102) return this.#literal(L_FALSE);
    return this.#number();
  }

  /** `usage`: its integer token counts; a count that is not an integer is the full parse's. */
  #usage(): boolean {
    this.#p++;
    if (!this.#firstMember()) return true;
    let seen = 0;
    for (;;) {
      if (!this.#key()) return false;
      const completion = this.#keyIs(K_COMPLETION);
      if (completion || this.#keyIs(K_PROMPT)) {
        const bit = completion ? 1 : 2;
        if (seen & bit) return false;
        seen |= bit;
        const c = this.#peek();
        if (c === MINUS || (c >= ZERO && c <= NINE)) {
          if (!this.#number() || !this.#isInt) return false;
          if (completion) this.completionTokens = this.#int;
          else this.promptTokens = this.#int;
        } else if (!this.#skip(1)) return false;
      } else if (!this.#skip(1)) return false;
      const more = this.#next(CLOSE_OBJECT);
      if (more < 0) return false;
      if (more === 0) return true;
    }
  }

  #choices(): boolean {
    this.#p++;
    if (this.#peek() === CLOSE_ARRAY) {
      this.#p++;
      return true;
    }
    for (;;) {
      if (!(this.#peek() === OPEN_OBJECT ? this.#choice() : this.#skip(1))) return false;
      const more = this.#next(CLOSE_ARRAY);
      if (more < 0) return false;
      if (more === 0) return true;
    }
  }

  /** One choice: `text` (completions), and `delta` or `message` (not both: full parse). */
  #choice(): boolean {
    this.#p++;
    if (!this.#firstMember()) return true;
    let seen = 0;
    for (;;) {
      if (!this.#key()) return false;
      if (this.#keyIs(K_TEXT)) {
        if (seen & 1) return false;
        seen |= 1;
        if (!this.#piece("content")) return false;
      } else if (this.#keyIs(K_DELTA) || this.#keyIs(K_MESSAGE)) {
        if (seen & 2) return false;
        seen |= 2;
        if (!(this.#peek() === OPEN_OBJECT ? this.#message() : this.#skip(2))) return false;
      } else if (!this.#skip(2)) return false;
      const more = this.#next(CLOSE_OBJECT);
      if (more < 0) return false;
      if (more === 0) return true;
    }
  }

  /** A delta or message: role, one output text; tool calls are the full parse's. */
  #message(): boolean {
    this.#p++;
    if (!this.#firstMember()) return true;
    let seen = 0;
    for (;;) {
      if (!this.#key()) return false;
      let bit = 0;
      if (this.#keyIs(K_ROLE)) bit = 1;
      else if (this.#keyIs(K_CONTENT)) bit = 2;
      else if (this.#keyIs(K_REASONING_CONTENT)) bit = 4;
      else if (this.#keyIs(K_REASONING)) bit = 8;
      else if (this.#keyIs(K_TOOL_CALLS)) bit = 16;
      if (seen & bit) return false;
      seen |= bit;
      let ok: boolean;
      if (bit === 1) {
        if (this.#peek() === QUOTE) {
          this.role = true;
          ok = this.#string();
        } else ok = this.#skip(3);
      } else if (bit === 2) ok = this.#piece("content");
      else if (bit === 4 || bit === 8) ok = this.#piece("reasoning");
      else if (bit === 16) ok = this.#peek() === OPEN_ARRAY ? this.#emptyArray() : this.#skip(3);
      else ok = this.#skip(3);
      if (!ok) return false;
      const more = this.#next(CLOSE_OBJECT);
      if (more < 0) return false;
      if (more === 0) return true;
    }
  }

  /** `[]` (no tool calls); a non-empty list is the full parse's. */
  #emptyArray(): boolean {
    this.#p++;
    if (this.#peek() !== CLOSE_ARRAY) return false;
    this.#p++;
    return true;
  }
}

/** Longest chunk (less its text) kept as a shape: longer ones are walked every time. */
const MAX_SHAPE_BYTES = 4096;

/**
 * Text-bearing chunks in a row that differ from the one before in more than their text, after
 * which the rest of the stream is walked without trying or keeping shapes: with continuous usage
 * every chunk's counts change, and trying and keeping each one would cost more than the walk.
 * The first text chunk of a stream differs from the last stream's (its id), so one is allowed.
 */
const MAX_MISSES = 2;

/**
 * A chunk with one output text, kept as its bytes around the text: `before` bytes up to and
 * including the text's opening quote, then `after` bytes from its closing quote to the end, and
 * what the walk read in it. Within a stream the one-token chunks differ in their text only.
 */
class ChunkShape {
  /** The bytes before the text at 0, those after it at afterAt (a multiple of 4). */
  #bytes = new Uint8Array(256);
  #words = new Int32Array(this.#bytes.buffer);
  readonly #reader = new WordReader();
  before = 0;
  after = 0;
  afterAt = 0;
  /** The text's kind; "other" while nothing is kept. */
  kind: ChunkKind = "other";
  /** Text-bearing chunks in a row of this stream that were walked, not read by shape. */
  misses = 0;
  completionTokens = -1;
  promptTokens = -1;

  /**
   * Keeps b[start, textStart) and b[textEnd, end) (the quotes included); false, and nothing
   * kept, when they are too long or hold a line end.
   */
  keep(b: Uint8Array, start: number, textStart: number, textEnd: number, end: number): boolean {
    const before = textStart - start;
    const after = end - textEnd;
    const afterAt = (before + 3) & ~3;
    this.kind = "other";
    if (afterAt + after > MAX_SHAPE_BYTES) return false;
    if (afterAt + after > this.#bytes.length) {
      this.#bytes = new Uint8Array(MAX_SHAPE_BYTES);
      this.#words = new Int32Array(this.#bytes.buffer);
    }
    const bytes = this.#bytes;
    // A CR or LF (whitespace of data joined from several lines) would let recognize() vouch
    // for a value that is not one line: such a chunk is not kept.
    let lineEnds = false;
    for (let i = 0; i < before; i++) {
      const c = bytes[i] = b[start + i];
      if (c === LF || c === CR) lineEnds = true;
    }
    for (let i = 0; i < after; i++) {
      const c = bytes[afterAt + i] = b[textEnd + i];
      if (c === LF || c === CR) lineEnds = true;
    }
    if (lineEnds) return false;
    this.before = before;
    this.after = after;
    this.afterAt = afterAt;
    return true;
  }

  /**
   * True when b[at, at + n) equals the kept bytes from `from` (a multiple of 4). Compares four
   * bytes at a time, about four times faster than a byte loop on chunks of a few hundred bytes.
   */
  same(b: Uint8Array, at: number, from: number, n: number): boolean {
    const reader = this.#reader;
    const view = reader.of(b);
    const words = this.#words;
    const base = reader.offset + at;
    const whole = n & ~3;
    // No branch per word: a mismatch is rare (the first token of a stream), a branch is not free.
    let diff = 0;
    for (let i = 0, w = from >> 2; i < whole; i += 4, w++) {
      diff |= view.getInt32(base + i, true) ^ words[w];
    }
    if (diff !== 0) return false;
    const bytes = this.#bytes;
    for (let i = whole; i < n; i++) if (b[at + i] !== bytes[from + i]) return false;
    return true;
  }
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const SKIM = new ChunkSkim();
