import assert from "node:assert/strict";
import { FrameWriter } from "./writer.ts";
import { copyJoined } from "../bytes.ts";

/** A socket that takes every write whole and keeps the arrays it was handed. */
function recordingConn() {
  const writes: Uint8Array[] = [];
  const conn = { write: (p: Uint8Array) => Promise.resolve(writes.push(p) && p.length) };
  return { writes, conn: conn as unknown as Deno.Conn };
}

Deno.test("FrameWriter joins small frames and writes a large payload from where it lies", async () => {
  const { writes, conn } = recordingConn();
  const writer = new FrameWriter(conn, () => {});
  const payload = new Uint8Array(64 << 10).fill(9);
  writer.send(Uint8Array.of(1, 1));
  writer.send(Uint8Array.of(2, 2, 2), payload);
  writer.send(Uint8Array.of(3));
  await writer.drain();
  assert.deepEqual(writes.map((w) => w.length), [5, 64 << 10, 1]);
  assert.equal(writes[1], payload, "the payload itself, not a copy");
  const all = copyJoined(writes);
  assert.deepEqual([...all.subarray(0, 5)], [1, 1, 2, 2, 2]);
  assert.equal(all.length, 6 + (64 << 10));
});

Deno.test("FrameWriter's frame limit counts a header and its payload as one frame", async () => {
  const { writes, conn } = recordingConn();
  const last = Uint8Array.of(0xee);
  const writer = new FrameWriter(conn, () => {}, {
    maxHeld: 1 << 30,
    maxFrames: 2,
    last: () => last,
  });
  const payload = new Uint8Array(32 << 10);
  writer.send(Uint8Array.of(1), payload);
  writer.send(Uint8Array.of(2), payload);
  // A third frame exceeds the limit: what is queued is dropped for the last frame alone.
  writer.send(Uint8Array.of(3));
  writer.send(Uint8Array.of(4));
  await writer.drain();
  assert.deepEqual(writes, [last]);
});
