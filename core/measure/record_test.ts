import assert from "node:assert/strict";
import { RequestRecord } from "./record.ts";

const STREAM = 10_000;
/** Two gaps stand out so the folded min and max are known without recomputing them. */
const SHORT_AT = 5000;
const LONG_AT = 7777;

/** A token stream's timestamps: gaps of 50..140 ns, one of 5 ns and one of 9999 ns. */
function streamTimes(count: number): number[] {
  const times = [1_000_000];
  for (let i = 1; i < count; i++) {
    const gap = i === SHORT_AT ? 5 : i === LONG_AT ? 9999 : 50 + (i % 10) * 10;
    times.push(times[i - 1] + gap);
  }
  return times;
}

Deno.test("record: 10,000 responses in one request keep every timestamp and fold exactly", () => {
  const rec = new RequestRecord();
  rec.reset(999_000);
  const times = streamTimes(STREAM);
  // Units 1, 2, 3, 1, 2, 3, ...: 3334 ones, 3333 twos and 3333 threes.
  times.forEach((ns, i) => rec.addResponse(ns, (i % 3) + 1));
  assert.equal(rec.responseCount, STREAM);
  for (let i = 0; i < STREAM; i++) assert.equal(rec.responseNs[i], times[i], `response ${i}`);
  assert.equal(rec.units, 19_999);
  assert.equal(rec.firstResponseNs, 1_000_000);
  assert.equal(rec.firstByteNs, 1_000_000, "the first response stands in for the first byte");
  assert.equal(rec.lastResponseNs, times[STREAM - 1]);
  assert.equal(rec.minGapNs, 5);
  assert.equal(rec.maxGapNs, 9999);
  // 9997 regular gaps of 50 + 10·(i mod 10), plus the two odd ones.
  let regular = 0;
  for (let i = 1; i < STREAM; i++) {
    if (i !== SHORT_AT && i !== LONG_AT) regular += 50 + (i % 10) * 10;
  }
  assert.equal(rec.gapSumNs, regular + 5 + 9999);
  assert.equal(rec.gapSumNs, times[STREAM - 1] - 1_000_000);
  // Grown by doubling from 8 slots: 8 · 2^11 is the first size that holds 10,000.
  assert.equal(rec.responseNs.length, 16_384);
});

Deno.test("record: a reused record keeps its grown buffer for a smaller stream", () => {
  const rec = new RequestRecord();
  rec.reset(0);
  for (const ns of streamTimes(STREAM)) rec.addResponse(ns);
  const buffer = rec.responseNs;
  rec.reset(5_000_000);
  assert.equal(rec.responseCount, 0);
  assert.equal(rec.units, 0);
  assert.equal(rec.firstResponseNs, 0);
  assert.equal(rec.lastResponseNs, 0);
  assert.equal(rec.minGapNs, 0);
  assert.equal(rec.maxGapNs, 0);
  const shorter = [6_000_000, 6_000_700, 6_000_750, 6_002_000];
  shorter.forEach((ns) => rec.addResponse(ns, 4));
  assert.equal(rec.responseNs, buffer, "no new buffer for a stream that fits");
  assert.deepEqual([...rec.responseNs.subarray(0, rec.responseCount)], shorter);
  assert.equal(rec.units, 16);
  assert.equal(rec.firstByteNs, 6_000_000);
  assert.deepEqual([rec.minGapNs, rec.maxGapNs, rec.gapSumNs], [50, 1250, 2000]);
});

Deno.test("record: one-response requests never grow the initial buffer", () => {
  const rec = new RequestRecord();
  const buffer = rec.responseNs;
  for (let i = 1; i <= 1000; i++) {
    rec.reset(i * 10);
    rec.firstByteNs = i * 10 + 3; // a transport that saw the first byte earlier keeps its time
    rec.addResponse(i * 10 + 5);
    assert.equal(rec.responseCount, 1);
    assert.equal(rec.units, 1);
    assert.equal(rec.firstByteNs, i * 10 + 3);
    assert.equal(rec.firstResponseNs, i * 10 + 5);
    assert.deepEqual([rec.minGapNs, rec.maxGapNs, rec.gapSumNs], [0, 0, 0]);
  }
  assert.equal(rec.responseNs, buffer);
});

Deno.test("record: the buffer doubles exactly at capacity, keeping earlier timestamps", () => {
  const rec = new RequestRecord();
  rec.reset(0);
  const initial = rec.responseNs.length;
  for (let i = 1; i <= initial; i++) rec.addResponse(i * 100);
  const full = rec.responseNs;
  assert.equal(full.length, initial, "filling to capacity does not grow");
  rec.addResponse((initial + 1) * 100);
  assert.notEqual(rec.responseNs, full);
  assert.equal(rec.responseNs.length, initial * 2);
  for (let i = 0; i <= initial; i++) assert.equal(rec.responseNs[i], (i + 1) * 100);
  assert.deepEqual([rec.minGapNs, rec.maxGapNs], [100, 100]);
});

Deno.test("record: token-bearing events are told apart from events that carry no token", () => {
  const rec = new RequestRecord();
  rec.reset(0);
  // Role-only chunk, three content chunks (2, 1, 3 tokens), usage-only chunk, [DONE]; enough
  // events to grow the buffer once, which must keep the units with the times.
  const events: [number, number][] = [[10, 0], [20, 2], [25, 1], [40, 3], [41, 0], [42, 0]];
  for (let i = 0; i < 3; i++) rec.addResponse(1 + i, 0);
  for (const [ns, units] of events) rec.addResponse(ns, units);
  assert.equal(rec.responseCount, 9);
  assert.equal(rec.responseNs.length, 16);
  assert.deepEqual([...rec.responseUnits.subarray(0, 9)], [0, 0, 0, 0, 2, 1, 3, 0, 0]);
  assert.equal(rec.tokenEvents, 3);
  assert.deepEqual([rec.firstTokenNs, rec.secondTokenNs, rec.lastTokenNs], [20, 25, 40]);
  assert.equal(rec.units, 6);
  assert.equal(rec.outputUnits, 6, "no usage count: the summed units");
  rec.reportedOutputUnits = 7;
  assert.equal(rec.outputUnits, 7, "the server's count wins over the units");
  rec.clientOutputUnits = 5;
  rec.clientCounter = "builtin:o200k_base";
  assert.equal(rec.outputUnits, 5, "a client tokenizer's count wins over the server's");
  assert.equal(rec.firstResponseNs, 1, "the first response is still the role chunk");
  // Exact counts known at the end replace the units; the token times stay as they arrived.
  rec.recountResponse(4, 1);
  rec.recountResponse(5, 0);
  assert.deepEqual([...rec.responseUnits.subarray(0, 9)], [0, 0, 0, 0, 1, 0, 3, 0, 0]);
  assert.equal(rec.units, 4);
  assert.deepEqual([rec.tokenEvents, rec.firstTokenNs, rec.lastTokenNs], [3, 20, 40]);
  rec.inputUnits = 12;
  rec.unitsAreTokens = true;
  rec.reset(100);
  assert.deepEqual(
    [rec.tokenEvents, rec.firstTokenNs, rec.secondTokenNs, rec.lastTokenNs],
    [0, 0, 0, 0],
  );
  assert.deepEqual([rec.reportedOutputUnits, rec.inputUnits, rec.unitsAreTokens], [-1, -1, false]);
  assert.deepEqual([rec.clientOutputUnits, rec.clientCounter], [-1, ""]);
  assert.equal(rec.outputUnits, 0);
});

Deno.test("record: reset empties captured outputs and keeps the same array", () => {
  const rec = new RequestRecord();
  const outputs = rec.outputs;
  rec.outputs.push({ name: "OUTPUT0", datatype: "INT32", shape: [1], bytes: new Uint8Array(4) });
  rec.reset(5);
  assert.equal(rec.outputs.length, 0);
  assert.equal(rec.outputs, outputs);
  rec.reset(6);
  assert.deepEqual([rec.outputs.length, rec.intendedNs], [0, 6]);
});
