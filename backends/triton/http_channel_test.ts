import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { PreparedInfer } from "./infer_request.ts";
import {
  httpResponse,
  type RawServer,
  startRawServer,
  writeAll,
} from "../../wire/http1/testing/raw_server.ts";
import { HttpChannel } from "../net/http_channel.ts";
import { tritonReplies } from "./http_replies.ts";
import { systemClock } from "../../core/clock.ts";

const enc = new TextEncoder();
const REQUEST = new PreparedInfer(
  enc.encode("POST /v2/models/m/infer HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}"),
  2,
);
const OK_BODY = '{"model_name":"m","outputs":[]}';

function channel(server: RawServer | number): HttpChannel<PreparedInfer> {
  const port = typeof server === "number" ? server : server.port;
  return new HttpChannel({ hostname: "127.0.0.1", port, hostHeader: "t" }, tritonReplies(false));
}

async function sendOnce(ch: HttpChannel<PreparedInfer>): Promise<RequestRecord> {
  const rec = new RequestRecord();
  rec.reset(1);
  await ch.send(REQUEST, rec);
  return rec;
}

Deno.test("200 reply is ok with one response and ordered timestamps", async () => {
  const server = startRawServer(async (conn, reader) => {
    while (await reader.next()) await writeAll(conn, httpResponse(200, OK_BODY));
  });
  const ch = channel(server);
  try {
    for (let i = 0; i < 3; i++) {
      const rec = await sendOnce(ch);
      assert.equal(rec.outcome, "ok", rec.error);
      assert.equal(rec.status, 200);
      assert.equal(rec.responseCount, 1);
      assert.equal(rec.responseNs[0], rec.endNs);
      assert.equal(rec.bytesSent, REQUEST.bytes.length);
      assert.ok(rec.sendStartNs <= rec.sendEndNs && rec.firstByteNs <= rec.endNs);
    }
    assert.equal(server.accepted, 1);
  } finally {
    ch.close();
    await server.close();
  }
});

Deno.test("400 with {error} becomes server_error carrying the server's text", async () => {
  const server = startRawServer(async (conn, reader) => {
    while (await reader.next()) {
      await writeAll(conn, httpResponse(400, '{"error":"unexpected shape for input \'INPUT0\'"}'));
    }
  });
  const ch = channel(server);
  try {
    const rec = await sendOnce(ch);
    assert.equal(rec.outcome, "server_error");
    assert.equal(rec.status, 400);
    assert.equal(rec.error, "unexpected shape for input 'INPUT0'");
    assert.equal(rec.responseCount, 0);
    assert.ok(rec.endNs > 0);
  } finally {
    ch.close();
    await server.close();
  }
});

Deno.test("503 without a body reports HTTP 503", async () => {
  const server = startRawServer(async (conn, reader) => {
    await reader.next();
    await writeAll(conn, "HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n");
    await reader.next();
  });
  const ch = channel(server);
  try {
    const rec = await sendOnce(ch);
    assert.equal(rec.outcome, "server_error");
    assert.equal(rec.error, "HTTP 503");
  } finally {
    ch.close();
    await server.close();
  }
});

Deno.test("close mid-response is transport_error, then the channel reconnects", async () => {
  const server = startRawServer(async (conn, reader, index) => {
    if (index === 0) {
      await reader.next();
      await writeAll(conn, 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"cut');
      return;
    }
    while (await reader.next()) await writeAll(conn, httpResponse(200, OK_BODY));
  });
  const ch = channel(server);
  try {
    const bad = await sendOnce(ch);
    assert.equal(bad.outcome, "transport_error");
    assert.match(bad.error, /closed the connection/);
    const good = await sendOnce(ch);
    assert.equal(good.outcome, "ok", good.error);
    assert.equal(server.accepted, 2);
  } finally {
    ch.close();
    await server.close();
  }
});

Deno.test("connection refused is transport_error, never a rejection", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const ch = channel(port);
  const rec = await sendOnce(ch);
  ch.close();
  assert.equal(rec.outcome, "transport_error");
  assert.equal(rec.error, `Couldn't connect to server at 127.0.0.1:${port}`);
  assert.ok(rec.endNs >= rec.sendStartNs && rec.sendStartNs > 0);
});

Deno.test("malformed replies are protocol_error", async () => {
  const replies = [
    "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
    httpResponse(200, "not json"),
    httpResponse(200, OK_BODY, "Inference-Header-Content-Length: 999\r\n"),
  ];
  // One reply per connection: each protocol error drops the connection anyway.
  const server = startRawServer(async (conn, reader, index) => {
    await reader.next();
    await writeAll(conn, replies[index]);
  });
  const ch = channel(server);
  try {
    const errors: string[] = [];
    for (let i = 0; i < replies.length; i++) {
      const rec = await sendOnce(ch);
      assert.equal(rec.outcome, "protocol_error", `reply ${i}`);
      errors.push(rec.error);
    }
    assert.match(errors[0], /status/);
    assert.match(errors[1], /not a JSON object/);
    assert.match(errors[2], /exceeds the body/);
  } finally {
    ch.close();
    await server.close();
  }
});

Deno.test("send on a closed channel is cancelled", async () => {
  const ch = channel(1);
  ch.close();
  const rec = await sendOnce(ch);
  assert.equal(rec.outcome, "cancelled");
});

Deno.test("a per-request timeout fails the request as 'timeout', not retried, then recovers", async () => {
  let requests = 0;
  const server = startRawServer(async (conn, reader) => {
    while (await reader.next()) {
      // The first request never gets an answer; later ones (on a new connection) do.
      if (++requests === 1) continue;
      await writeAll(conn, httpResponse(200, OK_BODY));
    }
  });
  const ch = new HttpChannel(
    { hostname: "127.0.0.1", port: server.port, hostHeader: "t" },
    tritonReplies(false),
    undefined,
    undefined,
    50,
  );
  try {
    const started = performance.now();
    const late = await sendOnce(ch);
    assert.equal(late.outcome, "timeout");
    assert.equal(late.error, "no response within 50 ms");
    assert.ok(performance.now() - started < 1000);
    assert.equal(requests, 1, "a timed-out request is not resent");
    const next = await sendOnce(ch);
    assert.equal(next.outcome, "ok", next.error);
    assert.equal(server.accepted, 2);
  } finally {
    ch.close();
    await server.close();
  }
});

Deno.test("a reply that ended past the timeout is a timeout even when the timer ran late", async () => {
  const server = startRawServer(async (conn, reader) => {
    while (await reader.next()) await writeAll(conn, httpResponse(200, OK_BODY));
  });
  // Each reading is 40 ms after the previous one: the reply is stamped 80+ ms after the send
  // started although it came at once, as when a busy event loop reads it (and runs the 50 ms
  // timer) late.
  let readings = 0;
  const clock = { ...systemClock, nowNs: () => performance.now() * 1e6 + 40e6 * readings++ };
  const ch = new HttpChannel(
    { hostname: "127.0.0.1", port: server.port, hostHeader: "t" },
    tritonReplies(false),
    clock,
    undefined,
    50,
  );
  try {
    const late = await sendOnce(ch);
    assert.equal(late.outcome, "timeout");
    assert.equal(late.error, "no response within 50 ms");
    assert.equal(late.responseCount, 0);
    assert.ok(late.endNs - late.sendStartNs > 50e6);
  } finally {
    ch.close();
    await server.close();
  }
});
