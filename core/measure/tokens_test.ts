/**
 * Token metrics on hand-built timelines: every value is worked out by hand from the event
 * times below (ms after the intended send), so the definitions are pinned down exactly.
 */
import assert from "node:assert/strict";
import { RequestRecord } from "./record.ts";
import type { TokenStat } from "./tokens.ts";
import { type LatencyOrigin, Window } from "./window.ts";

const MS = 1e6;

interface Timeline {
  /** Actual send, ms after the intended send (0 = on time). */
  sendMs?: number;
  /** [ms, units] per event, in arrival order. */
  events: [number, number][];
  inputUnits?: number;
  reportedOutputUnits?: number;
  /** A client tokenizer's count (named "tok"). */
  clientOutputUnits?: number;
  unitsAreTokens?: boolean;
}

function record(t: Timeline): RequestRecord {
  const rec = new RequestRecord();
  rec.reset(0);
  rec.sendStartNs = (t.sendMs ?? 0) * MS;
  rec.sendEndNs = rec.sendStartNs;
  for (const [ms, units] of t.events) rec.addResponse(ms * MS, units);
  rec.endNs = rec.lastResponseNs;
  if (t.inputUnits !== undefined) rec.inputUnits = t.inputUnits;
  if (t.reportedOutputUnits !== undefined) rec.reportedOutputUnits = t.reportedOutputUnits;
  if (t.clientOutputUnits !== undefined) {
    rec.clientOutputUnits = t.clientOutputUnits;
    rec.clientCounter = "tok";
  }
  rec.unitsAreTokens = t.unitsAreTokens ?? true;
  return rec;
}

/** Folds the timelines into one 1 s window and returns its token stats. */
function fold(timelines: Timeline[], origin: LatencyOrigin = "intended", fail = 0) {
  const w = new Window(origin, true);
  w.begin(0);
  for (const t of timelines) w.record(record(t));
  for (let i = 0; i < fail; i++) {
    const rec = record({ events: [[10, 1], [20, 1]] });
    rec.fail("server_error", "HTTP 500", 20 * MS);
    w.record(rec);
  }
  w.close(1e9, 0);
  const stats = w.stats(1, -1);
  w.destroy();
  return { tokens: stats.tokens!, client: stats };
}

/** count, avg, min, max exactly; percentiles within HDR's 0.1 %. */
function assertStat(
  s: TokenStat,
  want: { count: number; avg: number; min: number; max: number; p50?: number; p99?: number },
) {
  assert.equal(s.count, want.count, "count");
  assert.ok(Math.abs(s.avg - want.avg) < 1e-9 * Math.max(1, want.avg), `avg ${s.avg}`);
  assert.equal(s.min, want.min, "min");
  assert.equal(s.max, want.max, "max");
  for (const p of [50, 99] as const) {
    const expected = want[`p${p}`];
    if (expected === undefined) continue;
    const got = s.percentiles.get(p)!;
    assert.ok(Math.abs(got - expected) <= expected * 1e-3, `p${p} ${got} vs ${expected}`);
  }
}

Deno.test("role-only first chunk: TTFT waits for the first token, usage and [DONE] count nothing", () => {
  // Role chunk at 10 ms (0 tokens), tokens at 30, 40 and 60 ms, usage at 65, [DONE] at 66.
  const { tokens } = fold([{
    events: [[10, 0], [30, 1], [40, 1], [60, 1], [65, 0], [66, 0]],
    inputUnits: 7,
  }]);
  assertStat(tokens.timeToFirstToken, { count: 1, avg: 30, min: 30, max: 30, p99: 30 });
  assertStat(tokens.timeToSecondToken, { count: 1, avg: 10, min: 10, max: 10 });
  // To the last token-bearing event, not to the usage chunk or [DONE].
  assertStat(tokens.requestLatency, { count: 1, avg: 60, min: 60, max: 60 });
  // (60 − 30) / (3 − 1)
  assertStat(tokens.interTokenLatency, { count: 1, avg: 15, min: 15, max: 15 });
  assertStat(tokens.outputTokenThroughputPerUser, {
    count: 1,
    avg: 1000 / 15,
    min: 1000 / 15,
    max: 1000 / 15,
  });
  assertStat(tokens.outputSequenceLength, { count: 1, avg: 3, min: 3, max: 3 });
  assertStat(tokens.inputSequenceLength, { count: 1, avg: 7, min: 7, max: 7 });
  // Gaps between token-bearing events only: 40 − 30 and 60 − 40.
  assertStat(tokens.interChunkLatency, { count: 2, avg: 15, min: 10, max: 20, p99: 20 });
  assertStat(tokens.tokensPerEvent, { count: 3, avg: 1, min: 1, max: 1, p50: 1 });
});

Deno.test("reasoning first: a reasoning event is a token-bearing event like content", () => {
  // The channel passes reasoning tokens as units: 2 reasoning tokens at 5 ms, content at 8, 12.
  const { tokens } = fold([{ events: [[1, 0], [5, 2], [8, 1], [12, 1], [13, 0]] }]);
  assertStat(tokens.timeToFirstToken, { count: 1, avg: 5, min: 5, max: 5 });
  assertStat(tokens.timeToSecondToken, { count: 1, avg: 3, min: 3, max: 3 });
  assertStat(tokens.requestLatency, { count: 1, avg: 12, min: 12, max: 12 });
  // (12 − 5) / (4 − 1)
  assertStat(tokens.interTokenLatency, { count: 1, avg: 7 / 3, min: 7 / 3, max: 7 / 3 });
  assertStat(tokens.tokensPerEvent, { count: 3, avg: 4 / 3, min: 1, max: 2 });
});

Deno.test("k tokens per event: ITL divides by tokens, inter-chunk latency does not", () => {
  // Four events of 4 tokens each, 10 ms apart: the per-chunk gap is 4× the per-token one.
  const { tokens } = fold([{ events: [[10, 4], [20, 4], [30, 4], [40, 4]] }]);
  assertStat(tokens.outputSequenceLength, { count: 1, avg: 16, min: 16, max: 16 });
  // (40 − 10) / (16 − 1) = 2 ms, 500 tokens/s per user.
  assertStat(tokens.interTokenLatency, { count: 1, avg: 2, min: 2, max: 2 });
  assertStat(tokens.outputTokenThroughputPerUser, { count: 1, avg: 500, min: 500, max: 500 });
  assertStat(tokens.interChunkLatency, { count: 3, avg: 10, min: 10, max: 10, p99: 10 });
  assertStat(tokens.tokensPerEvent, { count: 4, avg: 4, min: 4, max: 4, p99: 4 });
});

Deno.test("one output token: no inter-token latency, no per-user rate, no second token", () => {
  const { tokens } = fold([{ events: [[0.5, 0], [10, 1], [11, 0]] }]);
  assertStat(tokens.timeToFirstToken, { count: 1, avg: 10, min: 10, max: 10 });
  assertStat(tokens.requestLatency, { count: 1, avg: 10, min: 10, max: 10 });
  assert.equal(tokens.interTokenLatency.count, 0);
  assert.equal(tokens.outputTokenThroughputPerUser.count, 0);
  assert.equal(tokens.timeToSecondToken.count, 0);
  assert.equal(tokens.interChunkLatency.count, 0);
  assertStat(tokens.outputSequenceLength, { count: 1, avg: 1, min: 1, max: 1 });
});

Deno.test("all tokens in one event (a non-streamed reply): no inter-token latency", () => {
  const { tokens } = fold([{ events: [[40, 5]] }]);
  assertStat(tokens.outputSequenceLength, { count: 1, avg: 5, min: 5, max: 5 });
  assertStat(tokens.timeToFirstToken, { count: 1, avg: 40, min: 40, max: 40 });
  assert.equal(tokens.interTokenLatency.count, 0);
  assert.equal(tokens.outputTokenThroughputPerUser.count, 0);
});

Deno.test("a failed request feeds no token metric but is counted as a failure", () => {
  const { tokens, client } = fold([{ events: [[10, 1], [30, 1]] }], "intended", 2);
  assert.equal(client.errorCount, 2);
  assert.equal(client.requestCount, 1);
  assertStat(tokens.timeToFirstToken, { count: 1, avg: 10, min: 10, max: 10 });
  assertStat(tokens.outputSequenceLength, { count: 1, avg: 2, min: 2, max: 2 });
  assert.equal(tokens.outputTokenThroughput, 2);
  assert.equal(tokens.requestThroughput, 1);
});

Deno.test("latency from the intended send (default) or the actual one, on a late send", () => {
  // Sent 5 ms late; tokens at 25, 35 and 45 ms after the intended time.
  const late: Timeline = { sendMs: 5, events: [[25, 1], [35, 1], [45, 1]] };
  const intended = fold([late]).tokens;
  assertStat(intended.timeToFirstToken, { count: 1, avg: 25, min: 25, max: 25 });
  assertStat(intended.requestLatency, { count: 1, avg: 45, min: 45, max: 45 });
  const actual = fold([late], "actual").tokens;
  assertStat(actual.timeToFirstToken, { count: 1, avg: 20, min: 20, max: 20 });
  assertStat(actual.requestLatency, { count: 1, avg: 40, min: 40, max: 40 });
  // The decode part does not depend on where latency starts: (45 − 25) / 2 either way.
  assertStat(intended.interTokenLatency, { count: 1, avg: 10, min: 10, max: 10 });
  assertStat(actual.interTokenLatency, { count: 1, avg: 10, min: 10, max: 10 });
});

Deno.test("inter-chunk gaps are pooled over requests; per-user rate is 1/ITL per request", () => {
  const { tokens } = fold([
    { events: [[10, 1], [12, 1], [20, 1]] }, // gaps 2, 8; ITL (20 − 10) / 2 = 5 ms → 200/s
    { events: [[5, 2], [9, 2]] }, // gap 4; ITL (9 − 5) / 3 ms → 750/s
    { events: [[7, 1]] }, // no gap, no ITL
  ]);
  assertStat(tokens.interChunkLatency, { count: 3, avg: 14 / 3, min: 2, max: 8, p50: 4 });
  assertStat(tokens.interTokenLatency, { count: 2, avg: (5 + 4 / 3) / 2, min: 4 / 3, max: 5 });
  assertStat(tokens.outputTokenThroughputPerUser, { count: 2, avg: 475, min: 200, max: 750 });
  assertStat(tokens.timeToFirstToken, { count: 3, avg: 22 / 3, min: 5, max: 10, p50: 7 });
  assertStat(tokens.outputSequenceLength, { count: 3, avg: 8 / 3, min: 1, max: 4 });
  // Σ OSL 8 over the 1 s window; 3 requests.
  assert.equal(tokens.outputTokenThroughput, 8);
  assert.equal(tokens.requestThroughput, 3);
});

Deno.test("the server's usage count is the output length; unknown input is left out", () => {
  // Two chunks of one counted unit each, but the server says 5 tokens were generated.
  const { tokens } = fold([
    { events: [[10, 1], [30, 1]], reportedOutputUnits: 5 },
    { events: [[10, 1], [30, 1]], unitsAreTokens: false },
  ]);
  assertStat(tokens.outputSequenceLength, { count: 2, avg: 3.5, min: 2, max: 5 });
  // (30 − 10) / (5 − 1) = 5 ms and (30 − 10) / (2 − 1) = 20 ms.
  assertStat(tokens.interTokenLatency, { count: 2, avg: 12.5, min: 5, max: 20 });
  assert.equal(tokens.inputSequenceLength.count, 0);
  assert.equal(tokens.untokenizedCount, 1);
  assert.deepEqual(tokens.sources, { client: 0, counter: "", server: 1, events: 1 });
  assert.equal(tokens.mismatch.requests, 0);
});

Deno.test("a client tokenizer's count is the length; its difference from usage is kept", () => {
  const two: [number, number][] = [[10, 1], [30, 1]];
  const { tokens } = fold([
    { events: two, clientOutputUnits: 4, reportedOutputUnits: 7 },
    { events: two, clientOutputUnits: 6, reportedOutputUnits: 6 },
    { events: two, clientOutputUnits: 9, reportedOutputUnits: 5 },
    { events: two, clientOutputUnits: 3 },
    { events: two, reportedOutputUnits: 8 },
  ]);
  assertStat(tokens.outputSequenceLength, { count: 5, avg: 30 / 5, min: 3, max: 9 });
  assert.deepEqual(tokens.sources, { client: 4, counter: "tok", server: 1, events: 0 });
  // Three requests have both: 4 vs 7 (+3), 6 vs 6, 9 vs 5 (−4, the largest by size).
  assert.deepEqual(tokens.mismatch, {
    requests: 3,
    clientTokens: 19,
    serverTokens: 18,
    maxDifference: -4,
    differing: 2,
  });
});

Deno.test("a window without token metrics keeps none (responses as the unit)", () => {
  const w = new Window("intended");
  w.begin(0);
  w.record(record({ events: [[10, 1]] }));
  w.close(1e9, 0);
  assert.equal(w.tokens, undefined);
  assert.equal("tokens" in w.stats(1, -1), false);
  w.destroy();
});

Deno.test("merging windows merges their token metrics", () => {
  const a = new Window("intended", true);
  const b = new Window("intended", true);
  const merged = new Window("intended", true);
  for (const [w, ms, client, server] of [[a, 10, 2, 3], [b, 30, 7, 2]] as const) {
    w.begin(0);
    w.record(record({
      events: [[ms, 1], [ms + 10, 1]],
      clientOutputUnits: client,
      reportedOutputUnits: server,
    }));
    w.record(record({ events: [[ms, 1], [ms + 10, 1]] }));
    w.close(1e9, 0);
  }
  merged.begin(0);
  merged.add(a);
  merged.add(b);
  const t = merged.stats(1, -1).tokens!;
  assertStat(t.timeToFirstToken, { count: 4, avg: 20, min: 10, max: 30 });
  // Merged windows cover the sum of their durations: 2 + 2 + 7 + 2 tokens in 2 s.
  assert.equal(t.outputTokenThroughput, 6.5);
  assert.deepEqual(t.sources, { client: 2, counter: "tok", server: 0, events: 2 });
  assert.deepEqual(t.mismatch, {
    requests: 2,
    clientTokens: 9,
    serverTokens: 5,
    maxDifference: -5,
    differing: 2,
  });
  merged.begin(0);
  const empty = merged.stats(1, -1).tokens!;
  assert.deepEqual(empty.sources, { client: 0, counter: "", server: 0, events: 0 });
  assert.equal(empty.mismatch.requests, 0);
  for (const w of [a, b, merged]) w.destroy();
});
