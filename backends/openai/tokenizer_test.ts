import assert from "node:assert/strict";
import { decode, encode } from "gpt-tokenizer/encoding/o200k_base";
import { Tokenizer } from "@huggingface/tokenizers";
import { isUsageError } from "../../core/errors.ts";
import { BUILTIN_ENCODING, countJoined, loadTokenCounter, type TokenCounter } from "./tokenizer.ts";

/**
 * A tiny BPE tokenizer.json whose counts are known by hand: characters h e l o w r d and ".",
 * merges h+e, l+l, he+ll, hell+o, w+o, whitespace pre-tokenization, and a template that puts a
 * [BOS] before every text (the count must leave it out, as the server's output holds none).
 */
function tinyBpe(): Record<string, unknown> {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const bos = { SpecialToken: { id: "[BOS]", type_id: 0 } };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, "[UNK]"), special(1, "[BOS]")],
    normalizer: null,
    pre_tokenizer: { type: "Whitespace" },
    post_processor: {
      type: "TemplateProcessing",
      single: [bos, { Sequence: { id: "A", type_id: 0 } }],
      pair: [bos, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { "[BOS]": { id: "[BOS]", ids: [1], tokens: ["[BOS]"] } },
    },
    decoder: null,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "[UNK]",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab: {
        "[UNK]": 0,
        "[BOS]": 1,
        h: 2,
        e: 3,
        l: 4,
        o: 5,
        w: 6,
        r: 7,
        d: 8,
        he: 9,
        ll: 10,
        hell: 11,
        hello: 12,
        wo: 13,
        ".": 14,
      },
      merges: ["h e", "l l", "he ll", "hell o", "w o"],
    },
  };
}

/** Runs `body` with a fresh temporary folder, removed afterwards. */
async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tokenizer_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value));
}

/** The UsageError message `load` throws; fails when it resolves or throws anything else. */
async function usageErrorOf(load: Promise<TokenCounter>): Promise<string> {
  try {
    await load;
  } catch (e) {
    assert.ok(isUsageError(e), `expected a UsageError, got ${e}`);
    return e.message;
  }
  assert.fail("expected a UsageError");
}

Deno.test("builtin: o200k_base counts, checked against the ids and their round trip", async () => {
  const counter = await loadTokenCounter("builtin");
  assert.equal(counter.name, `builtin:${BUILTIN_ENCODING}`);
  assert.equal(counter.name, "builtin:o200k_base");
  // The ids agree with js-tiktoken 1.0.21, an independent port of the same encoding.
  const known: [string, number[]][] = [
    ["hello world", [24912, 2375]],
    ["Hello, world!", [13225, 11, 2375, 0]],
    // Two-, three- and four-byte UTF-8: accents, CJK and an emoji.
    ["héllo wörld 日本語 🙂", [79163, 72807, 286, 2877, 582, 17428, 40909, 26192]],
  ];
  for (const [text, ids] of known) {
    assert.deepEqual(encode(text), ids, text);
    assert.equal(decode(ids), text, text);
    assert.equal(counter.count(text), ids.length, text);
  }
  assert.equal(counter.count(""), 0);
  // Built once: a run loads it for its prompts and again at each load level.
  assert.equal(await loadTokenCounter("builtin"), counter);
});

Deno.test("builtin: a special-token marker in the text is counted as text, not refused", async () => {
  const counter = await loadTokenCounter("builtin");
  // a | " <|" | endoftext... as ordinary text: 9 tokens, where the special token would be 1.
  assert.equal(counter.count("a <|endoftext|> b"), 9);
});

Deno.test("tokenizer.json: hand-counted BPE, the template's BOS left out", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/tokenizer.json`;
    await writeJson(path, tinyBpe());
    const counter = await loadTokenCounter(path);
    assert.equal(counter.name, `tokenizer.json:${path}`);
    assert.equal(counter.count("hello"), 1);
    assert.equal(counter.count("hello world"), 5); // hello | wo r l d
    assert.equal(counter.count("hello."), 2);
    assert.equal(counter.count("ohe"), 2); // o | he
    assert.equal(counter.count("hel lo"), 4); // he l | l o
    assert.equal(counter.count("xyz"), 3); // three [UNK]
    assert.equal(counter.count(""), 0);
    // The template is live: encoding with special tokens adds the BOS the count leaves out.
    assert.deepEqual(new Tokenizer(tinyBpe(), {}).encode("hello").ids, [1, 12]);
  });
});

Deno.test("tokenizer.json: a model folder and its tokenizer_config.json", async () => {
  await withDir(async (dir) => {
    await writeJson(`${dir}/tokenizer.json`, tinyBpe());
    assert.equal((await loadTokenCounter(dir)).count("HELLO"), 5); // five [UNK]
    await writeJson(`${dir}/tokenizer_config.json`, { do_lowercase_and_remove_accent: true });
    const counter = await loadTokenCounter(`${dir}/`);
    assert.equal(counter.name, `tokenizer.json:${dir}/tokenizer.json`);
    assert.equal(counter.count("HELLO"), 1); // lower-cased by the config first
  });
});

Deno.test("loadTokenCounter: errors name the path and the way out", async () => {
  await withDir(async (dir) => {
    let message = await usageErrorOf(loadTokenCounter(`${dir}/absent.json`));
    assert.match(message, /absent\.json: no such file/);
    assert.match(message, /"builtin"/);
    assert.match(message, /"server"/);

    message = await usageErrorOf(loadTokenCounter(dir));
    assert.ok(message.includes(`${dir}/tokenizer.json: no such file`), message);

    await Deno.writeTextFile(`${dir}/vocab.txt`, "hello\nworld\n");
    message = await usageErrorOf(loadTokenCounter(`${dir}/vocab.txt`));
    assert.match(message, /vocab\.txt: not JSON/);

    await writeJson(`${dir}/config.json`, { architectures: ["LlamaForCausalLM"] });
    message = await usageErrorOf(loadTokenCounter(`${dir}/config.json`));
    assert.match(
      message,
      /config\.json: not a Hugging Face tokenizer\.json \(missing model, added_tokens, normalizer, pre_tokenizer, post_processor\)/,
    );

    const wordLevel = tinyBpe();
    wordLevel.model = { type: "WordLevel", vocab: { hello: 0, "[UNK]": 1 }, unk_token: "[UNK]" };
    await writeJson(`${dir}/word_level.json`, wordLevel);
    message = await usageErrorOf(loadTokenCounter(`${dir}/word_level.json`));
    assert.match(message, /word_level\.json: model type "WordLevel" is not supported/);
    assert.match(message, /BPE, WordPiece, Unigram/);

    const badPre = { ...tinyBpe(), pre_tokenizer: { type: "NoSuchSplitter" } };
    await writeJson(`${dir}/bad_pre.json`, badPre);
    message = await usageErrorOf(loadTokenCounter(`${dir}/bad_pre.json`));
    assert.match(message, /bad_pre\.json: @huggingface\/tokenizers cannot build it/);
    assert.match(message, /NoSuchSplitter/);

    await writeJson(`${dir}/tokenizer.json`, tinyBpe());
    await Deno.writeTextFile(`${dir}/tokenizer_config.json`, "[1, 2]");
    message = await usageErrorOf(loadTokenCounter(dir));
    assert.match(message, /tokenizer_config\.json is not a JSON object/);
  });
  assert.match(await usageErrorOf(loadTokenCounter("server")), /not a counter/);
  assert.match(await usageErrorOf(loadTokenCounter("")), /needs a value/);
});

Deno.test({
  name: "loadTokenCounter: no network, for builtin and a tokenizer.json alike",
  // Without net permission any connection attempt throws; the fetch spy also catches a library
  // that would swallow that error and carry on.
  permissions: { read: true, write: true, net: false },
  fn: async () => {
    assert.notEqual((await Deno.permissions.query({ name: "net" })).state, "granted");
    const realFetch = globalThis.fetch;
    const fetched: string[] = [];
    globalThis.fetch = (input: RequestInfo | URL) => {
      fetched.push(String(input));
      return Promise.reject(new Error("no network in this test"));
    };
    try {
      assert.equal((await loadTokenCounter("builtin")).count("hello world"), 2);
      await withDir(async (dir) => {
        await writeJson(`${dir}/tokenizer.json`, tinyBpe());
        assert.equal((await loadTokenCounter(dir)).count("hello world"), 5);
      });
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.deepEqual(fetched, []);
  },
});

Deno.test("countJoined: pieces counted as one text, not summed", async () => {
  const counter = await loadTokenCounter("builtin");
  const parts = ["hel", "lo", " world"];
  assert.equal(countJoined(counter, parts), 2); // "hello world"
  const summed = parts.reduce((sum, p) => sum + counter.count(p), 0);
  assert.equal(summed, 3, "per-piece counts overcount a token split across two events");
  // A reused buffer: only the first `length` slots belong to this response.
  assert.equal(countJoined(counter, ["hello", " world", " stale", " slots"], 2), 2);
  assert.equal(countJoined(counter, ["stale"], 0), 0);
  assert.equal(countJoined(counter, []), 0);
  assert.throws(() => countJoined(counter, ["a"], 2), /2 parts asked of 1/);
  await withDir(async (dir) => {
    await writeJson(`${dir}/tokenizer.json`, tinyBpe());
    const tiny = await loadTokenCounter(dir);
    assert.equal(countJoined(tiny, ["hel", "lo"]), 1);
    assert.equal(tiny.count("hel") + tiny.count("lo"), 4); // he l | l o
  });
});

Deno.test("countParts (builtin): each token counted in the event that completed it", async () => {
  const counter = await loadTokenCounter("builtin");
  const parts = (texts: string[], length = texts.length) => {
    const out = new Uint32Array(texts.length).fill(99);
    const total = counter.countParts!(texts, length, out);
    return { total, out: [...out.subarray(0, length)] };
  };
  // " world" is one token whose last character arrives with "ld"; " hello" ends in its own event.
  assert.deepEqual(parts([" hello", " wor", "ld", "!"]), { total: 3, out: [1, 0, 1, 1] });
  // "東京" is one token, completed by the second character's event; an empty event gets none.
  assert.deepEqual(parts(["東", "京", "", " café"]), { total: 2, out: [0, 1, 0, 1] });
  // A character of several byte-level tokens (U+1FAE0 is 3, U+1D54F twice is 6) counts them all
  // in its own event, as counting that event alone does here.
  const rare = [" a", "\u{1FAE0}", "\u{1D54F}\u{1D54F}", " b"];
  assert.deepEqual(parts(rare), { total: 11, out: [1, 3, 6, 1] });
  assert.deepEqual(rare.map((t) => counter.count(t)), [1, 3, 6, 1]);
  // Counts add up to the joined text's count, and only `length` parts of a reused array count.
  const words = [" the", " of", " and", " stale"];
  assert.deepEqual(parts(words, 3), { total: 3, out: [1, 1, 1] });
  assert.deepEqual(parts([], 0), { total: 0, out: [] });
  await withDir(async (dir) => {
    await writeJson(`${dir}/tokenizer.json`, tinyBpe());
    const tiny = await loadTokenCounter(dir);
    assert.equal(tiny.countParts, undefined, "a tokenizer.json cannot say where its tokens end");
  });
});
