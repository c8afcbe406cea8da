import assert from "node:assert/strict";
import { type OpenAiOptions, resolveOpenAi } from "./options.ts";
import { type PlannedWrite, type Reply, StreamPlan, wholeReply } from "./plan.ts";
import { seeded, STREAM } from "./random.ts";
import { countWords } from "./tokens.ts";

const REPLY: Reply = {
  endpoint: "chat",
  id: "chatcmpl-0",
  created: 1700000000,
  model: "mock-llm",
  promptTokens: 4,
  tokens: 5,
  finishReason: "length",
  usage: "final",
  fault: "none",
};

function draws(seed: number, index = 0) {
  return {
    tokens: seeded(seed, index, STREAM.tokens),
    timing: seeded(seed, index, STREAM.timing),
  };
}

function writes(options: OpenAiOptions, reply: Partial<Reply> = {}, seed = 1): PlannedWrite[] {
  const o = resolveOpenAi({ seed, ...options });
  const plan = new StreamPlan(
    { ...REPLY, ...reply },
    o,
    draws(seed),
    seeded(seed, 0, STREAM.chaos),
  );
  const out: PlannedWrite[] = [];
  for (let w = plan.next();; w = plan.next()) {
    // The plan builds each write where it built the last one.
    out.push({ ...w, bytes: w.bytes.slice() });
    if (w.after !== "more") return out;
  }
}

const kinds = (ws: PlannedWrite[]) => ws.flatMap((w) => w.kept.map((c) => c.kind));
const tokens = (ws: PlannedWrite[]) => ws.flatMap((w) => w.kept.map((c) => c.tokens));
const text = (ws: PlannedWrite[]) => ws.map((w) => new TextDecoder().decode(w.bytes)).join("");

/** The JSON of every `data:` event in a body (LF or CRLF). */
function datas(body: string): unknown[] {
  return body.replaceAll("\r\n", "\n").split("\n\n").filter((b) => b !== "").map((b) => {
    assert.ok(b.startsWith("data: "), b);
    const d = b.slice(6);
    return d === "[DONE]" ? d : JSON.parse(d);
  });
}

Deno.test("a chat stream: role first, one token per event, finish, usage, [DONE]", () => {
  const ws = writes({ ttftUs: 1000, itlUs: 200 });
  assert.deepEqual(kinds(ws), [
    "role",
    "content",
    "content",
    "content",
    "content",
    "content",
    "finish",
    "usage",
    "done",
  ]);
  assert.deepEqual(tokens(ws), [0, 1, 1, 1, 1, 1, 0, 0, 0]);
  // Role at once, first token at the TTFT, then one gap per token; trailers share the last write.
  assert.deepEqual(ws.map((w) => w.offsetNs), [0, 1e6, 1.2e6, 1.4e6, 1.6e6, 1.8e6]);
  const events = datas(text(ws)) as Record<string, unknown>[];
  assert.equal(events.length, 9);
  assert.deepEqual((events[0].choices as unknown[])[0], {
    index: 0,
    delta: { role: "assistant", content: "" },
    logprobs: null,
    finish_reason: null,
  });
  assert.equal(events[1].usage, null);
  assert.equal(events[6].object, "chat.completion.chunk");
  assert.deepEqual((events[6].choices as { finish_reason: string }[])[0].finish_reason, "length");
  assert.deepEqual(events[7].choices, []);
  assert.deepEqual(events[7].usage, { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  assert.equal(events[8], "[DONE]");
  const content = events.slice(1, 6).map((e) =>
    (e.choices as { delta: { content: string } }[])[0].delta.content
  );
  assert.ok(content.every((c) => countWords(c) === 1 && c.startsWith(" ")), String(content));
});

Deno.test("k tokens per event, reasoning first, role with the first token, finish on the last", () => {
  const ws = writes(
    { tokensPerEvent: 2, reasoningTokens: 3, roleChunk: "first", finishOnLast: true },
    { tokens: 8, usage: "continuous" },
  );
  assert.deepEqual(kinds(ws), [
    "role",
    "reasoning",
    "reasoning",
    "content",
    "content",
    "content",
    "usage",
    "done",
  ]);
  // Reasoning and content never share an event: 3 = 2 + 1, 5 = 2 + 2 + 1.
  assert.deepEqual(tokens(ws), [0, 2, 1, 2, 2, 1, 0, 0]);
  assert.equal(ws[0].events, 2, "the role chunk shares the first token's write");
  const events = datas(text(ws)) as Record<string, unknown>[];
  const choice = (i: number) =>
    (events[i].choices as { delta: Record<string, string>; finish_reason: string | null }[])[0];
  assert.equal(countWords(choice(1).delta.reasoning_content), 2);
  assert.equal(choice(5).finish_reason, "length");
  assert.equal(choice(4).finish_reason, null);
  // Continuous usage counts the tokens sent so far, reasoning among them.
  assert.deepEqual(events[3].usage, {
    prompt_tokens: 4,
    completion_tokens: 5,
    total_tokens: 9,
    completion_tokens_details: { reasoning_tokens: 3 },
  });
  assert.deepEqual(events[6].choices, []);
});

Deno.test("completions streams carry text and no role chunk; usage none leaves the key out", () => {
  const ws = writes({}, { endpoint: "completions", id: "cmpl-0", tokens: 2, usage: "none" });
  assert.deepEqual(kinds(ws), ["content", "content", "finish", "done"]);
  const events = datas(text(ws)) as Record<string, unknown>[];
  assert.equal(events[0].object, "text_completion");
  assert.equal("usage" in events[0], false);
  assert.equal(countWords((events[0].choices as { text: string }[])[0].text), 1);
});

Deno.test("framing chaos cuts writes but not the byte stream, and repeats for a seed", () => {
  const plain = writes({ crlf: true }, { tokens: 30 });
  const chaos = writes({ crlf: true, splitProbability: 0.7 }, { tokens: 30 });
  assert.equal(text(chaos), text(plain), "the same bytes, only cut elsewhere");
  assert.ok(text(plain).includes("\r\n\r\n") && !/[^\r]\n/.test(text(plain)));
  assert.deepEqual(kinds(chaos), kinds(plain));
  const cut = chaos.filter((w) => {
    const s = new TextDecoder().decode(w.bytes);
    return !s.endsWith("\r\n\r\n");
  });
  assert.ok(cut.length >= 10, `${cut.length} writes end mid-event`);
  // An event completes in the write holding its last byte: count terminators written so far.
  let sent = "";
  let completed = 0;
  for (const w of chaos) {
    sent += new TextDecoder().decode(w.bytes);
    completed += w.events;
    assert.equal(completed, sent.split("\r\n\r\n").length - 1);
  }
  assert.deepEqual(
    chaos.map((w) => w.bytes.length),
    writes(
      { crlf: true, splitProbability: 0.7 },
      { tokens: 30 },
    ).map((w) => w.bytes.length),
  );
  assert.notDeepEqual(
    chaos.map((w) => w.bytes.length),
    writes({ crlf: true, splitProbability: 0.7 }, { tokens: 30 }, 2).map((w) => w.bytes.length),
  );
});

Deno.test("several token events per write share the later event's time", () => {
  const ws = writes({ ttftUs: 100, itlUs: 10, eventsPerWrite: 3, roleChunk: "none" }, {
    tokens: 7,
  });
  assert.deepEqual(ws.map((w) => w.events), [3, 3, 4]);
  assert.deepEqual(ws.map((w) => w.offsetNs), [120_000, 150_000, 160_000]);
});

Deno.test("mid-stream faults: an error event then [DONE], a clean end, a dropped connection", () => {
  const o = { faultAfterEvents: 2, ttftUs: 100, itlUs: 10 };
  const error = writes(o, { fault: "error" });
  assert.deepEqual(kinds(error), ["role", "content", "content", "error", "done"]);
  // The error comes when the third token would have.
  assert.equal(error.at(-1)!.offsetNs, 120_000);
  const events = datas(text(error));
  assert.deepEqual(events[3], {
    error: {
      message: "simulated engine failure after the stream started",
      type: "InternalServerError",
      param: null,
      code: 500,
    },
  });
  const truncate = writes(o, { fault: "truncate" });
  assert.deepEqual(kinds(truncate), ["role", "content", "content"]);
  assert.equal(truncate.at(-1)!.after, "close");
  assert.equal(truncate.at(-1)!.bytes.length, 0);
  assert.ok(!text(truncate).includes("[DONE]"));
  assert.equal(writes(o, { fault: "abort" }).at(-1)!.after, "abort");
});

Deno.test("a whole reply has the stream's text and ends when its last token would", () => {
  const o = resolveOpenAi({ ttftUs: 1000, itlUs: { kind: "exponential", meanUs: 50 } });
  const whole = wholeReply(REPLY, o, draws(1));
  const ws = writes({ ttftUs: 1000, itlUs: { kind: "exponential", meanUs: 50 } });
  assert.equal(whole.offsetNs, ws.at(-1)!.offsetNs);
  const body = JSON.parse(whole.body);
  const streamed = (datas(text(ws)) as Record<string, unknown>[]).slice(1, 6)
    .map((e) => (e.choices as { delta: { content: string } }[])[0].delta.content).join("");
  assert.equal(body.choices[0].message.content, streamed);
  assert.equal(body.object, "chat.completion");
  assert.deepEqual(body.usage, { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
});

Deno.test("unicode tokens: chaos cuts land inside code points, the bytes stay the same", () => {
  // Many tokens per event, so multi-byte text is a large share of each write's bytes.
  const o = { unicodeTokens: true, tokensPerEvent: 20 };
  const plain = writes(o, { tokens: 2000 });
  const chaos = writes({ ...o, splitProbability: 1 }, { tokens: 2000 });
  const bytes = (ws: PlannedWrite[]) => ws.flatMap((w) => [...w.bytes]);
  assert.deepEqual(bytes(chaos), bytes(plain));
  assert.ok(bytes(plain).length > text(plain).length, "some multi-byte words");
  const strict = new TextDecoder("utf-8", { fatal: true });
  const splitsCodePoint = chaos.filter((w) => {
    try {
      strict.decode(w.bytes);
      return false;
    } catch {
      return true;
    }
  });
  assert.ok(splitsCodePoint.length > 0, "no write cut inside a code point");
  // An event completes in the write holding its last byte, multi-byte text before it or not.
  let ends = 0;
  let completed = 0;
  let previous = -1;
  for (const w of chaos) {
    for (const b of w.bytes) {
      if (b === 10 && previous === 10) ends++;
      previous = b;
    }
    completed += w.events;
    assert.equal(completed, ends);
  }
});

Deno.test("a whole reply of a shape seen before comes from its template: same bytes and truth", () => {
  for (
    const options of [
      { eventsPerWrite: 1 << 30, roleChunk: "first" as const },
      { eventsPerWrite: 1 << 30, roleChunk: "none" as const, truthEvents: "first" as const },
      { eventsPerWrite: 1 << 30, roleChunk: "first" as const, reasoningTokens: 3, crlf: true },
      { eventsPerWrite: 1 << 30, roleChunk: "first" as const, unicodeTokens: true },
    ]
  ) {
    // One options object compiles a template from request 0 and copies request 1 from it;
    // a second, equal one frames request 1 afresh.
    const compiled = resolveOpenAi(options);
    const fresh = resolveOpenAi(options);
    const plan = (o: typeof compiled, index: number) => {
      const reply = {
        ...REPLY,
        id: `chatcmpl-${index}`,
        created: 1700000000 + index,
        tokens: 9,
        usage: "continuous" as const,
      };
      const w = new StreamPlan(reply, o, draws(1, index), seeded(1, index, STREAM.chaos)).next();
      return { ...w, bytes: new TextDecoder().decode(w.bytes) };
    };
    const first = plan(compiled, 0);
    const copied = plan(compiled, 1);
    const framed = plan(fresh, 1);
    assert.equal(copied.after, "close");
    assert.deepEqual(copied, framed);
    assert.notEqual(copied.content, first.content, "each request draws its own words");
    assert.ok(copied.bytes.includes(`"id":"chatcmpl-1","object"`));
  }
});
