import assert from "node:assert/strict";
import { loadTokenCounter } from "../tokenizer.ts";
import { buildInputs, type PromptOptions, type PromptSet } from "./mod.ts";

const NO_FILES = {
  readTextFile: (path: string) => Promise.reject(new Error(`unexpected read of ${path}`)),
};

export function options(over: Partial<PromptOptions> = {}): PromptOptions {
  return {
    endpointType: "chat",
    model: "mock-llm",
    syntheticInputTokensMean: 50,
    syntheticInputTokensStddev: 0,
    outputTokensStddev: 0,
    outputTokensMeanDeterministic: false,
    numDatasetEntries: 20,
    numPrefixPrompts: 0,
    prefixPromptLength: 0,
    randomSeed: 7,
    tokenizer: "builtin",
    ...over,
  };
}

type Body = Record<string, unknown>;
const bodies = (set: PromptSet): Body[] => set.document.data.map((e) => e.payload[0]);
const contentOf = (b: Body) => (b.messages as { content: string }[])[0].content;

Deno.test("synthetic prompts count exactly their drawn lengths by the builtin tokenizer", async () => {
  const counter = await loadTokenCounter("builtin");
  for (const [mean, stddev] of [[1, 0], [7, 3], [100, 0], [300, 80], [1000, 250]]) {
    const set = await buildInputs(
      options({ syntheticInputTokensMean: mean, syntheticInputTokensStddev: stddev }),
      NO_FILES,
    );
    const counts = bodies(set).map((b) => counter.count(contentOf(b)));
    assert.deepEqual(counts, set.inputLengths, `mean ${mean} stddev ${stddev}`);
    assert.ok(set.inputLengths.every((n) => n >= 1));
    if (stddev === 0) assert.ok(set.inputLengths.every((n) => n === mean));
    else assert.ok(new Set(set.inputLengths).size > 1, "lengths vary with a deviation");
  }
});
