/**
 * --output-tokens-mean-deterministic against a server that does not honour it: the mock stops
 * every reply after 8 tokens whatever min_tokens and ignore_eos ask. Each body the document
 * holds is sent through the openai backend's channel and folded into the token metrics, which
 * must count exactly the replies the mock's ground truth says came back short.
 */
import assert from "node:assert/strict";
import { RequestRecord } from "../../../core/measure/record.ts";
import { TokenMetrics } from "../../../core/measure/tokens.ts";
import { startServer } from "../../../server/mod.ts";
import { OpenAiBackend } from "../mod.ts";
import { payloadSpec } from "../testing/spec.ts";
import { loadTokenCounter } from "../tokenizer.ts";
import { buildInputs } from "./mod.ts";
import { bodiesOf, promptOptions, textFile } from "./testing.ts";
import { openAiTestOptions } from "../testing/backend.ts";

const STOP_AFTER = 8;

for (const tokenizer of ["server", "builtin"] as const) {
  Deno.test(`output-length misses are counted exactly (lengths from ${tokenizer})`, async () => {
    const set = await buildInputs(
      promptOptions({
        numDatasetEntries: 40,
        outputTokensMean: 8,
        outputTokensStddev: 3,
        outputTokensMeanDeterministic: true,
      }),
      textFile(""),
    );
    const expected = set.expectedOutputLengths!;
    const short = expected.filter((n) => n > STOP_AFTER).length;
    assert.ok(short > 5 && short < 35, `${short} of 40 asked for more than ${STOP_AFTER}`);
    const server = await startServer({ openai: { stopAfter: STOP_AFTER } });
    const counter = tokenizer === "server" ? null : await loadTokenCounter(tokenizer);
    const backend = new OpenAiBackend(openAiTestOptions(server.url, { tokenizer }), counter);
    const metrics = new TokenMetrics("actual");
    try {
      const ch = await backend.connect();
      const record = new RequestRecord();
      for (const body of bodiesOf(set)) {
        record.reset(performance.now() * 1e6);
        await ch.send(backend.prepare(payloadSpec(body)), record);
        assert.equal(record.outcome, "ok", record.error);
        metrics.record(record);
      }
      const truth = server.openaiTruth();
      const missedByTruth = truth.filter((t, i) => t.completionTokens !== expected[i]).length;
      assert.equal(missedByTruth, short);
      const stats = metrics.stats(40, 1e9);
      assert.deepEqual(stats.expectedOutput, {
        requests: 40,
        missed: short,
        expectedTokens: expected.reduce((a, b) => a + b, 0),
        actualTokens: expected.reduce((a, b) => a + Math.min(b, STOP_AFTER), 0),
      });
      const merged = new TokenMetrics("actual");
      merged.add(metrics);
      merged.add(metrics);
      assert.equal(merged.stats(80, 1e9).expectedOutput?.missed, 2 * short, "levels add up");
      merged.reset();
      assert.equal(merged.stats(0, 1e9).expectedOutput, undefined, "reset forgets them");
      merged.destroy();
    } finally {
      metrics.destroy();
      await backend.close();
      await server.close();
    }
  });
}

Deno.test("no pinned lengths, no expected-output stats", () => {
  const metrics = new TokenMetrics("actual");
  const record = new RequestRecord();
  record.reset(0);
  record.addResponse(10, 3);
  metrics.record(record);
  assert.equal(metrics.stats(1, 1e9).expectedOutput, undefined);
  metrics.destroy();
});
