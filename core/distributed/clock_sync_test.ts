import assert from "node:assert/strict";
import { parseTimex, readClockSync } from "./clock_sync.ts";

/** A struct timex as the kernel fills it on 64-bit Linux: maxerror at 24, esterror at 32. */
function timex(maxErrorUs: bigint, estErrorUs: bigint): Uint8Array {
  const bytes = new Uint8Array(256);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(8, 123n, true); // offset: must not be read as an error
  view.setBigInt64(24, maxErrorUs, true);
  view.setBigInt64(32, estErrorUs, true);
  view.setInt32(40, 0x40, true); // status STA_UNSYNC
  return bytes;
}

Deno.test("clock sync: adjtimex's state and errors from the struct's bytes", () => {
  assert.deepEqual(parseTimex(5, timex(16_000_000n, 16_000_000n)), {
    state: "unsynchronized",
    maxErrorUs: 16_000_000,
    estErrorUs: 16_000_000,
  });
  // TIME_OK (0) and a leap second pending (TIME_INS, 1) are synchronized clocks.
  for (const ret of [0, 1]) {
    assert.deepEqual(parseTimex(ret, timex(1500n, 42n)), {
      state: "synchronized",
      maxErrorUs: 1500,
      estErrorUs: 42,
    });
  }
  assert.deepEqual(parseTimex(-1, timex(1n, 1n)), { state: "unknown" });
  assert.deepEqual(parseTimex(0, new Uint8Array(16)), { state: "unknown" });
});

Deno.test("clock sync: this host's clock reads as a state, never throws", () => {
  const sync = readClockSync();
  if (Deno.build.os === "linux") {
    // The tests run with -A: FFI is granted, so glibc's adjtimex answers.
    assert.notEqual(sync.state, "unknown");
    assert.ok(sync.maxErrorUs! >= 0, JSON.stringify(sync));
  } else assert.equal(sync.state, "unknown");
});
