import assert from "node:assert/strict";
import { WordReader } from "./words.ts";

/** The little-endian signed 32-bit word at b[i, i + 4), composed byte by byte. */
const wordAt = (b: Uint8Array, i: number) =>
  b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

Deno.test("words read at any offset of views into two buffers, one DataView per buffer", () => {
  const a = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 255);
  const b = Uint8Array.from({ length: 40 }, (_, i) => (i * 53 + 200) & 255);
  const r = new WordReader();
  const views = new Map<ArrayBufferLike, DataView>();
  for (let round = 0; round < 3; round++) {
    for (const buf of [a, b]) {
      for (let shift = 0; shift < 5; shift++) {
        const view = buf.subarray(shift, 30 + shift);
        const dv = r.of(view);
        assert.equal(r.offset, shift);
        // Alternating between the two buffers reuses each one's view.
        if (!views.has(buf.buffer)) views.set(buf.buffer, dv);
        assert.equal(dv, views.get(buf.buffer));
        for (let i = 0; i + 4 <= view.length; i++) {
          assert.equal(dv.getInt32(r.offset + i, true), wordAt(view, i), `shift ${shift} at ${i}`);
        }
      }
    }
  }
  // A third buffer takes a new view and drops the oldest.
  const c = new Uint8Array(8).fill(1);
  assert.equal(r.of(c).getInt32(r.offset, true), 0x01010101);
  assert.notEqual(r.of(a), views.get(a.buffer));
});
