/**
 * Goodput: the parse of GenAI-Perf's --goodput value, the per-request verdict, and exact counts
 * through the whole measuring path on a simulated clock (every request has the same timeline,
 * so which targets it meets is known to the nanosecond).
 */
import assert from "node:assert/strict";
import { Dispatcher } from "../load/dispatcher.ts";
import { LevelMeasurer, type MeasureSettings } from "./level.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { roundRobin } from "../data/request_source.ts";
import { GoodputJudge, parseGoodput } from "./goodput.ts";

Deno.test("parseGoodput: GenAI-Perf's tags in ms, one argument or several words", () => {
  assert.deepEqual(parseGoodput("time_to_first_token:200  inter_token_latency:20.5"), [
    { metric: "time_to_first_token", value: 200 },
    { metric: "inter_token_latency", value: 20.5 },
  ]);
  assert.throws(() => parseGoodput(""), /metric:value pairs/);
  assert.throws(() => parseGoodput("ttft:200"), /must be one of time_to_first_token/);
  assert.throws(() => parseGoodput("request_latency:-1"), /above 0/);
  assert.throws(() => parseGoodput("request_latency:x"), /above 0/);
  assert.throws(() => parseGoodput("request_latency:1 request_latency:2"), /given twice/);
});

Deno.test("GoodputJudge: every target must hold; a one-token reply has no ITL to miss", () => {
  const judge = new GoodputJudge(parseGoodput(
    "time_to_first_token:5 inter_token_latency:1 request_latency:10",
  ));
  const ms = 1e6;
  assert.equal(judge.good(5 * ms, NaN, 0.5 * ms, 10 * ms), true);
  assert.equal(judge.good(5 * ms + 1, NaN, 0.5 * ms, 9 * ms), false);
  assert.equal(judge.good(4 * ms, NaN, 1 * ms + 1, 9 * ms), false);
  assert.equal(judge.good(4 * ms, NaN, 0.5 * ms, 10 * ms + 1), false);
  assert.equal(judge.good(4 * ms, NaN, NaN, 9 * ms), true);
  // No TTFT (no token at all): a TTFT target cannot be met.
  assert.equal(judge.good(NaN, NaN, NaN, 9 * ms), false);
  // At least 1000 tokens/s per user is an ITL of at most 1 ms.
  const rate = new GoodputJudge(parseGoodput("output_token_throughput_per_user:1000"));
  assert.equal(rate.good(1, NaN, 1 * ms, 1), true);
  assert.equal(rate.good(1, NaN, 1 * ms + 1, 1), false);
});

/** Ten requests at concurrency 1; every third one fails. TTFT 5 ms, ITL 2/3 ms, latency 7 ms. */
async function level(goodput: string, extra: Partial<MeasureSettings> = {}) {
  const clock = new FakeClock();
  const backend = new FakeBackend(0, clock, {
    events: [
      { afterMs: 2, units: 0 },
      { afterMs: 3, units: 1 },
      { afterMs: 1, units: 2 },
      { afterMs: 1, units: 1 },
      { afterMs: 0.5, units: 0 },
    ],
  });
  let n = 0;
  backend.failWith = () => ++n % 3 === 0 ? "HTTP 500" : undefined;
  const measurer = new LevelMeasurer({
    mode: "concurrency",
    batchSize: 1,
    percentile: -1,
    rule: { threshold: 0.1, latencyLimitNs: 0 },
    maxTrials: 10,
    windowMs: 100,
    windowRequests: 0,
    requestCount: 10,
    async: false,
    tokens: true,
    goodput: new GoodputJudge(parseGoodput(goodput)),
    ...extra,
  }, { clock, cpuUs: () => 0, signal: new AbortController().signal, warn: () => {} });
  const dispatcher = new Dispatcher(backend, roundRobin(["r"]), clock, measurer);
  const result = await measurer.measure(1, dispatcher);
  measurer.pause();
  await dispatcher.stop();
  measurer.destroy();
  return result;
}

Deno.test("level: goodput and attainment are exact; failures are never good", async () => {
  // Requests 3, 6 and 9 fail: 7 successes, 10 judged, 75 ms of window.
  const met = await level("time_to_first_token:5 inter_token_latency:0.667 request_latency:7");
  const g = met.client.tokens!.goodput!;
  assert.equal(met.client.durationNs, 75e6);
  assert.deepEqual([g.good, g.judged], [7, 10]);
  assert.equal(g.attainment, 0.7);
  assert.equal(g.goodput, (7 * 1e9) / 75e6);
  assert.equal(met.status, "stable");
  // One target just under what every request took: none is good.
  const missed = await level("time_to_first_token:5 inter_token_latency:0.666");
  assert.equal(missed.client.tokens!.goodput!.good, 0);
  const ttst = await level("time_to_second_token:0.999");
  assert.equal(ttst.client.tokens!.goodput!.good, 0);
});

Deno.test("level: under the minimum attainment the level is slo_missed", async () => {
  const low = await level("request_latency:7", { minAttainment: 0.71 });
  assert.equal(low.status, "slo_missed");
  const ok = await level("request_latency:7", { minAttainment: 0.7 });
  assert.equal(ok.status, "stable");
});
