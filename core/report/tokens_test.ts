import assert from "node:assert/strict";
import {
  formatGrouped,
  formatTokenCsv,
  formatTokenTable,
  tokenCsvPath,
  tokenSourceLines,
} from "./tokens.ts";
import { formatLevelResult } from "./console.ts";
import { formatCsv } from "./csv.ts";
import { buildRunSummary, levelSummary } from "./json.ts";
import { formatHtmlReport } from "./html.ts";
import { context, plainLevels } from "./testing/testdata.ts";
import type { LevelResult } from "../measure/results.ts";
import type { TokenMismatch, TokenSources, TokenStat, TokenStats } from "../measure/tokens.ts";

/** A distribution whose percentiles are p25..p99 = the given six values. */
function stat(count: number, avg: number, min: number, max: number, ps: number[]): TokenStat {
  const percentiles = new Map([25, 50, 75, 90, 95, 99].map((p, i) => [p, ps[i]]));
  return { count, avg, min, max, std: NaN, percentiles };
}

const NONE = stat(0, 0, 0, 0, [0, 0, 0, 0, 0, 0]);

function tokenStats(): TokenStats {
  return {
    timeToFirstToken: stat(3, 12.345, 10, 15.5, [10, 11, 13, 15, 15.25, 15.5]),
    timeToSecondToken: stat(3, 2, 1, 3, [1, 2, 2.5, 3, 3, 3]),
    requestLatency: stat(3, 1234.5678, 1000, 1500, [1000, 1200, 1300, 1400, 1450, 1500]),
    interTokenLatency: stat(2, 0.125, 0.1, 0.15, [0.1, 0.1, 0.15, 0.15, 0.15, 0.15]),
    outputTokenThroughputPerUser: stat(2, 8000, 6666.667, 10000, [
      6666.667,
      6666.667,
      10000,
      10000,
      10000,
      10000,
    ]),
    outputSequenceLength: stat(3, 100, 1, 200, [1, 99, 200, 200, 200, 200]),
    inputSequenceLength: NONE,
    interChunkLatency: stat(4, 0.375, 0.25, 0.5, [0.25, 0.25, 0.5, 0.5, 0.5, 0.5]),
    tokensPerEvent: stat(300, 1, 1, 1, [1, 1, 1, 1, 1, 1]),
    outputTokenThroughput: 1234567.891,
    requestThroughput: 12.345,
    untokenizedCount: 0,
    sources: { client: 0, counter: "", server: 3, events: 0 },
    mismatch: { requests: 0, clientTokens: 0, serverTokens: 0, maxDifference: 0, differing: 0 },
  };
}

function tokenLevel(value = 1): LevelResult {
  const l = plainLevels()[0];
  l.value = value;
  l.client.tokens = tokenStats();
  return l;
}

Deno.test("formatGrouped is Python's {:,.2f} (ties to even on the exact binary value)", () => {
  // Expected strings printed by Python 3 for the same doubles.
  const cases: [number, string][] = [
    [12.345, "12.35"],
    [0.125, "0.12"],
    [0.375, "0.38"],
    [1234567.891, "1,234,567.89"],
    [999.995, "1,000.00"],
    [1000 / 15, "66.67"],
    [0.005, "0.01"],
    [0, "0.00"],
    [123456, "123,456.00"],
  ];
  for (const [x, want] of cases) assert.equal(formatGrouped(x), want, String(x));
});

const TABLE = [
  "                                                        LLM Metrics",
  "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━┓",
  "┃                                          Statistic ┃      avg ┃      min ┃       max ┃       p99 ┃       p90 ┃       p75 ┃",
  "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━┩",
  "│                           Time To First Token (ms) │    12.35 │    10.00 │     15.50 │     15.50 │     15.00 │     13.00 │",
  "│                          Time To Second Token (ms) │     2.00 │     1.00 │      3.00 │      3.00 │      3.00 │      2.50 │",
  "│                               Request Latency (ms) │ 1,234.57 │ 1,000.00 │  1,500.00 │  1,500.00 │  1,400.00 │  1,300.00 │",
  "│                           Inter Token Latency (ms) │     0.12 │     0.10 │      0.15 │      0.15 │      0.15 │      0.15 │",
  "│ Output Token Throughput Per User (tokens/sec/user) │ 8,000.00 │ 6,666.67 │ 10,000.00 │ 10,000.00 │ 10,000.00 │ 10,000.00 │",
  "│                    Output Sequence Length (tokens) │   100.00 │     1.00 │    200.00 │    200.00 │    200.00 │    200.00 │",
  "│                     Input Sequence Length (tokens) │      N/A │      N/A │       N/A │       N/A │       N/A │       N/A │",
  "├────────────────────────────────────────────────────┼──────────┼──────────┼───────────┼───────────┼───────────┼───────────┤",
  "│                           Inter Chunk Latency (ms) │     0.38 │     0.25 │      0.50 │      0.50 │      0.50 │      0.50 │",
  "│                          Tokens Per Event (tokens) │     1.00 │     1.00 │      1.00 │      1.00 │      1.00 │      1.00 │",
  "└────────────────────────────────────────────────────┴──────────┴──────────┴───────────┴───────────┴───────────┴───────────┘",
  "Token counts from: the server's usage for 3 requests",
  "Output Token Throughput (tokens/sec): 1,234,567.89",
  "Request Throughput (per sec): 12.35",
  "Below the rule, not GenAI-Perf metrics: Inter Chunk Latency is every gap between consecutive " +
  "token-bearing events (vLLM's ITL); Tokens Per Event is the tokens each carried.",
].join("\n") + "\n";

const CSV_BLOCK = [
  "Metric,avg,min,max,p99,p95,p90,p75,p50,p25",
  "Time To First Token (ms),12.35,10.00,15.50,15.50,15.25,15.00,13.00,11.00,10.00",
  "Time To Second Token (ms),2.00,1.00,3.00,3.00,3.00,3.00,2.50,2.00,1.00",
  'Request Latency (ms),"1,234.57","1,000.00","1,500.00","1,500.00","1,450.00","1,400.00",' +
  '"1,300.00","1,200.00","1,000.00"',
  "Inter Token Latency (ms),0.12,0.10,0.15,0.15,0.15,0.15,0.15,0.10,0.10",
  'Output Token Throughput Per User (tokens/sec/user),"8,000.00","6,666.67","10,000.00",' +
  '"10,000.00","10,000.00","10,000.00","10,000.00","6,666.67","6,666.67"',
  "Output Sequence Length,100.00,1.00,200.00,200.00,200.00,200.00,200.00,99.00,1.00",
  "Input Sequence Length,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
  "Inter Chunk Latency (ms),0.38,0.25,0.50,0.50,0.50,0.50,0.50,0.25,0.25",
  "Tokens Per Event,1.00,1.00,1.00,1.00,1.00,1.00,1.00,1.00,1.00",
  "",
  "Metric,Value",
  "Output Token Throughput (tokens/sec),1234567.89",
  "Request Throughput (per sec),12.35",
].join("\n");

Deno.test("console: GenAI-Perf's LLM metrics table, extras below the rule, then throughputs", () => {
  assert.equal(formatTokenTable(tokenLevel()), TABLE);
});

Deno.test("console: the table follows perf_analyzer's block; without tokens nothing changes", () => {
  const ctx = context({});
  const plain = plainLevels()[0];
  const before = formatLevelResult(plain, ctx);
  assert.equal(formatTokenTable(plain), "");
  assert.equal(formatLevelResult(tokenLevel(), ctx), before + TABLE);
});

Deno.test("console: under the table, where the counts came from and how tokenizer and usage differ", () => {
  const lines = (sources: TokenSources, mismatch: TokenMismatch, untokenized = 0) => {
    const s = tokenStats();
    Object.assign(s, { sources, mismatch, untokenizedCount: untokenized });
    return tokenSourceLines(s);
  };
  const noMismatch = {
    requests: 0,
    clientTokens: 0,
    serverTokens: 0,
    maxDifference: 0,
    differing: 0,
  };
  assert.deepEqual(lines({ client: 0, counter: "", server: 2, events: 4 }, noMismatch, 4), [
    "Token counts from: the server's usage for 2 requests; the events for 4 requests (one " +
    "token per token-bearing event, no usage and no tokenizer)",
  ]);
  assert.deepEqual(lines({ client: 0, counter: "", server: 0, events: 1 }, noMismatch), [
    "Token counts from: the events for 1 request (the tokens each event carried)",
  ]);
  const tok = "builtin:o200k_base";
  assert.deepEqual(
    lines({ client: 5, counter: tok, server: 0, events: 0 }, {
      requests: 4,
      clientTokens: 80,
      serverTokens: 92,
      maxDifference: 5,
      differing: 3,
    }),
    [
      "Token counts from: tokenizer builtin:o200k_base for 5 requests",
      "Tokenizer vs server usage, output tokens of 4 requests with both: tokenizer 80, server 92, " +
      "server − tokenizer +12 (+15 %); 3 requests differ, at most by +5",
    ],
  );
  assert.deepEqual(
    lines({ client: 2, counter: tok, server: 0, events: 0 }, {
      requests: 2,
      clientTokens: 40,
      serverTokens: 40,
      maxDifference: 0,
      differing: 0,
    }),
    [
      "Token counts from: tokenizer builtin:o200k_base for 2 requests",
      "Tokenizer vs server usage, output tokens of 2 requests with both: both 40, no request differs",
    ],
  );
  const level = tokenLevel();
  level.client.tokens!.sources = { client: 0, counter: "", server: 0, events: 0 };
  assert.ok(formatTokenTable(level).includes("\nToken counts from: no request\n"));
});

Deno.test("CSV: GenAI-Perf's profile_export_genai_perf.csv layout for one level", () => {
  assert.equal(formatTokenCsv([tokenLevel()]), CSV_BLOCK + "\n");
  // -f's own CSV is untouched by token metrics.
  const ctx = context({});
  assert.equal(formatCsv([tokenLevel()], ctx), formatCsv([plainLevels()[0]], ctx));
});

Deno.test("CSV: several levels each get a load row and their block; no tokens, no file", () => {
  const two = [tokenLevel(1), tokenLevel(4)];
  assert.equal(
    formatTokenCsv(two),
    `Concurrency,1\n${CSV_BLOCK}\n\nConcurrency,4\n${CSV_BLOCK}\n`,
  );
  const unstable = tokenLevel();
  unstable.status = "unstable";
  assert.equal(formatTokenCsv([unstable, plainLevels()[0]]), "");
});

Deno.test("CSV path: <stem>_genai_perf.csv next to -f's file", () => {
  assert.equal(tokenCsvPath("out.csv"), "out_genai_perf.csv");
  assert.equal(tokenCsvPath("/tmp/run.1/result.csv"), "/tmp/run.1/result_genai_perf.csv");
  assert.equal(tokenCsvPath("/tmp/run.1/result"), "/tmp/run.1/result_genai_perf.csv");
  assert.equal(tokenCsvPath(".hidden"), ".hidden_genai_perf.csv");
});

Deno.test("JSON: the level carries the token metrics under GenAI-Perf's keys", () => {
  const summary = levelSummary(tokenLevel(), false);
  const t = summary.tokens!;
  assert.deepEqual(t.time_to_first_token, {
    unit: "ms",
    count: 3,
    avg: 12.345,
    min: 10,
    max: 15.5,
    std: null,
    p25: 10,
    p50: 11,
    p75: 13,
    p90: 15,
    p95: 15.25,
    p99: 15.5,
  });
  assert.deepEqual(t.input_sequence_length, {
    unit: "tokens",
    count: 0,
    avg: null,
    min: null,
    max: null,
    std: null,
    p25: null,
    p50: null,
    p75: null,
    p90: null,
    p95: null,
    p99: null,
  });
  assert.deepEqual(t.output_token_throughput, { unit: "tokens/sec", avg: 1234567.891 });
  assert.deepEqual(t.request_throughput, { unit: "per sec", avg: 12.345 });
  assert.equal(t.untokenized_count, 0);
  assert.deepEqual(t.token_counts, {
    tokenizer: "",
    tokenizer_requests: 0,
    server_usage_requests: 3,
    event_requests: 0,
    mismatch: {
      requests: 0,
      tokenizer_tokens: 0,
      server_tokens: 0,
      differing_requests: 0,
      max_difference: 0,
    },
  });
  assert.deepEqual(Object.keys(t), [
    "time_to_first_token",
    "time_to_second_token",
    "request_latency",
    "inter_token_latency",
    "output_token_throughput_per_user",
    "output_sequence_length",
    "input_sequence_length",
    "inter_chunk_latency",
    "tokens_per_event",
    "output_token_throughput",
    "request_throughput",
    "untokenized_count",
    "token_counts",
  ]);
  assert.equal("tokens" in levelSummary(plainLevels()[0], false), false);
});

Deno.test("HTML: a token-metrics table per level with tokens, none without", () => {
  const ctx = context({});
  const html = formatHtmlReport(buildRunSummary([tokenLevel(2)], ctx, new Date(0)));
  assert.ok(html.includes("<h2>Token metrics</h2>\n<h3>Concurrency 2</h3>"));
  assert.ok(html.includes(
    '<tr><td class="text">time_to_first_token</td><td class="text">ms</td><td>12.345</td>' +
      "<td>10</td><td>15.5</td><td>15.5</td><td>15</td><td>13</td></tr>",
  ));
  assert.ok(html.includes(
    '<tr><td class="text">input_sequence_length</td><td class="text">tokens</td>' +
      "<td>N/A</td>".repeat(6) + "</tr>",
  ));
  assert.ok(html.includes(
    '<tr><td class="text">request_throughput</td><td class="text">per sec</td>' +
      "<td>12.345</td></tr>",
  ));
  const plain = formatHtmlReport(buildRunSummary(plainLevels(), ctx, new Date(0)));
  assert.equal(plain.includes("Token metrics"), false);
});

Deno.test("console: pinned output lengths say how many came back another length", () => {
  const lines = (expectedOutput: TokenStats["expectedOutput"]) => {
    const s = tokenStats();
    s.sources = { client: 0, counter: "", server: 3, events: 0 };
    s.expectedOutput = expectedOutput;
    return tokenSourceLines(s).slice(1);
  };
  assert.deepEqual(lines(undefined), []);
  assert.deepEqual(lines({ requests: 3, missed: 0, expectedTokens: 192, actualTokens: 192 }), [
    "Output lengths pinned (min_tokens = max_tokens) by 3 requests: every one returned its " +
    "length (192 tokens)",
  ]);
  assert.deepEqual(lines({ requests: 3, missed: 1, expectedTokens: 192, actualTokens: 170 }), [
    "Output lengths pinned (min_tokens = max_tokens) by 3 requests: 1 request returned another " +
    "length; asked 192 tokens, got 170",
  ]);
});
