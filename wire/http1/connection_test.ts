import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { HttpConnection, ProtocolError, TransportError } from "./connection.ts";
import { httpResponse, startRawServer, target, writeAll } from "./testing/raw_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const GET = enc.encode("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");

async function bodyOf(http: HttpConnection, rec: RequestRecord | null = null): Promise<string> {
  const res = await http.exchange(GET, rec);
  return dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd));
}

/** A port nothing listens on: bind one, read it back, release it. */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("Content-Length response fills body, status and record timestamps", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, httpResponse(200, '{"ok":true}'));
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  const rec = new RequestRecord();
  try {
    const res = await http.exchange(GET, rec);
    assert.equal(res.head.status, 200);
    assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), '{"ok":true}');
    assert.equal(rec.bytesSent, GET.length);
    assert.equal(rec.bytesReceived, enc.encode(httpResponse(200, '{"ok":true}')).length);
    assert.ok(rec.sendStartNs > 0 && rec.sendStartNs <= rec.sendEndNs);
    assert.ok(rec.sendEndNs <= rec.firstByteNs && rec.firstByteNs <= rec.endNs);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("chunked body with extensions and trailers, split across writes", async () => {
  const wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, wire, 3);
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    assert.equal(await bodyOf(http), "hello 0123456789");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("response delivered one byte per write is reassembled", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(
      conn,
      httpResponse(200, '{"a":[1,2,3]}', "Inference-Header-Content-Length: 13\r\n"),
      1,
    );
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  const rec = new RequestRecord();
  try {
    const res = await http.exchange(GET, rec);
    assert.equal(res.head.inferHeaderLength, 13);
    assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), '{"a":[1,2,3]}');
    assert.ok(rec.firstByteNs < rec.endNs, "first byte must precede the last one");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("keep-alive: a large then a small response on one connection stay separate", async () => {
  const big = "x".repeat(200_000);
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, httpResponse(200, big));
    await reader.next();
    await writeAll(conn, httpResponse(201, "small"));
    await reader.next();
  });
  const http = new HttpConnection(target(server), undefined, 1024);
  try {
    assert.equal(await bodyOf(http), big);
    assert.ok(http.bufferSize >= 200_000, "buffer grew to hold the large response");
    const res = await http.exchange(GET, null);
    assert.equal(res.head.status, 201);
    assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), "small");
    assert.equal(server.accepted, 1);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("keep-alive: heads that grow and shrink between replies are each framed right", async () => {
  const first = httpResponse(200, "first", "X-Pad: 12345678\r\n");
  // The second head is shorter, and its 20-byte body has a blank line ending right where the
  // first head ended: a framing that trusted the last head's length would cut there.
  const shorter = httpResponse(200, "x".repeat(20)).length - 20;
  const at = first.length - "first".length - shorter;
  const body = "y".repeat(at - 4) + "\r\n\r\n" + "z".repeat(20 - at);
  const replies = [
    first,
    httpResponse(200, body),
    httpResponse(404, "third", "X-Pad: 12345678\r\nX-More: 1\r\n"),
    httpResponse(200, "fourth", "X-Pad: 12345678\r\nX-More: 2\r\n"),
  ];
  const server = startRawServer(async (conn, reader) => {
    for (const reply of replies) {
      await reader.next();
      await writeAll(conn, reply);
    }
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    const seen = [];
    for (let i = 0; i < replies.length; i++) {
      const res = await http.exchange(GET, null);
      seen.push([res.head.status, dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd))]);
    }
    assert.deepEqual(seen, [[200, "first"], [200, body], [404, "third"], [200, "fourth"]]);
    assert.equal(server.accepted, 1);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("Connection: close is honoured and the next exchange reconnects", async () => {
  const server = startRawServer(async (conn, reader, index) => {
    await reader.next();
    await writeAll(conn, httpResponse(200, `conn${index}`, "Connection: close\r\n"));
  });
  const http = new HttpConnection(target(server));
  try {
    assert.equal(await bodyOf(http), "conn0");
    assert.equal(http.connected, false);
    assert.equal(await bodyOf(http), "conn1");
    assert.equal(server.accepted, 2);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("server closing mid-response is a TransportError", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  });
  const http = new HttpConnection(target(server));
  try {
    await assert.rejects(
      () => http.exchange(GET, null),
      (e) => e instanceof TransportError && /before the response was complete/.test(e.message),
    );
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("connection refused is a TransportError in curl's words", async () => {
  const http = new HttpConnection({ hostname: "127.0.0.1", port: closedPort() });
  await assert.rejects(
    () => http.exchange(GET, null),
    (e) => e instanceof TransportError && e.message === "Couldn't connect to server",
  );
});

Deno.test("a stale keep-alive connection is retried once on a fresh one", async () => {
  // The server answers one request per connection but never says Connection: close.
  const server = startRawServer(async (conn, reader, index) => {
    await reader.next();
    await writeAll(conn, httpResponse(200, `conn${index}`));
  });
  const http = new HttpConnection(target(server));
  try {
    assert.equal(await bodyOf(http), "conn0");
    assert.equal(await bodyOf(http), "conn1");
    assert.equal(server.accepted, 2);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("interim 100 response is skipped; body without length runs to EOF", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil-eof");
  });
  const http = new HttpConnection(target(server));
  try {
    const res = await http.exchange(GET, null);
    assert.equal(res.head.status, 200);
    assert.equal(dec.decode(res.buf.subarray(res.bodyStart, res.bodyEnd)), "until-eof");
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("garbage status line is a ProtocolError", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "SPDY/9 what\r\n\r\n");
  });
  const http = new HttpConnection(target(server));
  try {
    await assert.rejects(() => http.exchange(GET, null), ProtocolError);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("more than 8 interim 1xx responses fail the request instead of desynchronising", async () => {
  // Ten 100s then the real reply: taking the ninth 100 as final would pair this request with a
  // 1xx and leave the 200 to answer the next request.
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 100 Continue\r\n\r\n".repeat(10) + httpResponse(200, "late"));
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    await assert.rejects(
      () => http.exchange(GET, null),
      new ProtocolError("more than 8 interim (1xx) responses"),
    );
    assert.equal(http.connected, false, "the desynchronised connection is dropped");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("eight interim 1xx responses are still skipped", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 100 Continue\r\n\r\n".repeat(8) + httpResponse(200, "ok"));
    await reader.next();
  });
  const http = new HttpConnection(target(server));
  try {
    assert.equal(await bodyOf(http), "ok");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("an endless body fails at the response cap; the buffer stays bounded", async () => {
  const cap = 256 * 1024;
  let sent = 0;
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\n\r\n");
    const piece = new Uint8Array(16 * 1024);
    // Bounded: 4× the cap is far more than the client may take before it gives up.
    while (sent < 4 * cap) sent += await conn.write(piece);
  });
  const http = new HttpConnection(target(server), undefined, 64 * 1024, cap);
  try {
    await assert.rejects(
      () => http.exchange(GET, null),
      new ProtocolError(`response larger than ${cap} bytes (the cap)`),
    );
    assert.equal(http.bufferSize, cap);
    assert.equal(http.connected, false);
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("a Content-Length over the response cap fails before the body is read", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nxy");
    await reader.next();
  });
  const http = new HttpConnection(target(server), undefined, 64 * 1024, 1024 * 1024);
  try {
    await assert.rejects(
      () => http.exchange(GET, null),
      new ProtocolError("response larger than 1048576 bytes (the cap)"),
    );
    assert.equal(http.bufferSize, 64 * 1024, "nothing was allocated for the announced body");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("chunked endless body fails at the cap too", async () => {
  const cap = 128 * 1024;
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const chunk = "4000\r\n" + "a".repeat(0x4000) + "\r\n";
    for (let i = 0; i < 64; i++) await writeAll(conn, chunk);
  });
  const http = new HttpConnection(target(server), undefined, 64 * 1024, cap);
  try {
    await assert.rejects(
      () => http.exchange(GET, null),
      new ProtocolError(`response larger than ${cap} bytes (the cap)`),
    );
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("abort() while connecting fails the exchange instead of sending without a deadline", async () => {
  let requests = 0;
  const server = startRawServer(async (conn, reader) => {
    while (await reader.next()) {
      requests++;
      await writeAll(conn, httpResponse(200, "late"));
    }
  });
  const http = new HttpConnection(target(server));
  try {
    const pending = http.exchange(GET, null);
    // The connect is in flight: there is no connection yet for abort() to close.
    http.abort();
    await assert.rejects(pending, new TransportError("aborted while connecting", "connect"));
    assert.equal(http.connected, false);
    assert.equal(requests, 0, "nothing was sent");
    assert.equal(await bodyOf(http), "late", "the next exchange connects afresh");
  } finally {
    http.close();
    await server.close();
  }
});

Deno.test("bytes past a reply's Content-Length are dropped with the connection, not read as the next reply", async () => {
  const server = startRawServer(async (conn, reader, index) => {
    // The first connection's reply is 7 bytes longer than it says.
    if (index === 0) {
      await reader.next().then(() => writeAll(conn, httpResponse(200, "ok", "") + "garbage"));
    }
    // Bounded by the client: it closes after two exchanges.
    while (await reader.next()) await writeAll(conn, httpResponse(200, "second"));
  });
  const http = new HttpConnection(target(server));
  try {
    assert.equal(await bodyOf(http), "ok");
    assert.equal(await bodyOf(http), "second");
    assert.equal(server.accepted, 2);
  } finally {
    http.close();
    await server.close();
  }
});
