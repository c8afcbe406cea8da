import assert from "node:assert/strict";
import { ChunkReading, errorReplyText } from "./events.ts";

function read(json: unknown): ChunkReading {
  const c = new ChunkReading();
  c.read(json);
  return c;
}

Deno.test("chunks are classed by what they carry", () => {
  const role = read({ choices: [{ delta: { role: "assistant", content: "" } }] });
  assert.equal(role.kind, "role");
  assert.equal(role.bearsTokens, false);
  const content = read({ choices: [{ delta: { content: "Hel" } }] });
  assert.deepEqual([content.kind, content.text, content.bearsTokens], ["content", "Hel", true]);
  assert.equal(read({ choices: [{ delta: { reasoning_content: "hm" } }] }).kind, "reasoning");
  assert.equal(read({ choices: [{ delta: { reasoning: "hm" } }] }).kind, "reasoning");
  const tool = read({
    choices: [{ delta: { tool_calls: [{ function: { name: "f", arguments: "{" } }] } }],
  });
  assert.deepEqual([tool.kind, tool.text], ["tool_call", "f{"]);
  assert.equal(read({ choices: [{ text: "abc" }] }).kind, "content");
  assert.equal(read({ choices: [{ delta: {}, finish_reason: "stop" }] }).kind, "other");
  const usage = read({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 9 } });
  assert.deepEqual([usage.kind, usage.promptTokens, usage.completionTokens], ["usage", 3, 9]);
  const cont = read({ choices: [{ delta: { content: "a" } }], usage: { completion_tokens: 4 } });
  assert.deepEqual([cont.kind, cont.completionTokens], ["content", 4]);
  const err = read({ error: { message: "boom", code: 500 } });
  assert.deepEqual([err.kind, err.error], ["error", "boom"]);
  assert.equal(read({ choices: null }).kind, "other");
  assert.equal(read("x").kind, "other");
});

Deno.test("a whole reply reads its message and usage", () => {
  const r = read({
    choices: [{ message: { role: "assistant", content: "hi there" } }],
    usage: { prompt_tokens: 2, completion_tokens: 2 },
  });
  assert.deepEqual([r.kind, r.text, r.completionTokens], ["content", "hi there", 2]);
});

Deno.test("error replies show the server's message", () => {
  assert.equal(
    errorReplyText(429, '{"error":{"message":"slow down","type":"rate_limit"}}'),
    "HTTP 429: slow down",
  );
  assert.equal(errorReplyText(400, '{"object":"error","message":"bad"}'), "HTTP 400: bad");
  assert.equal(errorReplyText(422, '{"detail":"missing"}'), "HTTP 422: missing");
  assert.equal(errorReplyText(502, "gateway"), "HTTP 502: gateway");
  assert.equal(errorReplyText(500, ""), "HTTP 500");
});
