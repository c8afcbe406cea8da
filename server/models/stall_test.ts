import assert from "node:assert/strict";
import { parseStall, stallEndNs } from "./stall.ts";

Deno.test("stall windows open at the start of every period", () => {
  const stall = { everyMs: 2000, forMs: 200 };
  const origin = 1_000_000;
  // 50 ms into the first period: stalled until 200 ms.
  assert.equal(stallEndNs(origin + 50e6, origin, stall), origin + 200e6);
  // 300 ms in: not stalled.
  assert.equal(stallEndNs(origin + 300e6, origin, stall), origin + 300e6);
  // 2.1 s: 100 ms into the second period's stall.
  assert.equal(stallEndNs(origin + 2100e6, origin, stall), origin + 2200e6);
  assert.equal(stallEndNs(origin + 5e6, origin, undefined), origin + 5e6);
});

Deno.test("--stall EVERY:FOR parses, and impossible stalls are refused", () => {
  assert.deepEqual(parseStall("2000:200"), { everyMs: 2000, forMs: 200 });
  assert.equal(parseStall("200:2000"), undefined);
  assert.equal(parseStall("2000"), undefined);
  assert.equal(parseStall("2000:0"), undefined);
});
