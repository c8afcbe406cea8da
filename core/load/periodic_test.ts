import assert from "node:assert/strict";
import type { Channel } from "../backend.ts";
import { roundRobin } from "../data/request_source.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import type { RequestRecord } from "../measure/record.ts";
import { PeriodicDriver } from "./periodic.ts";

/** A request in flight on the fake channel: the test sends its responses and ends it. */
interface Pending {
  record: RequestRecord;
  respond(n: number): void;
  finish(outcome?: "ok" | "server_error"): void;
}

function harness(range: { start: number; end: number; step: number }, period: number) {
  const clock = new FakeClock();
  const pending: Pending[] = [];
  let closed = 0;
  const completed: number[] = [];
  const channel = (): Channel => ({
    send(_p, record) {
      return new Promise<void>((resolve) => {
        pending.push({
          record,
          respond: (n) => {
            for (let i = 0; i < n; i++) record.addResponse(clock.nowNs());
          },
          finish: (outcome = "ok") => {
            if (outcome !== "ok") record.fail(outcome, "refused", clock.nowNs());
            else record.endNs = clock.nowNs();
            resolve();
          },
        });
      });
    },
    close: () => void closed++,
  });
  const sink = { sent() {}, completed: (r: RequestRecord) => void completed.push(r.responseCount) };
  const driver = new PeriodicDriver(
    { connect: () => Promise.resolve(channel()) },
    roundRobin(["req"]),
    clock,
    sink,
    range,
    period,
  );
  return { driver, pending, completed, closed: () => closed };
}

/** Lets the connect and send promises of newly started requests run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("periodic driver: batches start as the latest batch reaches the period, up to end", async () => {
  const h = harness({ start: 2, end: 6, step: 2 }, 3);
  await h.driver.setLevel(1);
  await settle();
  assert.equal(h.pending.length, 2);
  h.pending[0].respond(3);
  await settle();
  assert.equal(h.pending.length, 2, "one request of the batch at the period is not enough");
  h.pending[1].respond(2);
  await settle();
  assert.equal(h.pending.length, 2);
  h.pending[1].respond(1);
  await settle();
  assert.equal(h.pending.length, 4, "the whole batch reached 3 responses");
  // Responses of an older batch start nothing.
  h.pending[0].respond(5);
  await settle();
  assert.equal(h.pending.length, 4);
  h.pending[2].respond(3);
  h.pending[3].respond(3);
  await settle();
  assert.equal(h.pending.length, 6);
  h.pending[4].respond(3);
  h.pending[5].respond(3);
  await settle();
  assert.equal(h.pending.length, 6, "end requests, never more");
  let drained = false;
  const drain = h.driver.drain().then(() => drained = true);
  for (const p of h.pending.slice(0, 5)) p.finish();
  await settle();
  assert.equal(drained, false, "one request still streams");
  h.pending[5].finish();
  await drain;
  assert.deepEqual(h.completed, [8, 3, 3, 3, 3, 3]);
  assert.deepEqual(h.driver.batches.map((b) => b.inFlight), [2, 4, 6]);
  assert.equal(h.closed(), 6, "every request's channel is closed");
});

Deno.test("periodic driver: a failed request counts as done; an OK one short of the period is an error", async () => {
  const h = harness({ start: 1, end: 3, step: 1 }, 4);
  await h.driver.setLevel(1);
  await settle();
  h.pending[0].finish("server_error");
  await settle();
  assert.equal(h.pending.length, 2, "a failure does not stall the run");
  // The first request was over when the second batch started: one in flight, not two.
  assert.deepEqual(h.driver.batches.map((b) => b.inFlight), [1, 1]);
  h.pending[1].respond(2);
  h.pending[1].finish();
  await assert.rejects(
    h.driver.drain(),
    /a request completed after 2 responses, before the request period of 4/,
  );
  await h.driver.stop();
});
