import assert from "node:assert/strict";
import { FIXED32, LEN, ProtoReader, VARINT, WireError } from "./proto_reader.ts";

function reader(...bytes: number[]): ProtoReader {
  return new ProtoReader(Uint8Array.of(...bytes), 0, bytes.length);
}

/** -1 as protobuf writes an int32/int64: sign-extended to ten bytes. */
const MINUS_ONE = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];

Deno.test("varints: plain, low 32 bits exact, and full 64 bits exact", () => {
  assert.equal(reader(0xac, 0x02).varint(), 300);
  assert.equal(reader(...MINUS_ONE).varint32(), -1);
  assert.equal(reader(0xff, 0xff, 0xff, 0xff, 0x0f).varint32() >>> 0, 4294967295);
  assert.equal(reader(0x80, 0x80, 0x80, 0x80, 0x08).varint32(), -2147483648);
  assert.equal(reader(...MINUS_ONE).varint64(), 18446744073709551615n);
  assert.equal(BigInt.asIntN(64, reader(...MINUS_ONE).varint64()), -1n);
  assert.equal(reader(0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10).varint64(), 2n ** 53n + 1n);
});

Deno.test("length-delimited fields, fixed-width values and skipping", () => {
  const r = reader(0x0a, 2, 104, 105, 0x15, 1, 2, 3, 4, 0x18, 7, 0x22, 1, 9);
  assert.equal(r.varint(), 1 << 3 | LEN);
  assert.deepEqual([...r.bytes()], [104, 105]);
  assert.equal(r.varint(), 2 << 3 | FIXED32);
  assert.deepEqual([...r.fixed(4)], [1, 2, 3, 4]);
  assert.equal(r.varint(), 3 << 3 | VARINT);
  r.skip(VARINT);
  assert.equal(r.varint() & 7, LEN);
  const sub = r.sub();
  assert.ok(sub.equals(Uint8Array.of(9)));
  assert.ok(!r.more());
});

Deno.test("malformed bytes throw WireError with the reason", () => {
  assert.throws(() => reader(0x80).varint(), WireError);
  assert.throws(() => reader(0x80).varint32(), /truncated varint/);
  assert.throws(() => reader(...new Array(11).fill(0xff)).varint64(), /longer than 10 bytes/);
  assert.throws(() => reader(5, 1).sub(), /exceeds the message/);
  assert.throws(() => reader(1, 2).fixed(4), /truncated fixed-width/);
  assert.throws(() => reader().skip(3), /unsupported wire type 3/);
});
