/**
 * Tokens per event when the server sends usage only at the end: with the builtin tokenizer each
 * event's tokens are exact (the mock's ground truth says how many it wrote in each), without one
 * every token-bearing event counts one.
 */
import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { startServer } from "../../server/mod.ts";
import type { OpenAiOptions } from "../../server/mod.ts";
import { OpenAiBackend } from "./mod.ts";
import { loadTokenCounter, type TokenCounter } from "./tokenizer.ts";
import { payloadSpec } from "./testing/spec.ts";
import { openAiTestOptions } from "./testing/backend.ts";

const BODY = { messages: [{ role: "user", content: "a b c" }], max_tokens: 10 };

/** Sends `n` streamed requests; per request, the record's units per response and the truth's. */
async function unitsAgainstTruth(
  openai: OpenAiOptions,
  counter: TokenCounter | null,
  n: number,
): Promise<{ got: number[][]; truth: number[][]; osl: number[]; usage: number[] }> {
  const server = await startServer({ openai });
  const tokenizer = counter === null ? "server" : "builtin";
  const backend = new OpenAiBackend(openAiTestOptions(server.url, { tokenizer }), counter);
  const got: number[][] = [];
  const osl: number[] = [];
  const usage: number[] = [];
  try {
    const prepared = backend.prepare(payloadSpec(BODY));
    const ch = await backend.connect();
    const record = new RequestRecord();
    for (let i = 0; i < n; i++) {
      record.reset(performance.now() * 1e6);
      await ch.send(prepared, record);
      assert.equal(record.outcome, "ok", record.error);
      got.push([...record.responseUnits.subarray(0, record.responseCount)]);
      osl.push(record.outputUnits);
      usage.push(record.reportedOutputUnits);
    }
    const truth = server.openaiTruth().map((t) => t.events.map((e) => e.tokens));
    return { got, truth, osl, usage };
  } finally {
    await backend.close();
    await server.close();
  }
}

// Usage only in the final chunk (the request's include_usage), 3 tokens per event, writes cut.
const MOCK: OpenAiOptions = { tokensPerEvent: 3, splitProbability: 0.5, seed: 4 };

Deno.test("tokens per event: exact with the builtin tokenizer, from one count of the text", async () => {
  const counter = await loadTokenCounter("builtin");
  const { got, truth, osl, usage } = await unitsAgainstTruth(MOCK, counter, 3);
  // role, 3 + 3 + 3 + 1 tokens, finish, usage, [DONE]
  for (const t of truth) assert.deepEqual(t, [0, 3, 3, 3, 1, 0, 0, 0]);
  assert.deepEqual(got, truth);
  assert.deepEqual(osl, [10, 10, 10]);
  assert.deepEqual(usage, [10, 10, 10]);
});

Deno.test("tokens per event: without a tokenizer and without continuous usage, one per event", async () => {
  const { got, truth, osl } = await unitsAgainstTruth(MOCK, null, 2);
  for (const g of got) assert.deepEqual(g, [0, 1, 1, 1, 1, 0, 0, 0]);
  assert.notDeepEqual(got, truth, "not exact: the events held 3, 3, 3 and 1 tokens");
  assert.deepEqual(osl, [10, 10], "the length is still the usage's");
});

Deno.test("tokens per event: a tokenizer's exact counts replace continuous usage's", async () => {
  // The usage offset makes the server's running counts disagree with the text by 2 tokens.
  const counter = await loadTokenCounter("builtin");
  const { got, truth, osl, usage } = await unitsAgainstTruth(
    { ...MOCK, usage: "continuous", usageOffset: 2 },
    counter,
    2,
  );
  assert.deepEqual(got, truth);
  assert.deepEqual(osl, [10, 10]);
  assert.deepEqual(usage, [12, 12]);
});
