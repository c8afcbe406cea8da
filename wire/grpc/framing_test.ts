import assert from "node:assert/strict";
import { frameMessage, framePieces, MessageReader } from "./framing.ts";
import { copyJoined } from "../bytes.ts";

Deno.test("frameMessage: flag byte, big-endian 4-byte length, then the message", () => {
  assert.deepEqual([...frameMessage(Uint8Array.of(7, 8))], [0, 0, 0, 0, 2, 7, 8]);
  assert.deepEqual([...frameMessage(new Uint8Array(0), true)], [1, 0, 0, 0, 0]);
  const big = frameMessage(new Uint8Array(0x012345));
  assert.deepEqual([...big.subarray(0, 5)], [0, 0, 0x01, 0x23, 0x45]);
  assert.equal(big.length, 5 + 0x012345);
});

Deno.test("MessageReader: whole messages and their flags, wherever the chunks split", () => {
  // 300 bytes: the length needs two bytes of the prefix.
  const long = Array.from({ length: 300 }, (_, i) => i & 0xff);
  const bytes = Uint8Array.of(
    ...frameMessage(Uint8Array.of(1, 2)),
    ...frameMessage(Uint8Array.of(3), true),
    ...frameMessage(new Uint8Array(0)),
    ...frameMessage(Uint8Array.from(long)),
  );
  const want = [[[1, 2], false], [[3], true], [[], false], [long, false]];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const got: [number[], boolean][] = [];
    const reader = new MessageReader((m, compressed) => got.push([[...m], compressed]));
    reader.push(bytes.subarray(0, cut));
    reader.push(bytes.subarray(cut));
    assert.deepEqual(got, want, `cut at ${cut}`);
    assert.equal(reader.compressed, true);
    assert.equal(reader.partial, false);
    reader.reset();
    assert.equal(reader.compressed, false);
  }
  const got: number[][] = [];
  const reader = new MessageReader((m) => got.push([...m]));
  for (let i = 0; i < bytes.length - 1; i++) reader.push(bytes.subarray(i, i + 1));
  assert.deepEqual(got, [[1, 2], [3], []]);
  assert.equal(reader.partial, true, "the last message is still missing its byte");
});

Deno.test("MessageReader: a message inside one chunk is a view, a spread one a copy", () => {
  const chunk = frameMessage(Uint8Array.of(5, 6, 7));
  const seen: Uint8Array[] = [];
  const owned: boolean[] = [];
  const reader = new MessageReader((m, _c, own) => seen.push(m) && owned.push(own));
  reader.push(chunk);
  assert.equal(seen[0].buffer, chunk.buffer);
  reader.push(chunk.subarray(0, 6));
  reader.push(chunk.subarray(6));
  assert.notEqual(seen[1].buffer, chunk.buffer);
  assert.deepEqual([...seen[1]], [5, 6, 7]);
  // Only the gathered copy is the caller's to keep.
  assert.deepEqual(owned, [false, true]);
});

Deno.test("framePieces: the same bytes as frameMessage, large pieces passed on uncopied", () => {
  const big = new Uint8Array(40_000).map((_, i) => i * 7);
  const pieces = [Uint8Array.of(1, 2), Uint8Array.of(3), big, Uint8Array.of(4), big.subarray(1)];
  const framed = framePieces(pieces);
  assert.deepEqual(copyJoined(framed), frameMessage(copyJoined(pieces)));
  // Prefix and the two small pieces in one chunk; each large piece is itself.
  assert.deepEqual(framed.map((c) => c.length), [5 + 3, 40_000, 1, 39_999]);
  assert.equal(framed[1], pieces[2]);
  assert.equal(framed[3], pieces[4]);
  assert.deepEqual([...framePieces([])[0]], [0, 0, 0, 0, 0]);
});

Deno.test("MessageReader with skim counts a spread message instead of gathering it", () => {
  const seen: string[] = [];
  const reader = new MessageReader(
    (m, compressed, owned) => seen.push(`message ${m.length} ${compressed} ${owned}`),
    Infinity,
    (length) => seen.push(`skimmed ${length}`),
  );
  reader.skim = true;
  const big = frameMessage(new Uint8Array(1000));
  const packed = frameMessage(new Uint8Array(10), true);
  const empty = frameMessage(new Uint8Array(0));
  // Whole in one chunk: a view as always. Spread: counted. Compressed and spread: gathered,
  // since only its inflated bytes say what arrived.
  reader.push(big);
  reader.push(big.subarray(0, 3));
  reader.push(big.subarray(3, 500));
  reader.push(Uint8Array.of(...big.subarray(500), ...packed.subarray(0, 7)));
  reader.push(Uint8Array.of(...packed.subarray(7), ...empty.subarray(0, 2)));
  reader.push(empty.subarray(2));
  assert.deepEqual(seen, [
    "message 1000 false false",
    "skimmed 1000",
    "message 10 true true",
    "skimmed 0",
  ]);
  assert.equal(reader.partial, false);
});
