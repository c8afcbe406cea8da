import assert from "node:assert/strict";
import type { Channel, Conversation, PreparedRequest } from "../backend.ts";
import type { RequestRecord } from "../measure/record.ts";
import type { RecordSink } from "../report/profile_export.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  type PlannedSession,
  SessionDriver,
  sessionExperiment,
  sessionPlan,
  SessionSource,
} from "./session.ts";

/** A conversation whose turn k is the text "<id><k>"; it checks turns come in order. */
function conversation(id: string): Conversation {
  let next = 0;
  return {
    turn(k: number): PreparedRequest {
      assert.equal(k, next++, `session ${id}: turn ${k} out of order`);
      return `${id}${k}`;
    },
  };
}

/** Sessions from "id:delay,delay,..." (one delay per turn). */
function sessions(...specs: string[]): PlannedSession[] {
  return specs.map((spec) => {
    const [id, delays] = spec.split(":");
    return {
      id,
      conversation: conversation(id),
      turns: delays.split(",").map((d, k) => ({ delayMs: Number(d), label: `${id} turn ${k}` })),
    };
  });
}

interface Sent {
  what: string;
  startMs: number;
  endMs: number;
}

/** Channels that answer each request 10 ms later on the fake clock, failing those in `fail`. */
function fakeBackend(clock: FakeClock, fail: string[] = []) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let peak = 0;
  let closed = 0;
  const channel: Channel = {
    async send(prepared: PreparedRequest, record: RequestRecord) {
      const what = prepared as string;
      record.sendStartNs = clock.nowNs();
      peak = Math.max(peak, ++inFlight);
      await clock.sleep(10);
      inFlight--;
      if (fail.includes(what)) record.fail("server_error", "HTTP 500", clock.nowNs());
      else record.endNs = clock.nowNs();
      sent.push({ what, startMs: record.sendStartNs / 1e6, endMs: clock.nowNs() / 1e6 });
    },
    close: () => void closed++,
  };
  return {
    sent,
    peak: () => peak,
    closed: () => closed,
    connector: { connect: () => Promise.resolve(channel) },
  };
}

function sink() {
  const seen = { sent: 0, completed: [] as string[] };
  return {
    seen,
    sent: () => void seen.sent++,
    completed: (r: RequestRecord) => void seen.completed.push(`${r.dataLabel}:${r.outcome}`),
  };
}

Deno.test("N workers take sessions in file order; a turn waits for the reply and its delay", async () => {
  const clock = new FakeClock();
  const b = fakeBackend(clock);
  const s = sink();
  const source = new SessionSource(sessions("A:5,0", "B:0", "C:0,7,0"));
  assert.equal(source.turns, 6);
  const plan = sessionPlan(2, b.connector, source, clock, s);
  assert.deepEqual(plan.range, { start: 2, end: 2, step: 1 });
  assert.equal(plan.mode, "concurrency");
  await plan.driver.setLevel(2);
  await plan.driver.drain();
  // A0 and B0 at once; B's worker then takes C; A1 after A0's reply + 5 ms; C2 after C1 + 7 ms.
  assert.deepEqual(b.sent.sort((x, y) => x.startMs - y.startMs || (x.what < y.what ? -1 : 1)), [
    { what: "A0", startMs: 0, endMs: 10 },
    { what: "B0", startMs: 0, endMs: 10 },
    { what: "C0", startMs: 10, endMs: 20 },
    { what: "A1", startMs: 15, endMs: 25 },
    { what: "C1", startMs: 20, endMs: 30 },
    { what: "C2", startMs: 37, endMs: 47 },
  ]);
  assert.equal(b.peak(), 2);
  assert.equal(s.seen.sent, 6);
  assert.equal(s.seen.completed.length, 6);
  assert.ok(s.seen.completed.includes("C turn 2:ok"));
  assert.equal(source.skipped, 0);
  await plan.driver.stop();
  assert.equal(b.closed(), 2);
});

Deno.test("a failed turn ends its session; the turns after it are counted as skipped", async () => {
  const clock = new FakeClock();
  const b = fakeBackend(clock, ["A1"]);
  const s = sink();
  const source = new SessionSource(sessions("A:0,0,0,0", "B:0,0"));
  const driver = new SessionDriver(b.connector, source, clock, s);
  await driver.setLevel(1);
  await driver.drain();
  assert.deepEqual(b.sent.map((x) => x.what), ["A0", "A1", "B0", "B1"]);
  assert.deepEqual(s.seen.completed, [
    "A turn 0:ok",
    "A turn 1:server_error",
    "B turn 0:ok",
    "B turn 1:ok",
  ]);
  assert.equal(source.skipped, 2);
  await driver.stop();
});

Deno.test("a failure on the last turn skips nothing; a quota stops the workers", async () => {
  const clock = new FakeClock();
  const b = fakeBackend(clock, ["A1"]);
  const source = new SessionSource(sessions("A:0,0", "B:0,0,0"));
  const driver = new SessionDriver(b.connector, source, clock, sink());
  driver.limit(3);
  await driver.setLevel(1);
  await driver.drain();
  assert.deepEqual(b.sent.map((x) => x.what), ["A0", "A1", "B0"]);
  assert.equal(source.skipped, 0);
  await driver.stop();
});

Deno.test("stop during a delay ends at once: nothing more is sent", async () => {
  const clock = new FakeClock();
  const b = fakeBackend(clock);
  const source = new SessionSource(sessions("A:60000,0", "B:0"));
  let stopped: Promise<void> | undefined;
  // Stopped as the first reply lands, so the worker meets the stop in the 60 s delay after it.
  const driver: SessionDriver = new SessionDriver(b.connector, source, clock, {
    sent: () => {},
    completed: () => void (stopped ??= driver.stop()),
  });
  await driver.setLevel(1);
  await driver.drain();
  await stopped;
  assert.deepEqual(b.sent.map((x) => x.what), ["A0"]);
  assert.equal(clock.nowNs(), 10e6, "the delay was not waited out");
  assert.equal(b.closed(), 1);
});

Deno.test("the run's Ctrl-C stops the workers like stop(): the window ends with what was sent", async () => {
  const clock = new FakeClock();
  const b = fakeBackend(clock);
  const ctrlC = new AbortController();
  const source = new SessionSource(sessions("A:60000,0", "B:0"));
  const driver = new SessionDriver(b.connector, source, clock, {
    sent: () => {},
    completed: () => ctrlC.abort(),
  }, ctrlC.signal);
  await driver.setLevel(1);
  await driver.drain();
  assert.deepEqual(b.sent.map((x) => x.what), ["A0"]);
  assert.equal(clock.nowNs(), 10e6);
  await driver.stop();
});

Deno.test("the profile export names a session run's experiment request_rate 0", () => {
  const calls: unknown[][] = [];
  const inner: RecordSink = {
    levelStart: (...a) => void calls.push(["levelStart", ...a]),
    record: () => void calls.push(["record"]),
    windowEnd: (ns) => void calls.push(["windowEnd", ns]),
    levelEnd: () => void calls.push(["levelEnd"]),
  };
  const outer = sessionExperiment(inner);
  outer.levelStart("concurrency", 4, 123);
  outer.windowEnd(456);
  outer.levelEnd();
  assert.deepEqual(calls, [
    ["levelStart", "request_rate", 0, 123],
    ["windowEnd", 456],
    ["levelEnd"],
  ]);
});
