import assert from "node:assert/strict";
import { LevelMeasurer, type MeasureSettings } from "../measure/level.ts";
import { makePacer } from "./pacer.ts";
import { type OverloadPolicy, RateDispatcher } from "./rate_dispatcher.ts";
import type { RequestRecord } from "../measure/record.ts";
import { constantSchedule } from "./schedule.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { roundRobin } from "../data/request_source.ts";

/** Every finished record's (intended, sendStart, end), in completion order, and the drops. */
function recorder() {
  const seen: { intended: number; send: number; end: number }[] = [];
  const counts = { dropped: 0 };
  return {
    seen,
    counts,
    sink: {
      sent: () => {},
      completed: (r: RequestRecord) =>
        seen.push({ intended: r.intendedNs, send: r.sendStartNs, end: r.endNs }),
      dropped: () => counts.dropped++,
    },
  };
}

function setup(delayMs: number, maxInFlight: number, overload: OverloadPolicy = "queue") {
  const clock = new FakeClock();
  const backend = new FakeBackend(delayMs, clock);
  const { seen, counts, sink } = recorder();
  const d = new RateDispatcher(
    backend,
    roundRobin(["r"]),
    clock,
    sink,
    (rate) => constantSchedule(rate),
    makePacer(clock, "timer"),
    maxInFlight,
    overload,
  );
  return { clock, backend, seen, counts, d };
}

Deno.test("requests leave exactly on schedule, whatever is still in flight", async () => {
  const t = setup(5, 100);
  t.d.limit(20);
  await t.d.setLevel(1000);
  await t.d.drain();
  assert.equal(t.seen.length, 20);
  // 1000 req/s: one every ms; each takes 5 ms, so five overlap, and none waits.
  t.seen.forEach((s, i) => {
    assert.equal(s.intended, i * 1e6);
    assert.equal(s.send, s.intended);
    assert.equal(s.end - s.send, 5e6);
  });
  assert.equal(t.backend.peakInFlight, 5);
  await t.d.stop();
});

Deno.test("an in-flight cap delays sends, and latency still counts from the intended time", async () => {
  const t = setup(5, 2);
  t.d.limit(10);
  await t.d.setLevel(1000);
  await t.d.drain();
  assert.equal(t.backend.peakInFlight, 2);
  assert.equal(t.backend.channelsOpened, 2);
  // Two slots of 5 ms each serve 400 req/s against 1000 asked: sends fall further behind.
  const late = t.seen.map((s) => s.send - s.intended);
  assert.equal(late[0], 0);
  assert.ok(late[9] >= 10e6, `last request ${late[9]} ns late`);
  for (const s of t.seen) assert.equal(s.end - s.send, 5e6);
  await t.d.stop();
});

Deno.test("connections grow only while none is idle, and never past the cap", async () => {
  // 1000 req/s of 2.5 ms requests need three at once: the cap of 50 is never approached.
  const t = setup(2.5, 50);
  t.d.limit(200);
  await t.d.setLevel(1000);
  await t.d.drain();
  assert.equal(t.seen.length, 200);
  assert.equal(t.backend.channelsOpened, 3);
  assert.equal(t.d.connections(), 3);
  // Asked for far more than 8 connections serve, the client stops at 8 and queues.
  const q = setup(10, 8);
  q.d.limit(100);
  await q.d.setLevel(10_000);
  await q.d.drain();
  assert.equal(q.seen.length, 100);
  assert.equal(q.backend.channelsOpened, 8);
  assert.equal(q.backend.peakInFlight, 8);
  assert.equal(q.counts.dropped, 0);
  await t.d.stop();
  await q.d.stop();
});

Deno.test("--overload drop skips what the cap cannot take, counts it, and sends the rest on time", async () => {
  // Two connections of 5 ms serve 400 req/s of the 1000 asked.
  const t = setup(5, 2, "drop");
  t.d.limit(20);
  await t.d.setLevel(1000);
  await t.d.drain();
  assert.equal(t.seen.length, 20);
  assert.equal(t.backend.channelsOpened, 2);
  assert.equal(t.backend.peakInFlight, 2);
  for (const s of t.seen) assert.equal(s.send, s.intended);
  // Due times are 0, 1, 2 … ms: every one up to the last sent was either sent or dropped.
  const due = Math.max(...t.seen.map((s) => s.intended)) / 1e6 + 1;
  assert.equal(t.counts.dropped, due - 20);
  assert.ok(t.counts.dropped >= 20, `${t.counts.dropped} dropped`);
  await t.d.stop();
});

Deno.test("a new level switches the schedule; stop ends a long wait at once", async () => {
  const t = setup(1, 10);
  await t.d.setLevel(1); // next request would be due in 1 s
  await t.d.setLevel(500);
  await t.clock.sleep(10);
  const after = t.seen.filter((s) => s.intended > 0);
  assert.ok(after.length >= 3, `${after.length} requests at 500 req/s`);
  assert.equal(after[1].intended - after[0].intended, 2e6);
  await t.d.setLevel(0.001); // one request every 1000 s
  const before = t.clock.nowNs();
  await t.d.stop();
  assert.ok(t.clock.nowNs() - before < 1e9);
});

Deno.test("through the level measurer: throughput and latency of an open-loop level", async () => {
  const clock = new FakeClock();
  const settings: MeasureSettings = {
    mode: "request_rate",
    batchSize: 1,
    percentile: -1,
    rule: { threshold: 0.1, latencyLimitNs: 0 },
    maxTrials: 5,
    windowMs: 100,
    windowRequests: 0,
    requestCount: 0,
    async: true,
  };
  const measurer = new LevelMeasurer(settings, {
    clock,
    cpuUs: () => 0,
    signal: new AbortController().signal,
    warn: () => {},
  });
  const d = new RateDispatcher(
    new FakeBackend(3, clock),
    roundRobin(["r"]),
    clock,
    measurer,
    (rate) => constantSchedule(rate),
    makePacer(clock, "timer"),
    64,
  );
  const level = await measurer.measure(500, d);
  await d.stop();
  measurer.destroy();
  assert.equal(level.status, "stable");
  assert.equal(level.mode, "request_rate");
  assert.equal(level.value, 500);
  assert.ok(Math.abs(level.client.throughput - 500) < 10, `${level.client.throughput}`);
  assert.equal(level.client.avgLatencyNs, 3e6);
  assert.equal(level.client.openLoop?.delayedCount, 0);
  assert.equal(level.client.openLoop?.maxLatenessNs, 0);
  // 500 req/s of 3 ms requests: two at a time, so two connections, and nothing dropped.
  assert.equal(level.client.openLoop?.connections, 2);
  assert.equal(level.client.openLoop?.droppedCount, 0);
});

Deno.test("a backend that throws is recorded as a protocol error and the schedule goes on", async () => {
  const clock = new FakeClock();
  const backend = new FakeBackend(0, clock);
  backend.throwOnSend = true;
  const errors: string[] = [];
  const d = new RateDispatcher(
    backend,
    roundRobin(["r"]),
    clock,
    { sent: () => {}, completed: (r) => errors.push(`${r.outcome}: ${r.error} at ${r.endNs}`) },
    (rate) => constantSchedule(rate),
    makePacer(clock, "timer"),
    4,
  );
  d.limit(3);
  await d.setLevel(1000);
  await d.drain();
  assert.deepEqual(errors, [
    "protocol_error: backend error: boom at 0",
    "protocol_error: backend error: boom at 1000000",
    "protocol_error: backend error: boom at 2000000",
  ]);
  await d.stop();
});
