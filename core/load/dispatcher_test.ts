import assert from "node:assert/strict";
import { systemClock } from "../clock.ts";
import { Dispatcher, RequestCycle } from "./dispatcher.ts";
import type { PreparedRequest } from "../backend.ts";
import type { RequestSource } from "../data/request_source.ts";
import { RequestRecord } from "../measure/record.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { roundRobin } from "../data/request_source.ts";

function collector() {
  const seen = { sent: 0, ok: 0, failed: 0, errors: [] as string[] };
  return {
    seen,
    sink: {
      sent: () => seen.sent++,
      completed: (r: RequestRecord) => {
        if (r.outcome === "ok") seen.ok++;
        else {
          seen.failed++;
          seen.errors.push(r.error);
        }
      },
    },
  };
}

Deno.test("a quota sends exactly that many requests, round-robin over the data", async () => {
  const backend = new FakeBackend();
  const { seen, sink } = collector();
  const d = new Dispatcher(backend, roundRobin(["a", "b", "c"]), systemClock, sink);
  d.limit(10);
  await d.setConcurrency(2);
  await d.drain();
  assert.equal(seen.sent, 10);
  assert.equal(seen.ok, 10);
  assert.deepEqual(backend.sentPayloads.slice(0, 4), ["a", "b", "c", "a"]);
  await d.stop();
  assert.equal(backend.channelsClosed, 2);
});

Deno.test("concurrency N keeps exactly N in flight, and can shrink and grow", async () => {
  const backend = new FakeBackend(2);
  const { seen, sink } = collector();
  const d = new Dispatcher(backend, roundRobin(["x"]), systemClock, sink);
  await d.setConcurrency(4);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(backend.peakInFlight, 4);
  await d.setConcurrency(1);
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(backend.inFlight <= 1, `in flight ${backend.inFlight}`);
  await d.setConcurrency(3);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(backend.inFlight, 3);
  await d.stop();
  assert.equal(backend.inFlight, 0);
  assert.equal(seen.sent, seen.ok);
  assert.equal(backend.channelsOpened, 4);
});

Deno.test("failed requests are records, not exceptions, and the loop goes on", async () => {
  const backend = new FakeBackend();
  let n = 0;
  backend.failWith = () => (n++ % 2 === 0 ? "HTTP 500" : undefined);
  const { seen, sink } = collector();
  const d = new Dispatcher(backend, roundRobin(["p"]), systemClock, sink);
  d.limit(6);
  await d.setConcurrency(1);
  await d.drain();
  assert.equal(seen.ok, 3);
  assert.equal(seen.failed, 3);
  assert.deepEqual(seen.errors, ["HTTP 500", "HTTP 500", "HTTP 500"]);
  await d.stop();
});

Deno.test("a backend that throws is recorded as a protocol error", async () => {
  const backend = new FakeBackend();
  backend.throwOnSend = true;
  const { seen, sink } = collector();
  const d = new Dispatcher(backend, roundRobin(["p"]), systemClock, sink);
  d.limit(2);
  await d.setConcurrency(1);
  await d.drain();
  assert.equal(seen.failed, 2);
  assert.equal(seen.errors[0], "backend error: boom");
  await d.stop();
});

Deno.test("an empty request list is refused", () => {
  assert.throws(
    () => roundRobin([]),
    RangeError,
  );
});

Deno.test("transport errors back off (1, 2, 4 … ms) instead of spinning", async () => {
  const clock = new FakeClock();
  const backend = new FakeBackend(0, clock);
  const sleeps: number[] = [];
  const sleep = clock.sleep.bind(clock);
  clock.sleep = (ms: number, signal?: AbortSignal) => {
    sleeps.push(ms);
    return sleep(ms, signal);
  };
  backend.failOutcome = "transport_error";
  backend.failWith = () => "Couldn't connect to server";
  const { seen, sink } = collector();
  const d = new Dispatcher(backend, roundRobin(["p"]), clock, sink);
  d.limit(6);
  await d.setConcurrency(1);
  await d.drain();
  assert.equal(seen.failed, 6);
  assert.deepEqual(sleeps, [1, 2, 4, 8, 16]);
  await d.stop();
});

/** A source that logs the bookkeeping calls and leaves one "sequence" open per context. */
class LoggingSource implements RequestSource {
  readonly log: string[] = [];
  readonly #open = new Set<number>();
  next(context: number, record: RequestRecord): PreparedRequest {
    this.#open.add(context);
    record.context = context;
    this.log.push(`next ${context}`);
    return `step ${context}`;
  }
  done(record: RequestRecord): void {
    this.log.push(`done ${record.context} ${record.outcome}`);
  }
  release(context: number, record: RequestRecord): PreparedRequest | undefined {
    if (!this.#open.delete(context)) return undefined;
    record.context = context;
    record.sequenceEnd = true;
    this.log.push(`release ${context}`);
    return `end ${context}`;
  }
}

Deno.test("closing a slot sends its open sequence's END as bookkeeping the sink never sees", async () => {
  const backend = new FakeBackend();
  const source = new LoggingSource();
  const { seen, sink } = collector();
  const d = new Dispatcher(backend, source, systemClock, sink);
  d.limit(2);
  await d.setConcurrency(1);
  await d.drain();
  assert.deepEqual(source.log, [
    "next 0",
    "done 0 ok",
    "next 0",
    "done 0 ok",
    "release 0",
    "done 0 ok",
  ]);
  assert.deepEqual(backend.sentPayloads, ["step 0", "step 0", "end 0"]);
  assert.deepEqual([seen.sent, seen.ok], [2, 2], "the END is not load");
  await d.stop();
});

Deno.test("request cycle: a rejected send is a protocol error, whatever was thrown", async () => {
  const clock = { ...systemClock, nowNs: () => 42 };
  const source = new LoggingSource();
  const { seen, sink } = collector();
  const cycle = new RequestCycle(source, clock, sink);
  const record = new RequestRecord();
  assert.equal(cycle.begin(3, record, 7), "step 3");
  assert.equal(record.intendedNs, 7);
  cycle.rejected(record, "not an Error");
  assert.deepEqual([record.outcome, record.error, record.endNs], [
    "protocol_error",
    "backend error: not an Error",
    42,
  ]);
  cycle.end(record);
  assert.deepEqual([seen.sent, seen.failed, seen.errors], [1, 1, ["backend error: not an Error"]]);
  // Closing: a send that throws still settles the record and the source's bookkeeping.
  const throwing = { send: () => Promise.reject(new Error("gone")), close: () => {} };
  assert.equal(await cycle.release(3, throwing, record), true);
  assert.deepEqual([record.outcome, record.error], ["protocol_error", "backend error: gone"]);
  assert.equal(await cycle.release(3, throwing, record), false, "nothing left open");
  assert.deepEqual(source.log, [
    "next 3",
    "done 3 protocol_error",
    "release 3",
    "done 3 protocol_error",
  ]);
  assert.equal(seen.sent, 1, "the sink saw only the load request");
});

Deno.test("closed loop: a request's intended time is its send stamp; one never sent, the clock after", async () => {
  let ticks = 0;
  const clock = { ...systemClock, nowNs: () => ++ticks * 1000 };
  const stamps: [number, number, string][] = [];
  const sink = {
    sent: () => {},
    completed: (r: RequestRecord) => stamps.push([r.intendedNs, r.sendStartNs, r.outcome]),
  };
  const d = new Dispatcher(new FakeBackend(0, clock), roundRobin(["x"]), clock, sink);
  d.limit(3);
  await d.setConcurrency(1);
  await d.drain();
  await d.stop();
  // FakeBackend reads the clock at the send and at the reply: nothing else reads it.
  assert.deepEqual(stamps, [[1000, 1000, "ok"], [3000, 3000, "ok"], [5000, 5000, "ok"]]);
  const refusing = {
    connect: () =>
      Promise.resolve({
        send: (_: PreparedRequest, r: RequestRecord) => {
          r.fail("cancelled", "channel closed", 0);
          return Promise.resolve();
        },
        close: () => {},
      }),
  };
  stamps.length = 0;
  ticks = 0;
  const refused = new Dispatcher(refusing, roundRobin(["x"]), clock, sink);
  refused.limit(1);
  await refused.setConcurrency(1);
  await refused.drain();
  await refused.stop();
  assert.deepEqual(stamps, [[1000, 0, "cancelled"]]);
});
