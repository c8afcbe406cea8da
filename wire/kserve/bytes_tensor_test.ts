import assert from "node:assert/strict";
import {
  BytesFramingError,
  decodeStringElements,
  encodeStringElements,
  splitBytesElements,
} from "./bytes_tensor.ts";

Deno.test("BYTES elements: the spec's example encodes to 10 bytes and back", () => {
  const bytes = encodeStringElements(["ab", ""]);
  assert.deepEqual([...bytes], [2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0]);
  assert.deepEqual(decodeStringElements(bytes), ["ab", ""]);
  assert.deepEqual(decodeStringElements(encodeStringElements(["héllo", "7"])), ["héllo", "7"]);
});

Deno.test("broken framing says where: inside a prefix, or an element past the end", () => {
  assert.throws(() => splitBytesElements(new Uint8Array([1, 0, 0])), (e: Error) => {
    assert.ok(e instanceof BytesFramingError);
    assert.equal(e.kind, "prefix");
    assert.equal(e.available, 3);
    return true;
  });
  const overrun = new Uint8Array([0, 0, 0, 0, 5, 0, 0, 0, 1]);
  assert.throws(() => splitBytesElements(overrun), (e: Error) => {
    assert.ok(e instanceof BytesFramingError);
    assert.equal(e.kind, "overrun");
    assert.equal(e.offset, 4);
    return true;
  });
});
