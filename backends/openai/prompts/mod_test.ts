import assert from "node:assert/strict";
import { isUsageError } from "../../../core/errors.ts";
import { SeededRandom } from "../../../core/load/random.ts";
import { loadTokenCounter, type TokenCounter } from "../tokenizer.ts";
import { buildInputs, documentJson, writeDocument } from "./mod.ts";
import { fitText, LengthDraws, PromptText } from "./synthetic.ts";
import { bodiesOf, promptOf, promptOptions, textFile } from "./testing.ts";
import { vocabularyOf } from "./vocabulary.ts";

const NO_FILES = textFile("");

Deno.test("synthetic prompts count exactly their drawn lengths by the builtin tokenizer", async () => {
  const counter = await loadTokenCounter("builtin");
  for (const [mean, stddev] of [[1, 0], [7, 3], [100, 0], [300, 80], [1000, 250], [4000, 1000]]) {
    const set = await buildInputs(
      promptOptions({ syntheticInputTokensMean: mean, syntheticInputTokensStddev: stddev }),
      NO_FILES,
    );
    const counts = bodiesOf(set).map((b) => counter.count(promptOf(b)));
    assert.deepEqual(counts, set.inputLengths, `mean ${mean} stddev ${stddev}`);
    assert.equal(set.inputLengths.length, 20);
    assert.ok(set.inputLengths.every((n) => n >= 1));
    if (stddev === 0) assert.ok(set.inputLengths.every((n) => n === mean));
    else assert.ok(new Set(set.inputLengths).size > 5, "lengths vary with a deviation");
    assert.equal(set.tokenizer, "builtin:o200k_base");
  }
});

Deno.test('tokenizer "server" builds and measures with builtin', async () => {
  const set = await buildInputs(promptOptions({ tokenizer: "server" }), NO_FILES);
  assert.equal(set.tokenizer, "builtin:o200k_base");
  assert.deepEqual(set, await buildInputs(promptOptions(), NO_FILES));
});

Deno.test("drawn lengths follow the asked mean and deviation", () => {
  const draws = new LengthDraws(3, 1000, 100);
  const xs = Array.from({ length: 20000 }, () => draws.next());
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  assert.ok(Math.abs(mean - 1000) < 3, `mean ${mean}`);
  assert.ok(Math.abs(sd - 100) < 3, `stddev ${sd}`);
  const clamped = new LengthDraws(3, 2, 10);
  assert.ok(Array.from({ length: 1000 }, () => clamped.next()).every((n) => n >= 1));
});

Deno.test("the same seed gives the same document; another seed other prompts", async () => {
  const o = promptOptions({
    syntheticInputTokensStddev: 10,
    outputTokensMean: 30,
    outputTokensStddev: 5,
  });
  const a = await buildInputs(o, NO_FILES);
  assert.deepEqual(await buildInputs(o, NO_FILES), a);
  const b = await buildInputs({ ...o, randomSeed: 8 }, NO_FILES);
  assert.notDeepEqual(bodiesOf(b).map(promptOf), bodiesOf(a).map(promptOf));
  assert.notDeepEqual(b.inputLengths, a.inputLengths);
});

Deno.test("shared prefixes: every prompt starts with one of the pool, lengths still exact", async () => {
  const counter = await loadTokenCounter("builtin");
  const set = await buildInputs(
    promptOptions({
      numDatasetEntries: 60,
      syntheticInputTokensMean: 40,
      syntheticInputTokensStddev: 15,
      numPrefixPrompts: 3,
      prefixPromptLength: 25,
    }),
    NO_FILES,
  );
  const prompts = bodiesOf(set).map(promptOf);
  const prefixes = new Set(prompts.map((p) => p.split(" ").slice(0, 25).join(" ")));
  assert.equal(prefixes.size, 3, "three shared prefixes, each used");
  assert.deepEqual(prompts.map((p) => counter.count(p)), set.inputLengths);
  assert.ok(set.inputLengths.every((n) => n >= 25), "never shorter than the prefix");
  assert.ok(set.inputLengths.some((n) => n > 25));
  for (const p of prefixes) assert.equal(counter.count(p), 25);
});

Deno.test("output lengths: max_tokens, and min_tokens with ignore_eos when deterministic", async () => {
  const plain = await buildInputs(
    promptOptions({ outputTokensMean: 64, outputTokensStddev: 8 }),
    NO_FILES,
  );
  const maxes = bodiesOf(plain).map((b) => b.max_tokens as number);
  assert.ok(new Set(maxes).size > 3 && maxes.every((n) => n >= 1));
  assert.ok(bodiesOf(plain).every((b) => !("min_tokens" in b) && !("ignore_eos" in b)));
  assert.equal(plain.expectedOutputLengths, undefined);
  const fixed = await buildInputs(
    promptOptions({
      outputTokensMean: 64,
      outputTokensStddev: 8,
      outputTokensMeanDeterministic: true,
    }),
    NO_FILES,
  );
  const bodies = bodiesOf(fixed);
  assert.deepEqual(bodies.map((b) => b.max_tokens), maxes, "the same draws either way");
  assert.deepEqual(bodies.map((b) => b.min_tokens), maxes);
  assert.ok(bodies.every((b) => b.ignore_eos === true));
  assert.deepEqual(fixed.expectedOutputLengths, maxes);
});

Deno.test("bodies per endpoint, with the model and extra inputs set last", async () => {
  const chat = await buildInputs(
    promptOptions({ numDatasetEntries: 1, extraInputs: { temperature: 0, model: "other" } }),
    NO_FILES,
  );
  const [c] = bodiesOf(chat);
  assert.deepEqual(Object.keys(c).sort(), ["messages", "model", "temperature"]);
  assert.equal(c.model, "other");
  assert.equal((c.messages as { role: string }[])[0].role, "user");
  const comp = await buildInputs(
    promptOptions({ numDatasetEntries: 1, endpointType: "completions", outputTokensMean: 9 }),
    NO_FILES,
  );
  assert.deepEqual(Object.keys(bodiesOf(comp)[0]).sort(), ["max_tokens", "model", "prompt"]);
  const emb = await buildInputs(
    promptOptions({ numDatasetEntries: 1, endpointType: "embeddings", outputTokensMean: 9 }),
    NO_FILES,
  );
  const [e] = bodiesOf(emb);
  assert.deepEqual(Object.keys(e).sort(), ["input", "model"], "embeddings have no max_tokens");
  assert.ok(Array.isArray(e.input));
});

Deno.test("impossible options are usage errors naming the flag", async () => {
  const cases: [Partial<Parameters<typeof promptOptions>[0]>, string][] = [
    [{ syntheticInputTokensMean: 0 }, "--synthetic-input-tokens-mean"],
    [{ syntheticInputTokensStddev: -1 }, "--synthetic-input-tokens-stddev"],
    [{ numDatasetEntries: 0 }, "--num-dataset-entries"],
    [{ numPrefixPrompts: 2 }, "--prefix-prompt-length"],
    [{ outputTokensMeanDeterministic: true }, "--output-tokens-mean-deterministic"],
    [{ fixedScheduleSpeedup: 0 }, "--fixed-schedule-speedup"],
  ];
  for (const [over, flag] of cases) {
    await assert.rejects(buildInputs(promptOptions(over), NO_FILES), (e: Error) => {
      assert.ok(isUsageError(e), e.message);
      assert.ok(e.message.includes(flag), e.message);
      return true;
    });
  }
});

/**
 * A counter whose counts do not add up per word (every seventh word costs one more token, as a
 * tokenizer whose merges cross spaces would), so no prompt is exact by construction.
 */
const lumpy: TokenCounter = {
  name: "lumpy",
  count(text) {
    const words = text.split(" ").filter((w) => w !== "").length;
    return words + Math.floor(words / 7);
  },
};

Deno.test("a tokenizer without the construction argument: every prompt counted and fitted", () => {
  const vocab = vocabularyOf(lumpy, false);
  assert.equal(vocab.exact, false);
  const random = new SeededRandom(1);
  const out = new PromptText(vocab);
  for (const target of [1, 6, 8, 50, 333]) {
    out.reset();
    out.appendRandom(target, random);
    const text = fitText(out, target, random);
    assert.equal(lumpy.count(text), target, `target ${target}`);
  }
  // 6 words count 6 and 7 words count 8: no text of whole words counts 7.
  out.reset();
  out.appendRandom(7, random);
  assert.throws(
    () => fitText(out, 7, random),
    /lumpy: could not make a prompt of exactly 7 tokens/,
  );
});

Deno.test("documentJson is JSON.stringify in pieces; writeDocument writes it", async () => {
  const set = await buildInputs(promptOptions({ syntheticInputTokensMean: 300 }), NO_FILES);
  const pieces = [...documentJson(set.document, 1000)];
  assert.ok(pieces.length > 5, `${pieces.length} pieces`);
  assert.equal(pieces.join(""), JSON.stringify(set.document));
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await writeDocument(set.document, path);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), set.document);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("expected output lengths follow the body as sent, extra inputs included", async () => {
  const set = await buildInputs(
    promptOptions({
      numDatasetEntries: 3,
      outputTokensMean: 10,
      outputTokensMeanDeterministic: true,
      extraInputs: { ignore_eos: false },
    }),
    NO_FILES,
  );
  assert.deepEqual(set.expectedOutputLengths, [-1, -1, -1], "ignore_eos false pins nothing");
});

Deno.test("the builtin vocabulary: one token per word, alone, spaced and all joined", async () => {
  const counter = await loadTokenCounter("builtin");
  const vocab = vocabularyOf(counter, true);
  assert.equal(vocab.exact, true);
  const size = vocab.starts.length - 1;
  assert.ok(size >= 300, `${size} words`);
  const words = new TextDecoder().decode(vocab.flat).split(" ").slice(1);
  assert.equal(words.length, size);
  assert.ok(words.every((w) => counter.count(w) === 1 && counter.count(" " + w) === 1));
  assert.equal(counter.count(words.join(" ")), size);
  assert.equal(vocabularyOf(counter, true), vocab, "built once per counter");
});
