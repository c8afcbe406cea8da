import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { HttpConnection, TransportError } from "../http1/connection.ts";
import { SseBodySink } from "./stream.ts";
import type { SseEvent } from "./parser.ts";
import {
  httpResponse,
  pause,
  startRawServer,
  target,
  writeAll,
} from "../http1/testing/raw_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const POST = enc.encode(
  "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}",
);
const SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n" +
  "Transfer-Encoding: chunked\r\n\r\n";
/** Gap between the peer's writes; the client's stamps must show it. */
const GAP_MS = 40;
/** Timers may fire a little early relative to the client's clock; allow that much. */
const SLACK_MS = 5;

function chunk(text: string): Uint8Array {
  const bytes = enc.encode(text);
  const head = enc.encode(`${bytes.length.toString(16)}\r\n`);
  const out = new Uint8Array(head.length + bytes.length + 2);
  out.set(head);
  out.set(bytes, head.length);
  out.set([13, 10], head.length + bytes.length);
  return out;
}

interface Got {
  data: string;
  type: string;
  timeNs: number;
  firstByteNs: number;
}

function collector(into: Got[]) {
  return (ev: SseEvent) =>
    into.push({ data: ev.text(), type: ev.type, timeNs: ev.timeNs, firstByteNs: ev.firstByteNs });
}

Deno.test("events written at controlled times are stamped at the read that completed them", async () => {
  // Each element is one write, GAP_MS after the previous; the third event is cut in two.
  const writes = [
    'data: {"n":1}\n\n',
    'data: {"n":2}\r\n\r\n',
    'event: delta\ndata: {"n":',
    "3}\n\n",
    ": keep-alive\n\n",
    "data: [DONE]\n\n",
  ];
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, SSE_HEAD);
    for (const w of writes) {
      await pause(GAP_MS);
      await writeAll(conn, chunk(w));
    }
    await writeAll(conn, "0\r\n\r\n");
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  const got: Got[] = [];
  const sse = new SseBodySink(collector(got));
  try {
    const rec = new RequestRecord();
    sse.reset();
    await http.exchangeStreaming(POST, rec, sse);
    assert.equal(sse.streamed, true);
    assert.equal(sse.done, true);
    assert.equal(sse.midEvent, false);
    assert.equal(sse.events, 4);
    assert.deepEqual(got.map((g) => [g.type, g.data]), [
      ["message", '{"n":1}'],
      ["message", '{"n":2}'],
      ["delta", '{"n":3}'],
      ["message", "[DONE]"],
    ]);
    const gapNs = (GAP_MS - SLACK_MS) * 1e6;
    assert.ok(got[0].timeNs - sse.headNs >= gapNs);
    assert.ok(got[1].timeNs - got[0].timeNs >= gapNs);
    // The cut event completes with its second write, one gap after its first byte came.
    assert.ok(got[2].timeNs - got[2].firstByteNs >= gapNs);
    assert.ok(got[2].firstByteNs - got[1].timeNs >= gapNs);
    assert.ok(got[3].timeNs - got[2].timeNs >= 2 * gapNs, "the comment-only write is no event");
    assert.ok(sse.headNs >= rec.firstByteNs && got[3].timeNs <= rec.endNs);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("a reply that is no event stream is buffered whole for the caller", async () => {
  const error = '{"error":{"message":"overloaded","type":"server_error","code":503}}';
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, httpResponse(503, error));
    await reader.next();
    await writeAll(conn, httpResponse(200, '{"choices":[]}'));
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  const got: Got[] = [];
  const sse = new SseBodySink(collector(got));
  try {
    for (const [status, body] of [[503, error], [200, '{"choices":[]}']] as const) {
      sse.reset();
      const res = await http.exchangeStreaming(POST, null, sse);
      assert.equal(sse.status, status);
      assert.equal(sse.streamed, false);
      assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), body);
    }
    assert.equal(got.length, 0);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("a stream that ends without [DONE] shows as not done, mid-event or failed", async () => {
  const server = startRawServer(async (conn, reader, index) => {
    await reader.next();
    if (index === 0) {
      // Close-delimited: the exchange completes, the parser holds half an event.
      await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
      await writeAll(conn, 'data: 1\n\ndata: {"cut');
    } else {
      // Chunked and cut inside a chunk: a transport failure after the first event.
      await writeAll(conn, SSE_HEAD);
      await writeAll(conn, chunk("data: 1\n\n"));
      await writeAll(conn, '20\r\ndata: {"cut');
    }
  });
  const http = new HttpConnection(target(server));
  const got: Got[] = [];
  const sse = new SseBodySink(collector(got));
  try {
    sse.reset();
    await http.exchangeStreaming(POST, null, sse);
    assert.deepEqual([sse.events, sse.done, sse.midEvent], [1, false, true]);
    sse.reset();
    await assert.rejects(() => http.exchangeStreaming(POST, null, sse), TransportError);
    assert.deepEqual([sse.events, sse.done, sse.midEvent], [1, false, true]);
    assert.deepEqual(got.map((g) => g.data), ["1", "1"]);
  } finally {
    http.close();
    await server.close();
  }
});
