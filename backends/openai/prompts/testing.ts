/** Shared by the prompt tests: default options and readers of a built document. */
import type { PromptOptions, PromptSet } from "./mod.ts";

/** Synthetic chat prompts of 50 builtin tokens, 20 of them, seed 7; `over` changes any. */
export function promptOptions(over: Partial<PromptOptions> = {}): PromptOptions {
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

/** Reads files from disk. */
export const DISK = { readTextFile: (path: string) => Deno.readTextFile(path) };

/** Serves one text whatever the path. */
export function textFile(text: string) {
  return { readTextFile: (_path: string) => Promise.resolve(text) };
}

/** This folder's testdata/<name>. */
export function testdata(name: string): string {
  return new URL(`./testdata/${name}`, import.meta.url).pathname;
}

export type Body = Record<string, unknown>;

export const bodiesOf = (set: PromptSet): Body[] => set.document.data.map((e) => e.payload[0]);

/** The prompt of a chat, completions or embeddings body. */
export function promptOf(b: Body): string {
  if (Array.isArray(b.messages)) return (b.messages as { content: string }[])[0].content;
  if (typeof b.prompt === "string") return b.prompt;
  return (b.input as string[])[0];
}
