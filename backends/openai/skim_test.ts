/**
 * ChunkReading.skim against the full parse it stands in for: on every chunk it accepts it must
 * read exactly what read(JSON.parse(...)) reads, and what it refuses (errors, escapes in keys,
 * two texts, bad JSON) goes to the full parse, which then decides. End to end, a stream cut at
 * random bytes with multi-byte characters gives the tokenizer the texts the mock wrote.
 */
import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { startServer } from "../../server/mod.ts";
import type { OpenAiOptions } from "../../server/mod.ts";
import { type SseEvent, SseParser } from "../../wire/sse/parser.ts";
import { ChunkReading } from "./events.ts";
import { OpenAiBackend } from "./mod.ts";
import { payloadSpec } from "./testing/spec.ts";
import type { TokenCounter } from "./tokenizer.ts";
import { SeededRandom } from "../../core/load/random.ts";
import { openAiTestOptions } from "./testing/backend.ts";

const enc = new TextEncoder();

type Fields = [string, string, string, number, number, string];

function fields(c: ChunkReading): Fields {
  return [c.kind, c.text, c.content, c.completionTokens, c.promptTokens, c.error];
}

/** What the full parse reads, or "throws". */
function full(json: string): Fields | "throws" {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return "throws";
  }
  const c = new ChunkReading();
  c.read(parsed);
  return fields(c);
}

/** The skim's reading, or "unsure"; `junk` surrounds the bytes in a larger buffer. */
function skimmed(json: string, wantText = true, junk = ""): Fields | "unsure" {
  const pad = enc.encode(junk);
  const body = enc.encode(json);
  const buf = new Uint8Array(pad.length * 2 + body.length);
  buf.set(pad, 0);
  buf.set(body, pad.length);
  buf.set(pad, pad.length + body.length);
  const c = new ChunkReading();
  // Stale state from an earlier chunk must not leak into this one.
  c.read({ choices: [{ delta: { content: "stale" } }], usage: { completion_tokens: 99 } });
  return c.skim(buf, pad.length, pad.length + body.length, wantText) ? fields(c) : "unsure";
}

const HEAD =
  '{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1,"model":"m","choices":';

/** Chunks the skim must read itself, exactly as the full parse does. */
const SKIMMED: string[] = [
  // role-only first chunk (vLLM), with and without the empty content
  `${HEAD}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
  `${HEAD}[{"index":0,"delta":{"role":"assistant"}}]}`,
  // content, plain, escaped, unicode raw and escaped (surrogate pair), a BOM inside the text
  `${HEAD}[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}],"usage":null}`,
  `${HEAD}[{"delta":{"content":"say \\"hi\\"\\n\\t\\\\ \\/ \\b\\f\\r"}}]}`,
  `${HEAD}[{"delta":{"content":" café 東京 😀"}}]}`,
  `${HEAD}[{"delta":{"content":"\\u00e9\\ud83d\\ude00\\u0000"}}]}`,
  `${HEAD}[{"delta":{"content":"\ufeffhi"}}]}`,
  // reasoning (vLLM's and the newer name), completions text, a whole reply's message
  `${HEAD}[{"delta":{"reasoning_content":"hmm"}}]}`,
  `${HEAD}[{"delta":{"reasoning":"hmm","content":null}}]}`,
  '{"choices":[{"text":"abc","index":0,"logprobs":null,"finish_reason":null}]}',
  '{"choices":[{"index":0,"message":{"role":"assistant","content":"hi there"}}]}',
  // finish chunk, usage-only chunk, continuous usage, negative and zero counts
  `${HEAD}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null}`,
  `${HEAD}[],"usage":{"prompt_tokens":8,"completion_tokens":64,"total_tokens":72}}`,
  `${HEAD}[{"delta":{"content":"a"}}],"usage":{"completion_tokens":4,"prompt_tokens":2}}`,
  '{"choices":[],"usage":{"completion_tokens":-0,"prompt_tokens":-3}}',
  '{"usage":{"completion_tokens":"5","prompt_tokens":null,"details":{"x":[1,2.5e-3,true]}}}',
  // no error, odd shapes read()'s type checks ignore, nested values, whitespace everywhere
  '{"error":null,"choices":[{"delta":{"content":"x"}}]}',
  '{"choices":null}',
  '{"choices":[1,"a",null,{"delta":null},{"delta":{"content":5,"role":7}}]}',
  '{"choices":[{"delta":{"tool_calls":[],"content":"y"}}]}',
  '{"choices":[{"logprobs":{"content":[{"token":"a","bytes":[97],"top_logprobs":[]}]},' +
  '"delta":{"content":"a"}}]}',
  ' \t{ "choices" : [ { "delta" : { "content" : "z" } } ] , "usage" : { } }\r\n ',
  "{}",
];

/** Chunks the skim leaves to the full parse (which then reads them or refuses them). */
const UNSURE: string[] = [
  // vLLM's mid-stream error event, an error string
  '{"error":{"message":"boom","type":"InternalServerError","code":500}}',
  '{"error":"boom"}',
  // two texts in one chunk (their order is read()'s), two choices with text, tool calls
  '{"choices":[{"delta":{"content":"a","reasoning_content":"b"}}]}',
  '{"choices":[{"text":"a"},{"text":"b"}]}',
  '{"choices":[{"delta":{"tool_calls":[{"function":{"name":"f","arguments":"{"}}]}}]}',
  // duplicate keys (JSON.parse keeps the last), delta and message together, escaped keys
  '{"choices":[{"delta":{"content":"a","content":"b"}}]}',
  '{"choices":[],"choices":[{"text":"b"}]}',
  '{"choices":[{"delta":null,"message":{"content":"m"}}]}',
  '{"choices":[{"delta":{"con\\u0074ent":"a"}}]}',
  // counts that are not short integers, a top level that is not an object
  '{"usage":{"completion_tokens":3.5}}',
  '{"usage":{"completion_tokens":1e2}}',
  '{"usage":{"completion_tokens":12345678901234567}}',
  '["choices"]',
  '"text"',
  // not JSON at all: the full parse refuses these
  '{"choices":[}',
  '{"a":01}',
  '{"a":1.}',
  '{"a":-}',
  '{"a":tru}',
  '{"a":"\\q"}',
  '{"a":"\\u12"}',
  '{"a":"\u0001"}',
  '{"a":"open',
  "{} x",
  '{"a" 1}',
  '{"a":1,}',
  "",
  "\ufeff{}",
];

Deno.test("skim reads the usual chunks exactly as the full parse does", () => {
  for (const json of SKIMMED) {
    const want = full(json);
    assert.notEqual(want, "throws", json);
    assert.deepEqual(skimmed(json), want, json);
    // Bytes around the chunk in the same buffer (a reused event buffer) change nothing.
    assert.deepEqual(skimmed(json, true, '5}]"\\ '), want, json);
  }
});

Deno.test("skim without text: the kind and counts, no decoding", () => {
  for (const json of SKIMMED) {
    const want = full(json) as Fields;
    assert.deepEqual(skimmed(json, false), [want[0], "", "", want[3], want[4], want[5]], json);
  }
});

Deno.test("skim leaves errors, rare shapes and bad JSON to the full parse", () => {
  for (const json of UNSURE) assert.equal(skimmed(json), "unsure", json);
  assert.deepEqual(full(UNSURE[0]), ["error", "", "", -1, -1, "boom"]);
  assert.deepEqual(full(UNSURE[2]), ["reasoning", "ba", "a", -1, -1, ""]);
  assert.deepEqual(full(UNSURE[5]), ["content", "b", "b", -1, -1, ""]);
  assert.equal(full('{"a":"\\q"}'), "throws");
});

Deno.test("skim stops at the chunk's end: a number or escape cut there is not completed", () => {
  const json = '{"usage":{"completion_tokens":12}}';
  const buf = enc.encode(json + "345");
  const c = new ChunkReading();
  assert.equal(c.skim(buf, 0, json.length, false), true);
  assert.equal(c.completionTokens, 12);
  // The same bytes cut inside the number, the string or an escape are not a whole chunk.
  for (
    const cut of ['{"usage":{"completion_tokens":1', '{"choices":[{"text":"a\\', '{"c":"\\u00']
  ) {
    const b = enc.encode(cut + '2}}"0e"}]}');
    assert.equal(c.skim(b, 0, enc.encode(cut).length, true), false, cut);
  }
});

/**
 * What the skim reads in `second` right after it read `first` (whose shape it keeps when `first`
 * carried a text), with `second` at byte `shift` of a buffer of junk: fields, or "unsure".
 */
function skimAfter(first: string, second: string, shift: number): Fields | "unsure" {
  const c = new ChunkReading();
  const a = enc.encode(first);
  c.skim(a, 0, a.length, true);
  const body = enc.encode(second);
  const buf = new Uint8Array(body.length + shift + 7).fill(34); // quotes all around
  buf.set(body, shift);
  return c.skim(buf, shift, shift + body.length, true) ? fields(c) : "unsure";
}

/** The skim's reading of `second` after `first` agrees with the full parse, or it is unsure. */
function assertAgrees(first: string, second: string, shift: number): Fields | "unsure" {
  const got = skimAfter(first, second, shift);
  const want = full(second);
  if (got !== "unsure") assert.deepEqual(got, want, `${first}\nthen ${second}`);
  return got;
}

/** A one-token content chunk as the mock and vLLM write it, with `text` as its JSON contents. */
const tokenChunk = (text: string) =>
  `${HEAD}[{"index":0,"delta":{"content":"${text}"},"logprobs":null,"finish_reason":null}],` +
  '"usage":null}';

Deno.test("a chunk shaped like the last one is read by comparison, as the full parse reads it", () => {
  const first = tokenChunk(" many");
  // Texts of every kind in the same shape: read without a walk, exactly.
  const texts = [
    " it",
    "x",
    'say \\"hi\\"\\n\\t\\\\ \\/ \\b\\f\\r',
    " caf\u00e9 東京 😀",
    "\\u00e9\\ud83d\\ude00\\u0000",
    "\ufeffhi",
    "ends in an escaped backslash \\\\",
    "a".repeat(3000),
  ];
  for (const text of texts) {
    for (let shift = 0; shift < 4; shift++) {
      const got = assertAgrees(first, tokenChunk(text), shift);
      assert.notEqual(got, "unsure", text);
    }
  }
  // Other kinds learn their own shape: reasoning, completions text, continuous usage.
  const pairs: [string, string][] = [
    [
      `${HEAD}[{"delta":{"reasoning_content":"hmm"}}]}`,
      `${HEAD}[{"delta":{"reasoning_content":"so"}}]}`,
    ],
    [`${HEAD}[{"delta":{"reasoning":"hmm"}}]}`, `${HEAD}[{"delta":{"reasoning":"\\"q\\""}}]}`],
    ['{"choices":[{"text":"abc","index":0}]}', '{"choices":[{"text":"d","index":0}]}'],
    [
      `${HEAD}[{"delta":{"content":"a"}}],"usage":{"completion_tokens":4,"prompt_tokens":2}}`,
      `${HEAD}[{"delta":{"content":"bc"}}],"usage":{"completion_tokens":4,"prompt_tokens":2}}`,
    ],
  ];
  for (const [a, b] of pairs) assert.notEqual(assertAgrees(a, b, 1), "unsure", b);
});

Deno.test("a chunk that only looks like the last one is walked or parsed in full", () => {
  const first = tokenChunk(" many");
  const unlike = [
    // an empty text: role-only or nothing, not content
    tokenChunk(""),
    // a text that closes early and adds members: an error, a second text, a tool call
    tokenChunk('a"}}],"error":{"message":"boom"},"x":[{"y":{"z":"b'),
    tokenChunk('a","reasoning_content":"b'),
    tokenChunk('a","tool_calls":[{"function":{"name":"f","arguments":"{}"}}],"x":"b'),
    tokenChunk('a"},"delta":{"content":"b'),
    // an escape that runs into the closing quote, a bad escape, a raw control byte
    tokenChunk("abc\\"),
    tokenChunk("\\q"),
    tokenChunk("\\u12"),
    tokenChunk("a\u0001b"),
    tokenChunk("a\nb"),
    // the same text in another chunk: another id, finish reason, usage
    tokenChunk(" it").replace("chatcmpl-7", "chatcmpl-8"),
    tokenChunk(" it").replace('"finish_reason":null', '"finish_reason":"stop"'),
    tokenChunk(" it").replace('"usage":null', '"usage":{"completion_tokens":3}'),
    // the same length with an error before or after the text: only the bytes tell them apart
    tokenChunk(" it").replace(
      '"object":"chat.completion.chunk"',
      '"error":{"message":"boom!!!!!!"}',
    ),
    tokenChunk(" it").replace('"usage":null', '"error":"xy"'),
    // vLLM's error event, role chunk, usage-only and finish chunks
    '{"error":{"message":"boom","type":"InternalServerError","code":500}}',
    `${HEAD}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
    `${HEAD}[],"usage":{"prompt_tokens":8,"completion_tokens":64,"total_tokens":72}}`,
    `${HEAD}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null}`,
  ];
  for (const second of unlike) {
    for (let shift = 0; shift < 4; shift++) assertAgrees(first, second, shift);
  }
  // What the full reading of the tricky ones is: the shape must not have read them as content.
  assert.deepEqual(full(unlike[1]), ["error", "", "", -1, -1, "boom"]);
  assert.deepEqual(full(unlike[2]), ["reasoning", "ba", "a", -1, -1, ""]);
  assert.deepEqual(full(unlike[3]).slice(0, 2), ["content", "af{}"]);
  assert.equal(full(unlike[5]), "throws");
  for (const i of [13, 14]) {
    assert.equal(unlike[i].length, tokenChunk(" it").length);
    assert.equal((full(unlike[i]) as Fields)[0], "error");
  }
  assert.deepEqual(skimAfter(first, unlike[0], 0), ["other", "", "", -1, -1, ""]);
});

Deno.test("chunks changed at random bytes after a kept shape read as the full parse reads them", () => {
  const rand = rng(7);
  const alphabet = enc.encode('"\\{}[],:u0aé \n');
  const shapes = [
    tokenChunk(" many"),
    `${HEAD}[{"delta":{"reasoning_content":"hmm"}}],"usage":{"completion_tokens":4}}`,
    '{"choices":[{"text":"abc","index":0}]}',
  ];
  let read = 0;
  for (let round = 0; round < 3000; round++) {
    const first = shapes[round % shapes.length];
    const bytes = enc.encode(first);
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      bytes[Math.floor(rand() * bytes.length)] = alphabet[Math.floor(rand() * alphabet.length)];
    }
    const second = new TextDecoder().decode(bytes);
    if (assertAgrees(first, second, round % 4) !== "unsure") read++;
  }
  assert.ok(read > 300, `the skim read ${read} of the changed chunks itself`);
});

/** Uniform [0, 1) draws of a seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.nextFloat();
}

/** The reading of one event as the channel takes it: recognized, skimmed, else in full. */
function channelReading(c: ChunkReading, ev: SseEvent): Fields | "throws" {
  if (ev.known) {
    c.readKnown(ev.buf, true);
    return fields(c);
  }
  return c.skim(ev.buf, ev.start, ev.end, true) ? fields(c) : full(ev.text());
}

Deno.test("recognize: the length of a kept shape's chunk in the bytes that follow, else -1", () => {
  const c = new ChunkReading();
  const first = enc.encode(tokenChunk(" many"));
  assert.equal(c.recognize(first, 0, first.length), -1, "nothing kept yet");
  assert.ok(c.skim(first, 0, first.length, true));
  for (const text of [" it", '\\"', "\u00e9t\u00e9 東京"]) {
    const chunk = tokenChunk(text);
    const bytes = enc.encode(`data: ${chunk}\n\ndata: ${chunk}\n`);
    const n = enc.encode(chunk).length;
    assert.equal(c.recognize(bytes, 6, bytes.length), n, text);
    c.readKnown(bytes, true);
    assert.deepEqual(fields(c), full(chunk));
    // Cut before its end: not recognized.
    assert.equal(c.recognize(bytes, 6, 6 + n - 1), -1);
  }
  // A shape whose bytes hold a line end (data joined from two lines) is not kept: recognize()
  // would vouch for a value that is two lines, the second one no data line at all.
  const joined = '{"choices":[{"delta":\n{"content":"a"}}]}';
  const d = new ChunkReading();
  const a = enc.encode(joined);
  assert.ok(d.skim(a, 0, a.length, true));
  assert.deepEqual(fields(d), full(joined));
  const twoLines = enc.encode(joined.replace('"a"', '"b"') + "\n\n");
  assert.equal(d.recognize(twoLines, 0, twoLines.length), -1);
  // Nor is a shape longer than the cap: the skim walks such chunks every time, still exactly.
  const long = (t: string) => tokenChunk(t).replace("chatcmpl-7", "x".repeat(5000));
  const e = new ChunkReading();
  const l1 = enc.encode(long("a"));
  const l2 = enc.encode(long("b") + "\n");
  assert.ok(e.skim(l1, 0, l1.length, true));
  assert.equal(e.recognize(l2, 0, l2.length), -1);
  assert.ok(e.skim(l2, 0, l2.length - 1, true));
  assert.deepEqual(fields(e), full(long("b")));
});

Deno.test("continuous usage: after two chunks that differ beyond their text, a stream is walked", () => {
  const counted = (i: number) =>
    `${HEAD}[{"delta":{"content":"w${i}"}}],"usage":{"completion_tokens":${i}}}`;
  const c = new ChunkReading();
  const next = enc.encode(counted(3) + "\n");
  for (const i of [1, 2]) {
    // Tried (and kept) while fewer than two in a row missed.
    assert.equal(c.recognize(next, 0, next.length), -1);
    const b = enc.encode(counted(i));
    assert.ok(c.skim(b, 0, b.length, true));
    assert.deepEqual(fields(c), full(counted(i)));
  }
  // Now the stream's chunks are only walked: even one of the kept shape is not recognized.
  const same = enc.encode(counted(2).replace("w2", "x") + "\n");
  assert.equal(c.recognize(same, 0, same.length), -1);
  assert.ok(c.skim(next, 0, next.length - 1, true));
  assert.deepEqual(fields(c), full(counted(3)));
  // A new stream tries the kept shape (the last one walked with a text) again.
  c.newStream();
  assert.equal(c.recognize(same, 0, same.length), same.length - 1);
  c.readKnown(same, true);
  assert.deepEqual(fields(c), full(counted(2).replace("w2", "x")));
});

Deno.test("parser and hook: random chat streams read as the full parse reads each event", () => {
  const rand = rng(11);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const texts = [" the", "a", "", 'q\\"', "\\u00e9", " 東京", "\\n", 'x","content":"y'];
  const chunks = () => [
    `${HEAD}[{"index":0,"delta":{"role":"assistant","content":""}}]}`,
    ...Array.from({ length: 6 }, () => tokenChunk(pick(texts))),
    `${HEAD}[{"delta":{"reasoning_content":"${pick(texts)}"}}]}`,
    `${HEAD}[{"index":0,"delta":{},"finish_reason":"length"}],"usage":null}`,
    `${HEAD}[],"usage":{"prompt_tokens":8,"completion_tokens":7}}`,
    pick(['{"error":{"message":"boom"}}', tokenChunk("z"), "not json"]),
  ];
  let known = 0;
  for (let round = 0; round < 200; round++) {
    let text = "";
    for (const chunk of chunks()) {
      const eol = pick(["\n", "\r\n", "\r"]);
      const r = rand();
      const at = Math.floor(rand() * chunk.length);
      // One data line; two (joined with LF); or a data line and a bare line the event ignores.
      if (r < 0.8) text += `data: ${chunk}${eol}`;
      else if (r < 0.9) text += `data: ${chunk.slice(0, at)}${eol}data: ${chunk.slice(at)}${eol}`;
      else text += `data: ${chunk.slice(0, at)}${eol}${chunk.slice(at)}${eol}`;
      text += eol;
    }
    text += "data: [DONE]\n\n";
    const bytes = enc.encode(text);
    const cuts: number[] = [];
    for (let at = 0; at < bytes.length;) {
      at += 1 + Math.floor(rand() * (rand() < 0.5 ? 40 : 4000));
      if (at < bytes.length) cuts.push(at);
    }
    const plain: string[] = [];
    const plainParser = new SseParser((ev) => plain.push(ev.text()));
    const c = new ChunkReading();
    const got: string[] = [];
    const parser = new SseParser((ev) => {
      got.push(ev.text());
      if (ev.isDone()) return;
      if (ev.known) known++;
      assert.deepEqual(channelReading(c, ev), full(ev.text()), `round ${round}: ${ev.text()}`);
    }, { knownValue: (buf, start, end) => c.recognize(buf, start, end) });
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      parser.push(bytes.slice(from, cut), 0);
      plainParser.push(bytes.slice(from, cut), 0);
      from = cut;
    }
    assert.deepEqual(got, plain, `round ${round}: the hook changes no event`);
  }
  assert.ok(known > 300, `${known} events were recognized`);
});

/** A counter that keeps the texts it was given (its counts: one per character). */
class TextKeeper implements TokenCounter {
  readonly name = "test:characters";
  readonly texts: string[] = [];
  count(text: string): number {
    return [...text].length;
  }
  countParts(parts: readonly string[], length: number, out: Uint32Array): number {
    let total = 0;
    for (let i = 0; i < length; i++) {
      this.texts.push(parts[i]);
      total += out[i] = this.count(parts[i]);
    }
    return total;
  }
}

Deno.test("skim end to end: writes cut at random bytes, multi-byte words, CRLF, reasoning", async () => {
  const openai: OpenAiOptions = {
    splitProbability: 1,
    unicodeTokens: true,
    crlf: true,
    reasoningTokens: 3,
    tokensPerEvent: 2,
    usage: "continuous",
    seed: 9,
  };
  const server = await startServer({ openai });
  const keeper = new TextKeeper();
  const backend = new OpenAiBackend(
    openAiTestOptions(server.url, { tokenizer: "builtin" }),
    keeper,
  );
  try {
    const prepared = backend.prepare(
      payloadSpec({ messages: [{ role: "user", content: "a b" }], max_tokens: 9 }),
    );
    const ch = await backend.connect();
    const record = new RequestRecord();
    const reported: number[] = [];
    for (let i = 0; i < 4; i++) {
      record.reset(performance.now() * 1e6);
      await ch.send(prepared, record);
      assert.equal(record.outcome, "ok", record.error);
      reported.push(record.reportedOutputUnits);
    }
    assert.deepEqual(reported, [9, 9, 9, 9]);
    // The texts the tokenizer got are those of the events the mock wrote, read in full.
    const want: string[] = [];
    const c = new ChunkReading();
    for (const t of server.openaiTruth()) {
      for (const e of t.events) {
        if (e.kind !== "content" && e.kind !== "reasoning") continue;
        c.read(JSON.parse(e.data));
        want.push(c.text);
      }
    }
    assert.equal(want.length, 4 * 5, "per request: 2 reasoning and 3 content events");
    assert.deepEqual(keeper.texts, want);
    assert.ok(want.some((w) => enc.encode(w).length > w.length), "multi-byte words were sent");
  } finally {
    await backend.close();
    await server.close();
  }
});
