/**
 * Glue between a streaming HTTP/1.1 exchange and the SSE parser: a {@link BodySink} that
 * streams a 2xx `text/event-stream` body into an {@link SseParser}, so every event reaches the
 * caller with the time of the socket read that completed it (`SseEvent.timeNs`). Any other
 * reply (an error status, a JSON body from a server that ignored streaming) is left to the
 * connection to buffer whole, for the caller to read from the returned HttpResponse.
 *
 * Usage: `const sse = new SseBodySink(onEvent); sse.reset(); await http.exchangeStreaming(req,
 * rec, sse);` then read `sse.streamed`, `sse.done`, `sse.midEvent`. One sink serves many
 * exchanges on the same connection; reset() before each.
 */
import type { BodySink } from "../http1/connection.ts";
import type { ResponseHead } from "../http1/parse.ts";
import { type SseEvent, type SseEventHandler, SseParser, type SseParserOptions } from "./parser.ts";

export class SseBodySink implements BodySink {
  readonly #parser: SseParser;
  /** Status of the last response head, 0 before one arrived. */
  status = 0;
  /** Time of the read that completed the response head. */
  headNs = 0;
  /** The body was parsed as events (2xx and text/event-stream). */
  streamed = false;
  /** An event whose data is exactly `[DONE]` arrived. */
  done = false;
  /** Events dispatched in this exchange. */
  events = 0;

  constructor(onEvent: SseEventHandler, options: SseParserOptions = {}) {
    this.#parser = new SseParser((ev: SseEvent) => {
      this.events++;
      if (ev.isDone()) this.done = true;
      onEvent(ev);
    }, options);
  }

  /** Prepares for the next exchange: a new stream, nothing seen. */
  reset(): void {
    this.#parser.reset();
    this.status = 0;
    this.headNs = 0;
    this.streamed = false;
    this.done = false;
    this.events = 0;
  }

  /** The stream ended inside an event (it was not dispatched): a truncated reply. */
  get midEvent(): boolean {
    return this.#parser.midEvent;
  }

  onHead(head: ResponseHead, timeNs: number): boolean {
    this.status = head.status;
    this.headNs = timeNs;
    this.streamed = head.status >= 200 && head.status < 300 && head.eventStream;
    return this.streamed;
  }

  onBody(buf: Uint8Array, start: number, end: number, timeNs: number): void {
    this.#parser.push(buf.subarray(start, end), timeNs);
  }
}
