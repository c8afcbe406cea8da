/**
 * The bench's prompt-synthesis row (issue 19): GenAI-Perf-style synthetic prompts built by
 * backends/openai/prompts (exact lengths by the builtin o200k_base tokenizer), 100,000 prompts of
 * 1,000 tokens by default. Each row runs in a child process of its own, so its peak RSS (VmHWM,
 * read by the child from /proc/self/status at the end) is the synthesis's alone: the tokenizer's
 * vocabulary, the prompts and the document. The child also times writing the document as
 * --input-data JSON (to /dev/null) and counts a sample of the prompts with the tokenizer, a row
 * whose counts differ being invalid.
 *
 *   deno run -A scripts/bench_prompts.ts [--prompts N] [--tokens T]
 */
import { parseArgs } from "node:util";
import { alignColumns } from "./bench_table.ts";
import { buildInputs, type PromptOptions, writeDocument } from "../backends/openai/prompts/mod.ts";
import { loadTokenCounter } from "../backends/openai/tokenizer.ts";

export const PROMPTS_TITLE = "Prompt synthesis (exact lengths, builtin o200k_base):";

/** Prompts counted with the tokenizer after the timed part. */
const SAMPLE = 200;

export interface PromptsPlan {
  prompts: number;
  tokens: number;
}

export interface PromptsRow {
  prompts: number;
  tokens: number;
  /** buildInputs, tokenizer load and vocabulary check included. */
  synthesisS: number;
  /** The document written as JSON to /dev/null. */
  writeS: number;
  /** VmHWM of the child at the end. */
  peakRssMb: number;
  /** Sampled prompts whose tokenizer count equals the length asked; SAMPLE when all do. */
  verified: number;
  sampled: number;
}

export interface PromptsSection {
  date: string;
  plan: PromptsPlan;
  method: string;
  rows: PromptsRow[];
  problems: string[];
}

const METHOD = "scripts/bench_prompts.ts: a child process per row runs buildInputs for N chat " +
  "prompts of T tokens (stddev 0, seed 0, builtin tokenizer), then writes the document with " +
  `writeDocument to /dev/null, then counts ${SAMPLE} evenly spaced prompts with the tokenizer; ` +
  "peak RSS is the child's VmHWM.";

export function promptsPlan(quick: boolean): PromptsPlan {
  return { prompts: quick ? 10_000 : 100_000, tokens: 1000 };
}

function options(plan: PromptsPlan): PromptOptions {
  return {
    endpointType: "chat",
    model: "bench",
    syntheticInputTokensMean: plan.tokens,
    syntheticInputTokensStddev: 0,
    outputTokensStddev: 0,
    outputTokensMeanDeterministic: false,
    numDatasetEntries: plan.prompts,
    numPrefixPrompts: 0,
    prefixPromptLength: 0,
    randomSeed: 0,
    tokenizer: "builtin",
  };
}

/** The child's work: one row, measured in this process. */
async function measureHere(plan: PromptsPlan): Promise<PromptsRow> {
  const started = performance.now();
  const set = await buildInputs(options(plan), {
    readTextFile: () => Promise.reject(new Error("no files")),
  });
  const built = performance.now();
  await writeDocument(set.document, "/dev/null");
  const written = performance.now();
  const status = await Deno.readTextFile("/proc/self/status");
  const hwmKb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
  const counter = await loadTokenCounter("builtin");
  const data = set.document.data;
  const sampled = Math.min(SAMPLE, data.length);
  let verified = 0;
  for (let s = 0; s < sampled; s++) {
    const i = Math.floor((s * data.length) / sampled);
    const messages = data[i].payload[0].messages as { content: string }[];
    if (counter.count(messages[0].content) === set.inputLengths[i]) verified++;
  }
  return {
    prompts: plan.prompts,
    tokens: plan.tokens,
    synthesisS: (built - started) / 1000,
    writeS: (written - built) / 1000,
    peakRssMb: hwmKb / 1024,
    verified,
    sampled,
  };
}

export async function runPromptsSection(
  plan: PromptsPlan,
  log: (line: string) => void,
): Promise<PromptsSection> {
  log(`prompt synthesis: ${plan.prompts} prompts of ${plan.tokens} tokens ...`);
  const problems: string[] = [];
  const rows: PromptsRow[] = [];
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      new URL(import.meta.url).pathname,
      "--child",
      "--prompts",
      String(plan.prompts),
      "--tokens",
      String(plan.tokens),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    problems.push(`prompt synthesis child failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  } else {
    const row = JSON.parse(text.slice(text.lastIndexOf("\n") + 1)) as PromptsRow;
    if (row.verified !== row.sampled) {
      problems.push(`prompt synthesis: ${row.sampled - row.verified} sampled prompts miscounted`);
    }
    rows.push(row);
  }
  return { date: new Date().toISOString(), plan, method: METHOD, rows, problems };
}

export function promptsLines(rows: PromptsRow[]): string[] {
  const cells = [
    ["prompts × tokens", "synthesis s", "write JSON s", "peak RSS MB", "exact (sampled)"],
    ...rows.map((r) => [
      `${r.prompts.toLocaleString("en-US")} × ${r.tokens.toLocaleString("en-US")}`,
      r.synthesisS.toFixed(2),
      r.writeS.toFixed(2),
      r.peakRssMb.toFixed(0),
      `${r.verified}/${r.sampled}`,
    ]),
  ];
  return [PROMPTS_TITLE, ...alignColumns(cells).map((l) => "  " + l)];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "boolean", default: false },
      prompts: { type: "string" },
      tokens: { type: "string" },
    },
    strict: true,
  });
  const plan = {
    prompts: Number(values.prompts ?? 100_000),
    tokens: Number(values.tokens ?? 1000),
  };
  if (!(Number.isSafeInteger(plan.prompts) && plan.prompts > 0) || !(plan.tokens >= 1)) {
    console.error("bench_prompts: --prompts and --tokens must be positive integers");
    Deno.exit(2);
  }
  if (values.child) console.log(JSON.stringify(await measureHere(plan)));
  else {
    const section = await runPromptsSection(plan, (l) => console.log(l));
    console.log(promptsLines(section.rows).join("\n"));
    for (const p of section.problems) console.log(`INVALID: ${p}`);
    Deno.exitCode = section.problems.length === 0 ? 0 : 1;
  }
}
