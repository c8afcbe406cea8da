import assert from "node:assert/strict";
import { RequestRecord } from "./record.ts";
import { SPECTRUM_PERCENTILES } from "./results.ts";
import { Window } from "./window.ts";

/** A finished ok request sent at `sendNs` whose `responses` arrive 1 µs apart from +1 ms. */
function streamed(rec: RequestRecord, sendNs: number, responses: number): RequestRecord {
  rec.reset(sendNs);
  rec.sendStartNs = sendNs;
  rec.sendEndNs = sendNs + 100;
  for (let i = 0; i < responses; i++) rec.addResponse(sendNs + 1_000_000 + i * 1000);
  rec.endNs = rec.lastResponseNs;
  return rec;
}

Deno.test("window: counts every response of long streams, and the per-request times", () => {
  const w = new Window();
  w.begin(0);
  const rec = new RequestRecord();
  // One record reused, as a slot does: a 1000-response stream, then 3 responses, then 200.
  w.record(streamed(rec, 0, 1000));
  w.record(streamed(rec, 10_000_000, 3));
  w.record(streamed(rec, 20_000_000, 200));
  // An empty final marker only (no response) and a failure are not requests of the window.
  w.record(streamed(rec, 30_000_000, 0));
  rec.reset(40_000_000);
  rec.fail("server_error", "boom", 40_000_500);
  w.record(rec);
  w.close(1e9, 0);
  const s = w.stats(1, 0);
  assert.equal(s.requestCount, 3);
  assert.equal(s.responseCount, 1203);
  assert.equal(s.responseThroughput, 1203);
  assert.equal(s.errorCount, 1);
  assert.deepEqual([...s.errors], [["boom", 1]]);
  // Latencies end at the last response: 1 ms + (n − 1) µs.
  assert.equal(w.latency.count, 3);
  assert.equal(s.avgLatencyNs, 1_400_000);
  assert.equal(s.avgRequestNs, 1_400_000);
  assert.equal(s.avgSendNs, 100);
  // Receive time: first to last response, the stream's decode time.
  assert.equal(s.avgRecvNs, (999_000 + 2000 + 199_000) / 3);
});

Deno.test("window: the spectrum is the histogram's percentiles, min to max; a pass counts errors", () => {
  const w = new Window();
  w.begin(0);
  const rec = new RequestRecord();
  // Latencies 1, 2, ..., 1000 µs, and two failures.
  for (let i = 1; i <= 1000; i++) {
    rec.reset(0);
    rec.addResponse(i * 1000);
    rec.endNs = rec.lastResponseNs;
    w.record(rec);
  }
  for (let i = 0; i < 2; i++) {
    rec.reset(0);
    rec.fail("server_error", "boom", 500);
    w.record(rec);
  }
  w.close(1e9, 0);
  const s = w.stats(1, 0);
  assert.deepEqual(
    s.spectrumNs,
    SPECTRUM_PERCENTILES.map((p) => ({ percentile: p, ns: w.latency.percentile(p) })),
  );
  // perf_analyzer's rank rule on 1000 values: p0 = 1st, p50 = 501st, p99.9 = 1000th (rank
  // floor(0.999 × 999 + 0.5) = 998 rounds to the 999th), p100 = 1000th; the histogram keeps
  // three significant digits.
  const at = (p: number) => s.spectrumNs!.find((x) => x.percentile === p)!.ns;
  const near = (got: number, us: number) =>
    assert.ok(Math.abs(got - us * 1000) <= us, `${got} ns, expected ${us} µs ± 0.1 %`);
  near(at(0), 1);
  near(at(50), 501);
  near(at(99.9), 999);
  near(at(100), 1000);
  assert.deepEqual(SPECTRUM_PERCENTILES.slice(0, 3), [0, 25, 50]);
  assert.equal(w.pass(1, 0).errorCount, 2);
});
