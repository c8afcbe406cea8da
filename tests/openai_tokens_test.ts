/**
 * Where token counts come from, end to end from the CLI against the OpenAI mock: the line under
 * the LLM table and the JSON report name the source (the server's usage, a client tokenizer, the
 * events), and with both a tokenizer and usage the difference between them is reported, checked
 * against the mock's ground truth with its usage offset (usage = written tokens + offset).
 */
import assert from "node:assert/strict";
import { OPENAI_CHAT, runCli, withServer, withTempDir } from "./cli_harness.ts";
import type { OpenAiOptions, OpenAiRequestTruth } from "../server/mod.ts";
import type { RunSummary, TokenCountsJson, TokenJson } from "../core/report/json.ts";

const DATA_DIR = Deno.makeTempDirSync({ prefix: "openai_tokens_data_" });
globalThis.addEventListener("unload", () => Deno.removeSync(DATA_DIR, { recursive: true }));
const INPUT = `${DATA_DIR}/chat.json`;
Deno.writeTextFileSync(
  INPUT,
  JSON.stringify({
    data: [{ payload: [{ messages: [{ role: "user", content: "one two three" }] }] }],
  }),
);

const CHAT = [
  ...OPENAI_CHAT,
  "--input-data",
  INPUT,
  "--streaming",
  "--request-count",
  "5",
];

async function run(
  openai: OpenAiOptions,
  args: string[],
): Promise<{ stdout: string; summary: RunSummary; truth: OpenAiRequestTruth[] }> {
  let out: { stdout: string; summary: RunSummary; truth: OpenAiRequestTruth[] } | undefined;
  await withServer({ openai }, async (server) => {
    await withTempDir("openai_tokens_", async (dir) => {
      const json = `${dir}/run.json`;
      const r = await runCli([...CHAT, "-u", server.url, ...args, "--report-json", json]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      out = {
        stdout: r.stdout,
        summary: JSON.parse(await Deno.readTextFile(json)),
        truth: await server.openaiTruth(),
      };
    });
  });
  return out!;
}

function line(stdout: string, start: string): string {
  const found = stdout.split("\n").find((l) => l.startsWith(start));
  assert.ok(found, `no line "${start}..." in:\n${stdout}`);
  return found;
}

function tokenCounts(summary: RunSummary): TokenCountsJson {
  const level = summary.levels[0];
  assert.ok(level.tokens, "the level has token metrics");
  return level.tokens.token_counts as TokenCountsJson;
}

Deno.test("token source: the server's usage by default, named under the table and in JSON", async () => {
  const { stdout, summary, truth } = await run({ outputTokens: 12 }, []);
  const n = truth.length;
  assert.ok(n >= 5, `${n} requests`);
  assert.equal(
    line(stdout, "Token counts from:"),
    `Token counts from: the server's usage for ${n} requests`,
  );
  assert.equal(stdout.includes("Tokenizer vs server usage"), false, "no tokenizer, no comparison");
  assert.deepEqual(tokenCounts(summary), {
    tokenizer: "",
    tokenizer_requests: 0,
    server_usage_requests: n,
    event_requests: 0,
    mismatch: {
      requests: 0,
      tokenizer_tokens: 0,
      server_tokens: 0,
      differing_requests: 0,
      max_difference: 0,
    },
  });
});

Deno.test("token source: --tokenizer builtin against usage that counts 3 more: the mismatch is reported", async () => {
  // Every mock token is one common English word, one o200k_base token: the tokenizer counts
  // exactly what the mock wrote, its usage says 3 more per request.
  const { stdout, summary, truth } = await run({ outputTokens: 10, usageOffset: 3 }, [
    "--tokenizer",
    "builtin",
  ]);
  const n = truth.length;
  const written = truth.reduce((a, t) => a + t.completionTokens, 0);
  assert.equal(written, 10 * n);
  assert.equal(
    line(stdout, "Token counts from:"),
    `Token counts from: tokenizer builtin:o200k_base for ${n} requests`,
  );
  assert.equal(
    line(stdout, "Tokenizer vs server usage"),
    `Tokenizer vs server usage, output tokens of ${n} requests with both: tokenizer ${written}, ` +
      `server ${written + 3 * n}, server − tokenizer +${3 * n} (+30 %); ${n} requests differ, ` +
      "at most by +3",
  );
  assert.deepEqual(tokenCounts(summary), {
    tokenizer: "builtin:o200k_base",
    tokenizer_requests: n,
    server_usage_requests: 0,
    event_requests: 0,
    mismatch: {
      requests: n,
      tokenizer_tokens: written,
      server_tokens: written + 3 * n,
      differing_requests: n,
      max_difference: 3,
    },
  });
  // The output length is the tokenizer's count, not the usage.
  const osl = summary.levels[0].tokens!.output_sequence_length as TokenJson;
  assert.deepEqual([osl.min, osl.max], [10, 10]);
});

Deno.test("token source: tokenizer and usage agree; without either, the events are counted", async () => {
  const agree = await run({ outputTokens: 6 }, ["--tokenizer", "builtin"]);
  const n = agree.truth.length;
  assert.equal(
    line(agree.stdout, "Tokenizer vs server usage"),
    `Tokenizer vs server usage, output tokens of ${n} requests with both: both ${6 * n}, ` +
      "no request differs",
  );
  const events = await run({ outputTokens: 6, usage: "none", tokensPerEvent: 2 }, []);
  assert.equal(
    line(events.stdout, "Token counts from:"),
    `Token counts from: the events for ${events.truth.length} requests (one token per ` +
      "token-bearing event, no usage and no tokenizer)",
  );
  const counts = tokenCounts(events.summary);
  assert.deepEqual(
    [counts.event_requests, counts.server_usage_requests, counts.tokenizer_requests],
    [events.truth.length, 0, 0],
  );
});

/** One LLM table row's numbers: avg, min, max, p99, p90, p75. */
function llmRow(stdout: string, label: string): number[] {
  const found = stdout.split("\n").find((l) => l.includes(` ${label} `));
  assert.ok(found, `row "${label}" not in:\n${stdout}`);
  return found.split("│").slice(2, 8).map((c) => Number(c.trim().replaceAll(",", "")));
}

Deno.test("tokens per event: usage only at the end, the tokenizer makes them exact", async () => {
  // 12 tokens in 4 events of 3; usage only in the final chunk.
  const mock: OpenAiOptions = { outputTokens: 12, tokensPerEvent: 3, itlUs: 200 };
  const exact = await run(mock, ["--tokenizer", "builtin"]);
  assert.ok(
    exact.truth.every((t) => t.events.filter((e) => e.tokens > 0).every((e) => e.tokens === 3)),
  );
  assert.deepEqual(llmRow(exact.stdout, "Tokens Per Event (tokens)"), [3, 3, 3, 3, 3, 3]);
  assert.deepEqual(llmRow(exact.stdout, "Output Sequence Length (tokens)").slice(0, 3), [
    12,
    12,
    12,
  ]);
  const approx = await run(mock, []);
  assert.deepEqual(llmRow(approx.stdout, "Tokens Per Event (tokens)"), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(llmRow(approx.stdout, "Output Sequence Length (tokens)").slice(0, 3), [
    12,
    12,
    12,
  ]);
});
