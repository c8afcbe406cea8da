import assert from "node:assert/strict";
import { startServer } from "../server.ts";
import type { ServerOptions } from "../options.ts";
import type { OpenAiOptions } from "./options.ts";
import type { OpenAiRequestTruth } from "./truth.ts";
import { CHAT, chat, post, receive, type Received } from "./testing.ts";
import { startServerWorker } from "../worker_client.ts";

async function withMock(
  openai: OpenAiOptions,
  body: (url: string, truth: () => OpenAiRequestTruth[]) => Promise<void>,
  options: ServerOptions = {},
): Promise<void> {
  const server = await startServer({ ...options, openai });
  try {
    await body(server.url, () => server.openaiTruth());
  } finally {
    await server.close();
  }
}

type Chunk = {
  choices: { delta: Record<string, string>; finish_reason: string | null }[];
  usage?: unknown;
};

const json = (r: Received) =>
  r.events.map((e) => e.data === "[DONE]" ? e.data : JSON.parse(e.data));

/** The truth and what the client read agree: one event each, never read before written. */
function assertMatches(t: OpenAiRequestTruth, r: Received): void {
  assert.equal(r.events.length, t.events.length);
  for (let i = 0; i < t.events.length; i++) {
    assert.ok(r.events[i].ns >= t.events[i].ns, `event ${i} read before it was written`);
    assert.equal(r.events[i].data, t.events[i].data, `event ${i}'s data`);
  }
  assert.equal(t.writeNs.length >= 1, true);
}

Deno.test("GET /v1/models lists the one model; wrong methods, models and bodies are refused", async () => {
  await withMock({ model: "tiny" }, async (url) => {
    const models = await fetch(`http://${url}/v1/models`);
    assert.deepEqual(await models.json(), {
      object: "list",
      data: [{ id: "tiny", object: "model", created: 0, owned_by: "reference-server" }],
    });
    const get = await fetch(`http://${url}${CHAT}`);
    assert.equal(get.status, 405);
    assert.equal((await get.json()).error.type, "invalid_request_error");
    const unknown = await post(url, CHAT, chat());
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), {
      error: {
        message: "The model 'mock-llm' does not exist",
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      },
    });
    const bad = await post(url, CHAT, { ...chat({ model: "tiny" }), max_tokens: 0 });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.param, "max_tokens");
    const noMessages = await post(url, CHAT, { model: "tiny", messages: [] });
    assert.equal(noMessages.status, 400);
    await noMessages.body?.cancel();
    // TF Serving's /v1/models/{name} stays TF Serving's.
    const tf = await fetch(`http://${url}/v1/models/simple`);
    assert.equal(tf.status, 200);
    assert.ok("model_version_status" in await tf.json());
  });
});

Deno.test("a chat stream: max_tokens tokens, include_usage, and the truth of every event", async () => {
  await withMock({ ttftUs: 3000, itlUs: 500 }, async (url, truth) => {
    const r = await receive(
      await post(
        url,
        CHAT,
        chat({ max_tokens: 6, stream: true, stream_options: { include_usage: true } }),
        { "x-request-id": "req-7" },
      ),
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/event-stream");
    assert.equal(r.headers.get("x-request-id"), "req-7");
    const chunks = json(r);
    assert.equal(chunks.at(-1), "[DONE]");
    const usage = chunks.at(-2) as Chunk;
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(usage.usage, { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
    const content = (chunks.slice(0, -1) as Chunk[]).filter((c) => c.choices[0]?.delta.content);
    assert.equal(content.length, 6);
    const [t] = truth();
    assert.equal(t.id, "chatcmpl-0");
    assert.equal(t.requestId, "req-7");
    assert.equal(t.completionTokens, 6);
    assert.equal(t.promptTokens, 4);
    assert.equal(t.finishReason, "length");
    assert.equal(t.events.filter((e) => e.kind === "content").length, 6);
    assertMatches(t, r);
    // Never early: the first token at or after the TTFT, each next one a gap later.
    const tokens = t.events.filter((e) => e.kind === "content");
    for (let i = 0; i < tokens.length; i++) {
      assert.ok(tokens[i].ns - t.startNs >= 3e6 + i * 5e5, `token ${i} early`);
    }
    assert.ok(t.headersNs <= t.events[0].ns && t.endNs === t.events.at(-1)!.ns);
  });
});

Deno.test("usage none, final and continuous; max_completion_tokens wins over max_tokens", async () => {
  for (const usage of ["none", "final", "continuous"] as const) {
    await withMock({ usage }, async (url) => {
      const r = await receive(
        await post(url, CHAT, chat({ max_completion_tokens: 3, max_tokens: 9, stream: true })),
      );
      const chunks = json(r).slice(0, -1) as Chunk[];
      const usageChunks = chunks.filter((c) => c.choices.length === 0);
      assert.equal(usageChunks.length, usage === "none" ? 0 : 1, usage);
      const withCounts = chunks.filter((c) => c.usage !== undefined && c.usage !== null);
      assert.equal(withCounts.length, usage === "none" ? 0 : usage === "final" ? 1 : chunks.length);
      if (usage === "final") assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
      const contentTokens = chunks.filter((c) => c.choices[0]?.delta.content).length;
      assert.equal(contentTokens, 3);
    });
  }
});

Deno.test("min_tokens and ignore_eos against a model that stops early; the default length", async () => {
  await withMock({ eosAfter: 4, outputTokens: 7 }, async (url, truth) => {
    const ask = async (extra: Record<string, unknown>) => {
      const res = await post(url, "/v1/completions", {
        model: "mock-llm",
        prompt: ["a b c"],
        ...extra,
      });
      return (await res.json()) as { choices: { finish_reason: string }[]; usage: unknown };
    };
    const early = await ask({ max_tokens: 10 });
    assert.equal(early.choices[0].finish_reason, "stop");
    assert.deepEqual(early.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    const min = await ask({ max_tokens: 10, min_tokens: 6 });
    assert.equal((min.usage as { completion_tokens: number }).completion_tokens, 6);
    const ignore = await ask({ max_tokens: 10, ignore_eos: true });
    assert.equal(ignore.choices[0].finish_reason, "length");
    assert.equal((ignore.usage as { completion_tokens: number }).completion_tokens, 10);
    const fallback = await ask({ ignore_eos: true });
    assert.equal((fallback.usage as { completion_tokens: number }).completion_tokens, 7);
    assert.deepEqual(truth().map((t) => t.completionTokens), [4, 6, 10, 7]);
    assert.deepEqual(truth().map((t) => t.events.map((e) => e.kind)), [
      ["json"],
      ["json"],
      ["json"],
      ["json"],
    ]);
  });
});

Deno.test("stopAfter: replies stop early even when min_tokens and ignore_eos pin them", async () => {
  await withMock({ stopAfter: 5 }, async (url, truth) => {
    const ask = async (extra: Record<string, unknown>) => {
      const res = await post(url, "/v1/completions", {
        model: "mock-llm",
        prompt: "a b",
        ...extra,
      });
      return (await res.json()) as { choices: { finish_reason: string }[] };
    };
    const pinned = await ask({ max_tokens: 9, min_tokens: 9, ignore_eos: true });
    assert.equal(pinned.choices[0].finish_reason, "stop");
    const short = await ask({ max_tokens: 3, min_tokens: 3, ignore_eos: true });
    assert.equal(short.choices[0].finish_reason, "length");
    assert.deepEqual(truth().map((t) => t.completionTokens), [5, 3]);
  });
});

Deno.test("non-streaming chat and a completions stream", async () => {
  await withMock({ reasoningTokens: 2, tokensPerEvent: 3 }, async (url, truth) => {
    const whole = await (await post(url, CHAT, chat({ max_tokens: 5 }))).json();
    assert.equal(whole.object, "chat.completion");
    assert.equal(whole.choices[0].message.role, "assistant");
    assert.equal(whole.choices[0].message.reasoning_content.trim().split(" ").length, 2);
    assert.equal(whole.choices[0].message.content.trim().split(" ").length, 3);
    assert.equal(whole.usage.completion_tokens_details.reasoning_tokens, 2);
    const r = await receive(
      await post(url, "/v1/completions", {
        model: "mock-llm",
        prompt: "x y",
        max_tokens: 7,
        stream: true,
      }),
    );
    const chunks = json(r).slice(0, -1) as { object: string; choices: { text: string }[] }[];
    assert.ok(chunks.every((c) => c.object === "text_completion"));
    // Reasoning is chat-only: 7 tokens in events of 3, 3, 1, then the finish chunk.
    assert.deepEqual(
      chunks.map((c) => c.choices[0].text.trim().split(" ").filter(Boolean).length),
      [
        3,
        3,
        1,
        0,
      ],
    );
    const [, t] = truth();
    assert.deepEqual(t.events.map((e) => e.tokens), [3, 3, 1, 0, 0]);
    assertMatches(t, r);
  });
});

Deno.test("embeddings: float, base64 of the same vectors, dimensions and token usage", async () => {
  await withMock({ seed: 5, embeddingDims: 4 }, async (url) => {
    const floats = await (await post(url, "/v1/embeddings", {
      model: "mock-llm",
      input: ["a b", "c"],
    })).json();
    assert.equal(floats.object, "list");
    assert.equal(floats.data.length, 2);
    assert.equal(floats.data[1].embedding.length, 4);
    assert.deepEqual(floats.usage, { prompt_tokens: 3, total_tokens: 3 });
    const ids = await (await post(url, "/v1/embeddings", {
      model: "mock-llm",
      input: [[1, 2, 3]],
      dimensions: 6,
      encoding_format: "base64",
    })).json();
    const bytes = Uint8Array.from(atob(ids.data[0].embedding), (c) => c.charCodeAt(0));
    assert.equal(new Float32Array(bytes.buffer).length, 6);
    assert.equal(ids.usage.prompt_tokens, 3);
  });
});

Deno.test("status faults carry OpenAI's error body; drawn faults repeat per seed", async () => {
  await withMock({}, async (url, truth) => {
    for (const status of ["429", "500", "503"]) {
      const res = await post(url, CHAT, chat({ stream: true }), { "x-mock-fault": status });
      assert.equal(res.status, Number(status));
      const body = await res.json();
      assert.deepEqual(Object.keys(body.error), ["message", "type", "param", "code"]);
    }
    assert.deepEqual(truth().map((t) => [t.status, t.fault, t.events[0].kind]), [
      [429, "429", "error"],
      [500, "500", "error"],
      [503, "503", "error"],
    ]);
  });
  const drawn = async (seed: number) => {
    let statuses: number[] = [];
    await withMock({ seed, faults: { "503": 0.3, "429": 0.2 } }, async (url, truth) => {
      for (let i = 0; i < 40; i++) {
        await (await post(url, CHAT, chat({ max_tokens: 1 }))).body?.cancel();
      }
      statuses = truth().map((t) => t.status);
    });
    return statuses;
  };
  const a = await drawn(3);
  assert.deepEqual(await drawn(3), a);
  assert.notDeepEqual(await drawn(4), a);
  const count = (s: number) => a.filter((x) => x === s).length;
  assert.ok(count(503) > 4 && count(429) > 2 && count(200) > 10, String(a));
});

Deno.test("mid-stream faults: error event then [DONE], a stream without [DONE], a dropped body", async () => {
  await withMock({ faultAfterEvents: 2, roleChunk: "none" }, async (url, truth) => {
    const ask = async (fault: string) =>
      await receive(
        await post(url, CHAT, chat({ max_tokens: 5, stream: true }), { "x-mock-fault": fault }),
      );
    const error = await ask("error");
    assert.equal(error.status, 200);
    const chunks = json(error);
    assert.deepEqual(chunks.at(-2), {
      error: {
        message: "simulated engine failure after the stream started",
        type: "InternalServerError",
        param: null,
        code: 500,
      },
    });
    assert.equal(chunks.at(-1), "[DONE]");
    assert.equal(chunks.length, 4);
    const truncated = await ask("truncate");
    assert.equal(truncated.failed, false);
    assert.equal(truncated.events.length, 2);
    assert.ok(!truncated.text.includes("[DONE]"));
    const dropped = await ask("abort");
    assert.equal(dropped.failed, true);
    assert.equal(dropped.events.length, 2);
    const [e, t, a] = truth();
    assert.deepEqual([e.fault, t.fault, a.fault], ["error", "truncate", "abort"]);
    assert.deepEqual([e.completionTokens, t.completionTokens, a.completionTokens], [2, 2, 2]);
    assert.deepEqual([e.plannedTokens, e.finishReason], [5, null]);
    assertMatches(e, error);
    assertMatches(t, truncated);
  });
});

Deno.test("one slot: queued streams start when the one before ends, so TTFT grows", async () => {
  await withMock({ slots: 1, ttftUs: 15_000, roleChunk: "none" }, async (url, truth) => {
    const replies = await Promise.all(
      [0, 1, 2].map((i) =>
        post(url, CHAT, chat({ max_tokens: 1, stream: true }), { "x-request-id": String(i) })
          .then(receive)
      ),
    );
    assert.ok(replies.every((r) => r.events.length === 3));
    const ts = truth().sort((a, b) => a.startNs - b.startNs);
    for (let i = 0; i < ts.length; i++) {
      if (i > 0) assert.ok(ts[i].startNs >= ts[i - 1].endNs, "a slot is never shared");
      // The i-th in line waits for i turns of at least 15 ms each before its own TTFT.
      const first = ts[i].events[0].ns;
      assert.ok(first >= ts[0].startNs + (i + 1) * 15e6, `request ${i} wrote too early`);
    }
    assert.ok(ts[2].startNs - ts[2].arrivalNs >= 30e6 - (ts[2].arrivalNs - ts[0].arrivalNs));
  });
});

Deno.test("a client that goes away frees its slot and is recorded as cancelled", async () => {
  await withMock({ slots: 1, itlUs: 2000 }, async (url, truth) => {
    const abort = new AbortController();
    const res = await post(url, CHAT, chat({ max_tokens: 500, stream: true }), {}, abort.signal);
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel().catch(() => {});
    const next = await receive(await post(url, CHAT, chat({ max_tokens: 2, stream: true })));
    assert.equal(next.events.length, 5);
    const [gone] = truth();
    assert.equal(gone.cancelled, true);
    assert.ok(gone.completionTokens < 500);
  });
});

Deno.test("the same seed gives the same tokens and timing; another seed does not", async () => {
  const run = async (seed: number) => {
    let out: { text: string; tokens: number[]; writes: number } | undefined;
    await withMock({
      seed,
      tokensPerEvent: 2,
      splitProbability: 0.5,
      crlf: true,
      unicodeTokens: true,
      itlUs: { kind: "lognormal", meanUs: 300, stdUs: 200 },
    }, async (url, truth) => {
      const r = await receive(await post(url, CHAT, chat({ max_tokens: 9, stream: true })));
      const [t] = truth();
      assertMatches(t, r);
      const content = (json(r).slice(0, -1) as Chunk[]).map((c) => c.choices[0]?.delta.content)
        .join("");
      out = { text: content, tokens: t.events.map((e) => e.tokens), writes: t.writeNs.length };
    });
    return out!;
  };
  const a = await run(11);
  assert.deepEqual(await run(11), a);
  assert.notEqual((await run(12)).text, a.text);
  assert.deepEqual(a.tokens, [0, 2, 2, 2, 2, 1, 0, 0]);
});

Deno.test("a server stall holds every write until it ends", async () => {
  await withMock({ itlUs: 4000, roleChunk: "none" }, async (url, truth) => {
    const r = await receive(await post(url, CHAT, chat({ max_tokens: 40, stream: true })));
    assert.equal(r.events.length, 42);
    const w = truth()[0].writeNs;
    const gaps = w.slice(1).map((ns, i) => ns - w[i]);
    // 40 writes 4 ms apart span 156 ms, so at least one 60 ms stall falls inside.
    assert.ok(gaps.some((g) => g >= 40e6), `largest gap ${Math.max(...gaps)} ns`);
  }, { stall: { everyMs: 120, forMs: 60 } });
});

Deno.test("the Worker server reports the truth on the caller's clock", async () => {
  const server = await startServerWorker({ openai: { itlUs: 1000 } });
  try {
    const before = Math.round(performance.now() * 1e6);
    const r = await receive(await post(server.url, CHAT, chat({ max_tokens: 4, stream: true })));
    const [t] = await server.openaiTruth(true);
    assert.ok(t.arrivalNs >= before, "arrival after the send");
    assertMatches(t, r);
    // Sent <= arrival <= written <= read bounds the shift from both sides; without it the
    // Worker's clock would lag by its start time. The loose upper bound tolerates a loaded host.
    for (let i = 0; i < t.events.length; i++) assert.ok(r.events[i].ns - t.events[i].ns < 200e6);
    assert.deepEqual(await server.openaiTruth(), []);
  } finally {
    await server.close();
  }
});

Deno.test("sub-millisecond gaps: writes are due exactly as planned and never early", async () => {
  await withMock({ ttftUs: 1000, itlUs: 300, roleChunk: "none" }, async (url, truth) => {
    for (let i = 0; i < 3; i++) {
      await receive(await post(url, CHAT, chat({ max_tokens: 20, stream: true })));
    }
    for (const t of truth()) {
      const tokens = t.events.filter((e) => e.kind === "content");
      tokens.forEach((e, i) => {
        assert.equal(e.dueNs, t.startNs + 1_000_000 + i * 300_000);
        // How late is up to the machine's load; early would be a scheduler bug.
        assert.ok(e.ns >= e.dueNs, "written before it was due");
      });
    }
  });
});

Deno.test("usage offset: usage disagrees with the text by the offset, the truth keeps what was written", async () => {
  await withMock({ usageOffset: 3, outputTokens: 5 }, async (url, truth) => {
    const streamed = await receive(
      await post(url, CHAT, chat({ stream: true, stream_options: { include_usage: true } })),
    );
    const chunks = json(streamed) as Chunk[];
    const usage = chunks.at(-2)?.usage as { completion_tokens: number; total_tokens: number };
    assert.equal(usage.completion_tokens, 8);
    assert.equal(usage.total_tokens, 4 + 8);
    const whole = await (await post(url, CHAT, chat())).json();
    assert.equal(whole.usage.completion_tokens, 8);
    const [t0, t1] = truth();
    assertMatches(t0, streamed);
    assert.equal(t0.completionTokens, 5);
    assert.equal(t1.completionTokens, 5);
  });
  await withMock({ usageOffset: -9, outputTokens: 5 }, async (url) => {
    const whole = await (await post(url, CHAT, chat())).json();
    assert.equal(whole.usage.completion_tokens, 0, "never below 0");
  });
});

Deno.test("a reply due at once in one write is the whole body; a later one is streamed", async () => {
  const oneWrite: OpenAiOptions = { eventsPerWrite: 100, roleChunk: "first" };
  await withMock(oneWrite, async (url, truth) => {
    const res = await post(url, CHAT, chat({ max_tokens: 5, stream: true }));
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.equal(res.headers.get("transfer-encoding"), null);
    const length = Number(res.headers.get("content-length"));
    const r = await receive(res);
    const [t] = truth();
    assertMatches(t, r);
    // role, 5 content, finish, [DONE], all in the one write the headers came with
    assert.deepEqual(t.events.map((e) => e.kind), [
      "role",
      ...Array(5).fill("content"),
      "finish",
      "done",
    ]);
    assert.equal(t.writeNs.length, 1);
    assert.ok(t.events.every((e) => e.ns === t.headersNs && e.dueNs === t.headersNs));
    assert.equal(t.endNs, t.headersNs);
    assert.equal(t.finishReason, "length");
    assert.equal(t.completionTokens, 5);
    const sse = t.events.map((e) => `data: ${e.data}\n\n`).join("");
    assert.equal(length, new TextEncoder().encode(sse).length);
  });
  await withMock({ ...oneWrite, ttftUs: 3000 }, async (url, truth) => {
    const res = await post(url, CHAT, chat({ max_tokens: 5, stream: true }));
    assert.equal(res.headers.get("content-length"), null, "streamed, not one body");
    const r = await receive(res);
    const [t] = truth();
    assertMatches(t, r);
    assert.equal(t.writeNs.length, 1);
    assert.ok(t.writeNs[0] - t.startNs >= 3e6, "written after the time to first token");
  });
});
