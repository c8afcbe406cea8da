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
  type ExchangeOutcome,
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

/** What send() and exchangeThen() return when nothing was sent: already settled. */
const SETTLED: Promise<void> = Promise.resolve();

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

  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the timer fired: the exchange's failure is a timeout. */
  #timedOut = false;
  /** Bound once, so arming the timer allocates no closure per request. */
  readonly #expire = () => {
    this.#timer = undefined;
    this.#timedOut = true;
    this.#http.abort();
  };

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
    if (!this.#arm(record)) return undefined;
    try {
      const res = await (sink === null
        ? this.#http.exchange(bytes, record)
        : this.#http.exchangeStreaming(bytes, record, sink));
      return this.#inTime(record) ? res : undefined;
    } catch (e) {
      this.#failed(e, record);
      return undefined;
    }
  }

  /**
   * exchange() for a caller that handles the reply in the exchange's own frame (an async frame,
   * a promise and an await fewer a request than awaiting exchange()): `onReply` hears a
   * response that came in time, while a failed exchange calls nothing (the record says why).
   * The promise rejects only if `onReply` throws.
   */
  exchangeThen(
    bytes: Uint8Array,
    record: RequestRecord,
    onReply: (res: HttpResponse, record: RequestRecord) => void,
  ): Promise<void> {
    if (!this.#arm(record)) return SETTLED;
    this.#record = record;
    this.#onReply = onReply;
    return this.#http.exchangeThen(bytes, record, this.#outcome);
  }

  /** The exchangeThen() in progress. */
  #record: RequestRecord | null = null;
  #onReply: ((res: HttpResponse, record: RequestRecord) => void) | null = null;
  /** Bound once, so an exchange allocates no closure for its outcome. */
  readonly #outcome: ExchangeOutcome = {
    response: (res) => {
      const record = this.#record!;
      if (this.#inTime(record)) this.#onReply!(res, record);
    },
    failure: (e) => this.#failed(e, this.#record!),
  };

  /** Starts an exchange's deadline; false when the channel is closed (the record says so). */
  #arm(record: RequestRecord): boolean {
    if (this.#closed) {
      record.fail("cancelled", "channel closed", this.clock.nowNs());
      return false;
    }
    this.#timedOut = false;
    if (this.timeoutMs > 0) this.#timer = setTimeout(this.#expire, this.timeoutMs);
    return true;
  }

  /** Whether the exchange's response came before its deadline; if not, the record says so. */
  #inTime(record: RequestRecord): boolean {
    this.#disarm();
    const timeoutMs = this.timeoutMs;
    // A busy event loop runs the timer late: a reply that ended past the deadline is still a
    // timeout, never a success.
    if (timeoutMs > 0 && record.endNs - record.sendStartNs > timeoutMs * 1e6) {
      record.fail("timeout", `no response within ${timeoutMs} ms`, record.endNs);
      return false;
    }
    return true;
  }

  /** The exchange failed with `e`: the record says why. */
  #failed(e: unknown, record: RequestRecord): void {
    this.#disarm();
    const ns = this.clock.nowNs();
    if (this.#timedOut) record.fail("timeout", `no response within ${this.timeoutMs} ms`, ns);
    else if (this.#closed) record.fail("cancelled", "channel closed", ns);
    else if (e instanceof TransportError) {
      record.fail("transport_error", namingAddress(e, this.#address).message, ns);
    } else if (e instanceof ProtocolError) record.fail("protocol_error", e.message, ns);
    else record.fail("transport_error", e instanceof Error ? e.message : String(e), ns);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
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

  send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    const replies = this.replies;
    if (!(prepared instanceof replies.prepared)) {
      const why = `request was not prepared by the ${replies.backend} backend`;
      record.fail("protocol_error", why, 0);
      return SETTLED;
    }
    this.#prepared = prepared;
    // The reply is judged in the exchange's own frame: send() adds no async frame of its own.
    return this.#conn.exchangeThen(prepared.bytes, record, this.#onReply);
  }

  /** The request in flight (a channel sends one at a time), for capture. */
  #prepared: P | null = null;

  /** Bound once: a reply that came in time, whose status and body decide the outcome. */
  readonly #onReply = (res: HttpResponse, record: RequestRecord): void => {
    const replies = this.replies;
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
    replies.capture?.(res, record, this.#prepared!);
  };

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
