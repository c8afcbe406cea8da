import assert from "node:assert/strict";
import { Slab, SLAB_BYTES } from "./slab.ts";

Deno.test("a slab copy keeps its bytes when the source is overwritten", () => {
  const slab = new Slab();
  const source = new Uint8Array([1, 2, 3, 4, 5]);
  const a = slab.copy(source);
  source.fill(9);
  const b = slab.copy(source);
  assert.deepEqual([...a], [1, 2, 3, 4, 5]);
  assert.deepEqual([...b], [9, 9, 9, 9, 9]);
  assert.deepEqual(a.buffer, b.buffer);
  assert.deepEqual(b.byteOffset - a.byteOffset, 8);
});

Deno.test("a full slab is replaced, and earlier copies stay intact", () => {
  const slab = new Slab();
  const chunk = new Uint8Array(SLAB_BYTES >> 4);
  const copies: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) copies.push(slab.copy(chunk.fill(i)));
  copies.forEach((c, i) => assert.deepEqual(c.every((v) => v === i), true, `copy ${i}`));
  assert.notStrictEqual(copies[0].buffer, copies[39].buffer);
});

Deno.test("a large message gets a buffer of its own", () => {
  const big = new Uint8Array((SLAB_BYTES >> 3) + 1).fill(7);
  const copy = new Slab().copy(big);
  assert.deepEqual(copy.byteLength, copy.buffer.byteLength);
  assert.deepEqual(copy.every((v) => v === 7), true);
});
