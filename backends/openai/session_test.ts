import assert from "node:assert/strict";
import type { RequestSpec } from "../../core/backend.ts";
import type { OpenAiEndpointPath } from "./options.ts";
import { type OpenAiEncoding, type PreparedOpenAi } from "./request.ts";
import { OpenAiConversation } from "./session.ts";
import { payloadSpec } from "./testing/spec.ts";

function spec(body: Record<string, unknown>): RequestSpec {
  return payloadSpec(body, "m1");
}

function enc(endpoint: OpenAiEndpointPath, streaming = false): OpenAiEncoding {
  return { hostHeader: "h:1", headers: [], endpoint, streaming, payloadFromData: true };
}

/** The JSON body of an encoded request, checking Content-Length on the way. */
function bodyOf(p: PreparedOpenAi): Record<string, unknown> {
  const text = new TextDecoder().decode(p.bytes);
  const at = text.indexOf("\r\n\r\n");
  const body = text.slice(at + 4);
  assert.match(
    text.slice(0, at),
    new RegExp(`Content-Length: ${new TextEncoder().encode(body).length}\r`),
  );
  return JSON.parse(body);
}

/** What a channel does while a turn's reply streams in: appends its content pieces. */
function answer(p: PreparedOpenAi, ...pieces: string[]): void {
  assert.ok(p.reply !== null, "a session turn collects its reply");
  p.reply.push(...pieces);
}

const user = (content: string) => ({ role: "user", content });

Deno.test("chat: each turn carries the earlier turns' messages and the replies received", () => {
  const c = new OpenAiConversation([
    spec({ messages: [{ role: "system", content: "terse" }, user("q0")], max_tokens: 4 }),
    spec({ messages: [user("q1")], max_tokens: 5 }),
    spec({ messages: [user("q2")], temperature: 0 }),
  ], enc("v1/chat/completions", true));
  const t0 = c.turn(0);
  assert.deepEqual(bodyOf(t0), {
    messages: [{ role: "system", content: "terse" }, user("q0")],
    max_tokens: 4,
    model: "m1",
    stream: true,
    stream_options: { include_usage: true },
  });
  answer(t0, " the", " of");
  const t1 = c.turn(1);
  assert.deepEqual(bodyOf(t1).messages, [
    { role: "system", content: "terse" },
    user("q0"),
    { role: "assistant", content: " the of" },
    user("q1"),
  ]);
  assert.equal(bodyOf(t1).max_tokens, 5, "each turn keeps its own parameters");
  answer(t1, "");
  const t2 = c.turn(2);
  assert.deepEqual(bodyOf(t2), {
    messages: [
      { role: "system", content: "terse" },
      user("q0"),
      { role: "assistant", content: " the of" },
      user("q1"),
      { role: "assistant", content: "" },
      user("q2"),
    ],
    temperature: 0,
    model: "m1",
    stream: true,
    stream_options: { include_usage: true },
  });
});

Deno.test("completions: each prompt is the prompts and replies so far, then its own", () => {
  const c = new OpenAiConversation(
    [spec({ prompt: "A:" }), spec({ prompt: " B:" }), spec({ prompt: " C:" })],
    enc("v1/completions"),
  );
  const t0 = c.turn(0);
  assert.equal(bodyOf(t0).prompt, "A:");
  answer(t0, " one", " two");
  const t1 = c.turn(1);
  assert.equal(bodyOf(t1).prompt, "A: one two B:");
  answer(t1, " three");
  assert.deepEqual(bodyOf(c.turn(2)), { prompt: "A: one two B: three C:", model: "m1" });
});

Deno.test("a tokenizer counts the whole prompt a turn sends, history included", () => {
  const words = (text: string) => text.split(" ").filter((w) => w !== "").length;
  const c = new OpenAiConversation(
    [spec({ messages: [user("a b")] }), spec({ messages: [user("c")] })],
    enc("v1/chat/completions"),
    words,
  );
  const t0 = c.turn(0);
  assert.equal(t0.inputTokens, 2);
  answer(t0, "x y z");
  assert.equal(c.turn(1).inputTokens, 6);
});

Deno.test("every turn is checked before any is sent; turns are played in order", () => {
  assert.throws(
    () =>
      new OpenAiConversation(
        [spec({ messages: [user("a")] }), spec({ prompt: "no messages" })],
        enc("v1/chat/completions"),
      ),
    /session turn 1: the payload needs a "messages" list/,
  );
  assert.throws(
    () => new OpenAiConversation([spec({ prompt: ["a", "b"] })], enc("v1/completions")),
    /session turn 0: the payload needs a string "prompt"/,
  );
  assert.throws(
    () => new OpenAiConversation([spec({ input: "a" })], enc("v1/embeddings")),
    /needs --endpoint v1\/chat\/completions or v1\/completions/,
  );
  const c = new OpenAiConversation(
    [spec({ messages: [user("a")] }), spec({ messages: [user("b")] })],
    enc("v1/chat/completions"),
  );
  assert.throws(() => c.turn(1), RangeError);
});
