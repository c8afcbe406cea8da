/**
 * Incremental, byte-level Server-Sent Events parser (docs/protocols.md §7.4, after the WHATWG
 * event-stream rules). Every byte with a meaning in the format (CR, LF, ':' and space) is ASCII,
 * and ASCII bytes never occur inside a UTF-8 multi-byte sequence, so the stream is parsed as bytes
 * and never decoded here: a character cut between two reads simply lands in the same line, and a
 * caller that only needs to spot `[DONE]` or forward raw bytes pays for no decoding at all.
 *
 * Each event is handed to one callback as a view (buf[start, end)) that is valid only during
 * the call. When a whole single-line event sits in one pushed chunk — the usual case — the view
 * points into that chunk and nothing is copied; otherwise the data is gathered in a buffer the
 * parser owns and reuses, so steady-state parsing allocates nothing per event.
 */

import { WordReader } from "./words.ts";

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const D = 100;
const A = 97;
const T = 116;

const enc = new TextEncoder();
const F_DATA = enc.encode("data");
const F_EVENT = enc.encode("event");
const F_ID = enc.encode("id");
const F_RETRY = enc.encode("retry");
const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);
const DONE = enc.encode("[DONE]");

/**
 * A BOM inside a data value is data; only the stream's leading one is dropped (by the parser).
 * Invalid UTF-8 becomes U+FFFD, as the event-stream decoding rules say.
 */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Default cap on one event's data plus its line in progress: a hostile peer cannot grow us forever. */
const DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024;

export class SseError extends Error {
  override name = "SseError";
}

/** True when buf[start, end) is exactly `[DONE]` (the OpenAI end-of-stream marker). */
export function isDoneData(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 6) return false;
  for (let i = 0; i < 6; i++) if (buf[start + i] !== DONE[i]) return false;
  return true;
}

function equalsBytes(a: Uint8Array, aLen: number, b: Uint8Array, bLen: number): boolean {
  if (aLen !== bLen) return false;
  for (let i = 0; i < aLen; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hasNul(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

function fieldIs(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

/** A small growable byte buffer (type and id values; they are short and rarely change). */
class Bytes {
  buf = new Uint8Array(32);
  len = 0;
  set(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    // A byte loop: short values, and no view object per event.
    for (let i = 0; i < n; i++) this.buf[i] = src[start + i];
    this.len = n;
  }
}

/** Decodes a Bytes value once and reuses the string while the bytes stay the same. */
class CachedString {
  #bytes = new Bytes();
  #text = "";
  get(src: Bytes): string {
    if (!equalsBytes(src.buf, src.len, this.#bytes.buf, this.#bytes.len)) {
      this.#bytes.set(src.buf, 0, src.len);
      this.#text = utf8.decode(src.buf.subarray(0, src.len));
    }
    return this.#text;
  }
}

/**
 * One dispatched event. The same object is reused for every event of a parser: read it inside
 * the callback, copy what must outlive it.
 */
export class SseEvent {
  /** The data (lines joined with "\n") is buf[start, end), valid during the callback only. */
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  /** Time (as pushed) of the read that completed the event, i.e. brought its blank line. */
  timeNs = 0;
  /** Time of the read that brought the first byte of the event's first field line. */
  firstByteNs = 0;
  /**
   * The data is exactly the value the parser's knownValue hook vouched for, the last time it
   * answered (SseParserOptions.knownValue): what the hook learnt of it holds for this event.
   */
  known = false;
  /** Last `retry` value in milliseconds seen on the stream so far, -1 when none. */
  retryMs = -1;
  readonly #typeBytes: Bytes;
  readonly #idBytes: Bytes;
  readonly #typeText = new CachedString();
  readonly #idText = new CachedString();

  constructor(typeBytes: Bytes, idBytes: Bytes) {
    this.#typeBytes = typeBytes;
    this.#idBytes = idBytes;
  }

  /** The `event` field, "message" when the event had none. Decoded once per distinct value. */
  get type(): string {
    return this.#typeBytes.len === 0 ? "message" : this.#typeText.get(this.#typeBytes);
  }

  /** True when the event had an `event` field equal to `name` (byte compare, no decoding). */
  typeIs(name: Uint8Array): boolean {
    return equalsBytes(this.#typeBytes.buf, this.#typeBytes.len, name, name.length);
  }

  /** The last `id` seen on the stream (it persists across events), "" when none. */
  get lastEventId(): string {
    return this.#idBytes.len === 0 ? "" : this.#idText.get(this.#idBytes);
  }

  /** Data length in bytes. */
  get size(): number {
    return this.end - this.start;
  }

  /** True when the data is exactly `[DONE]`; no decoding. */
  isDone(): boolean {
    return isDoneData(this.buf, this.start, this.end);
  }

  /** The data decoded as UTF-8 (allocates the string; call only when the text is needed). */
  text(): string {
    return utf8.decode(this.buf.subarray(this.start, this.end));
  }

  /** A view of the data (allocates the view object; valid during the callback only). */
  data(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }
}

export interface SseParserOptions {
  /** Largest event (data plus its line in progress) accepted, in bytes; SseError beyond. */
  maxEventBytes?: number;
  /**
   * Spares the parser its scan for the end of an event's first `data` line when the caller
   * knows the value: called with buf[start, end), the pushed bytes from the value on, it returns
   * the value's length when it is sure that many bytes hold no CR or LF, else -1. The parser
   * then checks that a line end follows (else it scans as usual), and an event that is just
   * that value, dispatched from the same push, is marked {@link SseEvent.known}.
   */
  knownValue?: KnownValue;
}

export type KnownValue = (buf: Uint8Array, start: number, end: number) => number;

export type SseEventHandler = (event: SseEvent) => void;

export class SseParser {
  readonly #onEvent: SseEventHandler;
  readonly #max: number;
  readonly #type = new Bytes();
  readonly #id = new Bytes();
  readonly #event: SseEvent;
  readonly #words = new WordReader();
  readonly #known: KnownValue | null;
  /** The knownValue hook vouched for the current event's first data line. */
  #knownLine = false;

  /** Bytes of the leading BOM matched so far; -1 once the stream start is past. */
  #bom = 0;
  /** The previous chunk ended in CR: an LF starting the next one belongs to it. */
  #afterCr = false;

  /** A line cut by the end of a chunk is gathered here until its terminator arrives. */
  #line: Uint8Array = new Uint8Array(1024);
  #lineLen = 0;
  #inLine = false;
  #lineStartNs = 0;

  /** Data lines seen in the current event (0 means nothing to dispatch). */
  #dataLines = 0;
  /** Either the data is a view into the chunk being pushed (no copy yet)... */
  #refBuf: Uint8Array | null = null;
  #refStart = 0;
  #refEnd = 0;
  /** ...or it has been gathered into this owned buffer. */
  #data: Uint8Array = new Uint8Array(1024);
  #dataLen = 0;
  #firstFieldNs = -1;

  constructor(onEvent: SseEventHandler, options: SseParserOptions = {}) {
    this.#onEvent = onEvent;
    this.#max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.#known = options.knownValue ?? null;
    this.#event = new SseEvent(this.#type, this.#id);
  }

  /**
   * True while an event is unfinished: a line is in progress or field lines came without the
   * blank line that dispatches them. True at the end of a stream means it stopped mid-event
   * (that event is never dispatched).
   */
  get midEvent(): boolean {
    return this.#inLine || this.#firstFieldNs >= 0;
  }

  /** Forgets everything: the next byte starts a new stream (a leading BOM is dropped again). */
  reset(): void {
    this.#bom = 0;
    this.#afterCr = false;
    this.#lineLen = 0;
    this.#inLine = false;
    this.#id.len = 0;
    this.#event.retryMs = -1;
    this.#clearEvent();
  }

  /**
   * Parses the next bytes of the stream, dispatching every event they complete. `timeNs` is
   * the time of the read that produced them; it stamps the events. The chunk is not kept.
   */
  push(chunk: Uint8Array, timeNs: number): void {
    let i = 0;
    const end = chunk.length;
    if (end === 0) return;
    if (this.#bom >= 0) {
      i = this.#skipBom(chunk, timeNs);
      if (i < 0) return;
    }
    if (this.#afterCr) {
      this.#afterCr = false;
      if (chunk[i] === LF) i++;
    }
    while (i < end) {
      const eol = this.#known !== null && this.#dataLines === 0 && !this.#inLine
        ? this.#knownLineEnd(chunk, i, end)
        : this.#lineEnd(chunk, i, end);
      if (eol === -1) {
        this.#appendLine(chunk, i, end, timeNs);
        break;
      }
      if (this.#inLine) {
        this.#appendLine(chunk, i, eol, timeNs);
        this.#inLine = false;
        this.#processLine(this.#line, 0, this.#lineLen, false, timeNs);
      } else {
        this.#processLine(chunk, i, eol, true, timeNs);
      }
      i = eol + 1;
      if (chunk[eol] === CR) {
        if (i === end) this.#afterCr = true;
        else if (chunk[i] === LF) i++;
      }
    }
    // The chunk is the caller's: a view into it must not outlive this call.
    if (this.#refBuf !== null) this.#materialize();
  }

  /**
   * Where the line from `i` ends: the first CR or LF in buf[i, end), -1 when none. Words with
   * no byte below 14 hold neither and are skipped four bytes at a time.
   */
  #lineEnd(buf: Uint8Array, i: number, end: number): number {
    const words = this.#words;
    const view = words.of(buf);
    const at = words.offset;
    for (;;) {
      for (; i + 4 <= end; i += 4) {
        const w = view.getInt32(at + i, true);
        if (((w - 0x0e0e0e0e) & ~w & 0x80808080) !== 0) break;
      }
      const stop = i + 4 < end ? i + 4 : end;
      for (; i < stop; i++) {
        const c = buf[i];
        if (c === LF || c === CR) return i;
      }
      if (i === end) return -1;
    }
  }

  /**
   * As #lineEnd, for a line that may be the event's first `data` line: its value's end is the
   * knownValue hook's when it vouches for it and a line end is there.
   */
  #knownLineEnd(buf: Uint8Array, i: number, end: number): number {
    if (
      i + 5 < end && buf[i] === D && buf[i + 1] === A && buf[i + 2] === T && buf[i + 3] === A &&
      buf[i + 4] === COLON
    ) {
      const value = buf[i + 5] === SPACE ? i + 6 : i + 5;
      const n = this.#known!(buf, value, end);
      const eol = value + n;
      if (n >= 0 && eol < end && (buf[eol] === LF || buf[eol] === CR)) {
        this.#knownLine = true;
        return eol;
      }
    }
    return this.#lineEnd(buf, i, end);
  }

  /** Drops a leading BOM, even one cut across chunks; returns where parsing resumes (-1: all used). */
  #skipBom(chunk: Uint8Array, timeNs: number): number {
    let i = 0;
    while (this.#bom < 3 && i < chunk.length && chunk[i] === BOM[this.#bom]) {
      this.#bom++;
      i++;
    }
    if (this.#bom === 3) {
      this.#bom = -1;
      return i;
    }
    if (i === chunk.length) return -1; // still a BOM prefix: wait for more
    // Not a BOM after all: the bytes matched so far (only from earlier chunks) are content.
    const held = this.#bom - i;
    this.#bom = -1;
    if (held > 0) this.push(BOM.subarray(0, held), timeNs);
    return 0;
  }

  #appendLine(src: Uint8Array, start: number, end: number, timeNs: number): void {
    if (!this.#inLine) {
      this.#inLine = true;
      this.#lineLen = 0;
      this.#lineStartNs = timeNs;
    }
    const n = end - start;
    const need = this.#lineLen + n;
    if (need + this.#dataLen > this.#max) throw new SseError("event too large");
    if (need > this.#line.length) this.#line = grow(this.#line, this.#lineLen, need);
    this.#line.set(src.subarray(start, end), this.#lineLen);
    this.#lineLen = need;
  }

  #processLine(buf: Uint8Array, start: number, end: number, inChunk: boolean, timeNs: number) {
    if (start === end) {
      this.#dispatch(timeNs);
      return;
    }
    if (buf[start] === COLON) return; // comment
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    let v = colon < end ? colon + 1 : end;
    if (v < end && buf[v] === SPACE) v++;
    if (this.#firstFieldNs < 0) this.#firstFieldNs = inChunk ? timeNs : this.#lineStartNs;
    if (fieldIs(buf, start, colon, F_DATA)) this.#addData(buf, v, end, inChunk);
    else if (fieldIs(buf, start, colon, F_EVENT)) this.#type.set(buf, v, end);
    else if (fieldIs(buf, start, colon, F_ID)) {
      if (!hasNul(buf, v, end)) this.#id.set(buf, v, end);
    } else if (fieldIs(buf, start, colon, F_RETRY)) this.#setRetry(buf, v, end);
  }

  #addData(buf: Uint8Array, start: number, end: number, inChunk: boolean): void {
    if (this.#dataLines++ === 0 && inChunk) {
      this.#refBuf = buf;
      this.#refStart = start;
      this.#refEnd = end;
      return;
    }
    if (this.#refBuf !== null) this.#materialize();
    const sep = this.#dataLines > 1 ? 1 : 0;
    const need = this.#dataLen + sep + end - start;
    if (need > this.#max) throw new SseError("event too large");
    if (need > this.#data.length) this.#data = grow(this.#data, this.#dataLen, need);
    if (sep) this.#data[this.#dataLen] = LF;
    this.#data.set(buf.subarray(start, end), this.#dataLen + sep);
    this.#dataLen = need;
  }

  /** Copies the data view into the owned buffer (its source is about to change). */
  #materialize(): void {
    const src = this.#refBuf!;
    const n = this.#refEnd - this.#refStart;
    if (n > this.#data.length) this.#data = grow(this.#data, 0, n);
    this.#data.set(src.subarray(this.#refStart, this.#refEnd), 0);
    this.#dataLen = n;
    this.#refBuf = null;
  }

  #setRetry(buf: Uint8Array, start: number, end: number): void {
    if (start === end) return;
    let n = 0;
    for (let i = start; i < end; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return; // only ASCII digits count; anything else is ignored
      n = n * 10 + d;
    }
    this.#event.retryMs = n;
  }

  #dispatch(timeNs: number): void {
    if (this.#dataLines > 0) {
      const ev = this.#event;
      if (this.#refBuf !== null) {
        ev.buf = this.#refBuf;
        ev.start = this.#refStart;
        ev.end = this.#refEnd;
      } else {
        ev.buf = this.#data;
        ev.start = 0;
        ev.end = this.#dataLen;
      }
      // One data line, still a view into this push's chunk: the value the hook vouched for.
      ev.known = this.#knownLine && this.#dataLines === 1 && this.#refBuf !== null;
      ev.timeNs = timeNs;
      ev.firstByteNs = this.#firstFieldNs;
      this.#onEvent(ev);
    }
    this.#clearEvent();
  }

  #clearEvent(): void {
    this.#dataLines = 0;
    this.#knownLine = false;
    this.#refBuf = null;
    this.#dataLen = 0;
    this.#type.len = 0;
    this.#firstFieldNs = -1;
  }
}

function grow(buf: Uint8Array, used: number, need: number): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(Math.max(need, buf.length * 2));
  bigger.set(buf.subarray(0, used));
  return bigger;
}
