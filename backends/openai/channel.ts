/**
 * One keep-alive connection per dispatcher slot to an OpenAI-compatible server. Every reply is
 * read through an SSE sink: a 2xx `text/event-stream` body streams event by event, each stamped
 * with the socket read that completed it; anything else (a JSON reply, an error status) is
 * buffered whole and read at the end. Each event becomes one response of the record carrying
 * the tokens it held (0 for role-only, usage-only, finish, error and `[DONE]` events), so core
 * measures time to first token from the first event with output: one per event as it arrives
 * (continuous usage: the difference), made exact at the end when a tokenizer can place its
 * tokens. Failures are classed, never successes: an error status, an error event mid-stream (vLLM
 * answers 200 and then `data: {"error": ...}`), a stream that ends without `[DONE]`, a timeout, a
 * closed channel. With an export file, the channel also keeps each event's text (ExportTexts).
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import { ExportTexts } from "../../core/measure/export_texts.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { type HttpResponse, ProtocolError } from "../../wire/http1/connection.ts";
import type { SseEvent } from "../../wire/sse/parser.ts";
import { SseBodySink } from "../../wire/sse/stream.ts";
import { GuardedConnection } from "../net/http_channel.ts";
import type { ServerTarget } from "../net/http_url.ts";
import { ChunkReading, errorReplyText } from "./events.ts";
import { PreparedOpenAi } from "./request.ts";
import { countJoined, type TokenCounter } from "./tokenizer.ts";

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Each connection's first read buffer. A streamed body is handed on read by read and never
 * grows it, so it only bounds how much one read takes: a 64-token chat stream (about 14 KB)
 * still arrives in one read, and 1024 streams hold 16 MB of buffers instead of the default's 64.
 */
const READ_BUFFER = 16 * 1024;

/** The `[DONE]` event's response_outputs entry, the same for every stream. */
const DONE_OUTPUT = JSON.stringify({ response: "data: [DONE]\n\n" });

/** perf_analyzer's `request_inputs` of a prepared request, made once per prepared request. */
const exportInputs = new WeakMap<PreparedOpenAi, Uint8Array>();

/** `{"payload": "<request body>"}` as UTF-8 JSON: the body is what follows the header block. */
function inputsOf(prepared: PreparedOpenAi): Uint8Array {
  let json = exportInputs.get(prepared);
  if (json === undefined) {
    const bytes = prepared.bytes;
    let body = 0;
    for (let i = 3; i < bytes.length; i++) {
      if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
        body = i + 1;
        break;
      }
    }
    const payload = utf8.decode(bytes.subarray(body));
    json = utf8Encoder.encode(JSON.stringify({ payload, ...prepared.sessionInputs }));
    exportInputs.set(prepared, json);
  }
  return json;
}

/**
 * One event's response_outputs entry: the event as `data:` lines and a blank line, the form a
 * server writes and GenAI-Perf's parser reads, whatever framing it came in (CRLF, comments, cut
 * across reads).
 */
export function eventOutput(data: string): string {
  const lines = data.includes("\n") ? data.replaceAll("\n", "\ndata: ") : data;
  return JSON.stringify({ response: `data: ${lines}\n\n` });
}

export class OpenAiChannel implements Channel {
  readonly #conn: GuardedConnection;
  readonly #sink: SseBodySink;
  readonly #chunk = new ChunkReading();
  /** Output texts of the request in progress, kept only when a tokenizer counts them. */
  readonly #parts: string[] = [];
  #partCount = 0;
  /** The record's response index of each part, and the tokens the counter puts in each. */
  readonly #partResponse: number[] = [];
  #partTokens = new Uint32Array(64);
  /** The request being streamed (the sink's callback has no other way to reach it). */
  #record: RequestRecord | null = null;
  /** Last cumulative completion_tokens seen in this stream (continuous usage), else -1. */
  #lastCompletion = -1;
  /** The message of an error event, "" when none arrived. */
  #streamError = "";
  /** Inputs and raw events of the request in progress, only when the run writes an export. */
  readonly #texts: ExportTexts | null;
  /** A session turn's reply collector (PreparedOpenAi.reply), else null. */
  #reply: string[] | null = null;

  constructor(
    target: ServerTarget,
    clock: Clock,
    timeoutMs: number,
    /** Counts output text at completion; null reads the server's usage. */
    private readonly counter: TokenCounter | null,
    private readonly onClose: (ch: OpenAiChannel) => void,
    exportTexts = false,
  ) {
    this.#texts = exportTexts ? new ExportTexts() : null;
    this.#conn = new GuardedConnection(target, clock, timeoutMs, READ_BUFFER);
    const chunk = this.#chunk;
    this.#sink = new SseBodySink((ev) => this.#onEvent(ev), {
      knownValue: (buf, start, end) => chunk.recognize(buf, start, end),
    });
  }

  async send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    if (!(prepared instanceof PreparedOpenAi)) {
      record.fail("protocol_error", "request was not prepared by the openai backend", 0);
      return;
    }
    const sink = this.#sink;
    sink.reset();
    this.#chunk.newStream();
    this.#record = record;
    this.#partCount = 0;
    this.#lastCompletion = -1;
    this.#streamError = "";
    const texts = this.#texts;
    if (texts !== null) {
      texts.begin(inputsOf(prepared));
      record.exportTexts = texts;
    }
    this.#reply = prepared.reply;
    record.expectedOutputUnits = prepared.expectedOutputTokens;
    let res: HttpResponse | undefined;
    try {
      res = await this.#conn.exchange(prepared.bytes, record, sink);
    } finally {
      this.#record = null;
    }
    if (!res) return;
    const status = res.head.status;
    record.status = status;
    if (sink.streamed) this.#endStream(record);
    else this.#whole(res, record);
    // With a tokenizer both lengths are the client's counts, not the server's usage.
    if (prepared.inputTokens >= 0) record.inputUnits = prepared.inputTokens;
  }

  close(): void {
    if (this.#conn.closed) return;
    this.#conn.close();
    this.onClose(this);
  }

  /** One SSE event: classify it, note its tokens. Throws ProtocolError on a non-JSON event. */
  #onEvent(ev: SseEvent): void {
    const record = this.#record;
    if (record === null) return;
    const texts = this.#texts;
    if (ev.isDone()) {
      texts?.add(DONE_OUTPUT);
      record.addResponse(ev.timeNs, 0);
      return;
    }
    if (texts !== null) texts.add(eventOutput(ev.text()));
    const chunk = this.#chunk;
    // A chunk the parser's hook recognized was read as the parser found its end; the skim reads
    // the other usual chunks from their bytes; anything it is unsure of is parsed in full.
    const wantText = this.counter !== null || this.#reply !== null;
    if (ev.known) chunk.readKnown(ev.buf, wantText);
    else if (!chunk.skim(ev.buf, ev.start, ev.end, wantText)) {
      let json: unknown;
      try {
        json = JSON.parse(ev.text());
      } catch {
        throw new ProtocolError(`stream event ${this.#sink.events} is not JSON or [DONE]`);
      }
      chunk.read(json);
    }
    if (chunk.kind === "error") {
      if (this.#streamError === "") this.#streamError = chunk.error;
      record.addResponse(ev.timeNs, 0);
      return;
    }
    let units = 0;
    if (chunk.bearsTokens) {
      // Continuous usage says exactly how many tokens this event added; otherwise one event
      // is counted as one token and the final usage (or the tokenizer) gives the length.
      units = chunk.completionTokens >= 0
        ? Math.max(0, chunk.completionTokens - Math.max(0, this.#lastCompletion))
        : 1;
      if (this.counter !== null) this.#keepText(chunk.text, record.responseCount);
      if (this.#reply !== null && chunk.content !== "") this.#reply.push(chunk.content);
    }
    if (chunk.completionTokens >= 0) {
      this.#lastCompletion = chunk.completionTokens;
      record.reportedOutputUnits = chunk.completionTokens;
      record.unitsAreTokens = true;
    }
    if (chunk.promptTokens >= 0) record.inputUnits = chunk.promptTokens;
    record.addResponse(ev.timeNs, units);
  }

  /** One output text of the request, carried by response `response` of its record. */
  #keepText(text: string, response: number): void {
    const parts = this.#parts;
    if (this.#partCount < parts.length) {
      parts[this.#partCount] = text;
      this.#partResponse[this.#partCount] = response;
    } else {
      parts.push(text);
      this.#partResponse.push(response);
    }
    this.#partCount++;
  }

  /** After a streamed body: an error event or a missing `[DONE]` fails the request. */
  #endStream(record: RequestRecord): void {
    const sink = this.#sink;
    if (this.#streamError !== "") {
      record.fail("server_error", `error event in the stream: ${this.#streamError}`, record.endNs);
      return;
    }
    if (!sink.done) {
      const where = sink.midEvent ? " (it stopped inside an event)" : "";
      record.fail("protocol_error", `stream ended without [DONE]${where}`, record.endNs);
      return;
    }
    this.#countText(record);
  }

  /**
   * The tokenizer's count of the whole output is the output length; the server's usage stays in
   * reportedOutputUnits, so the report shows how the two differ. A counter that can tell where
   * its tokens end also sets each event's tokens exactly, replacing one per event (or the
   * server's continuous usage, which then adds up to its own count, not this one).
   */
  #countText(record: RequestRecord): void {
    const counter = this.counter;
    if (counter === null) return;
    const n = this.#partCount;
    if (counter.countParts === undefined) {
      record.clientOutputUnits = countJoined(counter, this.#parts, n);
    } else {
      if (this.#partTokens.length < n) this.#partTokens = new Uint32Array(2 * n);
      const tokens = this.#partTokens;
      record.clientOutputUnits = counter.countParts(this.#parts, n, tokens);
      for (let i = 0; i < n; i++) record.recountResponse(this.#partResponse[i], tokens[i]);
    }
    record.clientCounter = counter.name;
    record.unitsAreTokens = true;
  }

  /** A buffered reply: an error status, or a whole JSON body as one response. */
  #whole(res: HttpResponse, record: RequestRecord): void {
    const status = res.head.status;
    const text = utf8.decode(res.buf.subarray(res.bodyStart, res.bodyEnd));
    if (status < 200 || status >= 300) {
      record.fail("server_error", errorReplyText(status, text), record.endNs);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      record.fail("protocol_error", "reply is neither JSON nor an event stream", record.endNs);
      return;
    }
    const chunk = this.#chunk;
    chunk.read(json);
    if (chunk.kind === "error") {
      record.fail("server_error", chunk.error, record.endNs);
      return;
    }
    if (chunk.promptTokens >= 0) record.inputUnits = chunk.promptTokens;
    if (chunk.completionTokens >= 0) {
      record.reportedOutputUnits = chunk.completionTokens;
      record.unitsAreTokens = true;
    }
    this.#texts?.add(JSON.stringify({ response: text }));
    if (this.#reply !== null) this.#reply.push(chunk.content);
    // One response holding the whole output: its usage says how many tokens (embeddings and
    // servers without usage: one unit, the reply), unless a tokenizer counts them.
    record.addResponse(record.endNs, chunk.completionTokens >= 0 ? chunk.completionTokens : 1);
    if (this.counter !== null && chunk.bearsTokens) {
      this.#keepText(chunk.text, 0);
      this.#countText(record);
      record.recountResponse(0, record.clientOutputUnits);
    }
  }
}
