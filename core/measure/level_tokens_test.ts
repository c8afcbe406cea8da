/**
 * Token metrics through the whole measuring path (dispatcher, record, window, level) on a
 * simulated clock: the fake backend streams the same timeline for every request.
 */
import assert from "node:assert/strict";
import { Dispatcher } from "../load/dispatcher.ts";
import { LevelMeasurer } from "./level.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { roundRobin } from "../data/request_source.ts";

Deno.test("level: ten streamed requests give exact token metrics from the fake clock", async () => {
  const clock = new FakeClock();
  // Role chunk 2 ms after the send, tokens 3, 1 and 1 ms apart, [DONE] 0.5 ms later.
  const backend = new FakeBackend(0, clock, {
    events: [
      { afterMs: 2, units: 0 },
      { afterMs: 3, units: 1 },
      { afterMs: 1, units: 2 },
      { afterMs: 1, units: 1 },
      { afterMs: 0.5, units: 0 },
    ],
    inputUnits: 11,
  });
  assert.equal(backend.capabilities?.units, "tokens");
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
  }, { clock, cpuUs: () => 0, signal: new AbortController().signal, warn: () => {} });
  const dispatcher = new Dispatcher(backend, roundRobin(["r"]), clock, measurer);
  const level = await measurer.measure(1, dispatcher);
  measurer.pause();
  await dispatcher.stop();
  measurer.destroy();
  const t = level.client.tokens!;
  // Back to back at concurrency 1: ten requests of 7.5 ms each.
  assert.equal(level.client.durationNs, 75e6);
  assert.equal(level.client.requestCount, 10);
  assert.equal(level.client.responseCount, 50);
  assert.deepEqual(
    [t.timeToFirstToken.count, t.timeToFirstToken.min, t.timeToFirstToken.max],
    [10, 5, 5],
  );
  assert.deepEqual([t.timeToSecondToken.min, t.timeToSecondToken.max], [1, 1]);
  // Request latency ends at the last token (7 ms), not at [DONE] (7.5 ms, perf_analyzer's).
  assert.deepEqual([t.requestLatency.avg, t.requestLatency.max], [7, 7]);
  assert.equal(level.client.avgLatencyNs, 7.5e6);
  // (7 − 5) / (4 − 1) ms, 1500 tokens/s per user.
  assert.ok(Math.abs(t.interTokenLatency.avg - 2 / 3) < 1e-12);
  assert.ok(Math.abs(t.outputTokenThroughputPerUser.avg - 1500) < 1e-9);
  assert.deepEqual([t.outputSequenceLength.avg, t.inputSequenceLength.avg], [4, 11]);
  assert.deepEqual([t.interChunkLatency.count, t.interChunkLatency.avg], [20, 1]);
  assert.deepEqual([t.tokensPerEvent.count, t.tokensPerEvent.max], [30, 2]);
  // 40 tokens and 10 requests in 75 ms.
  assert.equal(t.outputTokenThroughput, 40 / 0.075);
  assert.equal(t.requestThroughput, 10 / 0.075);
  assert.equal(t.untokenizedCount, 0);
});
