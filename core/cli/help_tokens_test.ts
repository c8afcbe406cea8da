import { ok as assert } from "node:assert/strict";
import { usageText } from "./help.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

Deno.test("help defines every token metric the LLM table and CSV show", () => {
  const flat = usageText(TEST_KINDS).replace(/\s+/g, " ");
  assert(flat.includes("Token metrics, GenAI-Perf's definitions"));
  for (
    const definition of [
      "Time To First Token First token-bearing event (content, reasoning or a tool call; " +
      "not a role-only, usage-only or [DONE] event) − start.",
      "Request Latency Last token-bearing event − start.",
      "Inter Token Latency (request latency − time to first token) / (output tokens − 1)",
      "Output Token Throughput Per User 1 / inter token latency of each request, tokens/s.",
      "Inter Chunk Latency Extra: every gap between consecutive token-bearing events",
      '-f <file> Write the CSV report to this file. With token metrics, also "<file stem>' +
      '_genai_perf.csv" next to it.',
    ]
  ) assert(flat.includes(definition), definition);
});
