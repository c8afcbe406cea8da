import assert from "node:assert/strict";
import type { BackendOptions } from "../../core/backend.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { startServer } from "../../server/mod.ts";
import type { OpenAiOptions } from "../../server/mod.ts";
import { OpenAiBackend } from "./mod.ts";
import type { OpenAiBackendOptions, OpenAiEndpointPath } from "./options.ts";
import { PAYLOAD_INPUT } from "./request.ts";
import { payloadSpec } from "./testing/spec.ts";
import { openAiTestOptions } from "./testing/backend.ts";

function options(
  url: string,
  endpoint: OpenAiEndpointPath,
  extra: Partial<BackendOptions<OpenAiBackendOptions>> = {},
): BackendOptions<OpenAiBackendOptions> {
  return openAiTestOptions(url, { endpoint }, extra);
}

async function withBackend(
  openai: OpenAiOptions,
  endpoint: OpenAiEndpointPath,
  body: Record<string, unknown>,
  fn: (
    send: () => Promise<RequestRecord>,
    backend: OpenAiBackend,
    closeChannel: () => void,
  ) => Promise<void>,
  extra: Partial<BackendOptions<OpenAiBackendOptions>> = {},
): Promise<void> {
  const server = await startServer({ openai });
  const backend = new OpenAiBackend(options(server.url, endpoint, extra), null);
  try {
    const prepared = backend.prepare(payloadSpec(body));
    const ch = await backend.connect();
    const record = new RequestRecord();
    await fn(
      async () => {
        record.reset(performance.now() * 1e6);
        await ch.send(prepared, record);
        return record;
      },
      backend,
      () => ch.close(),
    );
  } finally {
    await backend.close();
    await server.close();
  }
}

const CHAT_BODY = { messages: [{ role: "user", content: "a b c" }], max_tokens: 6 };

Deno.test("describe: the model must be listed by GET /v1/models", async () => {
  const server = await startServer({ openai: { model: "served-one" } });
  const backend = new OpenAiBackend(options(server.url, "v1/chat/completions"), null);
  try {
    const info = await backend.describe("served-one", "");
    assert.equal(info.responses, "many");
    assert.deepEqual(info.inputs.map((i) => i.name), [PAYLOAD_INPUT]);
    await assert.rejects(
      () => backend.describe("other", ""),
      /model 'other' is not served by .*; it serves: 'served-one'/,
    );
  } finally {
    await backend.close();
    await server.close();
  }
  assert.deepEqual(backend.capabilities, {
    responses: "many",
    units: "tokens",
    endpoint: "v1/chat/completions",
  });
});

Deno.test("a stream's events: role chunk 0 tokens, one per token event, usage sets the lengths", async () => {
  await withBackend({ roleChunk: "immediate" }, "v1/chat/completions", CHAT_BODY, async (send) => {
    const r = await send();
    assert.equal(r.outcome, "ok", r.error);
    const units = Array.from(r.responseUnits.subarray(0, r.responseCount));
    // role, 6 tokens, finish, usage, [DONE]
    assert.deepEqual(units, [0, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual([r.reportedOutputUnits, r.inputUnits, r.unitsAreTokens], [6, 3, true]);
    assert.equal(r.firstTokenNs, r.responseNs[1]);
  });
});

Deno.test("continuous usage gives each event's exact tokens", async () => {
  await withBackend(
    { tokensPerEvent: 3, usage: "continuous", roleChunk: "none" },
    "v1/completions",
    { prompt: "x", max_tokens: 7 },
    async (send) => {
      const r = await send();
      assert.equal(r.outcome, "ok", r.error);
      const units = Array.from(r.responseUnits.subarray(0, r.responseCount)).filter((u) => u > 0);
      assert.deepEqual(units, [3, 3, 1]);
      assert.equal(r.outputUnits, 7);
    },
  );
});

Deno.test("mid-stream error event and missing [DONE] are failures, an error status shows its message", async () => {
  const cases: [string, string, RegExp][] = [
    ["error", "server_error", /^error event in the stream: /],
    ["truncate", "protocol_error", /^stream ended without \[DONE\]/],
    ["abort", "transport_error", /./],
    ["429", "server_error", /^HTTP 429: /],
  ];
  for (const [fault, outcome, text] of cases) {
    await withBackend(
      {},
      "v1/chat/completions",
      CHAT_BODY,
      async (send) => {
        const r = await send();
        assert.equal(r.outcome, outcome, `${fault}: ${r.error}`);
        assert.match(r.error, text);
      },
      { headers: [["x-mock-fault", fault]] },
    );
  }
});

Deno.test("the request timeout covers the stream; closing the channel cancels", async () => {
  await withBackend(
    { ttftUs: 5000, itlUs: 100000 },
    "v1/chat/completions",
    CHAT_BODY,
    async (send) => {
      const r = await send();
      assert.equal(r.outcome, "timeout", r.error);
      assert.match(r.error, /no response within 60 ms/);
      // The first token arrived before the timeout: the events so far stay recorded.
      assert.ok(r.tokenEvents >= 1);
    },
    { requestTimeoutMs: 60 },
  );
  await withBackend(
    { ttftUs: 5000, itlUs: 100000 },
    "v1/chat/completions",
    CHAT_BODY,
    async (send, _backend, closeChannel) => {
      const sent = send();
      setTimeout(closeChannel, 30);
      const r = await sent;
      assert.equal(r.outcome, "cancelled", r.error);
    },
  );
});

Deno.test("embeddings: one response, input length from usage, no token units", async () => {
  await withBackend(
    {},
    "v1/embeddings",
    { input: "one two three four" },
    async (send, backend) => {
      assert.deepEqual(backend.capabilities, {
        responses: "one",
        units: "responses",
        endpoint: "v1/embeddings",
      });
      const r = await send();
      assert.equal(r.outcome, "ok", r.error);
      assert.deepEqual([r.responseCount, r.inputUnits, r.unitsAreTokens], [1, 4, false]);
    },
    { streaming: false },
  );
});
