/**
 * The profile reports against golden files written from GenAI-Perf's documented layouts (its
 * README's console table, the two-block profile_export_genai_perf.csv, and the JSON export's
 * keys: unit, avg, p1 ... p99, min, max, std, then input_config), with this tool's extras where
 * report.ts puts them. The level is hand-built, so every number is known.
 */
import assert from "node:assert/strict";
import type { TokenStat, TokenStats } from "../../../core/measure/tokens.ts";
import type { LevelResult } from "../../../core/measure/results.ts";
import { plainLevels } from "../../../core/report/testing/testdata.ts";
import { parseGoodput } from "../../../core/measure/goodput.ts";
import { formatConsole, formatCsv, formatJson, formatSweepCsv } from "./report.ts";
import { parseProfileArgs, type ProfileOptions } from "./options.ts";

const GOLDEN = new URL("./testdata/", import.meta.url);

/** A distribution with p1, p5, p10, p25, p50, p75, p90, p95, p99 = `ps`. */
function stat(count: number, avg: number, min: number, max: number, ps: number[]): TokenStat {
  const percentiles = new Map([1, 5, 10, 25, 50, 75, 90, 95, 99].map((p, i) => [p, ps[i]]));
  return { count, avg, min, max, std: 2, percentiles };
}

function tokenStats(): TokenStats {
  return {
    timeToFirstToken: stat(40, 16.26, 12.39, 17.25, [
      12.4,
      12.5,
      15,
      16,
      16.3,
      16.56,
      16.68,
      16.9,
      17.09,
    ]),
    timeToSecondToken: stat(40, 1.5, 1, 2, [1, 1, 1.1, 1.2, 1.5, 1.8, 1.9, 2, 2]),
    requestLatency: stat(40, 1012.5, 980.25, 1100, [
      980.5,
      985,
      990,
      1000,
      1010,
      1020,
      1050,
      1080,
      1099,
    ]),
    interTokenLatency: stat(40, 1.85, 1.55, 2.04, [1.56, 1.6, 1.7, 1.8, 1.85, 1.92, 1.97, 2, 2.02]),
    outputTokenThroughputPerUser: stat(40, 540.54, 490.2, 645.16, [
      490.5,
      500,
      507.6,
      520.8,
      540.5,
      555.6,
      588.2,
      625,
      640,
    ]),
    outputSequenceLength: stat(40, 64, 64, 64, [64, 64, 64, 64, 64, 64, 64, 64, 64]),
    inputSequenceLength: stat(40, 200, 200, 200, [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    interChunkLatency: stat(2520, 1.85, 0, 20.5, [0, 0.5, 1, 1.5, 1.8, 2, 2.5, 3, 9.75]),
    tokensPerEvent: stat(2560, 1, 1, 1, [1, 1, 1, 1, 1, 1, 1, 1, 1]),
    outputTokenThroughput: 2530.561,
    requestThroughput: 39.54,
    untokenizedCount: 0,
    sources: { client: 0, counter: "", server: 40, events: 0 },
    mismatch: { requests: 0, clientTokens: 0, serverTokens: 0, maxDifference: 0, differing: 0 },
    goodput: {
      good: 38,
      judged: 40,
      attainment: 0.95,
      goodput: 37.563,
      targets: parseGoodput("time_to_first_token:17 request_latency:1100"),
    },
  };
}

function fixture(): LevelResult {
  const level = plainLevels()[0];
  level.value = 8;
  level.client.requestCount = 40;
  level.client.errorCount = 2;
  level.client.errors = new Map([["HTTP 500: overloaded", 2]]);
  level.client.tokens = tokenStats();
  return level;
}

function options(extra: string[] = []): ProfileOptions {
  const parsed = parseProfileArgs([
    "-m",
    "mock",
    "--streaming",
    "--synthetic-input-tokens-mean",
    "200",
    "--output-tokens-mean",
    "64",
    "--concurrency",
    "8",
    "--goodput",
    "time_to_first_token:17",
    "request_latency:1100",
    ...extra,
  ]);
  assert.equal(parsed.action, "run");
  return parsed.options;
}

async function golden(name: string, actual: string): Promise<void> {
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.writeTextFile(new URL(name, GOLDEN), actual);
  }
  assert.equal(actual, await Deno.readTextFile(new URL(name, GOLDEN)));
}

Deno.test("console: GenAI-Perf's LLM Metrics table, then our rows below a rule", async () => {
  await golden("llm_console.txt", formatConsole(fixture(), options()));
});

Deno.test("console: a run that did not stream has no TTFT, TTST or ITL row (as GenAI-Perf)", () => {
  const o = options();
  o.streaming = false;
  const text = formatConsole(fixture(), o);
  assert.doesNotMatch(text, /Time To First Token|Time To Second Token|Inter Token Latency|Chunk/);
  assert.match(text, / Request Latency \(ms\) │ 1,012\.50 │/);
});

Deno.test("CSV: GenAI-Perf's request block, a blank row, the system block; then our rows", async () => {
  await golden("profile_export_genai_perf.csv", formatCsv(fixture(), options()));
});

Deno.test("JSON: GenAI-Perf's keys and population std, our extras, input_config", async () => {
  const text = formatJson(fixture(), options());
  await golden("profile_export_genai_perf.json", text);
  const json = JSON.parse(text);
  // Sample std 2 over 40 values is a population std of 2·√(39/40).
  assert.equal(json.time_to_first_token.std, 2 * Math.sqrt(39 / 40));
  assert.equal(json.output_token_throughput_per_user.unit, "tokens/sec");
});

Deno.test("sweep CSV: one row per level with its status", () => {
  const ok = fixture();
  const missed = fixture();
  missed.value = 16;
  missed.status = "slo_missed";
  const lines = formatSweepCsv([ok, missed], "concurrency").split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^Concurrency,Status,Request Throughput \(per sec\),/);
  assert.equal(lines[1], '8,stable,39.54,37.56,95.00,16.26,17.09,1.85,"1,099.00","2,530.56",2');
  assert.match(lines[2], /^16,slo_missed,/);
});
