/**
 * The level measurer on a simulated clock: every request takes exactly 1 ms, so window
 * lengths, counts, throughput and latency are known to the last digit.
 */
import assert from "node:assert/strict";
import { Dispatcher } from "../load/dispatcher.ts";
import { LevelMeasurer, type LiveWindow, type MeasureSettings } from "./level.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { roundRobin } from "../data/request_source.ts";

const settings: MeasureSettings = {
  mode: "concurrency",
  batchSize: 1,
  percentile: -1,
  rule: { threshold: 0.1, latencyLimitNs: 0 },
  maxTrials: 10,
  windowMs: 100,
  windowRequests: 0,
  requestCount: 0,
  async: false,
};

async function measure(
  overrides: Partial<MeasureSettings>,
  concurrency: number,
  atWindowEnd?: (measurer: LevelMeasurer) => void,
) {
  const clock = new FakeClock();
  const measurer: LevelMeasurer = new LevelMeasurer({ ...settings, ...overrides }, {
    clock,
    cpuUs: () => 0,
    signal: new AbortController().signal,
    warn: () => {},
    export: atWindowEnd && {
      levelStart: () => {},
      record: () => {},
      windowEnd: () => atWindowEnd(measurer),
      levelEnd: () => {},
    },
  });
  const dispatcher = new Dispatcher(new FakeBackend(1, clock), roundRobin(["r"]), clock, measurer);
  const level = await measurer.measure(concurrency, dispatcher);
  measurer.pause();
  await dispatcher.stop();
  measurer.destroy();
  return level;
}

Deno.test("1 ms requests at concurrency 2: exact windows, counts, throughput, latency", async () => {
  const level = await measure({}, 2);
  assert.equal(level.status, "stable");
  // Windows last 1.2 × 100 ms. The first window sees completions at 1..119 ms (its end timer
  // was set first, so the pair finishing at 120 ms lands in the next window); later ones 120.
  assert.deepEqual(level.passes.map((p) => p.throughput), [(238 * 1e9) / 120e6, 2000, 2000]);
  assert.equal(level.client.requestCount, 238 + 240 + 240);
  assert.equal(level.client.durationNs, 360e6);
  assert.equal(level.client.throughput, (718 * 1e9) / 360e6);
  assert.equal(level.client.avgLatencyNs, 1e6);
  assert.equal(level.client.stdLatencyNs, 0);
  assert.equal(level.client.sendRate, (720 * 1e9) / 360e6);
  assert.equal(level.stabilizingLatencyNs, 1e6);
  for (const p of [50, 90, 95, 99]) {
    assert.ok(Math.abs(level.client.percentilesNs.get(p)! - 1e6) <= 1e3, `p${p}`);
  }
});

Deno.test("a 0.5 % threshold needs the first (short) window to drop out of the last three", async () => {
  const level = await measure({ rule: { threshold: 0.005, latencyLimitNs: 0 } }, 2);
  // 238 vs 240 is 0.84 % apart, so windows 1-3 fail and windows 2-4 pass.
  assert.equal(level.passes.length, 4);
  assert.equal(level.client.requestCount, 720);
  assert.equal(level.client.throughput, 2000);
});

Deno.test("live snapshot: the spread of the last finished windows, once there are two", async () => {
  const seen: (LiveWindow | undefined)[] = [];
  await measure({ rule: { threshold: 0.005, latencyLimitNs: 0 } }, 2, (m) => seen.push(m.live()));
  // Seen as each window ends, before it counts: windows 1 and 2 have no finished pair yet.
  assert.deepEqual(seen.map((l) => l?.window), [1, 2, 3, 4]);
  assert.deepEqual(seen.map((l) => l?.spread === undefined), [true, true, false, false]);
  // 238 vs 240 requests per 120 ms window; every latency 1 ms.
  assert.ok(Math.abs(seen[2]!.spread!.throughput - (240 / 238 - 1)) < 1e-12);
  assert.equal(seen[2]!.spread!.latency, 0);
  assert.equal(seen[3]!.spread!.throughput, 240 / 238 - 1);
  assert.equal(seen[3]!.requestCount, 240);
});

Deno.test("count windows close on the first 1 s poll with enough requests", async () => {
  const level = await measure({ windowRequests: 500 }, 1);
  // One request per ms: a 1 s poll gives 999 completions in the first window, 1000 after.
  assert.deepEqual(level.passes.map((p) => p.throughput), [999, 1000, 1000]);
  assert.equal(level.client.durationNs, 3e9);
});

Deno.test("--request-count takes exactly the span of those requests", async () => {
  const level = await measure({ requestCount: 50 }, 5);
  assert.equal(level.client.requestCount, 50);
  // Five slots, ten 1 ms requests each: 10 ms, so 5000 infer/sec.
  assert.equal(level.client.durationNs, 10e6);
  assert.equal(level.client.throughput, 5000);
});

Deno.test("confidence rule: stops once the 99 % interval is narrow, over all windows", async () => {
  // Constant 1 ms latency: the mean's interval has zero width after the required two windows.
  const mean = await measure({ stopRule: "confidence" }, 2);
  assert.equal(mean.passes.length, 2);
  assert.equal(mean.client.requestCount, 238 + 240);
  assert.deepEqual(mean.client.interval?.lowNs, 1e6);
  // p99 needs enough samples for its order statistics: 478 are too few, 718 suffice.
  const p99 = await measure({ stopRule: "confidence", percentile: 99 }, 2);
  assert.equal(p99.passes.length, 3);
  assert.equal(p99.client.interval?.samples, 718);
  assert.equal(p99.status, "stable");
});

Deno.test("distributed grid: exactly the fixed windows, edges at start + k × -p, not now", async () => {
  const clock = new FakeClock();
  const observed: [number, number, number][] = [];
  const measurer = new LevelMeasurer({ ...settings, fixedWindows: 4 }, {
    clock,
    cpuUs: () => 0,
    signal: new AbortController().signal,
    warn: () => {},
    observe: (k, w) => observed.push([k, w.startNs, w.requestCount]),
  });
  const dispatcher = new Dispatcher(new FakeBackend(1, clock), roundRobin(["r"]), clock, measurer);
  // The level's place on the grid is 50 ms away: the load and the first window start then.
  const start = clock.nowNs() + 50e6;
  const level = await measurer.measure(2, dispatcher, start);
  measurer.pause();
  await dispatcher.stop();
  measurer.destroy();
  // Stable after three windows, yet all four run; each spans exactly -p (100 ms), and a pair
  // that ends on an edge counts in the window that starts there, on every worker alike.
  assert.deepEqual(observed, [
    [0, start, 198],
    [1, start + 100e6, 200],
    [2, start + 200e6, 200],
    [3, start + 300e6, 200],
  ]);
  assert.deepEqual(level.passes.map((p) => p.throughput), [1980, 2000, 2000, 2000]);
  assert.equal(level.client.durationNs, 300e6);
  assert.equal(level.client.requestCount, 600);
});
