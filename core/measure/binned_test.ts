/** Power-of-two binned means, alone and as the token metrics fill them from a record. */
import assert from "node:assert/strict";
import { BinnedMean } from "./binned.ts";
import { RequestRecord } from "./record.ts";
import { TokenMetrics } from "./tokens.ts";

Deno.test("BinnedMean: keys go to [2^i, 2^(i+1)), 0 with 1; merged like histograms", () => {
  const a = new BinnedMean();
  a.record(0, 10);
  a.record(1, 20);
  a.record(5, 3);
  a.record(7, 5);
  const b = new BinnedMean();
  b.record(6, 7);
  b.record(2 ** 40, 1);
  a.add(b);
  assert.deepEqual(a.bins(1), [
    { from: 0, to: 1, count: 2, avg: 15 },
    { from: 4, to: 7, count: 3, avg: 5 },
    { from: 2 ** 23, to: 2 ** 24 - 1, count: 1, avg: 1 },
  ]);
  a.reset();
  assert.deepEqual(a.bins(1), []);
});

Deno.test("token metrics: TTFT by input length, the gap per token by the token's position", () => {
  const m = new TokenMetrics("actual");
  const rec = new RequestRecord();
  rec.reset(0);
  rec.sendStartNs = 1e6;
  rec.inputUnits = 300;
  // Role chunk, then 1, 2 and 4 tokens 1 ms apart; the first token 9 ms after the send.
  rec.addResponse(2e6, 0);
  rec.addResponse(10e6, 1);
  rec.addResponse(11e6, 2);
  rec.addResponse(12e6, 4);
  rec.endNs = 12e6;
  m.record(rec);
  const s = m.stats(1, 1e9);
  assert.deepEqual(s.ttftByInputLength, [{ from: 256, to: 511, count: 1, avg: 9 }]);
  // The 2-token event starts at token 1 (0.5 ms per token), the 4-token one at token 3.
  assert.deepEqual(s.tokenGapByPosition, [
    { from: 0, to: 1, count: 1, avg: 0.5 },
    { from: 2, to: 3, count: 1, avg: 0.25 },
  ]);
  m.destroy();
});
