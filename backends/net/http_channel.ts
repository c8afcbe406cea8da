/**
 * One inference channel for every HTTP/1.1 service kind (Triton / KServe v2, TorchServe, TF
 * Serving REST): a keep-alive connection that writes prepared request bytes, with the
 * per-request timeout, and turns every outcome into record fields. What a reply means (which
 * statuses succeed, how an error reply reads, whether outputs are captured) is the kind's
 * {@link HttpReplies}. Failures are data, so send() never rejects.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import {
  type BodySink,
  HttpConnection,
  type HttpResponse,
  ProtocolError,
  TransportError,
} from "../../wire/http1/connection.ts";
import type { ServerTarget } from "./http_url.ts";
import { dialledAddress, namingAddress } from "../../wire/net/transport_error.ts";

/** A request prepared once as its complete HTTP/1.1 bytes. */
export interface PreparedHttp {
  readonly bytes: Uint8Array;
}

/** What one service kind's replies mean; everything else about the channel is shared. */
export interface HttpReplies<P extends PreparedHttp> {
  /** The backend named when a request some other backend prepared is refused. */
  readonly backend: string;
  /** The kind's prepared-request class: the channel refuses anything else. */
  readonly prepared: abstract new (...args: never[]) => P;
  /** Whether a reply with this status is a success. */
  ok(status: number): boolean;
  /** The text an error reply becomes in the record. */
  errorText(res: HttpResponse): string;
  /** Why a success reply is malformed (then a protocol error), "" when it is fine. */
  bodyProblem?(res: HttpResponse): string;
  /** Decodes a success reply's outputs into record.outputs; set only when outputs are captured. */
  capture?(res: HttpResponse, record: RequestRecord, prepared: P): void;
}

/**
 * One keep-alive connection with the per-request timeout and the mapping of a failed exchange
 * to the record's outcome, shared by every HTTP/1.1 channel (whole replies and streams).
 */
export class GuardedConnection {
  readonly #http: HttpConnection;
  readonly #address: string;
  #closed = false;

  constructor(
    target: ServerTarget,
    private readonly clock: Clock,
    /** Per-request timeout in ms; 0 waits for ever. */
    private readonly timeoutMs: number,
    /** The read buffer's first size (the connection's default when not given); it grows on need. */
    readBuffer?: number,
  ) {
    this.#http = new HttpConnection(target, clock, readBuffer);
    this.#address = dialledAddress(target.hostname, target.port);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The response, or undefined when the exchange failed (the record then says why). With a
   * sink the body streams to it as exchangeStreaming() delivers it; the timeout covers the
   * whole exchange, stream included.
   */
  async exchange(
    bytes: Uint8Array,
    record: RequestRecord,
    sink: BodySink | null = null,
  ): Promise<HttpResponse | undefined> {
    const clock = this.clock;
    if (this.#closed) {
      record.fail("cancelled", "channel closed", clock.nowNs());
      return undefined;
    }
    const timeoutMs = this.timeoutMs;
    let timedOut = false;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        timedOut = true;
        this.#http.abort();
      }, timeoutMs)
      : undefined;
    try {
      const res = sink === null
        ? await this.#http.exchange(bytes, record)
        : await this.#http.exchangeStreaming(bytes, record, sink);
      // A busy event loop runs the timer late: a reply that ended past the deadline is still
      // a timeout, never a success.
      if (timeoutMs > 0 && record.endNs - record.sendStartNs > timeoutMs * 1e6) {
        record.fail("timeout", `no response within ${timeoutMs} ms`, record.endNs);
        return undefined;
      }
      return res;
    } catch (e) {
      const ns = clock.nowNs();
      if (timedOut) record.fail("timeout", `no response within ${timeoutMs} ms`, ns);
      else if (this.#closed) record.fail("cancelled", "channel closed", ns);
      else if (e instanceof TransportError) {
        record.fail("transport_error", namingAddress(e, this.#address).message, ns);
      } else if (e instanceof ProtocolError) record.fail("protocol_error", e.message, ns);
      else record.fail("transport_error", e instanceof Error ? e.message : String(e), ns);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Drops the connection after a reply that was framed but is not what it claims (a body cut
   * short by a wrong Content-Length leaves its tail to be read as the next reply's head): the
   * next exchange opens a fresh one, so one bad reply fails only its own request.
   */
  resync(): void {
    this.#http.close();
  }

  close(): void {
    this.#closed = true;
    this.#http.close();
  }
}

export class HttpChannel<P extends PreparedHttp> implements Channel {
  readonly #conn: GuardedConnection;

  constructor(
    target: ServerTarget,
    private readonly replies: HttpReplies<P>,
    clock: Clock = systemClock,
    private readonly onClose: (ch: HttpChannel<P>) => void = () => {},
    /** Per-request timeout in ms; 0 waits for ever. */
    timeoutMs = 0,
  ) {
    this.#conn = new GuardedConnection(target, clock, timeoutMs);
  }

  async send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    const replies = this.replies;
    if (!(prepared instanceof replies.prepared)) {
      const why = `request was not prepared by the ${replies.backend} backend`;
      record.fail("protocol_error", why, 0);
      return;
    }
    const res = await this.#conn.exchange(prepared.bytes, record);
    if (!res) return;
    const status = res.head.status;
    record.status = status;
    if (!replies.ok(status)) {
      record.fail("server_error", replies.errorText(res), record.endNs);
      return;
    }
    const problem = replies.bodyProblem?.(res) ?? "";
    if (problem !== "") {
      record.fail("protocol_error", problem, record.endNs);
      this.#conn.resync();
      return;
    }
    record.addResponse(record.endNs);
    replies.capture?.(res, record, prepared);
  }

  close(): void {
    if (this.#conn.closed) return;
    this.#conn.close();
    this.onClose(this);
  }
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

const utf8 = new TextDecoder();
/** Error bodies longer than this are cut before decoding; the message is what matters. */
const MAX_ERROR_BODY = 4096;

/** The start of an error reply's body as text. */
export function errorBodyText(res: HttpResponse): string {
  const end = Math.min(res.bodyEnd, res.bodyStart + MAX_ERROR_BODY);
  return utf8.decode(res.buf.subarray(res.bodyStart, end));
}

/** An error reply as perf_analyzer shows it: the server's {"error"} text, else an excerpt. */
export function serverErrorText(res: HttpResponse): string {
  const text = errorBodyText(res);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch { /* errorTextOf shows an excerpt instead */ }
  return errorTextOf(res.head.status, json, text);
}

/** Error text for a failed reply, as perf_analyzer shows it: the server's own message. */
export function errorTextOf(status: number, json: unknown, text: string): string {
  if (typeof json === "object" && json !== null && "error" in json) {
    const e = (json as { error: unknown }).error;
    if (typeof e === "string") return e;
  }
  const excerpt = text.trim().slice(0, 200);
  return excerpt === "" ? `HTTP ${status}` : `HTTP ${status}: ${excerpt}`;
}
