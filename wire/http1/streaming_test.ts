import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import {
  type BodySink,
  HttpConnection,
  ProtocolError,
  type TimeSource,
  TransportError,
} from "./connection.ts";
import { findHeadEnd, parseHead, ResponseHead } from "./parse.ts";
import { httpResponse, pause, startRawServer, target, writeAll } from "./testing/raw_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const GET = enc.encode("GET /s HTTP/1.1\r\nHost: t\r\n\r\n");

/** Collects what a streaming exchange delivers, copying the views it is lent. */
class Collect implements BodySink {
  pieces: { bytes: Uint8Array; timeNs: number }[] = [];
  heads: { status: number; timeNs: number }[] = [];
  constructor(private readonly stream = true) {}
  onHead(head: ResponseHead, timeNs: number): boolean {
    this.heads.push({ status: head.status, timeNs });
    return this.stream;
  }
  onBody(buf: Uint8Array, start: number, end: number, timeNs: number): void {
    assert.ok(end > start, "never an empty piece");
    this.pieces.push({ bytes: buf.slice(start, end), timeNs });
  }
  /** The pieces joined, then decoded: a character may be cut between two reads. */
  get text(): string {
    const all = new Uint8Array(this.pieces.reduce((n, p) => n + p.bytes.length, 0));
    let at = 0;
    for (const p of this.pieces) {
      all.set(p.bytes, at);
      at += p.bytes.length;
    }
    return dec.decode(all);
  }
  get times(): number[] {
    return this.pieces.map((p) => p.timeNs);
  }
}

/** A clock that advances on every reading, so each stamp names exactly one reading. */
class TickClock implements TimeSource {
  ticks = 0;
  nowNs(): number {
    return ++this.ticks;
  }
}

const CHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" +
  "Transfer-Encoding: chunked\r\n\r\n" +
  "7;name=val\r\ndata: a\r\n2\r\n\n\n\r\n" +
  "1\r\nd\r\n11\r\nata: \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\r\n" +
  "2;x\r\n\n\n\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n";
const CHUNKED_BODY = "data: a\n\ndata: \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\n\n";

Deno.test("a chunked stream cut at every offset is de-chunked whole, stamped per read", async () => {
  const wire = enc.encode(CHUNKED);
  const server = startRawServer(async (conn, reader) => {
    for (let cut = 0; cut <= wire.length; cut++) {
      await reader.next();
      await writeAll(conn, wire.subarray(0, cut));
      await pause(1);
      await writeAll(conn, wire.subarray(cut));
    }
    await reader.next();
  });
  const clock = new TickClock();
  const http = new HttpConnection(target(server), clock);
  try {
    for (let cut = 0; cut <= wire.length; cut++) {
      const sink = new Collect();
      const rec = new RequestRecord();
      const res = await http.exchangeStreaming(GET, rec, sink);
      assert.equal(res.head.status, 200);
      assert.equal(res.head.eventStream, true);
      assert.equal(res.bodyEnd - res.bodyStart, 0, "a streamed body is not kept");
      assert.equal(sink.text, CHUNKED_BODY, `cut at ${cut}`);
      const times = sink.times;
      for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] <= times[i], `cut ${cut}`);
      assert.ok(sink.heads[0].timeNs >= rec.firstByteNs && times[0] >= sink.heads[0].timeNs);
      assert.ok(times.at(-1)! < rec.endNs);
      assert.equal(rec.bytesReceived, wire.length);
    }
    assert.equal(server.accepted, 1, "every streamed response left the connection reusable");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("each read is delivered with its own time as soon as it arrives", async () => {
  // The server sends the next piece only after the client delivered the previous one, so
  // every piece is one read and must carry a distinct, later stamp.
  const pieces = ["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na", "b", "c"];
  let delivered: () => void = () => {};
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    for (const p of pieces) {
      const seen = new Promise<void>((r) => delivered = r);
      await writeAll(conn, p);
      await seen;
    }
    await reader.next();
  });
  const clock = new TickClock();
  const http = new HttpConnection(target(server), clock);
  try {
    const rec = new RequestRecord();
    const sink = new Collect();
    const onBody = sink.onBody.bind(sink);
    sink.onBody = (buf, start, end, t) => {
      onBody(buf, start, end, t);
      delivered();
    };
    await http.exchangeStreaming(GET, rec, sink);
    assert.equal(sink.text, "abc");
    const [a, b, c] = sink.times;
    assert.equal(a, rec.firstByteNs, "the head's read also brought 'a'");
    assert.equal(sink.heads[0].timeNs, rec.firstByteNs);
    assert.ok(a < b && b < c && c < rec.endNs, `${a} ${b} ${c} ${rec.endNs}`);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("a long chunked stream never grows the read buffer; a plain exchange follows", async () => {
  const piece = "x".repeat(3000);
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (let i = 0; i < 400; i++) await writeAll(conn, `${(3000).toString(16)}\r\n${piece}\r\n`);
    await writeAll(conn, "0\r\n\r\n");
    await reader.next();
    await writeAll(conn, httpResponse(200, "after"));
    await reader.next();
  });
  const http = new HttpConnection(target(server), undefined, 1024);
  try {
    let total = 0;
    let xs = 0;
    await http.exchangeStreaming(GET, null, {
      onHead: () => true,
      onBody(buf, start, end) {
        total += end - start;
        for (let i = start; i < end; i++) if (buf[i] === 120) xs++;
      },
    });
    assert.equal(total, 1_200_000);
    assert.equal(xs, 1_200_000);
    assert.ok(http.bufferSize <= 8192, `buffer grew to ${http.bufferSize}`);
    const res = await http.exchange(GET, null);
    assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), "after");
    assert.equal(server.accepted, 1, "the whole-response path reuses the connection");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("Content-Length and close-delimited bodies stream in pieces too", async () => {
  const server = startRawServer(async (conn, reader, index) => {
    await reader.next();
    if (index === 0) {
      await writeAll(conn, httpResponse(200, "0123456789".repeat(10)), 7);
      await reader.next();
    } else {
      await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
      await writeAll(conn, "data: 1\n\n".repeat(20), 5);
    }
  });
  const http = new HttpConnection(target(server));
  try {
    const sized = new Collect();
    await http.exchangeStreaming(GET, null, sized);
    assert.equal(sized.text, "0123456789".repeat(10));
    assert.ok(sized.pieces.length > 1, "the body came in several reads");
    assert.equal(http.connected, true);
    const toEof = new Collect();
    const res = await http.exchangeStreaming(GET, null, toEof);
    assert.equal(toEof.text, "data: 1\n\n".repeat(20));
    assert.equal(res.head.close, true);
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("onHead may decline streaming: the body is then buffered whole", async () => {
  const error = '{"error":{"message":"slow down","code":429}}';
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, httpResponse(429, error), 9);
    await reader.next();
    await writeAll(conn, "HTTP/1.1 204 No Content\r\n\r\n");
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    const declined = new Collect(false);
    const res = await http.exchangeStreaming(GET, null, declined);
    assert.equal(res.head.status, 429);
    assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), error);
    assert.equal(declined.pieces.length, 0);
    const empty = new Collect();
    assert.equal((await http.exchangeStreaming(GET, null, empty)).head.status, 204);
    assert.equal(empty.pieces.length, 0);
    assert.deepEqual(empty.heads.map((h) => h.status), [204]);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("a body that stops mid-chunk is a TransportError after the bytes that came", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\ndata: par");
  });
  const http = new HttpConnection(target(server));
  const sink = new Collect();
  try {
    await assert.rejects(
      () => http.exchangeStreaming(GET, null, sink),
      (e) => e instanceof TransportError && /before the response was complete/.test(e.message),
    );
    assert.equal(sink.text, "data: par");
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("bad chunk framing mid-stream is a ProtocolError", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX");
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    await assert.rejects(() => http.exchangeStreaming(GET, null, new Collect()), ProtocolError);
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("abort() mid-stream (a timeout) fails the exchange without a retry", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    await reader.next(); // holds the stream open until the client gives up
  });
  const http = new HttpConnection(target(server));
  try {
    const sink = new Collect();
    // As a channel's timeout timer does: it fires while the next read is pending.
    const timer = setTimeout(() => http.abort(), 50);
    await assert.rejects(() => http.exchangeStreaming(GET, null, sink), TransportError);
    clearTimeout(timer);
    assert.equal(sink.text, "abc");
    assert.equal(http.connected, false);
    assert.equal(server.accepted, 1, "not retried");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("an exception from the sink ends the exchange and drops the connection", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, httpResponse(200, "abc"));
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    await assert.rejects(
      () =>
        http.exchangeStreaming(GET, null, {
          onHead: () => true,
          onBody() {
            throw new RangeError("consumer gave up");
          },
        }),
      RangeError,
    );
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("Content-Type text/event-stream is recognised, parameters allowed", () => {
  const cases: [string, boolean][] = [
    ["text/event-stream", true],
    ["Text/Event-Stream; charset=utf-8", true],
    ["text/event-streams", false],
    ["application/json", false],
  ];
  for (const [type, want] of cases) {
    const buf = enc.encode(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\n\r\n`);
    const head = new ResponseHead();
    parseHead(buf, 0, findHeadEnd(buf, 0, 0, buf.length), head);
    assert.equal(head.eventStream, want, type);
  }
});
