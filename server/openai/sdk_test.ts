/**
 * The official `openai` npm client against the mock: if it parses what the mock sends, the mock
 * speaks the real protocol (SSE framing, chunk shapes, usage, error bodies).
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startServer } from "../server.ts";
import type { OpenAiOptions } from "./options.ts";

async function withClient(
  openai: OpenAiOptions,
  body: (client: OpenAI, server: Awaited<ReturnType<typeof startServer>>) => Promise<void>,
): Promise<void> {
  const server = await startServer({ openai });
  // No retries, so a fault status reaches the test as it was sent.
  const client = new OpenAI({ baseURL: `http://${server.url}/v1`, apiKey: "none", maxRetries: 0 });
  try {
    await body(client, server);
  } finally {
    await server.close();
  }
}

Deno.test("openai SDK: a streamed chat with usage matches the mock's truth", async () => {
  await withClient({ itlUs: 200, splitProbability: 0.5, crlf: true }, async (client, server) => {
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
    let finish: string | null = null;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    const [t] = server.openaiTruth();
    assert.equal(text.trim().split(" ").length, 12);
    assert.equal(finish, "length");
    assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 });
    // Every event but [DONE] is a chunk to the SDK.
    assert.equal(chunks, t.events.length - 1);
    assert.equal(t.events.filter((e) => e.kind === "content").length, 12);
    assert.equal(t.completionTokens, 12);
  });
});

Deno.test("openai SDK: completions, whole and streamed", async () => {
  await withClient({ tokensPerEvent: 2 }, async (client, server) => {
    const whole = await client.completions.create({
      model: "mock-llm",
      prompt: "a b",
      max_tokens: 5,
    });
    assert.equal(whole.choices[0].text.trim().split(" ").length, 5);
    assert.equal(whole.usage?.completion_tokens, 5);
    const stream = await client.completions.create({
      model: "mock-llm",
      prompt: "a b",
      max_tokens: 5,
      stream: true,
    });
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0].text);
    assert.deepEqual(parts.map((p) => p.trim().split(" ").filter(Boolean).length), [2, 2, 1, 0]);
    assert.deepEqual(server.openaiTruth().map((t) => t.completionTokens), [5, 5]);
  });
});

Deno.test("openai SDK: embeddings decode to the mock's vectors", async () => {
  // Vectors are seeded per request index: the first request of two equal servers gets the same.
  let floats: number[] = [];
  await withClient({ embeddingDims: 5 }, async (_, server) => {
    const res = await fetch(`http://${server.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "mock-llm", input: ["x y z"], encoding_format: "float" }),
    });
    floats = (await res.json()).data[0].embedding;
  });
  await withClient({ embeddingDims: 5 }, async (client) => {
    // The SDK asks for base64 and decodes it.
    const viaSdk = await client.embeddings.create({ model: "mock-llm", input: ["x y z"] });
    assert.deepEqual(viaSdk.data[0].embedding, floats);
    assert.equal(floats.length, 5);
    assert.equal(viaSdk.usage.prompt_tokens, 3);
  });
});

Deno.test("openai SDK: a 429 and a mid-stream error surface as errors", async () => {
  await withClient({}, async (client) => {
    const limited = client.chat.completions.create(
      { model: "mock-llm", messages: [{ role: "user", content: "hi" }] },
      { headers: { "x-mock-fault": "429" } },
    );
    await assert.rejects(limited, (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.status, 429);
      assert.equal(e.code, "rate_limit_exceeded");
      return true;
    });
    const broken = await client.chat.completions.create(
      { model: "mock-llm", messages: [{ role: "user", content: "hi" }], stream: true },
      { headers: { "x-mock-fault": "error" } },
    );
    await assert.rejects(async () => {
      for await (const _ of broken) { /* read until the error event */ }
    }, /simulated engine failure/);
  });
});
