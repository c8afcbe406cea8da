/**
 * A hand-written HTTP/1.1 client over one keep-alive TCP connection (Deno.connect, or the
 * target's connector: wire/net/kernel_tcp.ts, whose reads carry the kernel's receive time).
 *
 * Why not fetch: on loopback Deno's fetch managed ~30k req/s where a raw client on
 * Deno.connect sending pre-serialized requests reached ~160k (scripts/bench_channel.ts
 * measures this client), and C++ perf_analyzer itself drives ~44k. The request bytes come
 * fully encoded from the caller; the response is framed by byte scanning inside one reused
 * read buffer that only grows when a response does not fit. The body is never decoded here:
 * callers get offsets into the buffer, valid until the next exchange. Nothing here knows the
 * measurement types: an exchange stamps any object with {@link ExchangeStamps}' fields.
 *
 * A streaming exchange ({@link HttpConnection.exchangeStreaming}) hands the body to a
 * {@link BodySink} read by read instead, de-chunked in place, each piece stamped with the time
 * of the read that brought it; delivered bytes are dropped, so a long stream never grows the
 * buffer.
 */
import { ChunkedDecoder } from "./chunked.ts";
import {
  bodyless,
  findHeadEnd,
  parseGuessedHead,
  parseHead,
  ProtocolError,
  ResponseHead,
} from "./parse.ts";
import { openTls, tlsAlertFailure, type TlsMaterial } from "../net/tls_connect.ts";
import { connectFailure, ioFailure, TransportError } from "../net/transport_error.ts";
import { type ByteStream, type Connector, nowNs } from "../net/byte_stream.ts";

export { ProtocolError } from "./parse.ts";
export { TransportError } from "../net/transport_error.ts";

/** Where to connect. */
export interface HttpTarget {
  /** Address passed to Deno.connect. */
  readonly hostname: string;
  readonly port: number;
  /** Set for https:// targets: the connection is TLS with these certificates and checks. */
  readonly tls?: TlsMaterial;
  /** Opens plain-TCP connections instead of Deno.connect; reads carrying receivedNs use it. */
  readonly connect?: Connector;
}

/** What one exchange stamps: a measurement record has these fields. */
export interface ExchangeStamps {
  sendStartNs: number;
  sendEndNs: number;
  firstByteNs: number;
  endNs: number;
  bytesSent: number;
  bytesReceived: number;
}

/** Where the stamps' times come from (a test may inject a fake). */
export interface TimeSource {
  nowNs(): number;
}

const SYSTEM_TIME: TimeSource = { nowNs };

const INITIAL_BUFFER = 64 * 1024;
/** 1xx interim responses skipped before the real one (bounded so a bad peer cannot spin us). */
export const MAX_INTERIM = 8;
/**
 * Largest response (head and body) held whole in the read buffer: a peer sending an endless or
 * absurd body fails that request instead of growing the buffer until the process dies. Streamed
 * bodies are delivered read by read and never reach it.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

/**
 * Receives a response body as it arrives. Views are valid only during the call; times are
 * those of the socket read that brought the bytes (the connection's TimeSource).
 */
export interface BodySink {
  /**
   * The head is parsed; `timeNs` is the read that completed it. Return true to have the body
   * streamed to onBody, false to have it buffered whole as exchange() does (an error reply or a
   * reply that is not a stream); the HttpResponse then holds it.
   */
  onHead(head: ResponseHead, timeNs: number): boolean;
  /** The next body bytes buf[start, end) (never empty), from the read at `timeNs`. */
  onBody(buf: Uint8Array, start: number, end: number, timeNs: number): void;
}

/** The last response; its body is buf[bodyStart, bodyEnd) until the next exchange. */
export interface HttpResponse {
  readonly head: ResponseHead;
  buf: Uint8Array;
  bodyStart: number;
  bodyEnd: number;
}

/** Hears how an exchange ended, inside the exchange's own async frame. */
export interface ExchangeOutcome {
  /** The response (valid until the next exchange). */
  response(res: HttpResponse): void;
  /** A TransportError or ProtocolError ended the exchange; the connection was dropped. */
  failure(e: unknown): void;
}

export class HttpConnection {
  /** TCP, or TLS for an https:// target. */
  #conn: ByteStream | null = null;
  /** The connection when its reads are kernel-stamped (it has receivedNs), else null. */
  #stamped: ByteStream | null = null;
  #buf: Uint8Array;
  /** Unconsumed bytes are buf[#start, #end). */
  #start = 0;
  #end = 0;
  /** Bytes read for the response in progress (0 means the server sent nothing yet). */
  #received = 0;
  /** Bytes of the response in progress that its first read brought. */
  #firstRead = 0;
  #served = 0;
  #rec: ExchangeStamps | null = null;
  /** Set for a streaming exchange; null on the whole-response path. */
  #sink: BodySink | null = null;
  /** Time of the last read, kept only while streaming or for the first byte. */
  #readNs = 0;
  /** Set by abort(): the exchange in progress fails instead of being retried. */
  #aborted = false;
  /** Length of the last head framed at once: the next one is tried there first. */
  #headLength = 0;
  readonly #chunked = new ChunkedDecoder();
  readonly #response: HttpResponse;

  constructor(
    private readonly target: HttpTarget,
    private readonly clock: TimeSource = SYSTEM_TIME,
    initialBuffer = INITIAL_BUFFER,
    private readonly maxResponseBytes = MAX_RESPONSE_BYTES,
  ) {
    this.#buf = new Uint8Array(initialBuffer);
    this.#response = { head: new ResponseHead(), buf: this.#buf, bodyStart: 0, bodyEnd: 0 };
  }

  get connected(): boolean {
    return this.#conn !== null;
  }

  /** Current read-buffer size (tests check it grows only when needed). */
  get bufferSize(): number {
    return this.#buf.length;
  }

  /**
   * Sends one complete request and reads one complete response. When `rec` is given its
   * timestamps and byte counts are filled. A connection that dies before answering after it
   * already served requests is most likely a stale keep-alive, so the request is resent once
   * on a fresh connection (curl does the same). Throws TransportError or ProtocolError; the
   * connection is dropped on any error and reopened by the next exchange.
   */
  exchange(request: Uint8Array, rec: ExchangeStamps | null): Promise<HttpResponse> {
    this.#sink = null;
    return this.#settling(request, rec);
  }

  /**
   * exchange() for a caller that would await it only to look at the outcome: `outcome` hears
   * the response or the failure inside the exchange's own async frame, and the promise settles
   * after it (it rejects only if `outcome` throws). On the hot path that saves the caller's
   * async frame, its promise and an await a request.
   */
  exchangeThen(
    request: Uint8Array,
    rec: ExchangeStamps | null,
    outcome: ExchangeOutcome,
  ): Promise<void> {
    this.#sink = null;
    return this.#run(request, rec, outcome);
  }

  /**
   * Like exchange(), but the body goes to `sink` as it arrives (when its onHead says so): the
   * promise settles once the body is complete, and the returned response then has an empty
   * body range. Errors and the stale keep-alive retry are those of exchange(); a retry happens
   * only before any byte arrived, so the sink never sees two responses. An exception thrown
   * by the sink ends the exchange with it and drops the connection.
   */
  exchangeStreaming(
    request: Uint8Array,
    rec: ExchangeStamps | null,
    sink: BodySink,
  ): Promise<HttpResponse> {
    this.#sink = sink;
    return this.#settling(request, rec);
  }

  /** The exchange's outcome as a promise, for exchange() and exchangeStreaming(). */
  #settling(request: Uint8Array, rec: ExchangeStamps | null): Promise<HttpResponse> {
    return new Promise((response, failure) => void this.#run(request, rec, { response, failure }));
  }

  /**
   * The whole exchange in one async frame, ending in `outcome`: each nested async call would
   * cost a promise and a suspended frame per request (the bench's allocation profile put such
   * a chain at ~2.7 KB of garbage a request), so the stale keep-alive retry is a second pass of
   * this loop rather than a call, and the common cases (the write completes at once, the reply
   * comes whole in one read) skip every await but the write's and the read's.
   */
  async #run(
    request: Uint8Array,
    rec: ExchangeStamps | null,
    outcome: ExchangeOutcome,
  ): Promise<void> {
    this.#rec = rec;
    this.#aborted = false;
    if (rec) rec.sendStartNs = this.clock.nowNs();
    // Bytes left over from the last reply belong to no request (a Content-Length shorter than
    // the body): reading on would pair every later request with the wrong reply.
    if (this.#start !== this.#end) this.close();
    let res: HttpResponse;
    for (let retry = false;; retry = true) {
      const reused = this.#conn !== null;
      try {
        if (!reused) await this.#open();
        this.#compact();
        this.#received = 0;
        let written: number;
        try {
          written = await this.#conn!.write(request);
        } catch (e) {
          throw this.#ioFailure(e, false);
        }
        if (written < request.length) await this.#writeRest(request, written);
        if (rec) {
          rec.sendEndNs = this.clock.nowNs();
          rec.bytesSent += request.length;
        }
        // The buffer is empty (a leftover closed the connection above), so the reply needs a
        // read, awaited here rather than through #fill: one promise fewer a request.
        let n: number | null;
        try {
          n = await this.#conn!.read(this.#readTarget(false));
        } catch (e) {
          throw this.#ioFailure(e, false);
        }
        this.#read(n);
        // A small reply is then framed at once, without the async read loop and its frame.
        res = this.#framedAtOnce() ?? await this.#readResponse();
        break;
      } catch (e) {
        this.close();
        // A connection that dies before answering after it already served requests is most
        // likely a stale keep-alive: resent once on a fresh connection.
        const stale = !retry && reused && this.#received === 0 && e instanceof TransportError;
        if (!stale || this.#aborted) return outcome.failure(e);
      }
    }
    if (rec) {
      // A whole reply that came in its first read (the usual small one) ended at that read's
      // time, already taken: a second clock reading a request is saved. A stream ends after
      // its sink heard the last piece.
      const oneRead = this.#sink === null && this.#received === this.#firstRead;
      rec.endNs = oneRead ? this.#readNs : this.clock.nowNs();
      rec.bytesReceived += this.#received;
    }
    this.#served++;
    if (res.head.close) this.#dropKeepingBody();
    outcome.response(res);
  }

  /** Gives up on the exchange in progress (a timeout): its read fails and is not retried. */
  abort(): void {
    this.#aborted = true;
    this.close();
  }

  close(): void {
    const conn = this.#conn;
    this.#conn = null;
    this.#start = 0;
    this.#end = 0;
    this.#served = 0;
    if (conn) {
      try {
        conn.close();
      } catch { /* already closed by the peer or a failed read */ }
    }
  }

  /**
   * TLS alerts (a refused client certificate arrives on the first read) name the URL; the
   * unparsed bytes show whether an HTTP/2 server (a gRPC port) answered instead.
   */
  #ioFailure(e: unknown, midResponse: boolean): TransportError {
    const tls = this.target.tls;
    return (tls && tlsAlertFailure(e, tls, true, this.#served === 0)) ||
      ioFailure(e, midResponse, this.#buf.subarray(this.#start, this.#end));
  }

  async #open(): Promise<void> {
    const { hostname, port, tls, connect } = this.target;
    try {
      if (tls !== undefined) {
        this.#conn = await openTls(hostname, port, tls);
      } else if (connect !== undefined) {
        this.#conn = await connect(hostname, port);
      } else {
        const conn = await Deno.connect({ hostname, port, transport: "tcp" });
        conn.setNoDelay(true);
        this.#conn = conn;
      }
    } catch (e) {
      throw e instanceof TransportError ? e : connectFailure(e);
    }
    this.#stamped = this.#conn.receivedNs === undefined ? null : this.#conn;
    // An abort() while connecting found no connection to close; without this the exchange would
    // go on with no deadline left to end it.
    if (this.#aborted) {
      this.close();
      throw new TransportError("aborted while connecting", "connect");
    }
  }

  async #writeRest(bytes: Uint8Array, off: number): Promise<void> {
    const conn = this.#conn!;
    try {
      while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    } catch (e) {
      throw this.#ioFailure(e, false);
    }
  }

  /** A whole reply framed from the bytes at hand, or undefined when that takes more. */
  #framedAtOnce(): HttpResponse | undefined {
    if (this.#sink !== null) return undefined;
    const head = this.#response.head;
    const buf = this.#buf;
    const start = this.#start;
    let headEnd = start + this.#headLength;
    if (!parseGuessedHead(buf, start, headEnd, this.#end, head)) {
      headEnd = findHeadEnd(buf, start, start, this.#end);
      if (headEnd < 0) return undefined;
      parseHead(buf, start, headEnd, head);
    }
    this.#headLength = headEnd - start;
    if (head.status < 200 || !this.#bodyBuffered(head)) return undefined;
    this.#response.buf = this.#buf;
    return this.#response;
  }

  async #readResponse(): Promise<HttpResponse> {
    const head = this.#response.head;
    for (let interim = 0;; interim++) {
      let scan = this.#start;
      let headEnd: number;
      while ((headEnd = findHeadEnd(this.#buf, this.#start, scan, this.#end)) < 0) {
        scan = this.#end - 3;
        await this.#fill(false);
      }
      parseHead(this.#buf, this.#start, headEnd, head);
      if (head.status >= 200) break;
      // Taking the next 1xx as the final response would leave the real one unread and pair
      // every later request with the previous one's reply.
      if (interim === MAX_INTERIM) {
        throw new ProtocolError(`more than ${MAX_INTERIM} interim (1xx) responses`);
      }
      this.#start = headEnd;
    }
    const sink = this.#sink;
    if (sink !== null && sink.onHead(head, this.#readNs)) await this.#streamBody(head, sink);
    else if (!this.#bodyBuffered(head)) await this.#readBody(head);
    this.#response.buf = this.#buf;
    return this.#response;
  }

  /** Frames the body without I/O when it is complete in the buffer; false if it is not. */
  #bodyBuffered(head: ResponseHead): boolean {
    if (head.chunked) return false;
    const res = this.#response;
    res.bodyStart = head.headerEnd;
    if (bodyless(head.status)) res.bodyEnd = head.headerEnd;
    else if (head.contentLength >= 0 && this.#end >= head.headerEnd + head.contentLength) {
      res.bodyEnd = head.headerEnd + head.contentLength;
    } else return false;
    this.#start = res.bodyEnd;
    return true;
  }

  async #readBody(head: ResponseHead): Promise<void> {
    const res = this.#response;
    const bodyStart = head.headerEnd;
    res.bodyStart = bodyStart;
    if (bodyless(head.status)) {
      res.bodyEnd = bodyStart;
    } else if (head.chunked) {
      const dec = this.#chunked;
      dec.reset(bodyStart);
      while (!dec.step(this.#buf, this.#end)) await this.#fill(false);
      res.bodyEnd = dec.out;
      this.#start = dec.pos;
      return;
    } else if (head.contentLength >= 0) {
      const need = bodyStart + head.contentLength;
      if (need > this.maxResponseBytes) throw this.#tooLarge();
      while (this.#end < need) await this.#fill(false);
      res.bodyEnd = need;
    } else {
      // No length: the body runs to EOF (RFC 9112 §6.3 rule 8) and the connection ends.
      while (await this.#fill(true));
      res.bodyEnd = this.#end;
      head.close = true;
    }
    this.#start = res.bodyEnd;
  }

  /**
   * Delivers the body read by read. Everything delivered is dropped (the head was parsed into
   * `head` already), so each read lands at the front of the buffer again.
   */
  async #streamBody(head: ResponseHead, sink: BodySink): Promise<void> {
    let pos = head.headerEnd;
    if (bodyless(head.status)) {
      // Nothing to deliver.
    } else if (head.chunked) {
      const dec = this.#chunked;
      dec.reset(pos);
      for (;;) {
        const done = dec.step(this.#buf, this.#end);
        if (dec.out > pos) sink.onBody(this.#buf, pos, dec.out, this.#readNs);
        if (done) break;
        // Keep only the undecoded tail (a cut size line, CRLF or trailer).
        this.#buf.copyWithin(0, dec.pos, this.#end);
        this.#end -= dec.pos;
        dec.restartAt(0);
        pos = 0;
        await this.#fill(false);
      }
      pos = dec.pos;
    } else if (head.contentLength >= 0) {
      let remaining = head.contentLength;
      for (;;) {
        const avail = this.#end - pos;
        const n = avail < remaining ? avail : remaining;
        if (n > 0) sink.onBody(this.#buf, pos, pos + n, this.#readNs);
        pos += n;
        remaining -= n;
        if (remaining === 0) break;
        this.#end = pos = 0;
        await this.#fill(false);
      }
    } else {
      // No length: the body runs to EOF (RFC 9112 §6.3 rule 8) and the connection ends.
      do {
        if (this.#end > pos) sink.onBody(this.#buf, pos, this.#end, this.#readNs);
        this.#end = pos = 0;
      } while (await this.#fill(true));
      head.close = true;
    }
    this.#start = pos;
    this.#response.bodyStart = this.#response.bodyEnd = pos;
  }

  /** Whether the read in flight may meet EOF (#fill's `eofOk`). */
  #eofOk = false;

  /**
   * Reads more bytes after #end; resolves false at EOF when `eofOk`, else EOF throws. Not an
   * async function: its read settles into handlers bound once, so a read costs the one promise
   * then() makes, not an async frame and its await closures as well.
   */
  #fill(eofOk: boolean): Promise<boolean> {
    return this.#conn!.read(this.#readTarget(eofOk)).then(this.#read, this.#readFailed);
  }

  /** Where the next read lands (the buffer grown when full); `eofOk` as for #fill. */
  #readTarget(eofOk: boolean): Uint8Array {
    if (this.#end === this.#buf.length) this.#grow();
    this.#eofOk = eofOk;
    // After #compact the read lands at the front: the whole buffer needs no view made for it.
    return this.#end === 0 ? this.#buf : this.#buf.subarray(this.#end);
  }

  readonly #read = (n: number | null): boolean => {
    if (n === null) {
      if (this.#eofOk) return false;
      throw this.#ioFailure(null, this.#received > 0);
    }
    const first = this.#received === 0 && this.#rec !== null;
    if (first || this.#sink !== null) {
      this.#readNs = this.#stamped === null ? this.clock.nowNs() : this.#stamped.receivedNs!;
      if (first) {
        this.#rec!.firstByteNs = this.#readNs;
        this.#firstRead = n;
      }
    }
    this.#received += n;
    this.#end += n;
    return true;
  };

  readonly #readFailed = (e: unknown): never => {
    throw this.#ioFailure(e, this.#received > 0);
  };

  #grow(): void {
    // Only the whole-response path grows past a head: a streamed body is dropped as delivered.
    if (this.#buf.length >= this.maxResponseBytes) throw this.#tooLarge();
    const bigger = new Uint8Array(Math.min(this.#buf.length * 2, this.maxResponseBytes));
    bigger.set(this.#buf.subarray(0, this.#end));
    this.#buf = bigger;
  }

  #tooLarge(): ProtocolError {
    return new ProtocolError(`response larger than ${this.maxResponseBytes} bytes (the cap)`);
  }

  /** Moves leftover bytes to the front so offsets of the next response start near 0. */
  #compact(): void {
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
  }

  /** Closes after a `Connection: close` response; the body stays readable in the buffer. */
  #dropKeepingBody(): void {
    const conn = this.#conn;
    this.#conn = null;
    this.#served = 0;
    this.#start = this.#end;
    try {
      conn?.close();
    } catch { /* peer already gone */ }
  }
}
