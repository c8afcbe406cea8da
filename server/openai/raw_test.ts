/**
 * The mock's own HTTP/1.1 transport (raw.ts): the official `openai` SDK and a byte-level reader
 * get the same events as over Deno.serve, and a reply sent whole is stamped after its write.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { nowNs } from "../models/stats.ts";
import { type OpenAiOptions, resolveOpenAi } from "./options.ts";
import { type RawOpenAi, serveRaw } from "./raw.ts";
import { CHAT, chat, post, receive } from "./testing.ts";

/** Every event of a zero-delay reply in one write: the reply goes out whole. */
const AT_ONCE: OpenAiOptions = { roleChunk: "first", eventsPerWrite: 1000, slots: 4 };

async function withRaw(
  options: OpenAiOptions,
  body: (client: OpenAI, raw: RawOpenAi) => Promise<void>,
): Promise<void> {
  const raw = serveRaw(resolveOpenAi(options), nowNs());
  const client = new OpenAI({ baseURL: `http://${raw.url}/v1`, apiKey: "none", maxRetries: 0 });
  try {
    await body(client, raw);
  } finally {
    await raw.close();
  }
}

Deno.test("raw transport: the SDK reads a streamed chat sent whole, stamped at its one write", async () => {
  await withRaw(AT_ONCE, async (client, raw) => {
    const before = nowNs();
    const stream = await client.chat.completions.create({
      model: "mock-llm",
      messages: [{ role: "user", content: "tell me a story" }],
      max_completion_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    const [t] = raw.mock.truth.read(true);
    assert.equal(text, t.content);
    assert.equal(text.trim().split(" ").length, 12);
    assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 });
    // role + 12 content + finish + usage + [DONE]; every event but [DONE] is an SDK chunk.
    assert.equal(t.eventCount, 16);
    assert.equal(t.events.length, 16);
    assert.equal(chunks, 15);
    // One write, after the reply was made: every event carries its time.
    assert.equal(t.writeNs.length, 1);
    assert.ok(before <= t.startNs && t.startNs <= t.writeNs[0], "made, then written");
    assert.ok(t.events.every((e) => e.ns === t.writeNs[0] && e.dueNs === t.startNs));
    assert.equal(t.headersNs, t.writeNs[0]);
    assert.equal(t.endNs, t.writeNs[0]);
    assert.equal(t.cancelled, false);
  });
});

Deno.test("raw transport: same events and data as the truth, read after the write", async () => {
  await withRaw({ ...AT_ONCE, truthEvents: "first" }, async (_, raw) => {
    const res = await post(raw.url, CHAT, chat({ stream: true, max_tokens: 5 }), {
      "x-request-id": "r-1",
    });
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.equal(res.headers.get("x-request-id"), "r-1");
    const got = await receive(res);
    const [t] = raw.mock.truth.read(true);
    assert.equal(got.failed, false);
    // role + 5 content + finish + [DONE] (no usage asked).
    assert.equal(got.events.length, 8);
    assert.equal(got.events.at(-1)!.data, "[DONE]");
    // "first" keeps the first token event only, and counts them all.
    assert.equal(t.eventCount, 8);
    assert.equal(t.events.length, 1);
    assert.equal(t.events[0].kind, "content");
    assert.equal(t.events[0].data, got.events[1].data);
    assert.equal(t.requestId, "r-1");
    assert.ok(got.events[1].ns >= t.events[0].ns, "the client reads after the write");
    assert.equal(t.completionTokens, 5);
  });
});

Deno.test("raw transport: timed streams, whole replies and errors go out chunked", async () => {
  await withRaw({ itlUs: 100, slots: 2 }, async (client, raw) => {
    const stream = await client.chat.completions.create({
      model: "mock-llm",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 4,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    const whole = await client.chat.completions.create({
      model: "mock-llm",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 3,
    });
    await assert.rejects(
      client.chat.completions.create({ model: "other", messages: [] }),
      (e: unknown) => e instanceof OpenAI.NotFoundError,
    );
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ["mock-llm"]);
    const [s, w] = raw.mock.truth.read(true);
    assert.equal(text, s.content);
    // role, then a write per token; finish and [DONE] share the last token's write.
    assert.equal(s.events.length, 7);
    assert.equal(s.writeNs.length, 5);
    assert.equal(whole.choices[0].message.content, w.content);
    assert.equal(w.completionTokens, 3);
    const lost = await fetch(`http://${raw.url}/v2/health/ready`);
    assert.equal(lost.status, 404);
    await lost.body?.cancel();
  });
});

Deno.test("raw transport: a chunked upload is refused with 411 and the connection closed", async () => {
  await withRaw(AT_ONCE, async (_, raw) => {
    const [hostname, port] = raw.url.split(":");
    const conn = await Deno.connect({ hostname, port: Number(port) });
    await conn.write(
      new TextEncoder().encode(
        `POST ${CHAT} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      ),
    );
    const reply = await new Response(conn.readable).text();
    assert.match(reply, /^HTTP\/1\.1 411 /);
    assert.match(reply, /chunked request bodies are not supported/);
    assert.deepEqual(raw.mock.truth.read(true), []);
  });
});

/** Reads one reply sent whole (content-length) from `conn`, `pending` holding bytes read before. */
async function readWhole(
  conn: Deno.Conn,
  pending: { buf: Uint8Array },
): Promise<{ head: string; body: string }> {
  const text = () => new TextDecoder().decode(pending.buf);
  for (;;) {
    const end = text().indexOf("\r\n\r\n");
    const length = Number(/content-length: (\d+)/.exec(text().slice(0, end))?.[1] ?? -1);
    // The head is ASCII, so string offsets are byte offsets up to its end.
    if (end >= 0 && length >= 0 && pending.buf.length >= end + 4 + length) {
      const head = text().slice(0, end);
      const body = new TextDecoder().decode(pending.buf.subarray(end + 4, end + 4 + length));
      pending.buf = pending.buf.slice(end + 4 + length);
      return { head, body };
    }
    const chunk = new Uint8Array(64 << 10);
    const n = await conn.read(chunk);
    assert.notEqual(n, null, "the connection closed before the reply ended");
    const grown = new Uint8Array(pending.buf.length + n!);
    grown.set(pending.buf);
    grown.set(chunk.subarray(0, n!), pending.buf.length);
    pending.buf = grown;
  }
}

Deno.test("raw transport: pipelined and repeated requests, headers in any case, a long id", async () => {
  await withRaw(AT_ONCE, async (_, raw) => {
    const [hostname, port] = raw.url.split(":");
    const conn = await Deno.connect({ hostname, port: Number(port) });
    const request = (id: string, body: unknown) => {
      const json = JSON.stringify(body);
      return `POST ${CHAT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `X-Request-ID: ${id}\r\nContent-Length: ${json.length}\r\n\r\n${json}`;
    };
    const body = chat({ stream: true, max_tokens: 4 });
    // Longer than the room the transport keeps for a reply's head.
    const long = "r".repeat(700);
    // Two equal bodies in one write, then another body.
    await conn.write(new TextEncoder().encode(request(long, body) + request("b", body)));
    const pending = { buf: new Uint8Array(0) };
    const first = await readWhole(conn, pending);
    const second = await readWhole(conn, pending);
    await conn.write(new TextEncoder().encode(request("c", chat({ stream: true, max_tokens: 2 }))));
    const third = await readWhole(conn, pending);
    conn.close();
    assert.ok(first.head.includes(`x-request-id: ${long}\r\n`));
    assert.ok(second.head.includes("x-request-id: b\r\n"));
    const truths = raw.mock.truth.read(true);
    assert.deepEqual(truths.map((t) => [t.requestId, t.completionTokens]), [
      [long, 4],
      ["b", 4],
      ["c", 2],
    ]);
    for (const [i, reply] of [first, second, third].entries()) {
      const content = reply.body.split("\n\n").filter((e) => e.startsWith("data: {"))
        .map((e) => JSON.parse(e.slice(6)).choices[0]?.delta.content ?? "").join("");
      assert.equal(content, truths[i].content);
      assert.ok(reply.body.includes(`"id":"chatcmpl-${i}"`));
      assert.deepEqual(truths[i].messages, [{ role: "user", content: "one two three four" }]);
    }
    assert.notEqual(truths[0].content, truths[1].content, "each request draws its own words");
  });
});

Deno.test("raw transport: a request cut anywhere across writes is read whole", async () => {
  await withRaw(AT_ONCE, async (_, raw) => {
    const [hostname, port] = raw.url.split(":");
    const conn = await Deno.connect({ hostname, port: Number(port) });
    conn.setNoDelay(true);
    const json = JSON.stringify(chat({ stream: true, max_tokens: 3 }));
    const request = new TextEncoder().encode(
      `POST ${CHAT} HTTP/1.1\r\nhost: x\r\nx-request-id: cut\r\ncontent-length: ${json.length}` +
        `\r\n\r\n${json}`,
    );
    // In the request line, in the blank line ending the head, in the body.
    const head = request.indexOf(13, /* \r */ request.length - json.length - 4);
    for (const [from, to] of [[0, 7], [7, head + 1], [head + 1, head + 20], [head + 20]]) {
      await conn.write(request.subarray(from, to));
      await new Promise((r) => setTimeout(r, 5));
    }
    const reply = await readWhole(conn, { buf: new Uint8Array(0) });
    conn.close();
    assert.ok(reply.head.includes("x-request-id: cut\r\n"));
    const [t] = raw.mock.truth.read(true);
    assert.equal(t.completionTokens, 3);
    assert.ok(reply.body.endsWith("data: [DONE]\n\n"));
  });
});
