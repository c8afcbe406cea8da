import assert from "node:assert/strict";
import type { RequestSpec } from "../../core/backend.ts";
import {
  DEFAULT_MAX_TOKENS,
  encodeOpenAiRequest,
  expectedOutputOf,
  type OpenAiEncoding,
  promptText,
  requestBody,
} from "./request.ts";
import { payloadTextsSpec } from "./testing/spec.ts";

function spec(payloads: string[]): RequestSpec {
  return payloadTextsSpec(payloads, "m1");
}

const ENC: OpenAiEncoding = {
  hostHeader: "h:1",
  headers: [["Authorization", "Bearer k"]],
  endpoint: "v1/chat/completions",
  streaming: true,
  payloadFromData: true,
};

Deno.test("payload: model and streaming fields are added only where the body lacks them", () => {
  const bare = requestBody(spec(['{"messages":[]}']), ENC);
  assert.deepEqual(bare, {
    messages: [],
    model: "m1",
    stream: true,
    stream_options: { include_usage: true },
  });
  const own = requestBody(
    spec(['{"model":"x","stream":true,"stream_options":{"continuous_usage_stats":true}}']),
    ENC,
  );
  assert.deepEqual(own, {
    model: "x",
    stream: true,
    stream_options: { continuous_usage_stats: true, include_usage: true },
  });
  const kept = requestBody(spec(['{"stream_options":{"include_usage":false}}']), ENC);
  assert.deepEqual(kept.stream_options, { include_usage: false });
  const notStreamed = requestBody(spec(['{"stream":false}']), ENC);
  assert.equal(notStreamed.stream_options, undefined);
  const plain = requestBody(spec(["{}"]), { ...ENC, streaming: false });
  assert.deepEqual(plain, { model: "m1" });
});

Deno.test("without input data each endpoint gets its default body", () => {
  const enc = { ...ENC, streaming: false, payloadFromData: false };
  const chat = requestBody(spec(["ignored"]), enc);
  assert.equal(chat.max_tokens, DEFAULT_MAX_TOKENS);
  assert.ok(Array.isArray(chat.messages));
  const comp = requestBody(spec(["ignored"]), { ...enc, endpoint: "v1/completions" });
  assert.equal(typeof comp.prompt, "string");
  const emb = requestBody(spec(["ignored"]), { ...enc, endpoint: "v1/embeddings" });
  assert.deepEqual(Object.keys(emb).sort(), ["input", "model"]);
});

Deno.test("the request is one POST with -H headers and an exact Content-Length", () => {
  const bytes = encodeOpenAiRequest(spec(['{"prompt":"é"}']), ENC).bytes;
  const text = new TextDecoder().decode(bytes);
  const [head, body] = text.split("\r\n\r\n");
  assert.match(head, /^POST \/v1\/chat\/completions HTTP\/1\.1\r\n/);
  assert.match(head, /\r\nAuthorization: Bearer k(\r\n|$)/);
  assert.match(head, /\r\nAccept: text\/event-stream\r\n/);
  const length = Number(head.match(/Content-Length: (\d+)/)?.[1]);
  assert.equal(length, new TextEncoder().encode(body).length);
  assert.equal(JSON.parse(body).prompt, "é");
});

Deno.test("a payload that is not one JSON object is a clear error", () => {
  assert.throws(() => requestBody(spec(["not json"]), ENC), /"payload" is not a JSON object/);
  assert.throws(() => requestBody(spec(["[1]"]), ENC), /must be a JSON object/);
  assert.throws(() => requestBody(spec(["{}", "{}"]), ENC), /exactly one request body/);
});

Deno.test("the prompt text a tokenizer counts: message contents, prompts, inputs", () => {
  assert.equal(
    promptText({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url" }] },
      ],
    }),
    "be brief hi",
  );
  assert.equal(promptText({ prompt: ["a", "b"] }), "a b");
  assert.equal(promptText({ input: "x" }), "x");
  const counted = encodeOpenAiRequest(spec(['{"prompt":"a b c"}']), ENC, (t) => t.length);
  assert.equal(counted.inputTokens, 5);
  assert.equal(encodeOpenAiRequest(spec(["{}"]), ENC).inputTokens, -1);
});

Deno.test("request parameters: top-level fields over the payload's, before the run's defaults", () => {
  const payload = '{"messages":[],"max_tokens":256,"temperature":0.5}';
  const parameters = [
    { name: "max_tokens", value: 64 },
    { name: "ignore_eos", value: true },
    { name: "stream", value: false },
  ];
  assert.deepEqual(requestBody(spec([payload]), { ...ENC, parameters }), {
    messages: [],
    max_tokens: 64,
    temperature: 0.5,
    ignore_eos: true,
    // A parameter is what the user asked for: --streaming adds neither stream nor its options.
    stream: false,
    model: "m1",
  });
  const model = [{ name: "model", value: "served-name" }];
  const noData = requestBody(spec([]), { ...ENC, payloadFromData: false, parameters: model });
  assert.equal(noData.model, "served-name");
  assert.equal(noData.max_tokens, DEFAULT_MAX_TOKENS);
});

Deno.test("expectedOutputOf: only a body pinning its length with min_tokens and ignore_eos", () => {
  const pinned = { max_tokens: 12, min_tokens: 12, ignore_eos: true };
  assert.equal(expectedOutputOf(pinned), 12);
  assert.equal(
    expectedOutputOf({ max_completion_tokens: 7, max_tokens: 99, min_tokens: 7, ignore_eos: true }),
    7,
  );
  assert.equal(expectedOutputOf({ ...pinned, ignore_eos: false }), -1);
  assert.equal(expectedOutputOf({ ...pinned, min_tokens: 11 }), -1);
  assert.equal(expectedOutputOf({ min_tokens: 12, ignore_eos: true }), -1);
  assert.equal(expectedOutputOf({ max_tokens: 1.5, min_tokens: 1.5, ignore_eos: true }), -1);
});
