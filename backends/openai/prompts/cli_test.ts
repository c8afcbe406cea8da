/**
 * The built documents end to end: written to a file and run through the CLI (in-process) with
 * `--service-kind openai --input-data` against the reference server's OpenAI mock, whose ground
 * truth counts every prompt it received by whitespace words, the rule that also counts one
 * builtin token per word of a synthetic prompt. The mock must have seen exactly the input lengths
 * the document promised, the Mooncake trace on its (sped-up) schedule, and each session turn with
 * its history.
 */
import assert from "node:assert/strict";
import { runCli, withServer, withTempDir } from "../../../tests/cli_harness.ts";
import type { OpenAiRequestTruth } from "../../../server/mod.ts";
import { loadTokenCounter } from "../tokenizer.ts";
import { buildInputs, type PromptSet, writeDocument } from "./mod.ts";
import { DISK, promptOf, promptOptions, testdata } from "./testing.ts";

const counter = await loadTokenCounter("builtin");
const CHAT = ["--service-kind", "openai", "-m", "mock-llm", "--endpoint", "v1/chat/completions"];

/** The text a chat request's user message held (its last message: the turn's own). */
const lastUser = (t: OpenAiRequestTruth) => t.messages[t.messages.length - 1].content;

/** Each prompt's index in the document, by its text. */
function indexOf(set: PromptSet): Map<string, number> {
  return new Map(set.document.data.map((e, i) => [promptOf(e.payload[0]), i]));
}

async function documentFile(dir: string, set: PromptSet): Promise<string> {
  const path = `${dir}/inputs.json`;
  await writeDocument(set.document, path);
  return path;
}

Deno.test("synthetic prompts: the mock receives exactly the promised input lengths", async () => {
  const set = await buildInputs(
    promptOptions({
      numDatasetEntries: 10,
      syntheticInputTokensMean: 120,
      syntheticInputTokensStddev: 40,
      numPrefixPrompts: 2,
      prefixPromptLength: 30,
      outputTokensMean: 5,
      outputTokensStddev: 2,
    }),
    DISK,
  );
  await withServer({ openai: {} }, async (server) => {
    await withTempDir("prompts_cli_", async (dir) => {
      const r = await runCli([
        ...CHAT,
        "-u",
        server.url,
        "--streaming",
        "--input-data",
        await documentFile(dir, set),
        "--request-count",
        "20",
        "-s",
        "100000",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = await server.openaiTruth();
      assert.ok(truth.length >= 20, `${truth.length} requests`);
      const index = indexOf(set);
      const seen = new Set<number>();
      for (const t of truth) {
        const i = index.get(lastUser(t));
        assert.ok(i !== undefined, "every request is one of the document's prompts");
        seen.add(i);
        assert.equal(t.promptTokens, set.inputLengths[i], `entry ${i}`);
        assert.equal(counter.count(lastUser(t)), t.promptTokens, "builtin agrees with the mock");
        assert.equal(t.completionTokens, set.document.data[i].payload[0].max_tokens);
      }
      assert.equal(seen.size, 10, "every entry sent");
    });
  });
});

Deno.test("a Mooncake trace replays on its timestamps over the speed-up, exact lengths", async () => {
  // The trace's 0, 10, 25, 40 ms, slowed down twice: 0, 20, 50, 80 ms.
  const set = await buildInputs(
    promptOptions({ inputFile: testdata("mooncake.jsonl"), fixedScheduleSpeedup: 0.5 }),
    DISK,
  );
  await withServer({ openai: {} }, async (server) => {
    await withTempDir("prompts_cli_", async (dir) => {
      const r = await runCli([
        ...CHAT,
        "-u",
        server.url,
        "--fixed-schedule",
        "--input-data",
        await documentFile(dir, set),
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = await server.openaiTruth();
      assert.deepEqual(truth.map((t) => t.promptTokens), [655, 672, 1200, 100]);
      assert.deepEqual(truth.map((t) => t.completionTokens), [52, 26, 20, 8]);
      const index = indexOf(set);
      assert.deepEqual(truth.map((t) => index.get(lastUser(t))), [0, 1, 2, 3]);
      const offsetsMs = truth.map((t) => (t.arrivalNs - truth[0].arrivalNs) / 1e6);
      // A busy machine makes a send late, never early: a late one is allowed 250 ms, while the
      // trace's own times (0, 10, 25, 40 ms, the speed-up ignored) would be 25 and 40 ms early.
      [0, 20, 50, 80].forEach((want, i) => {
        const off = offsetsMs[i] - want;
        assert.ok(off > -15 && off < 250, `entry ${i} at ${offsetsMs[i]} ms`);
      });
    });
  });
});

Deno.test("sessions from a file: every turn carries the history the mock wrote", async () => {
  const set = await buildInputs(promptOptions({ inputFile: testdata("sessions.jsonl") }), DISK);
  await withServer({ openai: { outputTokens: 3 } }, async (server) => {
    await withTempDir("prompts_cli_", async (dir) => {
      const r = await runCli([
        ...CHAT,
        "-u",
        server.url,
        "--input-data",
        await documentFile(dir, set),
        "--session-concurrency",
        "1",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = await server.openaiTruth();
      // One worker plays alpha, then beta, each turn after the reply (and delay) before it.
      const alpha = truth.slice(0, 3);
      assert.deepEqual(alpha.map(lastUser), ["one two three", "four five", "six"]);
      assert.deepEqual(alpha[2].messages, [
        { role: "user", content: "one two three" },
        { role: "assistant", content: alpha[0].content },
        { role: "user", content: "four five" },
        { role: "assistant", content: alpha[1].content },
        { role: "user", content: "six" },
      ]);
      assert.ok((alpha[1].arrivalNs - alpha[0].endNs) / 1e6 >= 250, "alpha waits 250 ms");
      assert.ok((alpha[2].arrivalNs - alpha[1].endNs) / 1e6 >= 100, "then 100 ms");
      assert.deepEqual(truth.slice(3).map(lastUser), ["seven eight nine ten", "eleven"]);
      assert.equal(truth.length, 5);
    });
  });
});
