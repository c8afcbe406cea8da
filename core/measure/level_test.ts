import assert from "node:assert/strict";
import type { ModelStats } from "../backend.ts";
import { systemClock } from "../clock.ts";
import { Dispatcher } from "../load/dispatcher.ts";
import { RunError } from "../errors.ts";
import { LevelMeasurer, type MeasureSettings, NO_VALID_REQUESTS } from "./level.ts";
import { emptyStats, modelStatsReader } from "./server_stats.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { roundRobin } from "../data/request_source.ts";

const base: MeasureSettings = {
  mode: "concurrency",
  batchSize: 1,
  percentile: -1,
  rule: { threshold: 10, latencyLimitNs: 0 },
  maxTrials: 10,
  windowMs: 20,
  windowRequests: 0,
  requestCount: 0,
  async: false,
};

function setup(settings: Partial<MeasureSettings>, delayMs = 1, stats?: () => ModelStats) {
  const backend = new FakeBackend(delayMs);
  const abort = new AbortController();
  const warnings: string[] = [];
  const measurer = new LevelMeasurer({ ...base, ...settings }, {
    clock: systemClock,
    cpuUs: () => 0,
    serverStats: stats ? modelStatsReader(() => Promise.resolve(stats())) : undefined,
    signal: abort.signal,
    warn: (m) => warnings.push(m),
  });
  const dispatcher = new Dispatcher(backend, roundRobin(["r"]), systemClock, measurer);
  const done = async () => {
    measurer.pause();
    await dispatcher.stop();
    measurer.destroy();
  };
  return { backend, abort, warnings, measurer, dispatcher, done };
}

Deno.test("a loose threshold is stable after exactly three windows, merged over them", async () => {
  const t = setup({});
  const level = await t.measurer.measure(2, t.dispatcher);
  await t.done();
  assert.equal(level.status, "stable");
  assert.equal(level.passes.length, 3);
  assert.ok(level.client.requestCount > 10);
  // Merged throughput is total requests over total time: a weighted mean of the windows' rates,
  // so within their range however unequal a busy machine made them.
  const rates = level.passes.map((p) => p.throughput);
  const merged = level.client.throughput;
  assert.ok(merged >= Math.min(...rates) * 0.999 && merged <= Math.max(...rates) * 1.001);
  assert.ok(
    Math.abs(merged - level.client.requestCount / (level.client.durationNs / 1e9)) < 1e-6 * merged,
  );
  assert.ok(level.client.durationNs >= 3 * 20 * 1.2 * 1e6 * 0.9);
  assert.ok(level.client.avgLatencyNs >= 1e6, `avg ${level.client.avgLatencyNs}`);
});

Deno.test("--request-count sends exactly that many in one window", async () => {
  const t = setup({ requestCount: 25 }, 0);
  const level = await t.measurer.measure(4, t.dispatcher);
  await t.done();
  assert.equal(level.passes.length, 1);
  assert.equal(level.client.requestCount, 25);
  assert.equal(t.backend.sentPayloads.length, 25);
});

Deno.test("an impossible threshold runs max trials and reports unstable", async () => {
  const t = setup({ rule: { threshold: 0, latencyLimitNs: 0 }, maxTrials: 4 });
  const level = await t.measurer.measure(1, t.dispatcher);
  await t.done();
  assert.equal(level.passes.length, 4);
  assert.equal(level.status, "unstable");
});

Deno.test("the latency limit marks the level over threshold", async () => {
  const t = setup({ rule: { threshold: 10, latencyLimitNs: 100_000 } }, 2);
  const level = await t.measurer.measure(1, t.dispatcher);
  await t.done();
  assert.equal(level.status, "over_threshold");
  assert.equal(level.passes.length, 1);
});

Deno.test("a window without a finished request is exit code 3", async () => {
  const t = setup({ windowMs: 5 }, 100);
  await assert.rejects(() => t.measurer.measure(1, t.dispatcher), (e: Error) => {
    assert.ok(e instanceof RunError);
    assert.equal(e.code, 3);
    assert.equal(e.message, NO_VALID_REQUESTS);
    return true;
  });
  await t.done();
});

Deno.test("server statistics are differenced over the merged windows", async () => {
  let calls = 0;
  // Each snapshot adds 10 successes: 4 snapshots (start + 3 windows) → delta of 30.
  const t = setup({}, 1, () => ({ ...emptyStats(), successCount: 10 * calls++ }));
  const level = await t.measurer.measure(1, t.dispatcher);
  await t.done();
  assert.equal(level.server?.successCount, 30);
});

Deno.test("a restart between window edges costs the level its Server block, even if the totals recover", async () => {
  // Reads at the 4 edges: 100, 0 (restarted), 150, 300. First against last (+200) looks
  // plausible; the edge from 100 to 0 says the server restarted.
  const reads = [100, 0, 150, 300];
  let calls = 0;
  const t = setup({}, 1, () => ({ ...emptyStats(), successCount: reads[calls++] }));
  const level = await t.measurer.measure(1, t.dispatcher);
  await t.done();
  assert.equal(level.passes.length, 3);
  assert.equal(level.server, undefined);
  assert.deepEqual(t.warnings, [
    "Warning: server statistics went backwards during the level (did the server restart?); " +
    "this level is reported without its Server block.",
  ]);
});

Deno.test("an abort ends the level early and still reports what was measured", async () => {
  const t = setup({ windowMs: 100, rule: { threshold: 0, latencyLimitNs: 0 } });
  setTimeout(() => t.abort.abort(), 200);
  const level = await t.measurer.measure(1, t.dispatcher);
  await t.done();
  assert.ok(level.passes.length >= 1 && level.passes.length <= 2, `${level.passes.length}`);
  assert.equal(level.status, "stable");
  assert.ok(level.client.requestCount > 0);
});
