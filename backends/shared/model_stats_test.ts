import assert from "node:assert/strict";
import { RunError } from "../../core/errors.ts";
import { parseModelStats } from "./model_stats.ts";

function entry(name: string, version: string, n: number | string) {
  const pair = { count: n, ns: typeof n === "number" ? n * 1000 : `${n}000` };
  return {
    name,
    version,
    inference_count: n,
    execution_count: n,
    inference_stats: {
      success: pair,
      fail: { count: 0, ns: 0 },
      queue: pair,
      compute_input: pair,
      compute_infer: pair,
      compute_output: pair,
      cache_hit: { count: 1, ns: 5 },
      cache_miss: { count: 2, ns: 7 },
    },
  };
}

const BODY = { model_stats: [entry("m", "1", 3), entry("m", "2", "4"), entry("other", "1", 100)] };

Deno.test("without a version, every version of the model is summed (strings accepted)", () => {
  const s = parseModelStats(BODY, "m", "");
  assert.equal(s.inferenceCount, 7);
  assert.equal(s.successCount, 7);
  assert.equal(s.successNs, 7000);
  assert.equal(s.computeOutputNs, 7000);
  assert.equal(s.cacheHitCount, 2);
  assert.equal(s.cacheMissNs, 14);
});

Deno.test("a version picks only its entry", () => {
  const s = parseModelStats(BODY, "m", "2");
  assert.equal(s.queueCount, 4);
  assert.equal(s.queueNs, 4000);
  assert.equal(s.executionCount, 4);
});

Deno.test("no matching entry is a RunError", () => {
  assert.throws(() => parseModelStats(BODY, "m", "9"), RunError);
  assert.throws(() => parseModelStats({}, "m", ""), /no statistics returned for 'm'/);
});

Deno.test("counters: absent is 0, decimal strings count, anything else is refused naming it", () => {
  const entry = (fields: Record<string, unknown>) => ({
    model_stats: [{ name: "m", version: "1", ...fields }],
  });
  const ok = parseModelStats(
    entry({ inference_count: "12", inference_stats: { success: { count: 3 } } }),
    "m",
    "",
  );
  assert.equal(ok.inferenceCount, 12);
  assert.equal(ok.successCount, 3);
  assert.equal(ok.executionCount, 0);
  const bad: [Record<string, unknown>, string][] = [
    [{ inference_count: "many" }, "inference_count of 'm' is \"many\""],
    [{ execution_count: 2 ** 60 }, "execution_count of 'm' is 1152921504606847000"],
    [{ inference_stats: { queue: { ns: -5 } } }, "inference_stats.queue.ns of 'm' is -5"],
    [
      { inference_stats: { success: { count: 1.5 } } },
      "inference_stats.success.count of 'm' is 1.5",
    ],
  ];
  for (const [fields, what] of bad) {
    assert.throws(
      () => parseModelStats(entry(fields), "m", ""),
      (e: Error) =>
        e.message === `failed to get model statistics: ${what}, not a whole number from 0 to ` +
            "2^53 - 1",
    );
  }
});
