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
