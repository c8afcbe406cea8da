/**
 * The OpenAI mock on a plain TCP listener speaking HTTP/1.1 itself, for benchmarks: a streamed
 * reply sent whole goes out as one write of status line, headers and body, and its ground truth
 * is stamped just before the call that hands the bytes to the kernel (see Connection.#write).
 * Deno tries a socket write within the call (measured: a reader got the bytes while the writer
 * still spun 20 ms after the call), so a burst of replies made in one event-loop turn leaves
 * one by one, each at its stamp. Behind Deno.serve the mock can only stamp a reply when it makes
 * it; the server writes it after the mock's turn, which holds many replies when many streams
 * wait, so "client read − written" held the server's own queueing. Other replies (whole JSON,
 * errors, timed streams) go out chunked as their body yields, stamped as the mock makes them.
 *
 * Requests: keep-alive, `Content-Length` bodies only (no chunked uploads); the paths of
 * `OpenAiMock.owns`, everything else 404.
 */
import { nowNs } from "../models/stats.ts";
import { type AtOnce, OpenAiMock, type WholeSink } from "./mock.ts";
import type { ResolvedOpenAi } from "./options.ts";
import { ByteWriter } from "./bytes.ts";

export interface RawOpenAi {
  /** "127.0.0.1:PORT". */
  readonly url: string;
  readonly mock: OpenAiMock;
  /** Ends the mock's streams, the listener and every connection. */
  close(): Promise<void>;
}

/** Largest request head plus body a connection buffers. */
const MAX_REQUEST_BYTES = 8 << 20;
const CRLF2 = [13, 10, 13, 10];
const CRLF = new Uint8Array([13, 10]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Status line and fixed headers of a streamed reply sent whole. */
const WHOLE_HEAD =
  "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n";
/** Room for a whole reply's status line and headers, request id included. */
const HEAD_ROOM = 512;
const NOT_FOUND = `{"error":{"message":"Not Found","type":"invalid_request_error"}}`;

/** Index of the first CRLFCRLF in `buf[from, len)`, or -1. */
function headEnd(buf: Uint8Array, from: number, len: number): number {
  for (let i = Math.max(0, from - 3); i + 3 < len; i++) {
    if (
      buf[i] === CRLF2[0] && buf[i + 1] === CRLF2[1] && buf[i + 2] === CRLF2[2] &&
      buf[i + 3] === CRLF2[3]
    ) return i;
  }
  return -1;
}

/**
 * A request's head: its method, path segments and headers, read from its text in place. A
 * connection's client often sends the same head again (a benchmark's stream: one path, one
 * request id): the last head's bytes are kept, and a head equal to them is not read again.
 */
class RequestHead {
  #bytes = new Uint8Array(0);
  /** Header values looked up in this head, by name. */
  readonly #values = new Map<string, string | null>();
  #text = "";
  /** Per header line: where its name starts, where it ends, where the line ends. */
  #lines: number[] = [];
  method = "";
  /** The path (query left out) split on "/". */
  segs: readonly string[] = [];
  /** The last path parsed and its segments: a connection asks for the same path again. */
  #path = "";

  /** Reads the head `buf[0, end)`. */
  parse(buf: Uint8Array, end: number): this {
    const last = this.#bytes;
    let same = end === last.length;
    for (let i = 0; same && i < end; i++) same = buf[i] === last[i];
    if (same) return this;
    this.#bytes = buf.slice(0, end);
    this.#values.clear();
    const text = decoder.decode(this.#bytes);
    this.#text = text;
    this.#lines.length = 0;
    let eol = text.indexOf("\r\n");
    if (eol < 0) eol = text.length;
    const sp = text.indexOf(" ");
    this.method = text.slice(0, sp);
    let target = text.slice(sp + 1, text.indexOf(" ", sp + 1));
    const q = target.indexOf("?");
    if (q >= 0) target = target.slice(0, q);
    if (target !== this.#path) {
      this.#path = target;
      this.segs = target.split("/");
    }
    for (let start = eol + 2; start < text.length; start = eol + 2) {
      eol = text.indexOf("\r\n", start);
      if (eol < 0) eol = text.length;
      const colon = text.indexOf(":", start);
      if (colon > start && colon < eol) this.#lines.push(start, colon, eol);
    }
    return this;
  }

  /** The value of header `name` (lower case), or null; names compare case-insensitively. */
  readonly get = (name: string): string | null => {
    let value = this.#values.get(name);
    if (value === undefined) this.#values.set(name, value = this.#find(name));
    return value;
  };

  #find(name: string): string | null {
    const text = this.#text;
    const lines = this.#lines;
    // The last of repeated headers counts.
    for (let i = lines.length - 3; i >= 0; i -= 3) {
      let start = lines[i];
      let end = lines[i + 1];
      while (start < end && isSpace(text.charCodeAt(start))) start++;
      while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
      if (end - start !== name.length) continue;
      let same = true;
      for (let j = 0; j < name.length && same; j++) {
        const c = text.charCodeAt(start + j);
        same = (c >= 65 && c <= 90 ? c + 32 : c) === name.charCodeAt(j);
      }
      if (same) return text.slice(lines[i + 1] + 1, lines[i + 2]).trim();
    }
    return null;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** The OpenAI mock with `options` on `hostname:port` (0: any free port). */
export function serveRaw(
  options: ResolvedOpenAi,
  originNs: number,
  hostname = "127.0.0.1",
  port = 0,
): RawOpenAi {
  const mock = new OpenAiMock(options, undefined, originNs);
  const listener = Deno.listen({ hostname, port, transport: "tcp" });
  const conns = new Set<Deno.Conn>();
  const bodies = new Bodies();
  const running = new Set<Promise<void>>();
  const accepting = (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      conns.add(conn);
      const p = new Connection(conn, mock, bodies).run().finally(() => {
        conns.delete(conn);
        running.delete(p);
      });
      running.add(p);
    }
  })().catch(() => {/* the listener closed */});
  const addr = listener.addr as Deno.NetAddr;
  return {
    url: `${addr.hostname}:${addr.port}`,
    mock,
    async close() {
      mock.close();
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await accepting;
      await Promise.all(running);
    },
  };
}

/**
 * Request bodies as JSON, as the mock reads them (throwing when one is not JSON). The last body
 * parsed on any connection is kept: one repeated byte for byte is the same object, which the
 * mock then does not check again (OpenAiMock.#checked), as when every stream of a benchmark
 * sends one request.
 */
class Bodies {
  #last = new Uint8Array(0);
  #json: () => unknown = () => undefined;

  /** The JSON of the body at `buf[from, to)`. */
  json(buf: Uint8Array, from: number, to: number): () => unknown {
    const last = this.#last;
    let same = to > from && to - from === last.length;
    for (let i = 0; same && i < last.length; i++) same = buf[from + i] === last[i];
    if (same) return this.#json;
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(buf.subarray(from, to)));
    } catch (e) {
      return () => {
        throw e;
      };
    }
    this.#last = buf.slice(from, to);
    this.#json = () => value;
    return this.#json;
  }
}

/** One client connection: requests in order, each answered before the next is read. */
class Connection {
  #in = new Uint8Array(16 << 10);
  #len = 0;
  /**
   * Reused for each reply: a reply sent whole is built in it by the mock, its status line and
   * headers then put in the room before it, so it goes out as it was built.
   */
  readonly #out = new ByteWriter(32 << 10, HEAD_ROOM);
  /** The reply the mock handed over whole for the request being answered, and its stamp. */
  #wholeBytes: Uint8Array = new Uint8Array(0);
  #whole: AtOnce["written"] | undefined;
  /** The head of the request being answered. */
  readonly #head = new RequestHead();
  readonly #sink: WholeSink = {
    out: this.#out,
    take: (reply: AtOnce): void => {
      const id = reply.requestId === null ? "" : `x-request-id: ${reply.requestId}\r\n`;
      const head = `${WHOLE_HEAD}${id}content-length: ${reply.bytes.length}\r\n\r\n`;
      const { buf, base, len } = this.#out;
      const { read, written } = encoder.encodeInto(head, buf.subarray(0, base));
      if (read === head.length) {
        buf.copyWithin(base - written, 0, written);
        this.#wholeBytes = buf.subarray(base - written, len);
      } else {
        // A request id too long for the room: the reply is copied after its head.
        const bytes = new ByteWriter(head.length * 3 + reply.bytes.length);
        bytes.text(head);
        bytes.put(reply.bytes);
        this.#wholeBytes = bytes.view();
      }
      this.#whole = reply.written;
    },
  };

  constructor(readonly conn: Deno.Conn, readonly mock: OpenAiMock, readonly bodies: Bodies) {}

  async run(): Promise<void> {
    try {
      while (await this.#request()) { /* next request on the connection */ }
    } catch { /* the peer went away or the listener closed */ }
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Grows the input buffer to hold `n` bytes. */
  #room(n: number): void {
    if (n > MAX_REQUEST_BYTES) throw new RangeError("request too large");
    if (n <= this.#in.length) return;
    const grown = new Uint8Array(Math.max(n, this.#in.length * 2));
    grown.set(this.#in.subarray(0, this.#len));
    this.#in = grown;
  }

  /** Serves one request; false when the connection should end. */
  async #request(): Promise<boolean> {
    let end = headEnd(this.#in, 0, this.#len);
    let head: RequestHead | undefined;
    let total = 0;
    for (;;) {
      if (end >= 0 && head === undefined) {
        head = this.#head.parse(this.#in, end);
        if (head.get("transfer-encoding") !== null) {
          await this.#send(
            new Response("chunked request bodies are not supported", { status: 411 }),
          );
          return false;
        }
        total = end + 4 + Number(head.get("content-length") ?? "0");
        if (!Number.isSafeInteger(total)) return false;
      }
      if (head !== undefined && this.#len >= total) break;
      // Head, then body: each read awaited here, not in a function of its own (a promise less
      // per request).
      this.#room(head === undefined ? this.#len + 1 : total);
      const from = this.#len;
      const got = await this.conn.read(this.#in.subarray(this.#len));
      if (got === null) return false;
      this.#len += got;
      if (end < 0) end = headEnd(this.#in, from, this.#len);
    }
    const json = this.bodies.json(this.#in, end + 4, total);
    if (this.#len > total) this.#in.copyWithin(0, total, this.#len);
    this.#len -= total;
    const segs = head.segs;
    let res = segs[0] === "" && segs[1] === "v1" && OpenAiMock.owns(segs)
      ? this.mock.answer(head.method, segs, json, head.get, this.#sink)
      : new Response(NOT_FOUND, { status: 404, headers: { "content-type": "application/json" } });
    const close = head.get("connection")?.toLowerCase() === "close";
    const written = this.#whole;
    this.#whole = undefined;
    if (written === undefined) {
      if (res instanceof Promise) res = await res;
      return await this.#send(res) && !close;
    }
    // The reply sent whole, in #out: the hot path, with no await but the write's.
    let ns;
    try {
      ns = await this.#write(this.#wholeBytes);
    } catch (e) {
      written(nowNs(), false);
      throw e;
    }
    written(ns, true);
    return !close;
  }

  /** Writes `res` chunked; false when its body broke off (the connection must end). */
  async #send(res: Response): Promise<boolean> {
    let head = `HTTP/1.1 ${res.status} ${res.status === 200 ? "OK" : res.statusText}\r\n`;
    for (const [k, v] of res.headers) head += `${k}: ${v}\r\n`;
    head += "transfer-encoding: chunked\r\n\r\n";
    this.#out.reset();
    this.#out.text(head);
    await this.#write(this.#out.view());
    if (res.body === null) {
      await this.#write(encoder.encode("0\r\n\r\n"));
      return true;
    }
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length === 0) continue;
        this.#out.reset();
        this.#out.text(`${value.length.toString(16)}\r\n`);
        this.#out.put(value);
        this.#out.put(CRLF);
        await this.#write(this.#out.view());
      }
    } catch {
      // The body broke off (the mock's abort fault): the client sees the connection drop.
      return false;
    }
    await this.#write(encoder.encode("0\r\n\r\n"));
    return true;
  }

  /**
   * Writes all of `bytes`; resolves to the time just before the call that handed over the last
   * of them. A stamp after the write is not a bound: the write wakes the reading process, Linux
   * often runs it at once, and the peer read the bytes up to 200 µs (resolved promise) or
   * 5 ms (right after the call, on a loaded machine) before such a stamp. Just before the call
   * is at most the call's own few microseconds early, which adds to a client's measured
   * overhead and never hides it.
   */
  async #write(bytes: Uint8Array): Promise<number> {
    let ns = 0;
    for (let n = 0; n < bytes.length;) {
      ns = nowNs();
      n += await this.conn.write(bytes.subarray(n));
    }
    return ns;
  }
}
